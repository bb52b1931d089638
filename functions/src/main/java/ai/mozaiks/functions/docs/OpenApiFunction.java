package ai.mozaiks.functions.docs;

import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.HttpStatus;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * {@code GET /api/openapi.yaml}: the OpenAPI document of this API, exactly as it ships in the jar
 * ({@code openapi.yaml} at the classpath root). Anyone may read it; caches may keep it five minutes.
 */
public final class OpenApiFunction {
    /** Where the document lives on the classpath. */
    public static final String RESOURCE = "/openapi.yaml";
    static final String CONTENT_TYPE = "application/yaml";
    static final String CACHE_CONTROL = "public, max-age=300";

    private final String document;

    /**
     * Takes the document from the classpath. The Java worker asks the injector for a new instance
     * on every invocation, so the text is read once per process (on first use) and shared.
     */
    public OpenApiFunction() {
        this.document = Document.TEXT;
    }

    @FunctionName("openApi")
    public HttpResponseMessage run(
            @HttpTrigger(name = "request", methods = {HttpMethod.GET}, route = "api/openapi.yaml",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request) {
        return request.createResponseBuilder(HttpStatus.OK)
                .header("Content-Type", CONTENT_TYPE)
                .header("Cache-Control", CACHE_CONTROL)
                .body(document)
                .build();
    }

    /** Loaded by the JVM once, when the first instance is built. */
    private static final class Document {
        static final String TEXT = read();

        private static String read() {
            try (InputStream in = OpenApiFunction.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException(RESOURCE + " is missing from the classpath");
                }
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(RESOURCE + " cannot be read", e);
            }
        }
    }
}

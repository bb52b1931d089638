package ai.mozaiks.functions.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.functions.FunctionFactory;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.HttpStatus;
import com.microsoft.azure.functions.HttpStatusType;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** {@code GET /api/openapi.yaml} serves the document that ships in the jar, as YAML, cacheable. */
class OpenApiFunctionTest {

    @Test
    void servesTheDocumentAsCacheableYaml() throws IOException {
        HttpResponseMessage response = new OpenApiFunction().run(get());

        assertEquals(200, response.getStatusCode());
        assertEquals("application/yaml", response.getHeader("Content-Type"));
        assertEquals("public, max-age=300", response.getHeader("Cache-Control"));
        assertEquals(classpathDocument(), response.getBody());
        assertTrue(((String) response.getBody()).startsWith("openapi: 3.1"), "an OpenAPI 3.1 document");
    }

    @Test
    void readsTheDocumentOnceForEveryInstance() {
        // The Java worker builds an instance per invocation: they must share one text, not re-read it.
        Object first = new OpenApiFunction().run(get()).getBody();
        Object second = new OpenApiFunction().run(get()).getBody();
        assertSame(first, second);
    }

    @Test
    void isAnAnonymousGetAtApiOpenapiYamlThatTheFactoryKnows() throws Exception {
        Method run = OpenApiFunction.class.getMethod("run", HttpRequestMessage.class);
        assertEquals("openApi", run.getAnnotation(FunctionName.class).value());
        HttpTrigger trigger = run.getParameters()[0].getAnnotation(HttpTrigger.class);
        assertNotNull(trigger);
        assertEquals("api/openapi.yaml", trigger.route());
        assertEquals(List.of(HttpMethod.GET), List.of(trigger.methods()));
        assertEquals(AuthorizationLevel.ANONYMOUS, trigger.authLevel());

        assertTrue(FunctionFactory.functionClasses().contains(OpenApiFunction.class), "registered in FunctionFactory");
        // It needs nothing from the platform.
        assertInstanceOf(OpenApiFunction.class, FunctionFactory.create(OpenApiFunction.class, null));
    }

    private static String classpathDocument() throws IOException {
        try (InputStream in = OpenApiFunctionTest.class.getResourceAsStream(OpenApiFunction.RESOURCE)) {
            assertNotNull(in, OpenApiFunction.RESOURCE + " is not on the classpath");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static Request get() {
        return new Request(HttpMethod.GET, URI.create("http://localhost:7071/api/openapi.yaml"));
    }

    /** The request as the worker hands it over: no headers, no query, no body. */
    private record Request(HttpMethod method, URI uri) implements HttpRequestMessage<Optional<String>> {
        @Override
        public URI getUri() {
            return uri;
        }

        @Override
        public HttpMethod getHttpMethod() {
            return method;
        }

        @Override
        public Map<String, String> getHeaders() {
            return Map.of();
        }

        @Override
        public Map<String, String> getQueryParameters() {
            return Map.of();
        }

        @Override
        public Optional<String> getBody() {
            return Optional.empty();
        }

        @Override
        public HttpResponseMessage.Builder createResponseBuilder(HttpStatus status) {
            return new Response.Builder(status);
        }

        @Override
        public HttpResponseMessage.Builder createResponseBuilder(HttpStatusType status) {
            return new Response.Builder(status);
        }
    }

    /** The response a function builds; header names compare case-insensitively, as in HTTP. */
    private record Response(HttpStatusType getStatus, Map<String, String> headers, Object getBody) implements HttpResponseMessage {
        @Override
        public String getHeader(String name) {
            return headers.get(name);
        }

        static final class Builder implements HttpResponseMessage.Builder {
            private HttpStatusType status;
            private final Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            private Object body;

            Builder(HttpStatusType status) {
                this.status = status;
            }

            @Override
            public HttpResponseMessage.Builder status(HttpStatusType status) {
                this.status = status;
                return this;
            }

            @Override
            public HttpResponseMessage.Builder header(String name, String value) {
                headers.put(name, value);
                return this;
            }

            @Override
            public HttpResponseMessage.Builder body(Object body) {
                this.body = body;
                return this;
            }

            @Override
            public HttpResponseMessage build() {
                return new Response(status, headers, body);
            }
        }
    }
}

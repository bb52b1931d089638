package ai.mozaiks.models.azure;

import ai.mozaiks.models.Timeouts;
import com.azure.ai.openai.OpenAIServiceVersion;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * An Azure OpenAI resource, reached through the {@code azure-ai-openai} SDK.
 *
 * @param endpoint       the resource endpoint, such as {@code https://my-resource.openai.azure.com}
 * @param apiKey         the resource key, or {@code null} to sign in with an Entra identity
 * @param apiVersion     an {@code api-version} the SDK knows, such as {@code 2025-01-01-preview}
 * @param tokenScope     the scope of Entra tokens ({@code https://cognitiveservices.azure.com/.default})
 * @param connectTimeout the longest wait to open a connection
 * @param readTimeout    the longest wait for the answer to start, and then between two pieces of the stream
 */
public record AzureOpenAiSettings(
        URI endpoint,
        String apiKey,
        String apiVersion,
        String tokenScope,
        Duration connectTimeout,
        Duration readTimeout) {

    public static final String DEFAULT_SCOPE = "https://cognitiveservices.azure.com/.default";
    public static final String DEFAULT_API_VERSION = OpenAIServiceVersion.V2025_01_01_PREVIEW.getVersion();
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(60);

    public AzureOpenAiSettings {
        if (endpoint == null || endpoint.getHost() == null
                || !("http".equals(endpoint.getScheme()) || "https".equals(endpoint.getScheme()))) {
            throw new IllegalArgumentException("endpoint must be an https URL: " + endpoint);
        }
        apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey.strip();
        // The SDK refuses keys and tokens over http; only a local test server may do without TLS.
        if ("http".equals(endpoint.getScheme()) && (apiKey == null || !isLoopback(endpoint.getHost()))) {
            throw new IllegalArgumentException("endpoint must be https (plain http only with a key, to a loopback address): "
                    + endpoint);
        }
        apiVersion = apiVersion == null || apiVersion.isBlank() ? DEFAULT_API_VERSION : apiVersion.strip();
        serviceVersion(apiVersion);
        tokenScope = tokenScope == null || tokenScope.isBlank() ? DEFAULT_SCOPE : tokenScope.strip();
        connectTimeout = Timeouts.positive(connectTimeout, DEFAULT_CONNECT_TIMEOUT, "connectTimeout");
        readTimeout = Timeouts.positive(readTimeout, DEFAULT_READ_TIMEOUT, "readTimeout");
    }

    /** A resource with a key and the defaults for the rest. */
    public static AzureOpenAiSettings withKey(URI endpoint, String apiKey) {
        return new AzureOpenAiSettings(endpoint, apiKey, null, null, null, null);
    }

    /** A resource reached with an Entra identity and the defaults for the rest. */
    public static AzureOpenAiSettings withIdentity(URI endpoint) {
        return new AzureOpenAiSettings(endpoint, null, null, null, null, null);
    }

    public AzureOpenAiSettings withTimeouts(Duration connect, Duration read) {
        return new AzureOpenAiSettings(endpoint, apiKey, apiVersion, tokenScope, connect, read);
    }

    public AzureOpenAiSettings withApiVersion(String version) {
        return new AzureOpenAiSettings(endpoint, apiKey, version, tokenScope, connectTimeout, readTimeout);
    }

    public OpenAIServiceVersion serviceVersion() {
        return serviceVersion(apiVersion);
    }

    private static OpenAIServiceVersion serviceVersion(String version) {
        return Arrays.stream(OpenAIServiceVersion.values())
                .filter(known -> known.getVersion().equals(version))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("api version " + version + " is not one the SDK knows: "
                        + Arrays.stream(OpenAIServiceVersion.values()).map(OpenAIServiceVersion::getVersion)
                        .collect(Collectors.joining(", "))));
    }

    static boolean isLoopback(String host) {
        if ("localhost".equalsIgnoreCase(host)) {
            return true;
        }
        String literal = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (!literal.matches("[0-9.]+|[0-9a-fA-F:]+")) {
            return false; // a name: no lookup here
        }
        try {
            return InetAddress.getByName(literal).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** The key is a secret: it never appears in logs or error messages. */
    @Override
    public String toString() {
        return "AzureOpenAiSettings[endpoint=" + endpoint + ", apiKey=" + (apiKey == null ? "none (entra identity)" : "***")
                + ", apiVersion=" + apiVersion + ", tokenScope=" + tokenScope + ", connectTimeout=" + connectTimeout
                + ", readTimeout=" + readTimeout + "]";
    }
}

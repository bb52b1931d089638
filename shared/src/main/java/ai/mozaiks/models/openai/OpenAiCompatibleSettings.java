package ai.mozaiks.models.openai;

import ai.mozaiks.models.Timeouts;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;

/**
 * Where an OpenAI-compatible chat-completions endpoint is and how to talk to it.
 *
 * @param baseUrl        {@code OPENAI} style: the API root up to its version segment, such as
 *                       {@code https://api.openai.com/v1} or {@code http://127.0.0.1:11434/v1} (a URL
 *                       with no path gets {@code /v1}); {@code AZURE} style: the resource endpoint,
 *                       such as {@code https://my-resource.openai.azure.com}. Plain http is allowed,
 *                       for local servers (Ollama, llama.cpp).
 * @param style          how the path and the key are put on the request
 * @param apiKey         the key, or {@code null} for servers that take none ({@code OPENAI} style only)
 * @param apiVersion     the {@code api-version} query value ({@code AZURE} style only)
 * @param connectTimeout the longest wait to open a connection
 * @param readTimeout    the longest wait for the answer to start, and then between two pieces of the stream
 */
public record OpenAiCompatibleSettings(
        URI baseUrl,
        ApiStyle style,
        String apiKey,
        String apiVersion,
        Duration connectTimeout,
        Duration readTimeout) {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(60);

    public enum ApiStyle {
        /** {@code POST <base>/chat/completions} with {@code Authorization: Bearer <key>}. */
        OPENAI,
        /** {@code POST <endpoint>/openai/deployments/<deployment>/chat/completions?api-version=...} with {@code api-key}. */
        AZURE
    }

    public OpenAiCompatibleSettings {
        if (baseUrl == null || baseUrl.getHost() == null
                || !("http".equals(baseUrl.getScheme()) || "https".equals(baseUrl.getScheme()))) {
            throw new IllegalArgumentException("baseUrl must be an http(s) URL: " + baseUrl);
        }
        if (style == null) {
            throw new IllegalArgumentException("style is required");
        }
        apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey.strip();
        apiVersion = apiVersion == null || apiVersion.isBlank() ? null : apiVersion.strip();
        if (style == ApiStyle.AZURE && (apiKey == null || apiVersion == null)) {
            throw new IllegalArgumentException("the azure style needs an api key and an api version");
        }
        connectTimeout = Timeouts.positive(connectTimeout, DEFAULT_CONNECT_TIMEOUT, "connectTimeout");
        readTimeout = Timeouts.positive(readTimeout, DEFAULT_READ_TIMEOUT, "readTimeout");
    }

    /** An OpenAI-style server with the default timeouts; {@code apiKey} may be {@code null}. */
    public static OpenAiCompatibleSettings openAi(URI baseUrl, String apiKey) {
        return new OpenAiCompatibleSettings(baseUrl, ApiStyle.OPENAI, apiKey, null, null, null);
    }

    /** An Azure OpenAI resource reached with a key, with the default timeouts. */
    public static OpenAiCompatibleSettings azure(URI endpoint, String apiKey, String apiVersion) {
        return new OpenAiCompatibleSettings(endpoint, ApiStyle.AZURE, apiKey, apiVersion, null, null);
    }

    public OpenAiCompatibleSettings withTimeouts(Duration connect, Duration read) {
        return new OpenAiCompatibleSettings(baseUrl, style, apiKey, apiVersion, connect, read);
    }

    /** The chat-completions URL for a model (OPENAI) or deployment (AZURE); a query on the base URL is dropped. */
    public URI chatCompletionsUrl(String modelOrDeployment) {
        String root = baseUrl.getScheme() + "://" + baseUrl.getRawAuthority();
        String path = strip(baseUrl.getRawPath() == null ? "" : baseUrl.getRawPath());
        if (style == ApiStyle.OPENAI) {
            return URI.create(root + (path.isEmpty() ? "/v1" : path) + "/chat/completions");
        }
        return URI.create(root + path + "/openai/deployments/" + encode(modelOrDeployment)
                + "/chat/completions?api-version=" + encode(apiVersion));
    }

    private static String strip(String value) {
        String result = value;
        while (result.endsWith("/")) {
            result = result.substring(0, result.length() - 1);
        }
        return result;
    }

    private static String encode(String value) {
        return java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** The key is a secret: it never appears in logs or error messages. */
    @Override
    public String toString() {
        return "OpenAiCompatibleSettings[baseUrl=" + baseUrl + ", style=" + style.name().toLowerCase(Locale.ROOT)
                + ", apiKey=" + (apiKey == null ? "none" : "***") + ", apiVersion=" + apiVersion
                + ", connectTimeout=" + connectTimeout + ", readTimeout=" + readTimeout + "]";
    }
}

package ai.mozaiks.devhost;

import java.net.URI;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code WEBPUBSUB_CONNECTION_STRING} asks of the devhost. Blank, or an {@code http://localhost}
 * endpoint, means the emulator: on that endpoint's port, with its access key or, when that is blank
 * (as in the sample, which holds no secret), the devhost's own. Anything else is a real service.
 */
record LocalWebPubSub(int port, String accessKey) {
    /** Where the emulator listens when the setting is blank. */
    static final int DEFAULT_PORT = 7080;

    static Optional<LocalWebPubSub> from(String connectionString, String devAccessKey) {
        if (connectionString == null || connectionString.isBlank()) {
            return Optional.of(new LocalWebPubSub(DEFAULT_PORT, devAccessKey));
        }
        Map<String, String> parts = parts(connectionString);
        URI endpoint;
        try {
            endpoint = URI.create(parts.getOrDefault("endpoint", ""));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        String host = endpoint.getHost() == null ? "" : endpoint.getHost().toLowerCase(Locale.ROOT);
        if (!"http".equalsIgnoreCase(endpoint.getScheme()) || !(host.equals("localhost") || host.equals("127.0.0.1"))) {
            return Optional.empty();
        }
        String key = parts.getOrDefault("accesskey", "");
        return Optional.of(new LocalWebPubSub(endpoint.getPort() > 0 ? endpoint.getPort() : 80, key.isBlank() ? devAccessKey : key));
    }

    /** {@code Key=value;} pairs, keys case-insensitive, as the SDKs read them. */
    private static Map<String, String> parts(String connectionString) {
        Map<String, String> parts = new HashMap<>();
        for (String part : connectionString.split(";")) {
            int equals = part.indexOf('=');
            if (equals > 0) {
                parts.put(part.substring(0, equals).strip().toLowerCase(Locale.ROOT), part.substring(equals + 1).strip());
            }
        }
        return parts;
    }
}

package ai.mozaiks.config;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Azure Web PubSub (by connection string locally, by endpoint and managed identity in Azure), the
 * hub chats use, and the key that signs the short-lived runtime tokens the broker hands out.
 *
 * @param upstreamKeys the service's access keys, which sign its upstream calls ({@code ce-signature}): the
 *                     connection string's key and any in {@code WEBPUBSUB_UPSTREAM_KEYS} (comma separated, for
 *                     rotation, or the only ones with a managed identity). None: every upstream call is refused.
 */
public record RealtimeSettings(String connectionString, String endpoint, String hub, byte[] runtimeTokenKey,
                               Duration runtimeTokenLifetime, List<String> upstreamKeys) {

    public RealtimeSettings {
        upstreamKeys = List.copyOf(upstreamKeys);
    }

    /** The service's host name: the origin its upstream calls announce (abuse protection). */
    public String serviceHost() {
        String url = endpoint != null ? endpoint : part(connectionString, "endpoint");
        try {
            return url == null ? null : URI.create(url).getHost();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** A {@code Key=value;} part of a connection string, the key matched case-insensitively. */
    static String part(String connectionString, String name) {
        if (connectionString == null) {
            return null;
        }
        for (String part : connectionString.split(";")) {
            int equals = part.indexOf('=');
            if (equals > 0 && part.substring(0, equals).strip().equalsIgnoreCase(name)) {
                return part.substring(equals + 1).strip();
            }
        }
        return null;
    }

    static RealtimeSettings read(SettingsReader reader) {
        String connectionString = reader.optional("WEBPUBSUB_CONNECTION_STRING");
        String endpoint = reader.optional("WEBPUBSUB_ENDPOINT");
        if (connectionString == null && endpoint == null) {
            reader.problem("WEBPUBSUB_CONNECTION_STRING: missing; expected \"Endpoint=https://...;AccessKey=...;Version=1.0;\""
                    + " or WEBPUBSUB_ENDPOINT for a managed identity");
        } else if (connectionString != null && (part(connectionString, "endpoint") == null
                || part(connectionString, "accesskey") == null || part(connectionString, "accesskey").isEmpty())) {
            reader.problem("WEBPUBSUB_CONNECTION_STRING: not a Web PubSub connection string with a key;"
                    + " expected Endpoint=...;AccessKey=...;Version=1.0;");
        }
        List<String> upstreamKeys = new ArrayList<>();
        String connectionKey = part(connectionString, "accesskey");
        if (connectionKey != null && !connectionKey.isEmpty()) {
            upstreamKeys.add(connectionKey);
        }
        String extraKeys = reader.optional("WEBPUBSUB_UPSTREAM_KEYS");
        if (extraKeys != null) {
            for (String extra : extraKeys.split(",")) {
                if (!extra.isBlank() && !upstreamKeys.contains(extra.strip())) {
                    upstreamKeys.add(extra.strip());
                }
            }
        }
        String hub = reader.string("WEBPUBSUB_HUB", "chat", value -> value.matches("[A-Za-z][A-Za-z0-9_]{0,127}"),
                "a hub name: a letter, then letters, digits or _");
        byte[] key = reader.key("RUNTIME_TOKEN_KEY");
        Duration lifetime = Duration.ofMinutes(reader.integer("RUNTIME_TOKEN_MINUTES", 15, 1, 120));
        return new RealtimeSettings(connectionString, endpoint, hub, key, lifetime, upstreamKeys);
    }

    @Override
    public String toString() {
        return "RealtimeSettings[hub=" + hub + ", endpoint=" + (endpoint != null ? endpoint : "from connection string") + "]";
    }
}

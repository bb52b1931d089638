package ai.mozaiks.config;

import java.time.Duration;
import java.util.Base64;

/**
 * Azure Web PubSub (by connection string locally, by endpoint and managed identity in Azure), the
 * hub chats use, and the key that signs the short-lived runtime tokens the broker hands out.
 */
public record RealtimeSettings(String connectionString, String endpoint, String hub, byte[] runtimeTokenKey,
                               Duration runtimeTokenLifetime) {

    static RealtimeSettings read(SettingsReader reader) {
        String connectionString = reader.optional("WEBPUBSUB_CONNECTION_STRING");
        String endpoint = reader.optional("WEBPUBSUB_ENDPOINT");
        if (connectionString == null && endpoint == null) {
            reader.problem("WEBPUBSUB_CONNECTION_STRING: missing; expected \"Endpoint=https://...;AccessKey=...;Version=1.0;\""
                    + " or WEBPUBSUB_ENDPOINT for a managed identity");
        } else if (connectionString != null && !connectionString.contains("Endpoint=")) {
            reader.problem("WEBPUBSUB_CONNECTION_STRING: not a Web PubSub connection string; expected Endpoint=...;AccessKey=...");
        }
        String hub = reader.string("WEBPUBSUB_HUB", "chat", value -> value.matches("[A-Za-z][A-Za-z0-9_]{0,127}"),
                "a hub name: a letter, then letters, digits or _");
        byte[] key = null;
        String secret = reader.required("RUNTIME_TOKEN_KEY", "a base64 key of at least 32 bytes (a Key Vault reference in Azure)");
        if (secret != null) {
            try {
                key = Base64.getDecoder().decode(secret);
            } catch (IllegalArgumentException e) {
                key = new byte[0];
            }
            if (key.length < 32) {
                reader.problem("RUNTIME_TOKEN_KEY: must be base64 of at least 32 bytes");
            }
        }
        Duration lifetime = Duration.ofMinutes(reader.integer("RUNTIME_TOKEN_MINUTES", 15, 1, 120));
        return new RealtimeSettings(connectionString, endpoint, hub, key, lifetime);
    }

    @Override
    public String toString() {
        return "RealtimeSettings[hub=" + hub + ", endpoint=" + (endpoint != null ? endpoint : "from connection string") + "]";
    }
}

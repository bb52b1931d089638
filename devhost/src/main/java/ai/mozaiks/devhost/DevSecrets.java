package ai.mozaiks.devhost;

import ai.mozaiks.http.Json;
import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Keys the local platform needs but no developer should have to invent: made at random on first
 * start, kept under {@code .devhost/} (never in the repo), so tokens survive a restart.
 */
final class DevSecrets {
    private static final SecureRandom RANDOM = new SecureRandom();

    private DevSecrets() {
    }

    /** {@code runtime_token_key}, {@code webpubsub_access_key} and {@code app_settings_key}, base64. */
    static Map<String, String> load(Path state) throws IOException {
        Path file = state.resolve("dev-secrets.json");
        Map<String, String> secrets = new LinkedHashMap<>();
        if (Files.isRegularFile(file)) {
            secrets.putAll(Json.mapper().readValue(file.toFile(), new TypeReference<Map<String, String>>() { }));
        }
        int kept = secrets.size();
        // A key added since the file was written is made now; the ones kept stay (tokens and secrets survive).
        for (String name : new String[] {"runtime_token_key", "webpubsub_access_key", "app_settings_key"}) {
            secrets.computeIfAbsent(name, missing -> random());
        }
        if (secrets.size() != kept) {
            Files.createDirectories(state);
            Files.writeString(file, Json.write(secrets));
        }
        return secrets;
    }

    private static String random() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }
}

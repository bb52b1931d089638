package ai.mozaiks.devhost;

import ai.mozaiks.http.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The app settings the devhost runs with: the {@code Values} of local.settings.json (or of the
 * checked-in sample when there is none), overridden by the process environment. The sample is
 * thereby the one list of settings with their local defaults.
 */
public final class LocalSettings {
    private LocalSettings() {
    }

    public static Map<String, String> load(Path home, Map<String, String> environment) {
        Path file = home.resolve("local.settings.json");
        if (!Files.isRegularFile(file)) {
            file = home.resolve("local.settings.sample.json");
        }
        Map<String, String> values = new HashMap<>(values(file));
        values.putAll(environment);
        return values;
    }

    static Map<String, String> values(Path file) {
        try {
            JsonNode root = Json.mapper().readTree(file.toFile());
            Map<String, String> values = new HashMap<>();
            root.path("Values").fields().forEachRemaining(entry -> values.put(entry.getKey(), entry.getValue().asText()));
            return values;
        } catch (IOException e) {
            throw new UncheckedIOException(file + " cannot be read", e);
        }
    }
}

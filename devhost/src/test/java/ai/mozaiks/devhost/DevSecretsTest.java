package ai.mozaiks.devhost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The devhost's local keys: made once, kept across starts, and a key added later is made without losing the others. */
class DevSecretsTest {
    @TempDir
    Path state;

    @Test
    void keysAreMadeOnceAndKept() throws IOException {
        Map<String, String> first = DevSecrets.load(state);
        assertEquals(Set.of("runtime_token_key", "webpubsub_access_key", "app_settings_key"), first.keySet());
        first.values().forEach(key -> assertEquals(32, Base64.getDecoder().decode(key).length));
        assertNotEquals(first.get("runtime_token_key"), first.get("app_settings_key"), "independent keys");
        assertEquals(first, DevSecrets.load(state), "the same keys on the next start");
    }

    @Test
    void aFileFromBeforeTheAppSettingsKeyGainsItAndKeepsTheOthers() throws IOException {
        Files.writeString(state.resolve("dev-secrets.json"), "{\"runtime_token_key\":\"cnVudGltZQ==\",\"webpubsub_access_key\":\"d3Bz\"}");
        Map<String, String> loaded = DevSecrets.load(state);
        assertEquals("cnVudGltZQ==", loaded.get("runtime_token_key"));
        assertEquals("d3Bz", loaded.get("webpubsub_access_key"));
        assertEquals(32, Base64.getDecoder().decode(loaded.get("app_settings_key")).length);
        assertEquals(loaded, DevSecrets.load(state), "written back, so it is kept");
    }
}

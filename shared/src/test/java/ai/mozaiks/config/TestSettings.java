package ai.mozaiks.config;

import java.util.HashMap;
import java.util.Map;

/** The fewest settings a platform starts with (every secret a test value), for tests that vary a few of them. */
public final class TestSettings {
    private TestSettings() {
    }

    /** The required settings with {@code connection} as the shared cluster, then {@code keyValues} (name, value, …) over them. */
    public static Map<String, String> minimal(String connection, String... keyValues) {
        Map<String, String> source = new HashMap<>();
        source.put("MONGODB_CONNECTION_STRING", connection);
        source.put("AzureWebJobsStorage", "UseDevelopmentStorage=true");
        source.put("AUTH_PLATFORM_ISSUER", "https://login.example.com/tenant/v2.0");
        source.put("AUTH_PLATFORM_AUDIENCE", "api://mozaiks");
        source.put("WEBPUBSUB_CONNECTION_STRING", "Endpoint=http://127.0.0.1:1;AccessKey=dGVzdC1ydW50aW1lLXRva2VuLWtleS0zMi1ieXRlcyEh;Version=1.0;");
        source.put("RUNTIME_TOKEN_KEY", "dGVzdC1ydW50aW1lLXRva2VuLWtleS0zMi1ieXRlcyEh");
        source.put("APP_SETTINGS_KEY", "dGVzdC1hcHAtc2V0dGluZ3Mta2V5LW9mLTMyLWJ5dGU=");
        source.put("MODEL_PROVIDER", "offline");
        for (int i = 0; i < keyValues.length; i += 2) {
            source.put(keyValues[i], keyValues[i + 1]);
        }
        return source;
    }
}

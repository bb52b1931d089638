package ai.mozaiks.bench;

import ai.mozaiks.config.Settings;
import ai.mozaiks.devhost.ProjectHome;
import ai.mozaiks.devhost.identity.DevIdentityProvider;
import ai.mozaiks.devhost.webpubsub.WebPubSubEmulator;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;

/** The platform's settings for a benchmark on the devhost's stack: its emulators, the dev IdP and a local model server. */
final class BenchSettings {
    /** The audience of the dev IdP's tokens, the platform's and the apps' end-users'. */
    static final String AUDIENCE = "mozaiks-bench";
    /** The Web PubSub emulator's access key and the runtime tokens' key. */
    static final String KEY = "YmVuY2gtb25seS1ub3QtYS1yZWFsLWtleS0zMi1ieXRlcyE=";

    private BenchSettings() {
    }

    /**
     * Settings on the given storage and database, with queues of their own ({@code queuePrefix}-steps-…, so runs never share
     * one) and the timers' work (purge, stall reaper) out of the way of what is measured.
     */
    static Map<String, String> of(String storage, String mongo, URI model, DevIdentityProvider idp, WebPubSubEmulator webPubSub,
                                  String queuePrefix) {
        Map<String, String> map = new HashMap<>();
        map.put("MONGODB_CONNECTION_STRING", mongo);
        map.put("MONGODB_CONTROL_DATABASE", "bench_control");
        map.put("MONGODB_RUNTIME_DATABASE", "bench_runtime");
        map.put(Settings.STORAGE, storage);
        map.put("MOZAIKS_ENVIRONMENT", "development");
        map.put("AUTH_PLATFORM_ISSUER", idp.issuer());
        map.put("AUTH_PLATFORM_JWKS_URL", idp.jwksUri().toString());
        map.put("AUTH_PLATFORM_AUDIENCE", AUDIENCE);
        map.put("WEBPUBSUB_CONNECTION_STRING", webPubSub.connectionString());
        map.put("RUNTIME_TOKEN_KEY", KEY);
        map.put("APP_SETTINGS_KEY", "YmVuY2gtb25seS1hcHAtc2V0dGluZ3Mta2V5LTMyYnk=");
        map.put("MODEL_PROVIDER", "openai");
        map.put("MODEL_NAME", "bench");
        map.put("MODEL_ENDPOINT", model.toString());
        map.put("MODEL_API_KEY", "bench");
        String run = Long.toHexString(System.nanoTime());
        map.put("STEP_QUEUE", queuePrefix + "-steps-" + run);
        map.put("MIGRATION_QUEUE", queuePrefix + "-migrations-" + run);
        map.put("WORKFLOWS_DIR", ProjectHome.find().resolve("workflows").toString());
        map.put("APP_PURGE_SCHEDULE", "0 0 0 1 1 *");
        map.put("STALL_REAPER_SCHEDULE", "0 0 0 1 1 *");
        return map;
    }
}

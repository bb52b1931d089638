package ai.mozaiks.devhost.ui;

import ai.mozaiks.persistence.StrictProfileExtension;
import ai.mozaiks.config.Settings;
import ai.mozaiks.devhost.TestEmulators;
import ai.mozaiks.devhost.functions.FunctionHost;
import ai.mozaiks.devhost.functions.HostJson;
import ai.mozaiks.devhost.http.HttpHost;
import ai.mozaiks.devhost.http.StaticFiles;
import ai.mozaiks.devhost.identity.DevIdentityProvider;
import ai.mozaiks.devhost.webpubsub.EmulatorOptions;
import ai.mozaiks.devhost.webpubsub.EventHandler;
import ai.mozaiks.devhost.webpubsub.WebPubSubEmulator;
import ai.mozaiks.functions.FunctionFactory;
import ai.mozaiks.functions.PlatformFunctionInjector;
import ai.mozaiks.platform.Platform;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Everything the ChatUI talks to, wired as {@code ./run-local} wires it but on free ports and with
 * the test emulators: the function app and the built ChatUI on one loopback origin, the development
 * identity provider, and the Web PubSub emulator whose hub sends its events upstream to the function
 * app. The offline model answers, so a chat runs with no account.
 */
final class ChatUiStack implements AutoCloseable {
    static final String AUDIENCE = "mozaiks-ui-test";
    private static final String KEY = "dGVzdC1ydW50aW1lLXRva2VuLWtleS0zMi1ieXRlcyEh";
    private static final String HUB = "chat";

    private final WebPubSubEmulator webPubSub;
    private final Platform platform;
    private final FunctionHost host;
    final URI base;

    private ChatUiStack(WebPubSubEmulator webPubSub, Platform platform, FunctionHost host) {
        this.webPubSub = webPubSub;
        this.platform = platform;
        this.host = host;
        this.base = URI.create("http://127.0.0.1:" + host.port() + "/");
    }

    /** Starts it all with the checkout's built ChatUI; fails when web/dist has not been built. */
    static ChatUiStack start(Path home) throws IOException, InterruptedException {
        StaticFiles chatUi = StaticFiles.chatUi(home)
                .orElseThrow(() -> new IllegalStateException(StaticFiles.CHAT_UI + " is not built"));
        HttpServer server = HttpHost.bind("127.0.0.1", 0);
        int port = server.getAddress().getPort();
        String run = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        WebPubSubEmulator webPubSub = WebPubSubEmulator.start(EmulatorOptions.withKey(KEY).withEventHandler(HUB,
                new EventHandler("http://127.0.0.1:" + port + "/api/realtime/upstream", Set.of("connect", "connected", "disconnected"), "*")));
        Platform platform = null;
        try {
            DevIdentityProvider idp = DevIdentityProvider.start(Files.createTempDirectory("mozaiks-chatui-"), port, AUDIENCE,
                    Map.of("MOZAIKS_ENVIRONMENT", "development"), Clock.systemUTC());
            Map<String, String> settings = new HashMap<>();
            settings.put("MONGODB_CONNECTION_STRING", TestEmulators.mongo().connectionString());
            // Databases and queues of this test's own, so no other test class of the JVM sees its chats.
            settings.put("MONGODB_CONTROL_DATABASE", "ui_control_" + run);
            settings.put("MONGODB_RUNTIME_DATABASE", "ui_runtime_" + run);
            settings.put("STEP_QUEUE", "ui-steps-" + run);
            settings.put("MIGRATION_QUEUE", "ui-migrations-" + run);
            settings.put("AzureWebJobsStorage", TestEmulators.azurite().connectionString());
            settings.put("MOZAIKS_ENVIRONMENT", "development");
            // As the sample settings of ./run-local: every tenant may try every tier (the browser creates a pro app).
            settings.put("DEFAULT_TENANT_MAX_TIER", "enterprise");
            settings.put("AUTH_PLATFORM_ISSUER", idp.issuer());
            settings.put("AUTH_PLATFORM_JWKS_URL", idp.jwksUri().toString());
            settings.put("AUTH_PLATFORM_AUDIENCE", AUDIENCE);
            settings.put("WEBPUBSUB_CONNECTION_STRING", webPubSub.connectionString());
            settings.put("WEBPUBSUB_HUB", HUB);
            settings.put("RUNTIME_TOKEN_KEY", KEY);
            settings.put("APP_SETTINGS_KEY", "dGVzdC1hcHAtc2V0dGluZ3Mta2V5LW9mLTMyLWJ5dGU=");
            settings.put("MODEL_PROVIDER", "offline");
            settings.putAll(StrictProfileExtension.SETTINGS);
            settings.put("WORKFLOWS_DIR", home.resolve("workflows").toString());
            settings.put("APP_PURGE_SCHEDULE", "0 0 0 1 1 *");
            settings.put("STALL_REAPER_SCHEDULE", "0 0 0 1 1 *");
            platform = Platform.start(Settings.from(settings));
            ai.mozaiks.devhost.DeployStep.ensureSchema(platform);
            Map<String, HttpHandler> routes = new HashMap<>(idp.routes());
            routes.put(HttpHost.SITE, chatUi);
            FunctionHost host = FunctionHost.start(server, FunctionFactory.functionClasses(), new PlatformFunctionInjector(platform),
                    settings, HostJson.load(), routes);
            return new ChatUiStack(webPubSub, platform, host);
        } catch (RuntimeException | IOException e) {
            if (platform != null) {
                platform.close();
            }
            webPubSub.close();
            server.stop(0);
            throw e;
        }
    }

    @Override
    public void close() throws InterruptedException {
        host.close();
        platform.close();
        webPubSub.close();
    }
}

package ai.mozaiks.devhost;

import ai.mozaiks.config.ConnectionStrings;
import ai.mozaiks.config.MongoFlavor;
import ai.mozaiks.config.MongoSettings;
import ai.mozaiks.config.Settings;
import ai.mozaiks.config.SettingsException;
import ai.mozaiks.devhost.emulators.Azurite;
import ai.mozaiks.devhost.emulators.EmbeddedMongo;
import ai.mozaiks.devhost.emulators.Ports;
import ai.mozaiks.devhost.functions.FunctionHost;
import ai.mozaiks.devhost.functions.HostJson;
import ai.mozaiks.devhost.http.HttpHost;
import ai.mozaiks.devhost.http.StaticFiles;
import ai.mozaiks.devhost.identity.DevIdentityProvider;
import ai.mozaiks.devhost.logging.DevLogging;
import ai.mozaiks.devhost.webpubsub.EmulatorOptions;
import ai.mozaiks.devhost.webpubsub.EventHandler;
import ai.mozaiks.devhost.webpubsub.WebPubSubEmulator;
import ai.mozaiks.functions.FunctionFactory;
import ai.mozaiks.functions.PlatformFunctionInjector;
import ai.mozaiks.platform.Platform;
import com.mongodb.ConnectionString;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

/**
 * {@code ./run-local}: the whole platform on one machine with no cloud account. Embedded MongoDB
 * (H2 files under .devhost/), Azurite, the Web PubSub emulator, and the function app served from its
 * own annotations.
 */
public final class DevHost {
    private static final String STORAGE = Settings.STORAGE;
    private static final String WEBPUBSUB = "WEBPUBSUB_CONNECTION_STRING";
    /** The function app's HTTP endpoint for Web PubSub events. */
    private static final String UPSTREAM_PATH = "/api/realtime/upstream";

    private final Deque<AutoCloseable> running = new ArrayDeque<>();

    public static void main(String[] args) {
        DevLogging.configure();
        DevHost devHost = new DevHost();
        try {
            DevHostOptions options = DevHostOptions.parse(args);
            if (options.help()) {
                System.out.print(DevHostOptions.USAGE);
                return;
            }
            Runtime.getRuntime().addShutdownHook(new Thread(devHost::stop, "devhost-stop"));
            devHost.start(options, ProjectHome.find(), System.getenv());
        } catch (IllegalArgumentException | IllegalStateException | SettingsException | IOException e) {
            System.err.println("devhost: " + e.getMessage());
            devHost.stop();
            System.exit(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            new CountDownLatch(1).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The timer function that queues again the steps of stalled chats ({@code StallReaperFunction}). */
    static final String STALL_REAPER = "requeueStalledChats";

    void start(DevHostOptions options, Path home, Map<String, String> environment) throws IOException, InterruptedException {
        long started = System.nanoTime();
        Path state = home.resolve(".devhost");
        running.push(ProcessLock.acquire(state.resolve("devhost.lock")));
        HttpServer server = options.emulatorsOnly() ? null : HttpHost.bind(Ports.LOOPBACK, options.port());
        if (options.fresh()) {
            wipe(state.resolve("mongo"));
            wipe(state.resolve("azurite"));
            wipe(home.resolve(DevIdentityProvider.STATE_DIRECTORY));
            Files.deleteIfExists(state.resolve("dev-secrets.json"));
        }
        Map<String, String> settings = new HashMap<>(LocalSettings.load(home, environment));
        settings.putIfAbsent("MOZAIKS_ENVIRONMENT", "development");
        // Local keys, made once and kept in .devhost/.
        Map<String, String> secrets = DevSecrets.load(state);
        Banner banner = new Banner();

        String storage = settings.get(STORAGE);
        CompletableFuture<Azurite> azurite = usesDevelopmentStorage(storage)
                ? CompletableFuture.supplyAsync(() -> startAzurite(home, state.resolve("azurite")))
                : CompletableFuture.completedFuture(null);
        Optional<LocalWebPubSub> localWebPubSub = LocalWebPubSub.from(settings.get(WEBPUBSUB), secrets.get("webpubsub_access_key"));
        // Events go to the function app: this devhost's, or Core Tools' on the same port.
        String upstream = "http://localhost:" + options.port() + UPSTREAM_PATH;
        String hub = Optional.ofNullable(settings.get("WEBPUBSUB_HUB")).filter(value -> !value.isBlank()).orElse("chat");
        CompletableFuture<WebPubSubEmulator> webPubSub = localWebPubSub
                .map(local -> CompletableFuture.supplyAsync(() -> startWebPubSub(local, hub, upstream)))
                .orElse(CompletableFuture.completedFuture(null));

        boolean externalMongo = true;
        if (options.mongodb() != null) {
            settings.put(MongoSettings.DEFAULT_CONNECTION, options.mongodb());
            banner.line("MongoDB", "external server from --mongodb");
        } else if (environment.containsKey(MongoSettings.DEFAULT_CONNECTION)) {
            banner.line("MongoDB", "external server from " + MongoSettings.DEFAULT_CONNECTION);
        } else if (!onThisMachine(settings.get(MongoSettings.DEFAULT_CONNECTION))) {
            // local.settings.json names a remote server (Cosmos DB, Atlas): the embedded one could never listen there.
            banner.line("MongoDB", "external server from local.settings.json");
        } else {
            externalMongo = false;
            EmbeddedMongo mongo = startMongo(settings.get(MongoSettings.DEFAULT_CONNECTION), state.resolve("mongo/mozaiks.mv"));
            running.push(mongo);
            banner.line("MongoDB", mongo.connectionString() + "  (embedded; data in .devhost/mongo)");
        }
        if (options.emulatorsOnly()) {
            reportStorage(banner, started(azurite));
            reportWebPubSub(banner, started(webPubSub), hub, upstream, true);
            banner.line("Next", "cp local.settings.sample.json functions/local.settings.json && cd functions && func start");
            banner.print("Mozaiks emulators ready in " + (System.nanoTime() - started) / 1_000_000 + " ms");
            return;
        }
        // Development identity provider: local tokens for the real bearer-token validation. Unless the
        // environment names another IdP, the platform trusts this one, on whatever port it serves.
        DevIdentityProvider identity = DevIdentityProvider.start(home, server.getAddress().getPort(),
                settings.get("AUTH_PLATFORM_AUDIENCE"), settings, Clock.systemUTC());
        if (!environment.containsKey("AUTH_PLATFORM_ISSUER")) {
            settings.put("AUTH_PLATFORM_ISSUER", identity.issuer());
            settings.put("AUTH_PLATFORM_JWKS_URL", identity.jwksUri().toString());
        }
        settings.putIfAbsent("WORKFLOWS_DIR", home.resolve("workflows").toString());
        // Tools under development run on this machine; in Azure private addresses stay off limits.
        settings.putIfAbsent("HTTP_TOOLS_ALLOW_PRIVATE_NETWORKS", "true");
        putIfBlank(settings, "RUNTIME_TOKEN_KEY", secrets.get("runtime_token_key"));
        putIfBlank(settings, "APP_SETTINGS_KEY", secrets.get("app_settings_key"));
        // The platform is built once Web PubSub listens (client URLs name its port), while Azurite may
        // still boot: building it needs no storage.
        WebPubSubEmulator emulator = reportWebPubSub(banner, started(webPubSub), hub, upstream, false);
        if (emulator != null) {
            settings.put(WEBPUBSUB, emulator.connectionString());
        }
        Platform platform = Platform.start(Settings.from(settings));
        running.push(platform);
        // The deploy step, as in Azure: every declared collection and index, before any request is served.
        banner.line("Databases", DeployStep.describe(DeployStep.ensureSchema(platform)));
        if (externalMongo) {
            banner.line("DB flavor", platform.flavor() + " (" + (settings.getOrDefault(MongoFlavor.SETTING, "").isBlank()
                    ? "detected from the host" : MongoFlavor.SETTING) + ")");
        }
        // Serving waits for storage: a request that met a booting Azurite would wait out the storage
        // SDK's retry delay (4 s), and the queue listeners would start with refused connections.
        reportStorage(banner, started(azurite));
        // The ChatUI, when built (./run-local builds it), on the same origin as the API it calls.
        Optional<StaticFiles> chatUi = StaticFiles.chatUi(home);
        Map<String, HttpHandler> hostRoutes = new HashMap<>(identity.routes());
        chatUi.ifPresent(files -> hostRoutes.put(HttpHost.SITE, files));
        FunctionHost host = FunctionHost.start(server, FunctionFactory.functionClasses(),
                new PlatformFunctionInjector(platform), settings, HostJson.load(), hostRoutes);
        running.push(host);
        // A restart after a crash takes up the chats the dead process held without waiting for the sweep's schedule: one
        // sweep now (a crash long ago), one once a step the dead process claimed just before it died counts as stalled
        // (a lease plus the retry wait after it; a restart at once).
        Duration stalledAfter = platform.settings().steps().lease().plus(platform.settings().steps().retryAfter());
        host.fireTimer(STALL_REAPER, Duration.ZERO);
        host.fireTimer(STALL_REAPER, stalledAfter.plusSeconds(1));
        banner.functions(host.catalog(), "http://localhost:" + host.port());
        banner.line("Dev IdP", "POST http://localhost:" + host.port() + "/dev/token {\"sub\":\"alice\"}, sign-in page /dev/authorize");
        banner.line("ChatUI", chatUi.isPresent() ? "http://localhost:" + host.port() + "/"
                : "not built: cd web && npm ci && npm run build (./run-local does it)");
        banner.print("Mozaiks devhost " + platform.buildInfo().version() + " ready in "
                + (System.nanoTime() - started) / 1_000_000 + " ms");
        // One health probe now warms every client and tells the developer at once if something is off.
        platform.health().check().subscribe(report -> System.out.println("  Health     " + ai.mozaiks.http.Json.write(report.toJson())));
    }

    private static void putIfBlank(Map<String, String> settings, String name, String value) {
        String current = settings.get(name);
        if (current == null || current.isBlank()) {
            settings.put(name, value);
        }
    }

    /** An emulator once it listens; its start-up failure as the devhost's own. */
    private static <T> T started(CompletableFuture<T> emulator) {
        try {
            return emulator.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    private void reportStorage(Banner banner, Azurite emulator) {
        if (emulator == null) {
            banner.line("Storage", "from " + STORAGE);
            return;
        }
        running.push(emulator);
        banner.line("Azurite", "blob :" + emulator.blobPort() + "  queue :" + emulator.queuePort()
                + (emulator.startedHere() ? "  (started here; data in .devhost/azurite)" : "  (already running; reused)"));
    }

    /**
     * The banner line, and the emulator kept for stopping. Only for Core Tools does the banner show the
     * connection string with its key: there the developer copies it into local.settings.json.
     */
    private WebPubSubEmulator reportWebPubSub(Banner banner, WebPubSubEmulator emulator, String hub, String upstream,
                                              boolean withKey) {
        if (emulator == null) {
            banner.line("Web PubSub", "external service from " + WEBPUBSUB);
            return null;
        }
        running.push(emulator);
        banner.line("Web PubSub", (withKey ? emulator.connectionString() : "http://localhost:" + emulator.port())
                + "  (emulator; hub " + hub + " events to " + upstream + ")");
        return emulator;
    }

    /** The emulator with the function app's upstream endpoint as the hub's event handler, as in Azure. */
    private static WebPubSubEmulator startWebPubSub(LocalWebPubSub local, String hub, String upstream) {
        try {
            return WebPubSubEmulator.start(EmulatorOptions.withKey(local.accessKey()).withPort(local.port())
                    .withEventHandler(hub, new EventHandler(upstream, Set.of("connect", "connected", "disconnected"), "*")));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(WEBPUBSUB + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the Web PubSub emulator");
        }
    }

    private static boolean usesDevelopmentStorage(String storage) {
        return storage == null || storage.replace(" ", "").equalsIgnoreCase("UseDevelopmentStorage=true");
    }

    private static Azurite startAzurite(Path home, Path location) {
        try {
            return Azurite.startOrReuse(home, Azurite.DEFAULT_BLOB_PORT, Azurite.DEFAULT_QUEUE_PORT, Azurite.DEFAULT_TABLE_PORT, location);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting Azurite");
        }
    }

    /** Whether a connection string names this machine, where the embedded server can listen for it. */
    private static boolean onThisMachine(String connectionString) {
        if (connectionString == null) {
            return true;
        }
        try {
            String host = ConnectionStrings.parseWithoutLookups(connectionString).getHosts().get(0).replaceFirst(":\\d+$", "");
            return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]");
        } catch (IllegalArgumentException e) {
            return true; // Settings names the malformed value's problem
        }
    }

    /** The embedded server listens where the local connection string points, so `func start` finds it too. */
    private static EmbeddedMongo startMongo(String connectionString, Path file) {
        ConnectionString target = new ConnectionString(connectionString);
        String[] hostPort = target.getHosts().get(0).split(":");
        int port = hostPort.length > 1 ? Integer.parseInt(hostPort[1]) : 27017;
        if (Ports.isListening(port)) {
            throw new IllegalStateException("port " + port + " is taken, so the embedded MongoDB cannot listen there;"
                    + " to use the server on it, set " + MongoSettings.DEFAULT_CONNECTION + "=" + connectionString);
        }
        return EmbeddedMongo.onFile(file, hostPort[0], port);
    }

    private static void wipe(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    /** Stops what was started, newest first; Azurite only if this process started it. */
    synchronized void stop() {
        while (!running.isEmpty()) {
            try {
                running.pop().close();
            } catch (Exception e) {
                System.err.println("devhost: stopping: " + e.getMessage());
            }
        }
    }
}

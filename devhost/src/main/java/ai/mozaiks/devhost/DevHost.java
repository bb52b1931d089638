package ai.mozaiks.devhost;

import ai.mozaiks.config.MongoSettings;
import ai.mozaiks.config.Settings;
import ai.mozaiks.config.SettingsException;
import ai.mozaiks.devhost.emulators.Azurite;
import ai.mozaiks.devhost.emulators.EmbeddedMongo;
import ai.mozaiks.devhost.emulators.Ports;
import ai.mozaiks.devhost.functions.FunctionHost;
import ai.mozaiks.devhost.functions.HostJson;
import ai.mozaiks.devhost.http.HttpHost;
import ai.mozaiks.devhost.identity.DevIdentityProvider;
import ai.mozaiks.devhost.logging.DevLogging;
import ai.mozaiks.functions.FunctionFactory;
import ai.mozaiks.functions.PlatformFunctionInjector;
import ai.mozaiks.platform.Platform;
import com.mongodb.ConnectionString;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

/**
 * {@code ./run-local}: the whole platform on one machine with no cloud account. Embedded MongoDB
 * (H2 files under .devhost/), Azurite, and the function app served from its own annotations.
 */
public final class DevHost {
    private static final String STORAGE = Settings.STORAGE;

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
        Banner banner = new Banner();

        String storage = settings.get(STORAGE);
        CompletableFuture<Azurite> azurite = usesDevelopmentStorage(storage)
                ? CompletableFuture.supplyAsync(() -> startAzurite(home, state.resolve("azurite")))
                : CompletableFuture.completedFuture(null);

        if (environment.containsKey(MongoSettings.DEFAULT_CONNECTION)) {
            banner.line("MongoDB", "external server from " + MongoSettings.DEFAULT_CONNECTION);
        } else {
            EmbeddedMongo mongo = startMongo(settings.get(MongoSettings.DEFAULT_CONNECTION), state.resolve("mongo/mozaiks.mv"));
            running.push(mongo);
            banner.line("MongoDB", mongo.connectionString() + "  (embedded; data in .devhost/mongo)");
        }
        if (options.emulatorsOnly()) {
            reportStorage(banner, started(azurite));
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
        // Local keys, made once and kept in .devhost/; the Web PubSub endpoint is the devhost's own.
        Map<String, String> secrets = DevSecrets.load(state);
        putIfBlank(settings, "RUNTIME_TOKEN_KEY", secrets.get("runtime_token_key"));
        putIfBlank(settings, "WEBPUBSUB_CONNECTION_STRING", "Endpoint=http://localhost:" + server.getAddress().getPort()
                + ";AccessKey=" + secrets.get("webpubsub_access_key") + ";Version=1.0;");
        // The function app starts while Azurite boots: nothing in start-up needs storage.
        Platform platform = Platform.start(Settings.from(settings));
        running.push(platform);
        FunctionHost host = FunctionHost.start(server, FunctionFactory.functionClasses(),
                new PlatformFunctionInjector(platform), settings, HostJson.load(), identity.routes());
        running.push(host);
        reportStorage(banner, started(azurite));
        banner.functions(host.catalog(), "http://localhost:" + host.port());
        banner.line("Dev IdP", "POST http://localhost:" + host.port() + "/dev/token {\"sub\":\"alice\"}");
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

    /** Azurite once it listens; its start-up failure as the devhost's own. */
    private static Azurite started(CompletableFuture<Azurite> azurite) {
        try {
            return azurite.join();
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

package ai.mozaiks.persistence;

import ai.mozaiks.config.Settings;
import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.event.CommandListener;
import com.mongodb.reactivestreams.client.MongoClient;
import com.mongodb.reactivestreams.client.MongoClients;
import com.mongodb.reactivestreams.client.MongoDatabase;
import de.bwaldvogel.mongo.MongoServer;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * An in-memory MongoDB server (with Cosmos RU's collection commands, {@link CosmosRuBackend}) wired the way
 * {@code Platform} wires it, minus Azure storage:
 * validated {@link Settings}, {@link MongoConnections} with an {@link AppScopeGuard} and a
 * {@link CommandRecorder} as command listeners, a {@link StorageRouter} on a {@link MutableClock},
 * and {@link AppDatabases}. Both the default and the dedicated {@value #ACME} connection setting
 * point at the same embedded server, so "dedicated database" routing is tested by database name.
 *
 * <p>Use one per test: {@code fixture = EmbeddedMongoFixture.start()} in {@code @BeforeEach},
 * {@code fixture.close()} in {@code @AfterEach}.
 */
public final class EmbeddedMongoFixture implements AutoCloseable {
    public static final String ACME = "MONGODB_CONNECTION_STRING_ACME";
    public static final String SHARED_RUNTIME_DB = "mozaiks_runtime";
    public static final String CONTROL_DB = "mozaiks_control";
    public static final Duration TIMEOUT = Duration.ofSeconds(5);
    public static final Instant START = Instant.parse("2025-01-01T00:00:00Z");

    private final CosmosRuBackend backend = new CosmosRuBackend();
    private final MongoServer server;
    private final String connectionString;
    private final Settings settings;
    private final AppScopeGuard guard = new AppScopeGuard();
    private final CommandRecorder commands = new CommandRecorder();
    private final CosmosRuProfile strictProfile;
    private final MutableClock clock = new MutableClock(START);
    private final MongoConnections connections;
    private final StorageRouter router;
    private final AppDatabases appDatabases;
    private final RuntimeSchema runtimeSchema;
    private final List<MongoClient> rawClients = new CopyOnWriteArrayList<>();
    private MongoClient unobserved;

    private EmbeddedMongoFixture(Map<String, String> extraSettings) {
        this.server = new MongoServer(backend);
        this.connectionString = server.bindAndGetConnectionString();
        Map<String, String> source = new HashMap<>();
        source.put("MONGODB_CONNECTION_STRING", connectionString);
        source.put(ACME, connectionString);
        source.put(Settings.STORAGE, "UseDevelopmentStorage=true");
        source.put("AUTH_PLATFORM_ISSUER", "https://login.example.com/tenant/v2.0");
        source.put("AUTH_PLATFORM_AUDIENCE", "api://mozaiks");
        source.put("WEBPUBSUB_CONNECTION_STRING", "Endpoint=http://127.0.0.1:1;AccessKey=dGVzdC1ydW50aW1lLXRva2VuLWtleS0zMi1ieXRlcyEh;Version=1.0;");
        source.put("RUNTIME_TOKEN_KEY", "dGVzdC1ydW50aW1lLXRva2VuLWtleS0zMi1ieXRlcyEh");
        source.put("APP_SETTINGS_KEY", "dGVzdC1hcHAtc2V0dGluZ3Mta2V5LW9mLTMyLWJ5dGU=");
        source.put("MODEL_PROVIDER", "offline");
        // Every test is held to the Cosmos RU profile (StrictProfileExtension fails it on a violation).
        source.putAll(StrictProfileExtension.SETTINGS);
        source.putAll(extraSettings);
        this.settings = Settings.from(source);
        this.strictProfile = CosmosRuProfile.from(settings.mongo());
        this.connections = new MongoConnections(settings.mongo(), settings.dependencyTimeout(),
                strictProfile == null ? List.of(guard, commands) : List.of(guard, commands, strictProfile));
        this.router = new StorageRouter(
                connections.controlDatabase().getCollection(StorageRouter.ROUTES),
                connections.sharedRuntimeLocation(),
                connections::hasConnection,
                settings.mongo().routeCacheTtl(),
                clock);
        this.appDatabases = new AppDatabases(router, connections);
        this.runtimeSchema = new RuntimeSchema(connections, router);
        // As a deployment: the ensure step has made the declared collections and indexes before anything runs. Through a
        // client of its own, so the fixture's clients start cold and record nothing of it; the strict profile watches it
        // too, to learn the indexes the sorts it judges may use.
        MongoClient deploy = strictProfile == null ? rawClient() : rawClient(strictProfile);
        SchemaEnsurer.ensure(deploy.getDatabase(CONTROL_DB), settings.mongo().flavor(), ai.mozaiks.schema.SchemaCatalog.control())
                .block(TIMEOUT);
        SchemaEnsurer.ensure(deploy.getDatabase(SHARED_RUNTIME_DB), settings.mongo().flavor(), ai.mozaiks.schema.SchemaCatalog.runtime())
                .block(TIMEOUT);
    }

    /** Makes and indexes the runtime collections in {@code location}, as app creation or a migration's start does. */
    public void provision(StorageLocation location) {
        runtimeSchema.provision(location).block(TIMEOUT);
    }

    public RuntimeSchema runtimeSchema() {
        return runtimeSchema;
    }

    public static EmbeddedMongoFixture start() {
        return new EmbeddedMongoFixture(Map.of());
    }

    /** Starts with extra app settings layered over the defaults (e.g. a route cache TTL). */
    public static EmbeddedMongoFixture start(Map<String, String> extraSettings) {
        return new EmbeddedMongoFixture(extraSettings);
    }

    public String connectionString() {
        return connectionString;
    }

    /** The server's backend: what Cosmos's CreateCollection recorded (shard keys). */
    public CosmosRuBackend backend() {
        return backend;
    }

    public Settings settings() {
        return settings;
    }

    public AppScopeGuard guard() {
        return guard;
    }

    /** The strict Cosmos RU profile watching {@link #connections()}, or null when the settings switched it off. */
    public CosmosRuProfile strictProfile() {
        return strictProfile;
    }

    /** Every command sent through {@link #connections()}; raw clients are not recorded here. */
    public CommandRecorder commands() {
        return commands;
    }

    public MutableClock clock() {
        return clock;
    }

    public MongoConnections connections() {
        return connections;
    }

    public StorageRouter router() {
        return router;
    }

    public AppDatabases appDatabases() {
        return appDatabases;
    }

    public StorageLocation sharedLocation() {
        return new StorageLocation("MONGODB_CONNECTION_STRING", SHARED_RUNTIME_DB);
    }

    /**
     * A plain driver client on the embedded server with only the given listeners: used to write
     * fixtures, to check what is really stored, and to send commands the app layer cannot express.
     * Closed with the fixture.
     */
    public MongoClient rawClient(CommandListener... listeners) {
        MongoClientSettings.Builder builder = MongoClientSettings.builder()
                .applyConnectionString(new ConnectionString(connectionString))
                .applyToClusterSettings(cluster -> cluster.serverSelectionTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        for (CommandListener listener : listeners) {
            builder.addCommandListener(listener);
        }
        MongoClient client = MongoClients.create(builder.build());
        rawClients.add(client);
        return client;
    }

    /** A raw database handle no listener of this fixture sees. */
    public synchronized MongoDatabase rawDatabase(String name) {
        if (unobserved == null) {
            unobserved = rawClient();
        }
        return unobserved.getDatabase(name);
    }

    /** Stops the server while leaving the clients open, to simulate an outage. */
    public void stopServer() {
        server.shutdownNow();
    }

    @Override
    public void close() {
        rawClients.forEach(MongoClient::close);
        connections.close();
        server.shutdownNow();
    }

    public static <T> T await(Mono<T> mono) {
        return mono.block(TIMEOUT);
    }

    public static <T> T await(Publisher<T> publisher) {
        return Mono.from(publisher).block(TIMEOUT);
    }

    public static <T> List<T> awaitAll(Flux<T> flux) {
        return flux.collectList().block(TIMEOUT);
    }

    public static <T> List<T> awaitAll(Publisher<T> publisher) {
        return Flux.from(publisher).collectList().block(TIMEOUT);
    }
}

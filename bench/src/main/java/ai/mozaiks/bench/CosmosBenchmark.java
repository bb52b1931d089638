package ai.mozaiks.bench;

import static com.mongodb.client.model.Filters.gt;

import ai.mozaiks.api.PageRequest;
import ai.mozaiks.appsettings.AppSettings;
import ai.mozaiks.audit.AuditLog;
import ai.mozaiks.config.ConnectionStrings;
import ai.mozaiks.config.MongoFlavor;
import ai.mozaiks.config.MongoSettings;
import ai.mozaiks.config.Settings;
import ai.mozaiks.devhost.ProjectHome;
import ai.mozaiks.devhost.emulators.EmbeddedMongo;
import ai.mozaiks.engine.ChatInputs;
import ai.mozaiks.engine.ChatWorkflows;
import ai.mozaiks.engine.EngineSettings;
import ai.mozaiks.engine.RunQueue;
import ai.mozaiks.engine.StepExecutor;
import ai.mozaiks.engine.StepHooks;
import ai.mozaiks.engine.StepMessage;
import ai.mozaiks.engine.StepOutcome;
import ai.mozaiks.engine.StepQueue;
import ai.mozaiks.engine.ToolRegistry;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.models.PriceTable;
import ai.mozaiks.models.offline.OfflineModel;
import ai.mozaiks.payloads.PayloadStore;
import ai.mozaiks.persistence.AppDatabases;
import ai.mozaiks.persistence.AppScopeGuard;
import ai.mozaiks.persistence.ConnectionProfile;
import ai.mozaiks.persistence.MongoConnections;
import ai.mozaiks.persistence.RuntimeCollection;
import ai.mozaiks.persistence.RuntimeSchema;
import ai.mozaiks.persistence.SchemaEnsurer;
import ai.mozaiks.persistence.StorageLocation;
import ai.mozaiks.persistence.StorageRouter;
import ai.mozaiks.schema.SchemaCatalog;
import ai.mozaiks.session.ChatFields;
import ai.mozaiks.session.ChatSessions;
import ai.mozaiks.session.ChatStatus;
import ai.mozaiks.session.EventLog;
import ai.mozaiks.session.NewChat;
import ai.mozaiks.storage.StorageClients;
import ai.mozaiks.tenancy.AppAccess;
import ai.mozaiks.tenancy.AppService;
import ai.mozaiks.tenancy.CachedAppStates;
import ai.mozaiks.tenancy.ControlCollections;
import ai.mozaiks.tenancy.MonthlyTokens;
import ai.mozaiks.tenancy.RunSlots;
import ai.mozaiks.tenancy.TenantAccess;
import ai.mozaiks.tenancy.Tiers;
import ai.mozaiks.workflows.WorkflowCatalog;
import com.mongodb.ConnectionString;
import com.mongodb.reactivestreams.client.MongoCollection;
import com.mongodb.reactivestreams.client.MongoDatabase;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Date;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.bson.Document;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code bench/cosmos}: the platform's database work in small compatibility scenarios (indexes, a chat's start, a few
 * turns of {@code workflows/assistant} with the offline model, listing chats, the transcript, app settings, the
 * migration's drain count and copy), through the real services and driver, against the embedded server or a given
 * connection string (Cosmos DB RU or vCore, Atlas). Per scenario: whether it worked, the commands sent and their bytes,
 * and on Cosmos DB RU the request units each command cost ({@code getLastRequestStatistics}, asked by
 * {@link RequestChargeProxy}); other servers have no such command ("n/a").
 *
 * <p>Usage: {@code bench/cosmos [connection string] [turns]}, or MONGODB_CONNECTION_STRING; MONGODB_FLAVOR as for the
 * platform. Writes to the databases {@code mozaiks_bench_control}, {@code mozaiks_bench_runtime} and
 * {@code mozaiks_bench_copy}, each run as a new app.
 */
public final class CosmosBenchmark {
    static final String CONTROL = "mozaiks_bench_control";
    static final String RUNTIME = "mozaiks_bench_runtime";
    static final String COPY = "mozaiks_bench_copy";
    private static final String USER = "bench-user";
    private static final String WORKFLOW = "assistant";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** The scenarios' outcome, for the report and the smoke test. */
    record Report(String target, MongoFlavor flavor, boolean retryWrites, Boolean chargesSupported, List<String> scenarios,
                  Map<String, ScenarioMeter.Totals> totals) {
    }

    private final ScenarioMeter meter = new ScenarioMeter();
    private final Clock clock = Clock.systemUTC();
    private final Deque<StepMessage> pending = new ArrayDeque<>();
    private final List<String> order = new ArrayList<>();
    private RequestChargeProxy proxy;

    /** Held, so the levels stay set: mongo-java-server logs every command it lacks (the statistics one) and index kinds it ignores. */
    private static final Logger EMBEDDED = Logger.getLogger("de.bwaldvogel");
    private static final Logger DRIVER = Logger.getLogger("org.mongodb.driver");

    public static void main(String[] args) {
        EMBEDDED.setLevel(Level.OFF);
        DRIVER.setLevel(Level.WARNING);
        String given = args.length > 0 && !args[0].isBlank() ? args[0] : System.getenv(MongoSettings.DEFAULT_CONNECTION);
        int turns = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        try {
            Report report = given == null ? onEmbedded(turns) : run(given, System.getenv(MongoFlavor.SETTING), turns);
            print(report, System.out);
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("bench/cosmos: " + e.getMessage());
            System.exit(1);
        }
        System.exit(0);
    }

    static Report onEmbedded(int turns) throws IOException {
        try (EmbeddedMongo mongo = EmbeddedMongo.inMemory()) {
            return run(mongo.connectionString(), null, turns);
        }
    }

    /**
     * Runs every scenario against the server. A plain {@code mongodb://} string goes through the charge proxy (with
     * {@code directConnection}, so the driver never bypasses it for hosts a replica set reports); a
     * {@code mongodb+srv://} one (Atlas, vCore: neither reports charges) is used as it is.
     */
    static Report run(String connectionString, String flavorSetting, int turns) throws IOException {
        ConnectionString given = ConnectionStrings.parseWithoutLookups(connectionString);
        MongoFlavor flavor = flavorSetting != null
                ? MongoFlavor.of(flavorSetting).orElseThrow(() -> new IllegalArgumentException(MongoFlavor.SETTING + ": \""
                        + flavorSetting + "\" is not one of " + MongoFlavor.names()))
                : MongoFlavor.detect(given);
        String target = given.getHosts() + " (" + (connectionString.startsWith("mongodb+srv://") ? "srv, " : "") + flavor + ")";
        CosmosBenchmark bench = new CosmosBenchmark();
        String driverString = connectionString;
        if (!connectionString.startsWith("mongodb+srv://")) {
            String[] hostPort = given.getHosts().get(0).split(":");
            bench.proxy = new RequestChargeProxy(hostPort[0], hostPort.length > 1 ? Integer.parseInt(hostPort[1]) : 27017,
                    Boolean.TRUE.equals(given.getSslEnabled()), bench.meter::charged);
            driverString = throughProxy(connectionString, given, bench.proxy.port());
        }
        try {
            return bench.scenarios(driverString, flavor, target, turns);
        } finally {
            if (bench.proxy != null) {
                bench.proxy.close();
            }
        }
    }

    /** The same string for the proxy's loopback port: TLS ends at the proxy, and the replica set is not discovered. */
    static String throughProxy(String original, ConnectionString given, int port) {
        String rest = original.substring("mongodb://".length());
        int at = rest.lastIndexOf('@', rest.indexOf('/') < 0 ? rest.length() : rest.indexOf('/'));
        String credentials = at >= 0 ? rest.substring(0, at + 1) : "";
        int query = original.indexOf('?');
        List<String> options = new ArrayList<>();
        if (query >= 0) {
            for (String option : original.substring(query + 1).split("&")) {
                String name = option.split("=", 2)[0].toLowerCase(Locale.ROOT);
                if (!option.isBlank() && !Set.of("ssl", "tls", "replicaset", "directconnection", "tlsallowinvalidhostnames").contains(name)) {
                    options.add(option);
                }
            }
        }
        options.add("directConnection=true");
        String database = given.getDatabase() != null ? given.getDatabase() : "";
        return "mongodb://" + credentials + "127.0.0.1:" + port + "/" + database + "?" + String.join("&", options);
    }

    private Report scenarios(String connectionString, MongoFlavor flavor, String target, int turns) {
        Map<String, String> source = new HashMap<>(Map.of(
                MongoSettings.DEFAULT_CONNECTION, connectionString,
                MongoFlavor.SETTING, flavor.value(),
                "MONGODB_CONTROL_DATABASE", CONTROL,
                "MONGODB_RUNTIME_DATABASE", RUNTIME,
                Settings.STORAGE, "UseDevelopmentStorage=true",
                "AUTH_PLATFORM_ISSUER", "https://login.example.com/tenant/v2.0",
                "AUTH_PLATFORM_AUDIENCE", "api://mozaiks",
                "WEBPUBSUB_CONNECTION_STRING", "Endpoint=http://127.0.0.1:1;AccessKey=YmVuY2gtb25seS1ub3QtYS1yZWFsLWtleS0zMi1ieXRlcyE=;Version=1.0;",
                "RUNTIME_TOKEN_KEY", "YmVuY2gtb25seS1ub3QtYS1yZWFsLWtleS0zMi1ieXRlcyE="));
        source.put("APP_SETTINGS_KEY", "YmVuY2gtb25seS1hcHAtc2V0dGluZ3Mta2V5LTMyYnk=");
        source.put("MODEL_PROVIDER", "offline");
        Settings settings = Settings.from(source);
        WorkflowCatalog catalog = WorkflowCatalog.load(ProjectHome.find().resolve("workflows"));
        AppId app = AppId.of("app-bench-" + Long.toString(System.currentTimeMillis(), 36));
        try (MongoConnections connections = new MongoConnections(settings.mongo(), settings.dependencyTimeout(),
                List.of(new AppScopeGuard(), meter))) {
            ConnectionProfile profile = connections.profile(MongoSettings.DEFAULT_CONNECTION);
            MongoDatabase control = connections.controlDatabase();
            StorageRouter router = new StorageRouter(control.getCollection(StorageRouter.ROUTES), connections.sharedRuntimeLocation(),
                    connections::hasConnection, settings.mongo().routeCacheTtl(), clock);
            AppDatabases databases = new AppDatabases(router, connections);
            EventLog events = new EventLog(databases, clock);
            EngineSettings engine = EngineSettings.defaults(settings.model().model());
            LiveMessageCounter feed = new LiveMessageCounter();
            StepQueue queue = (message, delay) -> Mono.fromRunnable(() -> pending.addLast(message));
            StepExecutor executor = new StepExecutor(databases, events, feed, new OfflineModel(), ToolRegistry.of(Map.of()),
                    ChatWorkflows.platform(catalog::find), clock, engine, StepHooks.NONE, PriceTable.bundled(),
                    appId -> Mono.just(1_000_000_000L), new MonthlyTokens(databases, clock));
            MongoCollection<Document> apps = control.getCollection("apps");
            CachedAppStates appStates = new CachedAppStates(apps, CachedAppStates.TTL, clock);
            Tiers tiers = Tiers.load();
            RunQueue runs = new RunQueue(databases, new RunSlots(control.getCollection(RunSlots.COLLECTION), clock),
                    appId -> appStates.limits(appId, tiers), queue, clock);
            ChatInputs inputs = new ChatInputs(databases, events, feed, ChatWorkflows.platform(catalog::find), clock, engine, appStates, runs,
                    PayloadStore.of(new StorageClients(settings.storage()), settings.containers()));
            ChatSessions sessions = new ChatSessions(databases, clock);
            ControlCollections collections = new ControlCollections(control);
            AppSettings appSettings = new AppSettings(control, new AppAccess(collections, new TenantAccess(collections)),
                    settings.appConfig().secretKey(), new AuditLog(control, clock), clock);
            String[] chat = new String[1];

            RuntimeSchema runtimeSchema = new RuntimeSchema(connections, router);
            // The deploy step's work: every declared collection and index, control and runtime, before the first request.
            scenario("indexes", () -> SchemaEnsurer.ensure(control, settings.mongo().flavor(), SchemaCatalog.control())
                    .then(runtimeSchema.ensure(connections.sharedRuntimeLocation())));
            scenario("app record", () -> Mono.from(apps.insertOne(new Document("_id", app.value()).append("status", AppService.ACTIVE)
                    .append("tier", "enterprise"))));
            scenario("start chat", () -> sessions.start(app, new NewChat(USER, WORKFLOW, null, ChatStatus.RUNNING))
                    .doOnNext(started -> chat[0] = started.chat().chatId())
                    .then(Mono.defer(() -> queue.enqueue(new StepMessage(app, chat[0], 0), Duration.ZERO)))
                    .then(Mono.fromRunnable(() -> drain(executor, runs, inputs, queue))));
            scenario("turns (" + turns + ")", () -> Flux.range(0, turns).concatMap(turn -> inputs.submitMessage(app, USER, chat[0], "m-" + turn,
                            "Question " + turn + ": what is the tide doing at the harbour today?")
                    .then(Mono.fromRunnable(() -> drain(executor, runs, inputs, queue)))).then());
            scenario("list chats", () -> sessions.listRecent(app, USER, new PageRequest(20, null)));
            scenario("read transcript", () -> events.read(app, chat[0], 0, 500));
            scenario("app settings", () -> appSettings.values(app, Set.of("greeting", "region")));
            scenario("migration drain count", () -> databases.forApp(app).flatMap(db -> db.collection(RuntimeCollection.CHAT_SESSIONS)
                    .count(gt(ChatFields.LEASE_UNTIL, Date.from(clock.instant())))));
            StorageLocation copy = new StorageLocation(MongoSettings.DEFAULT_CONNECTION, COPY);
            scenario("migration copy", () -> runtimeSchema.provision(copy).then(databases.forApp(app))
                    .flatMap(from -> from.collection(RuntimeCollection.CHAT_EVENTS).find(null, null, 0).collectList())
                    .flatMap(documents -> databases.at(app, copy).flatMap(to -> to.collection(RuntimeCollection.CHAT_EVENTS).upsertAll(documents))));
            return new Report(target, flavor, profile.retryWrites(), proxy == null ? null : proxy.supported(), List.copyOf(order),
                    meter.scenarios());
        }
    }

    /** Runs the chat's queued steps as the step worker would, until it waits for input or ends. */
    private void drain(StepExecutor executor, RunQueue runs, ChatInputs inputs, StepQueue queue) {
        for (StepMessage next = pending.pollFirst(); next != null; next = pending.pollFirst()) {
            StepMessage message = next;
            StepOutcome outcome = executor.run(message).block(TIMEOUT);
            if (outcome instanceof StepOutcome.Next following) {
                queue.enqueue(new StepMessage(message.appId(), message.chatId(), following.stepSeq()), Duration.ZERO).block(TIMEOUT);
            } else if (outcome instanceof StepOutcome.AwaitingInput) {
                runs.waiting(message.appId(), message.chatId()).flatMap(chat -> inputs.drainPending(message.appId(), chat)).block(TIMEOUT);
            } else if (outcome instanceof StepOutcome.RetryLater) {
                throw new IllegalStateException("step " + message.stepSeq() + " asked to be retried later");
            } else if (!(outcome instanceof StepOutcome.Stale)) {
                runs.ended(message.appId(), message.chatId()).block(TIMEOUT);
            }
        }
    }

    private void scenario(String name, java.util.function.Supplier<Mono<?>> work) {
        order.add(name);
        meter.begin(name);
        try {
            work.get().block(TIMEOUT);
        } catch (RuntimeException e) {
            meter.totals(name).error = e.getClass().getSimpleName() + ": " + e.getMessage();
        } finally {
            try {
                if (proxy != null) {
                    proxy.awaitCharged();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            meter.end();
        }
    }

    static void print(Report report, PrintStream out) {
        out.println("Mozaiks bench/cosmos report");
        out.printf(Locale.ROOT, "  target    %s, retryWrites=%s%n", report.target(), report.retryWrites());
        out.println("  charges   " + (Boolean.TRUE.equals(report.chargesSupported()) ? "request units from getLastRequestStatistics after each command"
                : report.chargesSupported() == null ? "n/a: not asked (mongodb+srv:// connections are not proxied)"
                : "n/a: the server has no getLastRequestStatistics (only Cosmos DB RU reports request units)"));
        out.printf(Locale.ROOT, "  %-22s %-6s %8s %10s %9s  %s%n", "scenario", "result", "commands", "bytes sent", "RU", "commands by name");
        double totalRu = 0;
        int totalCommands = 0;
        long totalBytes = 0;
        for (String name : report.scenarios()) {
            ScenarioMeter.Totals totals = report.totals().get(name);
            String ru = totals.charged > 0 ? String.format(Locale.ROOT, "%.2f", totals.requestUnits) : "n/a";
            totalRu += totals.requestUnits;
            totalCommands += totals.commandCount();
            totalBytes += totals.bytes;
            out.printf(Locale.ROOT, "  %-22s %-6s %8d %10d %9s  %s%n", name, totals.error == null && totals.failedCommands == 0 ? "ok" : "FAILED",
                    totals.commandCount(), totals.bytes, ru, totals.commands.entrySet().stream()
                            .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")));
            if (totals.error != null) {
                out.println("      " + totals.error);
            }
        }
        out.printf(Locale.ROOT, "  %-22s %-6s %8d %10d %9s%n", "total", "", totalCommands, totalBytes,
                Boolean.TRUE.equals(report.chargesSupported()) ? String.format(Locale.ROOT, "%.2f", totalRu) : "n/a");
    }
}

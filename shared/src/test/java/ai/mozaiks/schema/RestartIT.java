package ai.mozaiks.schema;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.ACME;
import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.api.PageRequest;
import ai.mozaiks.audit.AuditLog;
import ai.mozaiks.identity.Principal;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.persistence.AppDatabases;
import ai.mozaiks.persistence.CommandRecorder;
import ai.mozaiks.persistence.EmbeddedMongoFixture;
import ai.mozaiks.persistence.MongoConnections;
import ai.mozaiks.persistence.RuntimeSchema;
import ai.mozaiks.persistence.SchemaReport;
import ai.mozaiks.persistence.StorageLocation;
import ai.mozaiks.persistence.StorageRouter;
import ai.mozaiks.session.ChatSessions;
import ai.mozaiks.session.ChatStatus;
import ai.mozaiks.session.EventKind;
import ai.mozaiks.session.EventLog;
import ai.mozaiks.session.NewChat;
import ai.mozaiks.tenancy.AppIssuers;
import ai.mozaiks.tenancy.AppRequests;
import ai.mozaiks.tenancy.AppService;
import ai.mozaiks.tenancy.AppUsage;
import ai.mozaiks.tenancy.ControlCollections;
import ai.mozaiks.tenancy.CreateRate;
import ai.mozaiks.tenancy.MonthlyTokens;
import ai.mozaiks.tenancy.RateWindows;
import ai.mozaiks.tenancy.TenantAccess;
import ai.mozaiks.tenancy.TierGrants;
import ai.mozaiks.tenancy.Tiers;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * A platform restarted on populated databases: its start step finds everything in place and creates nothing, and no
 * request afterwards creates a collection or an index (on Cosmos RU a unique index on a populated collection is
 * refused, so a request that tried would fail every chat). Each "process" is wired as {@code Platform} wires it, with
 * a driver command listener recording every command.
 */
class RestartIT {
    private static final Set<String> CREATING = Set.of("create", "createIndexes", "CreateCollection");
    private static final Principal ADMIN = new Principal("operator", "https://platform.example", null, null, Set.of("platform_admin"), true, null);
    private static final AppId SHARED_APP = AppId.of("app_shared");
    private static final AppId ROUTED_APP = AppId.of("app_routed");
    private static final AppId UNPROVISIONED_APP = AppId.of("app_unprovisioned");

    private EmbeddedMongoFixture fixture;
    private Process process;

    /** What one platform process holds: its own clients (with the recorder), routing cache and services. */
    private record Process(CommandRecorder commands, MongoConnections connections, Schema schema, ChatSessions sessions,
                           EventLog events, AppService apps) implements AutoCloseable {
        @Override
        public void close() {
            connections.close();
        }
    }

    private Process start() {
        CommandRecorder commands = new CommandRecorder();
        MongoConnections connections = new MongoConnections(fixture.settings().mongo(), EmbeddedMongoFixture.TIMEOUT, List.of(commands));
        StorageRouter router = new StorageRouter(connections.controlDatabase().getCollection(StorageRouter.ROUTES),
                connections.sharedRuntimeLocation(), connections::hasConnection, Duration.ofSeconds(30), fixture.clock());
        AppDatabases databases = new AppDatabases(router, connections);
        RuntimeSchema runtime = new RuntimeSchema(connections, router);
        ControlCollections control = new ControlCollections(connections.controlDatabase());
        AppIssuers issuers = new AppIssuers(control);
        Tiers tiers = Tiers.load();
        AuditLog audit = new AuditLog(connections.controlDatabase(), fixture.clock());
        AppService apps = new AppService(control, new TenantAccess(control), tiers,
                new AppUsage(databases, router, null, new MonthlyTokens(databases, fixture.clock())), audit,
                new TierGrants(control, tiers, tiers.lowest(), audit, fixture.clock()),
                new CreateRate(new RateWindows(connections.controlDatabase().getCollection(RateWindows.COLLECTION), fixture.clock()), 1000),
                Duration.ofDays(7), new AppRequests.IdpRules("https://platform.example", false), fixture.clock(),
                (appId, status) -> Mono.empty(), issuers, runtime);
        return new Process(commands, connections, new Schema(connections.controlDatabase(), fixture.settings().mongo().flavor(), runtime, router, issuers),
                new ChatSessions(databases, fixture.clock()), new EventLog(databases, fixture.clock()), apps);
    }

    @BeforeEach
    void populate() {
        fixture = EmbeddedMongoFixture.start();
        await(fixture.rawDatabase(EmbeddedMongoFixture.CONTROL_DB).getCollection(StorageRouter.ROUTES).insertOne(
                new Document("_id", ROUTED_APP.value()).append("connection", ACME).append("database", "routed_rt")));
        fixture.provision(new StorageLocation(ACME, "routed_rt"));
        await(fixture.rawDatabase(EmbeddedMongoFixture.CONTROL_DB).getCollection("tenants").insertOne(new Document("_id", "tenant_1")));
        await(new TierGrants(new ControlCollections(fixture.rawDatabase(EmbeddedMongoFixture.CONTROL_DB)), Tiers.load(), Tiers.load().lowest(),
                new AuditLog(fixture.rawDatabase(EmbeddedMongoFixture.CONTROL_DB), fixture.clock()), fixture.clock())
                .grant(ADMIN, "tenant_1", new TierGrants.Grant("enterprise", null)));
        try (Process first = start()) {
            for (AppId app : List.of(SHARED_APP, ROUTED_APP)) {
                chatTurn(first, app);
            }
            await(first.apps().create(ADMIN, "tenant_1", new AppRequests.CreateApp("shop", "enterprise", null,
                    new AppRequests.EndUserIdp("https://login.example/t", "shop-web", "https://login.example/keys"))));
        }
    }

    @AfterEach
    void stop() {
        if (process != null) {
            process.close();
        }
        fixture.close();
    }

    private static void chatTurn(Process process, AppId app) {
        String chatId = await(process.sessions().start(app, new NewChat("alice", "Planner", null, ChatStatus.RUNNING)))
                .chat().chatId();
        await(process.events().append(app, chatId, "msg:" + chatId, EventKind.TEXT, Map.of("content", "hello")));
        assertTrue(await(process.sessions().listRecent(app, "alice", new PageRequest(10, null))).items().size() >= 1);
    }

    private static long creating(Process process) {
        return process.commands().observed().stream().filter(observed -> CREATING.contains(observed.command())).count();
    }

    @Test
    void theStartStepOnPopulatedDatabasesCreatesNothingAndNoRequestDoes() {
        process = start();

        SchemaReport started = await(process.schema().ensure());
        assertEquals(List.of(), started.changes(), started.toString());
        assertEquals(0, creating(process), process.commands().observed().toString());
        assertTrue(process.commands().count("listIndexes", "chat_sessions") > 0, "the step looked: " + process.commands().observed());

        process.commands().clear();
        chatTurn(process, SHARED_APP);
        chatTurn(process, ROUTED_APP);
        String app = await(process.apps().create(ADMIN, "tenant_1", new AppRequests.CreateApp("later", "enterprise", null, null))).id();
        await(process.apps().update(ADMIN, app, new AppRequests.UpdateApp(null, null, null,
                new AppRequests.EndUserIdp("https://login.example/t", "later-web", "https://login.example/keys"))));

        assertTrue(process.commands().count("insert", "chat_sessions") >= 2, "the requests reached the databases");
        assertEquals(0, creating(process), "commands that create: " + process.commands().observed().stream()
                .filter(observed -> CREATING.contains(observed.command())).toList());
    }

    @Test
    void aChatInADatabaseNobodyProvisionedDeclaresNoIndex() {
        // A route written by hand, past app creation and migration: the request does not try to fix the database.
        await(fixture.rawDatabase(EmbeddedMongoFixture.CONTROL_DB).getCollection(StorageRouter.ROUTES).insertOne(
                new Document("_id", UNPROVISIONED_APP.value()).append("connection", ACME).append("database", "never_provisioned")));
        process = start();

        chatTurn(process, UNPROVISIONED_APP);

        assertEquals(0, process.commands().count("createIndexes", "chat_sessions"));
        assertEquals(0, creating(process), process.commands().observed().toString());
        // The check (GET /api/admin/schema) shows what the database lacks.
        assertTrue(await(process.schema().check()).drift().stream().anyMatch(entry -> "never_provisioned".equals(entry.database())
                && "app_chat".equals(entry.index())));
    }
}

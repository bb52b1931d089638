package ai.mozaiks.schema;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.ACME;
import static ai.mozaiks.persistence.EmbeddedMongoFixture.CONTROL_DB;
import static ai.mozaiks.persistence.EmbeddedMongoFixture.SHARED_RUNTIME_DB;
import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static ai.mozaiks.persistence.EmbeddedMongoFixture.awaitAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.config.MongoFlavor;
import ai.mozaiks.persistence.CollectionSpec;
import ai.mozaiks.persistence.CosmosRuBackend;
import ai.mozaiks.persistence.CommandRecorder;
import ai.mozaiks.persistence.EmbeddedMongoFixture;
import ai.mozaiks.persistence.IndexSpec;
import ai.mozaiks.persistence.SchemaEnsurer;
import ai.mozaiks.persistence.SchemaNotInPlace;
import ai.mozaiks.persistence.SchemaReport;
import ai.mozaiks.persistence.SchemaReport.Outcome;
import ai.mozaiks.persistence.StorageLocation;
import ai.mozaiks.persistence.StorageRouter;
import ai.mozaiks.tenancy.AppIssuers;
import ai.mozaiks.tenancy.ControlCollections;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.reactivestreams.client.MongoClient;
import com.mongodb.reactivestreams.client.MongoClients;
import com.mongodb.reactivestreams.client.MongoDatabase;
import de.bwaldvogel.mongo.MongoServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The deploy-time ensure step against the real driver and the embedded server: collections before their indexes,
 * nothing redeclared, drift reported, each declaration on its own, routed databases included, and the one-off
 * registration of existing apps' end-user issuers.
 */
class SchemaIT {
    private EmbeddedMongoFixture fixture;
    private Schema schema;

    @BeforeEach
    void start() {
        fixture = EmbeddedMongoFixture.start();
        schema = new Schema(fixture.connections().controlDatabase(), fixture.settings().mongo().flavor(), fixture.runtimeSchema(), fixture.router(),
                new AppIssuers(new ControlCollections(fixture.connections().controlDatabase())));
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    private Map<String, Document> indexes(String database, String collection) {
        return awaitAll(fixture.rawDatabase(database).getCollection(collection).listIndexes()).stream()
                .collect(Collectors.toMap(index -> index.getString("name"), index -> index));
    }

    private static Set<String> described(List<SchemaReport.Entry> entries) {
        return entries.stream().map(entry -> entry.outcome() + " " + entry.database() + "." + entry.collection()
                + (entry.index() == null ? "" : " " + entry.index())).collect(Collectors.toSet());
    }

    @Test
    void aFreshDatabaseGetsEachCollectionBeforeItsIndexesAndASecondRunCreatesNothing() {
        CommandRecorder commands = new CommandRecorder();
        MongoDatabase fresh = fixture.rawClient(commands).getDatabase("fresh_control");

        SchemaReport first = await(SchemaEnsurer.ensure(fresh, MongoFlavor.MONGODB, SchemaCatalog.control()));

        assertEquals(List.of(), first.drift(), first.toString());
        long declaredIndexes = SchemaCatalog.control().stream().mapToLong(spec -> spec.indexes().size()).sum();
        assertEquals(SchemaCatalog.control().size(), first.changes().stream().filter(e -> e.outcome() == Outcome.COLLECTION_CREATED).count());
        assertEquals(declaredIndexes, first.changes().stream().filter(e -> e.outcome() == Outcome.CREATED).count());
        // Every collection was created empty, before any of its indexes (Cosmos RU builds unique indexes only then).
        List<CommandRecorder.Observed> observed = commands.observed();
        for (CollectionSpec spec : SchemaCatalog.control()) {
            int created = indexOf(observed, "create", spec.name());
            int indexed = indexOf(observed, "createIndexes", spec.name());
            assertTrue(created >= 0, spec.name() + " created");
            assertTrue(spec.indexes().isEmpty() || created < indexed, spec.name() + ": create before createIndexes");
        }
        assertEquals(Set.of("app"), indexNames(fresh, ControlCollections.APP_ISSUERS));
        assertEquals(Duration.ofHours(24).toSeconds(),
                ((Number) awaitAll(fresh.getCollection("idempotency_keys").listIndexes()).stream()
                        .filter(index -> "expire".equals(index.getString("name"))).findFirst().orElseThrow()
                        .get("expireAfterSeconds")).longValue());

        commands.clear();
        SchemaReport second = await(SchemaEnsurer.ensure(fresh, MongoFlavor.MONGODB, SchemaCatalog.control()));
        assertEquals(List.of(), second.changes(), second.toString());
        assertEquals(List.of(), second.drift(), second.toString());
        assertEquals(0, commands.observed().stream().filter(o -> Set.of("create", "createIndexes", "dropIndexes").contains(o.command())).count(),
                commands.observed().toString());
        assertEquals(0, commands.observed().stream().filter(o -> o.command().equals("CreateCollection")).count(), "not on MongoDB");
    }

    @Test
    void onCosmosRuEachCollectionIsCreatedWithItsShardKeyAndIndexesInOneCommand() {
        CommandRecorder commands = new CommandRecorder();
        // The strict profile watches too: what the RU path sends is held to its rules (the unique indexes lead with app_id).
        MongoDatabase runtime = fixture.rawClient(commands, fixture.strictProfile()).getDatabase("fresh_runtime");
        MongoDatabase control = fixture.rawClient(commands, fixture.strictProfile()).getDatabase("fresh_control");

        SchemaReport first = await(SchemaEnsurer.ensure(runtime, MongoFlavor.COSMOS_RU, SchemaCatalog.runtime())
                .zipWith(SchemaEnsurer.ensure(control, MongoFlavor.COSMOS_RU, SchemaCatalog.control()), SchemaReport::plus));

        assertEquals(List.of(), first.drift(), first.toString());
        long declared = concat(SchemaCatalog.runtime(), SchemaCatalog.control()).stream().mapToLong(spec -> spec.indexes().size()).sum();
        assertEquals(declared, first.changes().stream().filter(e -> e.outcome() == Outcome.CREATED).count(), first.toString());
        for (CollectionSpec spec : SchemaCatalog.runtime()) {
            assertEquals(1, commands.count("CreateCollection", spec.name()), spec.name());
            assertEquals("app_id", fixture.backend().shardKey("fresh_runtime", spec.name()), spec.name() + " sharded on app_id");
            // Only a TTL index follows the collection on its own (refused without EnableTtlOnCustomPath, never at its cost).
            long ttl = spec.indexes().stream().filter(index -> index.expireAfter() != null).count();
            assertEquals(ttl, commands.count("createIndexes", spec.name()), spec.name());
            assertEquals(0, commands.count("create", spec.name()), spec.name());
            Map<String, Document> made = indexes("fresh_runtime", spec.name());
            for (IndexSpec index : spec.indexes()) {
                assertEquals(List.of(), index.differences(made.get(index.name())), spec.name() + "." + index.name());
            }
        }
        for (CollectionSpec spec : SchemaCatalog.control()) {
            assertEquals(1, commands.count("CreateCollection", spec.name()), spec.name());
            assertEquals(null, fixture.backend().shardKey("fresh_control", spec.name()), spec.name() + " unsharded");
        }
        assertTrue(indexes("fresh_runtime", "chat_events").get("app_chat_seq").getBoolean("unique"));

        commands.clear();
        SchemaReport second = await(SchemaEnsurer.ensure(runtime, MongoFlavor.COSMOS_RU, SchemaCatalog.runtime()));
        assertEquals(List.of(), second.changes(), second.toString());
        assertEquals(List.of(), second.drift(), second.toString());
        assertEquals(0, commands.observed().stream().filter(o -> Set.of("create", "createIndexes", "CreateCollection")
                .contains(o.command())).count(), commands.observed().toString());
        // The second run read each collection's shard key to compare it with the declaration.
        assertEquals(SchemaCatalog.runtime().size(), commands.observed().stream().filter(o -> o.command().equals("GetCollection")).count());

        // Sharded, a collection takes only documents that carry the shard key.
        await(runtime.getCollection("chat_events").insertOne(new Document("app_id", "app_1").append("chat_id", "c").append("seq", 1)));
        com.mongodb.MongoException refused = org.junit.jupiter.api.Assertions.assertThrows(com.mongodb.MongoException.class,
                () -> await(runtime.getCollection("chat_events").insertOne(new Document("chat_id", "c").append("seq", 2))));
        assertTrue(refused.getMessage().contains("shard key app_id"), refused.getMessage());
        await(control.getCollection("tenants").insertOne(new Document("_id", "tenant_1")));
    }

    @Test
    void aCollectionLeftUnshardedWhereTheCatalogShardsItIsDriftAndIsNeverRemade() {
        MongoDatabase db = fixture.rawDatabase("unsharded_rt");
        // As a standard create leaves them (say, an earlier release's deploy, or the collections made by a first write).
        await(SchemaEnsurer.ensure(db, MongoFlavor.MONGODB, SchemaCatalog.runtime()));
        await(db.getCollection("chat_events").insertOne(new Document("app_id", "app_1").append("chat_id", "c").append("seq", 1)));

        SchemaReport checked = await(SchemaEnsurer.check(db, MongoFlavor.COSMOS_RU, SchemaCatalog.runtime()));
        SchemaReport ensured = await(SchemaEnsurer.ensure(db, MongoFlavor.COSMOS_RU, SchemaCatalog.runtime()));

        Set<String> expected = SchemaCatalog.runtime().stream().map(spec -> "DIFFERENT unsharded_rt." + spec.name())
                .collect(Collectors.toSet());
        for (SchemaReport report : List.of(checked, ensured)) {
            assertEquals(expected, described(report.drift()), report.toString());
            assertEquals(List.of(), report.changes(), report.toString());
            assertEquals("unsharded, declared sharded on app_id", report.drift().get(0).detail());
        }
        assertEquals(null, fixture.backend().shardKey("unsharded_rt", "chat_events"), "left as it is: resharding is the operators' call");
        assertEquals(1L, await(db.getCollection("chat_events").countDocuments()));
        // Other flavors have no shard key to compare: the same database is in line there.
        assertEquals(List.of(), await(SchemaEnsurer.check(db, MongoFlavor.MONGODB, SchemaCatalog.runtime())).drift());
    }

    @Test
    void aLocationThatCouldNotBeListedIsNotRememberedAsEnsured() throws Exception {
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        String down = "MONGODB_CONNECTION_STRING_LATER";
        try (EmbeddedMongoFixture later = EmbeddedMongoFixture.start(Map.of(down, "mongodb://127.0.0.1:" + port,
                "DEPENDENCY_TIMEOUT_SECONDS", "1"))) {
            StorageLocation location = new StorageLocation(down, "later_rt");

            SchemaReport unreachable = await(later.runtimeSchema().ensure(location));
            assertEquals(List.of(Outcome.UNREACHABLE), unreachable.drift().stream().map(SchemaReport.Entry::outcome).toList(),
                    unreachable.toString());
            assertFalse(unreachable.reached());
            assertThrows(SchemaNotInPlace.class, () -> later.provision(location), "an app is not made on collections not made");

            // The server comes up: the next provisioning does the work a remembered failure would have skipped.
            MongoServer server = new MongoServer(new CosmosRuBackend());
            try {
                server.bind("127.0.0.1", port);
                later.provision(location);
                try (MongoClient direct = MongoClients.create("mongodb://127.0.0.1:" + port)) {
                    List<String> made = awaitAll(direct.getDatabase("later_rt").listCollectionNames());
                    assertEquals(SchemaCatalog.runtime().stream().map(CollectionSpec::name).collect(Collectors.toSet()), Set.copyOf(made));
                }
            } finally {
                server.shutdownNow();
            }
        }
    }

    @Test
    void theWholeStepIsIdempotentOnADeployedPlatform() {
        // The fixture ran the step as a deployment does; the full step (routes, issuers) finds nothing to do.
        SchemaReport again = await(schema.ensure());
        assertEquals(List.of(), again.changes(), again.toString());
        assertEquals(List.of(), again.drift(), again.toString());
        assertEquals(List.of(), await(schema.check()).drift());
    }

    @Test
    void driftIsReportedAndOnlyWhatIsMissingIsCreated() {
        MongoDatabase runtime = fixture.rawDatabase(SHARED_RUNTIME_DB);
        MongoDatabase control = fixture.rawDatabase(CONTROL_DB);
        await(runtime.getCollection("chat_sessions").dropIndex("app_chat"));
        await(control.getCollection("memberships").dropIndex("tenant_members"));
        await(control.getCollection("memberships").createIndex(Indexes.ascending("tenant_id"), new IndexOptions().name("tenant_members")));
        await(control.getCollection("audit").createIndex(Indexes.ascending("action"), new IndexOptions().name("by_action")));

        SchemaReport checked = await(schema.check());
        assertEquals(Set.of("MISSING mozaiks_runtime.chat_sessions app_chat", "DIFFERENT mozaiks_control.memberships tenant_members",
                "EXTRA mozaiks_control.audit by_action"), described(checked.drift()), checked.toString());
        assertEquals(List.of(), checked.changes());
        assertFalse(indexes(SHARED_RUNTIME_DB, "chat_sessions").containsKey("app_chat"), "a check changes nothing");

        SchemaReport ensured = await(schema.ensure());
        assertEquals(Set.of("CREATED mozaiks_runtime.chat_sessions app_chat"), described(ensured.changes()), ensured.toString());
        assertEquals(Set.of("DIFFERENT mozaiks_control.memberships tenant_members", "EXTRA mozaiks_control.audit by_action"),
                described(ensured.drift()), ensured.toString());
        assertTrue(indexes(SHARED_RUNTIME_DB, "chat_sessions").get("app_chat").getBoolean("unique"));
        // What differs is reported, never redeclared or dropped: changing an index is the operator's decision.
        assertEquals(new Document("tenant_id", 1), indexes(CONTROL_DB, "memberships").get("tenant_members").get("key", Document.class));
        assertTrue(indexes(CONTROL_DB, "audit").containsKey("by_action"));
    }

    @Test
    void aRefusedDeclarationIsReportedAndTheOthersAreStillMade() {
        MongoDatabase db = fixture.rawDatabase("refusals");
        // Populated with a duplicate, a unique index is refused (on Cosmos RU any unique index on a populated collection is;
        // a TTL index off _ts is refused in the same way there).
        await(db.getCollection("things").insertMany(List.of(new Document("k", 1), new Document("k", 1))));
        List<CollectionSpec> specs = List.of(
                CollectionSpec.of("things", IndexSpec.unique("unique_k", Indexes.ascending("k")), IndexSpec.index("by_x", Indexes.ascending("x"))),
                CollectionSpec.of("others", IndexSpec.expiring("expire", "created_at", Duration.ofHours(1))));

        SchemaReport report = await(SchemaEnsurer.ensure(db, fixture.settings().mongo().flavor(), specs));

        assertEquals(Set.of("REFUSED refusals.things unique_k"), described(report.drift()), report.toString());
        assertEquals(Set.of("CREATED refusals.things by_x", "COLLECTION_CREATED refusals.others", "CREATED refusals.others expire"),
                described(report.changes()), report.toString());
        assertTrue(report.drift().get(0).detail().contains("11000") || report.drift().get(0).detail().toLowerCase().contains("duplicate"),
                report.drift().get(0).detail());
    }

    @Test
    void databasesAppsAreRoutedToGetTheRuntimeCollections() {
        await(fixture.rawDatabase(CONTROL_DB).getCollection(StorageRouter.ROUTES).insertOne(new Document("_id", "app_acme")
                .append("connection", ACME).append("database", "acme_rt")));

        SchemaReport report = await(schema.ensure());

        assertEquals(List.of(), report.drift(), report.toString());
        assertTrue(indexes("acme_rt", "chat_events").get("app_chat_seq").getBoolean("unique"));
        assertTrue(indexes("acme_rt", "chat_sessions").containsKey("app_user_recent"));
        assertEquals(List.of(), await(schema.ensure()).changes());
    }

    @Test
    void existingAppsIssuersAreRegisteredAndTheUniqueSparseIndexGoes() {
        MongoDatabase control = fixture.rawDatabase(CONTROL_DB);
        // As an earlier release left it: uniqueness by a unique sparse index on apps, no app_issuers entries.
        await(control.getCollection("apps").createIndex(Indexes.ascending("end_user_idp.issuer", "end_user_idp.audience"),
                new IndexOptions().name("app_issuer_audience").unique(true).sparse(true)));
        await(control.getCollection("apps").insertMany(List.of(
                app("app_a", "aud-a", "active"), app("app_b", "aud-b", "suspended"), app("app_gone", "aud-gone", "deleted"),
                new Document("_id", "app_plain").append("status", "active"))));

        SchemaReport report = await(schema.ensure());

        assertEquals(Set.of("DROPPED mozaiks_control.apps app_issuer_audience"), described(report.changes()), report.toString());
        assertEquals(List.of(), report.drift(), report.toString());
        List<Document> pairs = awaitAll(control.getCollection(ControlCollections.APP_ISSUERS).find());
        assertEquals(Map.of("aud-a", "app_a", "aud-b", "app_b"), pairs.stream().collect(Collectors.toMap(
                pair -> pair.get("_id", Document.class).getString("audience"), pair -> pair.getString("app_id"))));
        // Apps without an IdP no longer collide on a missing value (Cosmos RU ignores sparse).
        await(control.getCollection("apps").insertOne(new Document("_id", "app_plain_2").append("status", "active")));

        SchemaReport again = await(schema.ensure());
        assertEquals(List.of(), again.changes(), again.toString());
        assertEquals(List.of(), again.drift(), again.toString());
    }

    @Test
    void twoAppsHoldingOnePairAreReportedAndTheFirstKeepsIt() {
        MongoDatabase control = fixture.rawDatabase(CONTROL_DB);
        await(control.getCollection("apps").insertMany(List.of(app("app_1", "shared", "active"), app("app_2", "shared", "active"))));

        SchemaReport report = await(schema.ensure());

        assertEquals(Set.of("CONFLICT mozaiks_control.app_issuers"), described(report.drift()), report.toString());
        assertTrue(report.drift().get(0).detail().contains("app_2"), report.toString());
        assertEquals("app_1", await(control.getCollection(ControlCollections.APP_ISSUERS).find().first()).getString("app_id"));
    }

    private static Document app(String id, String audience, String status) {
        return new Document("_id", id).append("status", status).append("end_user_idp", new Document("issuer", "https://login.example/t")
                .append("audience", audience).append("jwks_url", "https://login.example/keys"));
    }

    private static Set<String> indexNames(MongoDatabase db, String collection) {
        return awaitAll(db.getCollection(collection).listIndexes()).stream().map(index -> index.getString("name"))
                .filter(name -> !"_id_".equals(name)).collect(Collectors.toSet());
    }

    private static List<CollectionSpec> concat(List<CollectionSpec> first, List<CollectionSpec> second) {
        List<CollectionSpec> all = new java.util.ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    private static int indexOf(List<CommandRecorder.Observed> observed, String command, String collection) {
        for (int i = 0; i < observed.size(); i++) {
            if (observed.get(i).command().equals(command) && collection.equals(observed.get(i).collection())) {
                return i;
            }
        }
        return -1;
    }
}

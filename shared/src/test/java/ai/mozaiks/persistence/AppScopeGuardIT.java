package ai.mozaiks.persistence;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.SHARED_RUNTIME_DB;
import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static ai.mozaiks.persistence.EmbeddedMongoFixture.awaitAll;
import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.in;
import static com.mongodb.client.model.Filters.ne;
import static com.mongodb.client.model.Filters.or;
import static com.mongodb.client.model.Updates.set;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.kernel.AppId;
import com.mongodb.client.model.Accumulators;
import com.mongodb.client.model.Aggregates;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.result.UpdateResult;
import com.mongodb.reactivestreams.client.MongoCollection;
import com.mongodb.reactivestreams.client.MongoDatabase;
import java.util.List;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.reactivestreams.Publisher;

class AppScopeGuardIT {
    private static final AppId APP_A = AppId.of("app-a");
    private static final AppId APP_B = AppId.of("app-b");
    private static final Logger GUARD_LOG = Logger.getLogger(AppScopeGuard.class.getName());
    private static Level guardLogLevel;

    private EmbeddedMongoFixture fixture;

    @BeforeAll
    static void quietGuardLog() {
        // Violations are provoked on purpose below; keep their SEVERE lines out of the build output.
        guardLogLevel = GUARD_LOG.getLevel();
        GUARD_LOG.setLevel(Level.OFF);
    }

    @AfterAll
    static void restoreGuardLog() {
        GUARD_LOG.setLevel(guardLogLevel);
    }

    @BeforeEach
    void start() {
        fixture = EmbeddedMongoFixture.start();
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    private AppCollection collection(AppId app, RuntimeCollection kind) {
        return await(fixture.appDatabases().forApp(app)).collection(kind);
    }

    private static Document chat(int n, String status) {
        return new Document("chat_id", "chat-" + n)
                .append("seq", n)
                .append("user_id", "u1")
                .append("workflow_name", "wf")
                .append("status", status)
                .append("updated_at", n);
    }

    private static List<String> chatIds(List<Document> documents) {
        return documents.stream().map(d -> d.getString("chat_id")).collect(Collectors.toList());
    }

    // (a) every AppCollection operation stays scoped on the wire ---------------------------------

    @ParameterizedTest
    @EnumSource(RuntimeCollection.class)
    void everyAppCollectionOperationIsScopedOnTheWire(RuntimeCollection kind) {
        AppCollection app = collection(APP_A, kind);
        String name = kind.collectionName();
        fixture.commands().clear();

        await(app.insertOne(chat(1, "open")));
        await(app.insertMany(List.of(chat(2, "open"), chat(3, "open"), chat(4, "open"))));

        Document first = await(app.findOne(eq("chat_id", "chat-1")));
        assertNotNull(first);
        assertEquals("app-a", first.getString("app_id"));

        assertEquals(List.of("chat-4", "chat-3"),
                // By _id, the one index every collection has (the strict profile refuses a sort no index serves); ids grow.
                chatIds(awaitAll(app.find(eq("user_id", "u1"), Sorts.descending("_id"), 2))));

        assertEquals(4L, await(app.count(null)));
        assertEquals(4L, await(app.count(eq("status", "open"))));

        UpdateResult upsert = await(app.updateOne(eq("chat_id", "chat-5"), set("status", "upserted"), true));
        assertNotNull(upsert.getUpsertedId(), "upsert must insert");
        UpdateResult many = await(app.updateMany(eq("user_id", "u1"), set("flagged", true)));
        assertEquals(4L, many.getMatchedCount());

        Document closed = await(app.findOneAndUpdate(eq("chat_id", "chat-2"), set("status", "closed"),
                new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER)));
        assertEquals("closed", closed.getString("status"));
        assertEquals(true, closed.getBoolean("flagged"));

        assertEquals(1L, await(app.deleteOne(eq("chat_id", "chat-1"))));
        assertEquals(2L, await(app.deleteMany(eq("status", "open"))));

        List<Document> byStatus = awaitAll(app.aggregate(List.of(
                Aggregates.group("$status", Accumulators.sum("n", 1)),
                Aggregates.sort(Sorts.ascending("_id")))));
        assertEquals(List.of(new Document("_id", "closed").append("n", 1), new Document("_id", "upserted").append("n", 1)),
                byStatus);

        // The upserted document was stamped with the app's id by the filter, not left unscoped.
        Document upserted = await(fixture.rawDatabase(SHARED_RUNTIME_DB).getCollection(name).find(eq("chat_id", "chat-5")).first());
        assertEquals("app-a", upserted.getString("app_id"));

        assertEquals(List.of(), fixture.guard().violations());
        // Not vacuous: each operation really went over the wire, observed by a second listener.
        CommandRecorder seen = fixture.commands();
        assertEquals(2, seen.count("insert", name), "insertOne + insertMany");
        assertEquals(2, seen.count("find", name), "findOne + find");
        assertEquals(3, seen.count("aggregate", name), "count x2 + aggregate");
        assertEquals(2, seen.count("update", name), "updateOne + updateMany");
        assertEquals(1, seen.count("findAndModify", name));
        assertEquals(2, seen.count("delete", name), "deleteOne + deleteMany");
    }

    // (b) the guard catches unscoped commands sent with the raw driver ---------------------------

    static Stream<Arguments> unscopedCommands() {
        return Stream.of(
                unscoped("find without filter", "find", "chat_sessions",
                        c -> c.find().first()),
                unscoped("find on another field only", "find", "chat_events",
                        c -> c.find(eq("chat_id", "chat-1")).first()),
                unscoped("find with $in on app_id", "find", "chat_sessions",
                        c -> c.find(in("app_id", "app-a", "app-b")).first()),
                unscoped("find with $ne on app_id", "find", "chat_events",
                        c -> c.find(ne("app_id", "app-b")).first()),
                unscoped("find with app_id inside $or", "find", "chat_sessions",
                        c -> c.find(or(eq("app_id", "app-a"), eq("status", "open"))).first()),
                unscoped("find with empty app_id", "find", "chat_sessions",
                        c -> c.find(eq("app_id", "")).first()),
                unscoped("updateMany without app_id", "update", "chat_sessions",
                        c -> c.updateMany(eq("status", "open"), set("status", "closed"))),
                unscoped("updateOne with $in on app_id", "update", "chat_events",
                        c -> c.updateOne(in("app_id", "app-a"), set("status", "closed"))),
                unscoped("deleteMany with {}", "delete", "chat_events",
                        c -> c.deleteMany(new Document())),
                unscoped("aggregate without $match", "aggregate", "chat_sessions",
                        c -> c.aggregate(List.of(Aggregates.group("$app_id", Accumulators.sum("n", 1))))),
                unscoped("aggregate with $match on app_id not first", "aggregate", "chat_events",
                        c -> c.aggregate(List.of(Aggregates.sort(Sorts.ascending("seq")), Aggregates.match(eq("app_id", "app-a"))))),
                unscoped("countDocuments without app_id", "aggregate", "chat_events",
                        c -> c.countDocuments()),
                unscoped("insert without app_id", "insert", "chat_events",
                        c -> c.insertOne(new Document("chat_id", "chat-1").append("seq", 1))),
                unscoped("insertMany with one document lacking app_id", "insert", "chat_sessions",
                        c -> c.insertMany(List.of(new Document("app_id", "app-a").append("chat_id", "x"), new Document("chat_id", "y")))),
                unscoped("findOneAndUpdate without app_id", "findAndModify", "chat_sessions",
                        c -> c.findOneAndUpdate(eq("chat_id", "chat-1"), set("status", "closed"))),
                unscoped("scoped update that moves app_id", "update", "chat_sessions",
                        c -> c.updateOne(eq("app_id", "app-a"), set("app_id", "app-b"))),
                unscoped("scoped findOneAndUpdate that unsets app_id", "findAndModify", "chat_events",
                        c -> c.findOneAndUpdate(eq("app_id", "app-a"), new Document("$unset", new Document("app_id", "")))),
                unscoped("scoped aggregate with a $lookup", "aggregate", "chat_sessions",
                        c -> c.aggregate(List.of(Aggregates.match(eq("app_id", "app-a")),
                                Aggregates.lookup("chat_events", "chat_id", "chat_id", "events")))));
    }

    private static Arguments unscoped(String label, String command, String collection,
                                      Function<MongoCollection<Document>, Publisher<?>> operation) {
        return Arguments.of(label, command, collection, operation);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unscopedCommands")
    void rawUnscopedCommandIsAViolation(String label, String command, String collection,
                                        Function<MongoCollection<Document>, Publisher<?>> operation) {
        AppScopeGuard guard = new AppScopeGuard();
        CommandRecorder seen = new CommandRecorder();
        MongoDatabase raw = fixture.rawClient(guard, seen).getDatabase(SHARED_RUNTIME_DB);

        awaitAll(sentEvenIfRefused(operation.apply(raw.getCollection(collection))));

        assertEquals(1, seen.count(command, collection), "the command was sent once");
        List<AppScopeGuard.Violation> violations = guard.violations();
        assertEquals(1, violations.size(), () -> "violations: " + violations);
        AppScopeGuard.Violation violation = violations.get(0);
        assertEquals(command, violation.command());
        assertEquals(collection, violation.collection());
        assertEquals(SHARED_RUNTIME_DB, violation.database());
        assertNotNull(violation.reason());
    }

    /**
     * The guard judges a command as the driver sends it. The server may refuse it after that: an insert without
     * {@code app_id} into a runtime collection, sharded on it as on Cosmos RU ({@link CosmosRuBackend}), is.
     */
    private static <T> Publisher<T> sentEvenIfRefused(Publisher<T> command) {
        return reactor.core.publisher.Flux.from(command).onErrorResume(com.mongodb.MongoCommandException.class,
                refused -> refused.getErrorMessage().contains("lacks its shard key") ? reactor.core.publisher.Flux.empty()
                        : reactor.core.publisher.Flux.error(refused));
    }

    @Test
    void violationReasonsSayWhatIsMissing() {
        AppScopeGuard guard = new AppScopeGuard();
        MongoDatabase raw = fixture.rawClient(guard).getDatabase(SHARED_RUNTIME_DB);
        MongoCollection<Document> sessions = raw.getCollection("chat_sessions");

        await(sessions.find().first());
        await(sessions.deleteMany(new Document()));
        awaitAll(sentEvenIfRefused(sessions.insertOne(new Document("chat_id", "c"))));
        awaitAll(sessions.aggregate(List.of(Aggregates.limit(1))));

        assertEquals(List.of(
                new AppScopeGuard.Violation(SHARED_RUNTIME_DB, "chat_sessions", "find", "filter lacks app_id"),
                new AppScopeGuard.Violation(SHARED_RUNTIME_DB, "chat_sessions", "delete", "a statement filter lacks app_id"),
                new AppScopeGuard.Violation(SHARED_RUNTIME_DB, "chat_sessions", "insert", "a document lacks app_id"),
                new AppScopeGuard.Violation(SHARED_RUNTIME_DB, "chat_sessions", "aggregate",
                        "pipeline does not start with a $match on app_id")),
                guard.violations());

        guard.clear();
        assertEquals(List.of(), guard.violations());
    }

    @Test
    void rawCommandsPinnedToOneAppAreNotViolations() {
        AppScopeGuard guard = new AppScopeGuard();
        CommandRecorder seen = new CommandRecorder();
        MongoCollection<Document> sessions = fixture.rawClient(guard, seen).getDatabase(SHARED_RUNTIME_DB).getCollection("chat_sessions");

        await(sessions.insertOne(new Document("app_id", "app-a").append("chat_id", "c1")));
        await(sessions.find(eq("app_id", "app-a")).first());
        await(sessions.find(new Document("app_id", new Document("$eq", "app-a"))).first());
        await(sessions.find(and(eq("status", "open"), eq("app_id", "app-a"))).first());
        await(sessions.updateMany(new Document("app_id", "app-a").append("status", "open"), set("status", "closed")));
        await(sessions.deleteMany(eq("app_id", "app-a")));

        assertEquals(6, seen.countOn("chat_sessions"));
        assertEquals(List.of(), guard.violations());
    }

    // (c) non-runtime collections are not the guard's business -----------------------------------

    @Test
    void unscopedQueriesOnNonRuntimeCollectionsAreNotViolations() {
        AppScopeGuard guard = new AppScopeGuard();
        CommandRecorder seen = new CommandRecorder();
        MongoDatabase control = fixture.rawClient(guard, seen).getDatabase("mozaiks_control");

        await(control.getCollection(StorageRouter.ROUTES).insertOne(new Document("_id", "app-a").append("database", "x")));
        await(control.getCollection(StorageRouter.ROUTES).find().first());
        await(control.getCollection(StorageRouter.ROUTES).deleteMany(new Document()));
        awaitAll(control.getCollection("apps").aggregate(List.of(Aggregates.limit(1))));

        assertEquals(4, seen.observed().stream().filter(o -> o.collection() != null).count(), () -> "seen: " + seen.observed());
        assertEquals(List.of(), guard.violations());
    }

    // (d) data isolation between apps ----------------------------------------------------------

    @ParameterizedTest
    @EnumSource(RuntimeCollection.class)
    void anotherAppCannotSeeOrChangeTheData(RuntimeCollection kind) {
        AppCollection appA = collection(APP_A, kind);
        AppCollection appB = collection(APP_B, kind);
        await(appA.insertMany(List.of(chat(1, "open"), chat(2, "open"), chat(3, "closed"))));
        List<Document> before = stored(kind, "app-a");
        assertEquals(List.of("chat-1", "chat-2", "chat-3"), chatIds(before));

        assertEquals(List.of(), awaitAll(appB.find(null, null, 0)));
        assertNull(await(appB.findOne(eq("chat_id", "chat-1"))));
        assertEquals(0L, await(appB.count(null)));
        assertEquals(List.of(), awaitAll(appB.aggregate(List.of())));
        assertEquals(0L, await(appB.updateMany(null, set("status", "hijacked"))).getMatchedCount());
        assertEquals(0L, await(appB.updateOne(eq("chat_id", "chat-1"), set("status", "hijacked"), false)).getMatchedCount());
        assertNull(await(appB.findOneAndUpdate(eq("chat_id", "chat-2"), set("status", "hijacked"), new FindOneAndUpdateOptions())));
        assertEquals(0L, await(appB.deleteOne(eq("chat_id", "chat-1"))));
        assertEquals(0L, await(appB.deleteMany(null)));

        // An upsert by app-b on the same chat_id creates app-b's own document beside app-a's.
        assertNotNull(await(appB.updateOne(eq("chat_id", "chat-1"), set("status", "b-owned"), true)).getUpsertedId());
        assertEquals(1L, await(appB.count(null)));
        assertEquals("b-owned", await(appB.findOne(eq("chat_id", "chat-1"))).getString("status"));

        // app-a's documents, read with a raw client, are exactly as they were.
        assertEquals(before, stored(kind, "app-a"));
        assertEquals(4, stored(kind).size(), "three of app-a and the one app-b upserted");
        assertEquals(3L, await(appA.count(null)));
        assertEquals("open", await(appA.findOne(eq("chat_id", "chat-1"))).getString("status"));
        assertEquals(List.of(), fixture.guard().violations());
    }

    @Test
    void insertingAnotherAppsDocumentThrows() {
        AppCollection appA = collection(APP_A, RuntimeCollection.CHAT_SESSIONS);
        Document foreign = chat(1, "open").append("app_id", "app-b");

        IllegalArgumentException one = assertThrows(IllegalArgumentException.class, () -> await(appA.insertOne(foreign)));
        assertTrue(one.getMessage().contains("app-b") && one.getMessage().contains("app-a"), one.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> await(appA.insertMany(List.of(chat(2, "open"), foreign))));

        assertEquals(0L, await(fixture.rawDatabase(SHARED_RUNTIME_DB).getCollection("chat_sessions").countDocuments()),
                "nothing of either batch was written");
    }

    @Test
    void insertStampsAppIdWithoutChangingTheCallersDocument() {
        AppCollection appA = collection(APP_A, RuntimeCollection.CHAT_EVENTS);
        Document mine = chat(1, "open");
        Document explicit = chat(2, "open").append("app_id", "app-a");

        await(appA.insertOne(mine));
        await(appA.insertOne(explicit));

        assertNull(mine.get("app_id"), "the caller's document is not mutated");
        assertEquals(List.of("app-a", "app-a"),
                stored(RuntimeCollection.CHAT_EVENTS).stream().map(d -> d.getString("app_id")).collect(Collectors.toList()));
    }

    @Test
    void anUpdateCannotMoveADocumentToAnotherApp() {
        AppCollection appA = collection(APP_A, RuntimeCollection.CHAT_SESSIONS);
        AppCollection appB = collection(APP_B, RuntimeCollection.CHAT_SESSIONS);
        await(appA.insertOne(chat(1, "open")));

        assertThrows(IllegalArgumentException.class,
                () -> await(appA.updateOne(eq("chat_id", "chat-1"), set("app_id", "app-b"), false)));
        assertThrows(IllegalArgumentException.class,
                () -> await(appA.updateMany(eq("chat_id", "chat-1"), new Document("$unset", new Document("app_id", "")))));
        assertThrows(IllegalArgumentException.class,
                () -> await(appA.findOneAndUpdate(eq("chat_id", "chat-1"),
                        new Document("$rename", new Document("status", "app_id")), new com.mongodb.client.model.FindOneAndUpdateOptions())));

        assertEquals(1L, await(appA.count(null)), "app-a still owns its document");
        assertEquals(0L, await(appB.count(null)), "app-b did not gain app-a's document");
    }

    @Test
    void anAggregationCannotReachAnotherAppsDocuments() {
        await(collection(APP_B, RuntimeCollection.CHAT_SESSIONS).insertOne(chat(9, "secret-of-b")));
        AppCollection appA = collection(APP_A, RuntimeCollection.CHAT_SESSIONS);
        await(appA.insertOne(chat(1, "open")));
        fixture.commands().clear();

        for (String stage : List.of("$lookup", "$graphLookup", "$unionWith", "$out", "$merge")) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> awaitAll(appA.aggregate(List.of(
                    new Document(stage, new Document("from", "chat_sessions"))))), stage);
            assertTrue(refused.getMessage().contains(stage), refused.getMessage());
        }
        assertEquals(0, fixture.commands().count("aggregate", "chat_sessions"), "a refused pipeline is never sent");
    }

    /** Everything stored in the shared runtime collection, read with a raw, unobserved client. */
    private List<Document> stored(RuntimeCollection kind) {
        return awaitAll(fixture.rawDatabase(SHARED_RUNTIME_DB).getCollection(kind.collectionName())
                .find().sort(Sorts.ascending("app_id", "chat_id")));
    }

    /** What is stored for one app, read with a raw, unobserved client. */
    private List<Document> stored(RuntimeCollection kind, String appId) {
        return awaitAll(fixture.rawDatabase(SHARED_RUNTIME_DB).getCollection(kind.collectionName())
                .find(eq("app_id", appId)).sort(Sorts.ascending("chat_id")));
    }
}

package ai.mozaiks.persistence;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.ACME;
import static ai.mozaiks.persistence.EmbeddedMongoFixture.CONTROL_DB;
import static ai.mozaiks.persistence.EmbeddedMongoFixture.SHARED_RUNTIME_DB;
import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static ai.mozaiks.persistence.EmbeddedMongoFixture.awaitAll;
import static com.mongodb.client.model.Filters.eq;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.kernel.AppId;
import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.reactivestreams.client.MongoCollection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StorageRouterIT {
    private static final AppId ACME_APP = AppId.of("acme");
    private static final AppId OTHER_APP = AppId.of("other");
    private static final String ACME_DB = "acme_rt";
    private static final Duration TTL = Duration.ofSeconds(30);

    private EmbeddedMongoFixture fixture;

    @BeforeEach
    void start() {
        fixture = EmbeddedMongoFixture.start(Map.of("STORAGE_ROUTE_CACHE_SECONDS", String.valueOf(TTL.toSeconds())));
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    /** Writes (or replaces) a routing record behind the router's back, with a raw client. */
    private void route(AppId app, String connection, String database) {
        Document route = new Document("_id", app.value());
        if (connection != null) {
            route.append("connection", connection);
        }
        if (database != null) {
            route.append("database", database);
        }
        await(routes().replaceOne(eq("_id", app.value()), route, new ReplaceOptions().upsert(true)));
    }

    private MongoCollection<Document> routes() {
        return fixture.rawDatabase(CONTROL_DB).getCollection(StorageRouter.ROUTES);
    }

    private long routeReads() {
        return fixture.commands().count("find", StorageRouter.ROUTES);
    }

    private StorageLocation resolve(AppId app) {
        return await(fixture.router().resolve(app));
    }

    @Test
    void anAppWithoutARouteLivesInTheSharedRuntimeDatabase() {
        assertEquals(new StorageLocation("MONGODB_CONNECTION_STRING", SHARED_RUNTIME_DB), resolve(OTHER_APP));
        assertEquals(fixture.connections().sharedRuntimeLocation(), resolve(OTHER_APP));
    }

    @Test
    void aRouteSendsTheAppToItsDedicatedLocation() {
        route(ACME_APP, ACME, ACME_DB);

        assertEquals(new StorageLocation(ACME, ACME_DB), resolve(ACME_APP));
        assertEquals(fixture.sharedLocation(), resolve(OTHER_APP), "other apps are not affected");
    }

    @Test
    void routesAreCachedForTheTtlThenReadAgain() {
        route(ACME_APP, ACME, ACME_DB);

        assertEquals(new StorageLocation(ACME, ACME_DB), resolve(ACME_APP));
        assertEquals(1, routeReads());

        route(ACME_APP, ACME, "acme_moved");
        fixture.clock().advance(TTL.minusSeconds(1));
        assertEquals(new StorageLocation(ACME, ACME_DB), resolve(ACME_APP), "within the TTL the cached route is used");
        assertEquals(1, routeReads(), "and no command is sent");

        fixture.clock().advance(Duration.ofSeconds(1));
        assertEquals(new StorageLocation(ACME, "acme_moved"), resolve(ACME_APP), "once the TTL is up the route is read again");
        assertEquals(2, routeReads());

        assertEquals(new StorageLocation(ACME, "acme_moved"), resolve(ACME_APP));
        assertEquals(2, routeReads(), "the new answer is cached in turn");
    }

    @Test
    void theSharedAnswerIsCachedToo() {
        resolve(OTHER_APP);
        resolve(OTHER_APP);
        assertEquals(1, routeReads());

        route(OTHER_APP, ACME, ACME_DB);
        fixture.clock().advance(TTL);
        assertEquals(new StorageLocation(ACME, ACME_DB), resolve(OTHER_APP), "a newly added route takes effect after the TTL");
        assertEquals(2, routeReads());
    }

    @Test
    void invalidateForcesARead() {
        route(ACME_APP, ACME, ACME_DB);
        resolve(ACME_APP);
        route(ACME_APP, ACME, "acme_moved");

        fixture.router().invalidate(ACME_APP);

        assertEquals(new StorageLocation(ACME, "acme_moved"), resolve(ACME_APP));
        assertEquals(2, routeReads());
    }

    @Test
    void aRouteToAnUnknownConnectionFailsClearly() {
        route(ACME_APP, "MONGODB_CONNECTION_STRING_NOPE", ACME_DB);

        StorageRouteException error = assertThrows(StorageRouteException.class, () -> resolve(ACME_APP));
        assertEquals("storage route for app acme names connection setting MONGODB_CONNECTION_STRING_NOPE,"
                + " which this deployment does not have", error.getMessage());

        // A failure is not cached: once the record is fixed the next resolve follows it.
        route(ACME_APP, ACME, ACME_DB);
        assertEquals(new StorageLocation(ACME, ACME_DB), resolve(ACME_APP));
    }

    @Test
    void anIncompleteRouteFailsClearly() {
        route(ACME_APP, ACME, null);

        StorageRouteException error = assertThrows(StorageRouteException.class, () -> resolve(ACME_APP));
        assertEquals("storage route for app acme lacks connection or database", error.getMessage());
    }

    @Test
    void aRoutedAppWritesIntoItsDedicatedDatabase() {
        route(ACME_APP, ACME, ACME_DB);

        AppDatabase acme = await(fixture.appDatabases().forApp(ACME_APP));
        AppDatabase other = await(fixture.appDatabases().forApp(OTHER_APP));
        assertEquals(new StorageLocation(ACME, ACME_DB), acme.location());
        assertEquals(fixture.sharedLocation(), other.location());

        await(acme.collection(RuntimeCollection.CHAT_SESSIONS).insertOne(new Document("chat_id", "c1")));
        await(other.collection(RuntimeCollection.CHAT_SESSIONS).insertOne(new Document("chat_id", "c2")));

        assertEquals(List.of("acme"), appIdsIn(ACME_DB));
        assertEquals(List.of("other"), appIdsIn(SHARED_RUNTIME_DB));
        assertEquals(1L, await(acme.collection(RuntimeCollection.CHAT_SESSIONS).count(null)));
        // The dedicated database was reached through the dedicated connection's client.
        assertTrue(fixture.commands().observed().stream()
                        .anyMatch(o -> o.database().equals(ACME_DB) && o.command().equals("insert")),
                () -> "commands: " + fixture.commands().observed());
        assertEquals(List.of(), fixture.guard().violations());
    }

    @Test
    void runtimeIndexesExistInEveryDatabaseUsed() {
        route(ACME_APP, ACME, ACME_DB);
        // The shared database is made at deploy (the fixture's start); a dedicated one when an app is routed there.
        fixture.provision(new StorageLocation(ACME, ACME_DB));

        for (String database : List.of(ACME_DB, SHARED_RUNTIME_DB)) {
            Map<String, Document> sessions = indexes(database, "chat_sessions");
            assertEquals(new Document("app_id", 1).append("user_id", 1).append("updated_at", -1),
                    sessions.get("app_user_recent").get("key", Document.class), database);
            assertEquals(new Document("app_id", 1).append("workflow_name", 1).append("status", 1).append("updated_at", -1),
                    sessions.get("app_workflow_status_recent").get("key", Document.class), database);
            assertEquals(new Document("app_id", 1).append("chat_id", 1),
                    sessions.get("app_chat").get("key", Document.class), database);
            assertEquals(true, sessions.get("app_chat").getBoolean("unique"), database);
            assertEquals(new Document("app_id", 1).append("status", 1).append("updated_at", 1),
                    sessions.get("app_status_updated").get("key", Document.class), database);
            assertEquals(new Document("app_id", 1).append("status", 1).append("created_at", 1),
                    indexes(database, "pack_runs").get("app_status_created").get("key", Document.class), database);
            assertTrue(!sessions.get("app_user_recent").getBoolean("unique", false), database);

            Map<String, Document> events = indexes(database, "chat_events");
            assertEquals(new Document("app_id", 1).append("chat_id", 1).append("seq", 1),
                    events.get("app_chat_seq").get("key", Document.class), database);
            assertEquals(true, events.get("app_chat_seq").getBoolean("unique"), database);
        }
    }

    @Test
    void theEventSequenceIndexRejectsADuplicateEvent() {
        AppCollection events = await(fixture.appDatabases().forApp(OTHER_APP)).collection(RuntimeCollection.CHAT_EVENTS);
        await(events.insertOne(new Document("chat_id", "c1").append("seq", 1)));
        await(events.insertOne(new Document("chat_id", "c1").append("seq", 2)));

        MongoWriteException duplicate = assertThrows(MongoWriteException.class,
                () -> await(events.insertOne(new Document("chat_id", "c1").append("seq", 1))));
        assertEquals(11000, duplicate.getCode());
        assertEquals(ErrorCategory.DUPLICATE_KEY, duplicate.getError().getCategory());

        // The index leads with app_id: another app may use the same chat id and sequence number.
        AppCollection acmeEvents = await(fixture.appDatabases().forApp(ACME_APP)).collection(RuntimeCollection.CHAT_EVENTS);
        await(acmeEvents.insertOne(new Document("chat_id", "c1").append("seq", 1)));
        assertEquals(3L, await(fixture.rawDatabase(SHARED_RUNTIME_DB).getCollection("chat_events").countDocuments()));
    }

    private List<String> appIdsIn(String database) {
        return awaitAll(fixture.rawDatabase(database).getCollection("chat_sessions").find())
                .stream().map(d -> d.getString("app_id")).toList();
    }

    private Map<String, Document> indexes(String database, String collection) {
        Map<String, Document> byName = new TreeMap<>();
        awaitAll(fixture.rawDatabase(database).getCollection(collection).listIndexes())
                .forEach(index -> byName.put(index.getString("name"), index));
        return byName;
    }
}

package ai.mozaiks.migration;

import static com.mongodb.client.model.Filters.eq;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.persistence.AppCollection;
import ai.mozaiks.persistence.EmbeddedMongoFixture;
import ai.mozaiks.persistence.RuntimeCollection;
import ai.mozaiks.persistence.StorageLocation;
import ai.mozaiks.kernel.AppId;
import com.mongodb.reactivestreams.client.MongoCollection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Moves an app with thousands of chat documents to a dedicated database and back through the real
 * driver and embedded server: verified counts and checksums, steps that arrive meanwhile deferred
 * and then written to the new place, a run killed midway completed by another, a bad copy rolled back.
 */
class MigrationRunnerIT {
    private static final AppId APP = AppId.of("app-hot");
    private static final AppId NEIGHBOUR = AppId.of("app-quiet");
    private static final int SESSIONS = 1200;
    private static final int EVENTS = 3000;
    // A bound on a hang, not a speed check: copying 3,000 events on a loaded 2-core machine has taken over 30 s.
    private static final Duration WAIT = Duration.ofSeconds(120);

    private EmbeddedMongoFixture fixture;
    private MongoCollection<Document> migrations;
    private MongoCollection<Document> apps;
    private StorageLocation dedicated;

    @BeforeEach
    void seed() {
        fixture = EmbeddedMongoFixture.start(Map.of("STORAGE_ROUTE_CACHE_SECONDS", "30"));
        migrations = fixture.rawDatabase(EmbeddedMongoFixture.CONTROL_DB).getCollection(Migration.COLLECTION);
        apps = fixture.rawDatabase(EmbeddedMongoFixture.CONTROL_DB).getCollection("apps");
        dedicated = new StorageLocation(EmbeddedMongoFixture.ACME, "acme_runtime");
        insert(APP, RuntimeCollection.CHAT_SESSIONS, SESSIONS, i -> new Document("chat_id", "chat-" + i).append("status", "completed"));
        insert(APP, RuntimeCollection.CHAT_EVENTS, EVENTS, i -> new Document("chat_id", "chat-" + (i % SESSIONS)).append("seq", i / SESSIONS)
                .append("type", "chat.text").append("data", new Document("content", "message " + i)));
        insert(NEIGHBOUR, RuntimeCollection.CHAT_SESSIONS, 50, i -> new Document("chat_id", "quiet-" + i));
        await(Mono.from(apps.insertMany(List.of(
                new Document("_id", APP.value()).append("tenant_id", "ten-1").append("status", "active").append("tier", "business"),
                new Document("_id", NEIGHBOUR.value()).append("tenant_id", "ten-1").append("status", "active").append("tier", "free")))));
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    @Test
    void movesEverythingVerifiedWhileArrivingStepsWaitAndLandInTheNewPlace() throws Exception {
        String id = begin(fixture.sharedLocation(), dedicated);
        MigrationGate gate = new MigrationGate(apps);
        AtomicInteger deferred = new AtomicInteger();
        CompletableFuture<Void> steps = CompletableFuture.runAsync(() -> arriveSteps(gate, 40, deferred));

        List<String> phases = new ArrayList<>();
        runToEnd(runner(), id, phases);
        steps.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);

        Document record = await(Mono.from(migrations.find(eq("_id", id)).first()));
        assertEquals("cleaned", record.getString("phase"));
        assertTrue(record.get("verification", Document.class).getBoolean("equal"), record.toJson());
        assertEquals(List.of("draining", "copying", "verifying", "switching", "settling", "completed"), distinct(phases));
        assertTrue(deferred.get() > 0, "some steps arrived while the app was closed");
        assertEquals(dedicated, await(fixture.router().resolve(APP)), "routing points at the dedicated database");
        assertNull(await(Mono.from(apps.find(eq("_id", APP.value())).first())).get("migration_id"), "the app is open again");
        assertEquals(SESSIONS, count(dedicated, RuntimeCollection.CHAT_SESSIONS));
        assertEquals(EVENTS + 40, count(dedicated, RuntimeCollection.CHAT_EVENTS), "every deferred step landed in the new place");
        assertEquals(0, count(fixture.sharedLocation(), RuntimeCollection.CHAT_EVENTS), "the source copy was removed after the grace");
        assertEquals(50, countNeighbour(), "the neighbour app was not touched");
        assertEquals(List.of(), fixture.guard().violations());
    }

    @Test
    void aRunKilledMidwayIsCompletedByAnotherWithNothingLostOrDuplicated() {
        String id = begin(fixture.sharedLocation(), dedicated);
        AtomicInteger batches = new AtomicInteger();
        Instant until = fixture.clock().instant().plusSeconds(60);
        // The first runner's time runs out after three copied batches: it stops as a killed one would.
        Optional<Duration> again = await(runner().advance(id, until, (migration, phase, detail) -> {
            if (phase.equals("copying") && !detail.isEmpty() && batches.incrementAndGet() == 3) {
                fixture.clock().advance(Duration.ofMinutes(5));
            }
        }));
        assertEquals(Optional.of(Duration.ZERO), again, "the killed run asks to be continued");
        Document halfway = await(Mono.from(migrations.find(eq("_id", id)).first()));
        assertEquals("copying", halfway.getString("phase"));
        long copiedSoFar = count(dedicated, RuntimeCollection.CHAT_SESSIONS) + count(dedicated, RuntimeCollection.CHAT_EVENTS);
        assertTrue(copiedSoFar > 0 && copiedSoFar < SESSIONS + EVENTS, "copied " + copiedSoFar);

        runToEnd(runner(), id, new ArrayList<>());

        Document done = await(Mono.from(migrations.find(eq("_id", id)).first()));
        assertEquals("cleaned", done.getString("phase"));
        assertEquals(SESSIONS, count(dedicated, RuntimeCollection.CHAT_SESSIONS));
        assertEquals(EVENTS, count(dedicated, RuntimeCollection.CHAT_EVENTS));
        assertEquals(SESSIONS, done.get("progress", Document.class).get("chat_sessions", Document.class).getInteger("copied"));
    }

    @Test
    void aCopyThatDoesNotMatchIsRemovedAndTheAppReopenedWhereItWas() {
        String id = begin(fixture.sharedLocation(), dedicated);
        runToEnd(runner(), id, new ArrayList<>(), phase -> {
            if (phase.equals("verifying")) {
                // Something wrote into the target behind the migration's back.
                await(fixture.appDatabases().at(APP, dedicated)
                        .flatMap(db -> db.collection(RuntimeCollection.CHAT_EVENTS).insertOne(new Document("chat_id", "stray").append("seq", 1))));
            }
        });

        Document failed = await(Mono.from(migrations.find(eq("_id", id)).first()));
        assertEquals("failed", failed.getString("phase"));
        assertFalse(failed.get("verification", Document.class).getBoolean("equal"));
        assertEquals(0, count(dedicated, RuntimeCollection.CHAT_EVENTS) + count(dedicated, RuntimeCollection.CHAT_SESSIONS), "copy removed");
        assertEquals(fixture.sharedLocation(), await(fixture.router().resolve(APP)), "routing unchanged");
        assertEquals(EVENTS, count(fixture.sharedLocation(), RuntimeCollection.CHAT_EVENTS), "source intact");
        assertNull(await(Mono.from(apps.find(eq("_id", APP.value())).first())).get("migration_id"), "the app is open again");
    }

    @Test
    void anAppMovesBackToTheSharedDatabase() {
        runToEnd(runner(), begin(fixture.sharedLocation(), dedicated), new ArrayList<>());
        runToEnd(runner(), begin(dedicated, fixture.sharedLocation()), new ArrayList<>());

        assertEquals(fixture.sharedLocation(), await(fixture.router().resolve(APP)));
        assertEquals(EVENTS, count(fixture.sharedLocation(), RuntimeCollection.CHAT_EVENTS));
        assertEquals(0, count(dedicated, RuntimeCollection.CHAT_EVENTS));
        assertEquals(0L, (long) await(Mono.from(fixture.router().routes().countDocuments(eq("_id", APP.value())))), "no routing record left");
    }

    // ---- helpers -----------------------------------------------------------------------------------

    private MigrationRunner runner() {
        return new MigrationRunner(migrations, apps, fixture.appDatabases(), fixture.router(), Duration.ofSeconds(30),
                Duration.ofHours(24), fixture.clock());
    }

    /** As MigrationService does: the app closed, the record in its first phase. */
    private String begin(StorageLocation from, StorageLocation to) {
        String id = "mig-" + System.nanoTime();
        await(Mono.from(apps.updateOne(eq("_id", APP.value()), new Document("$set", new Document("migration_id", id)))));
        await(Mono.from(migrations.insertOne(new Document("_id", id).append("app_id", APP.value())
                .append("from", MigrationRunner.document(from)).append("to", MigrationRunner.document(to))
                .append("phase", "draining").append("progress", new Document()))));
        return id;
    }

    private void runToEnd(MigrationRunner runner, String id, List<String> phases) {
        runToEnd(runner, id, phases, phase -> { });
    }

    /** Runs the migration as the queue would, moving the test clock over every wait it asks for. */
    private void runToEnd(MigrationRunner runner, String id, List<String> phases, java.util.function.Consumer<String> onPhase) {
        for (int round = 0; round < 100; round++) {
            Optional<Duration> again = await(runner.advance(id, fixture.clock().instant().plus(Duration.ofMinutes(4)),
                    (migration, phase, detail) -> {
                        phases.add(phase);
                        onPhase.accept(phase);
                    }));
            if (again.isEmpty()) {
                return;
            }
            fixture.clock().advance(again.get());
        }
        throw new AssertionError("the migration did not end; phases " + distinct(phases));
    }

    /** A step writer: waits while the gate is closed, then writes one event through normal routing. */
    private void arriveSteps(MigrationGate gate, int count, AtomicInteger deferred) {
        for (int step = 0; step < count; step++) {
            while (!await(gate.admits(APP))) {
                deferred.incrementAndGet();
                sleep(5);
            }
            int seq = 1000 + step;
            await(fixture.appDatabases().forApp(APP).flatMap(db -> db.collection(RuntimeCollection.CHAT_EVENTS)
                    .insertOne(new Document("chat_id", "live").append("seq", seq))));
        }
    }

    private void insert(AppId app, RuntimeCollection kind, int count, java.util.function.IntFunction<Document> make) {
        AppCollection collection = await(fixture.appDatabases().forApp(app)).collection(kind);
        List<Document> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            batch.add(make.apply(i));
            if (batch.size() == 500 || i == count - 1) {
                await(collection.insertMany(batch));
                batch = new ArrayList<>();
            }
        }
    }

    private long count(StorageLocation location, RuntimeCollection kind) {
        return await(fixture.appDatabases().at(APP, location).flatMap(db -> db.collection(kind).count(null)));
    }

    private long countNeighbour() {
        return await(fixture.appDatabases().forApp(NEIGHBOUR).flatMap(db -> db.collection(RuntimeCollection.CHAT_SESSIONS).count(null)));
    }

    private static List<String> distinct(List<String> phases) {
        return Flux.fromIterable(phases).distinct().collectList().block();
    }

    private static <T> T await(Mono<T> mono) {
        return mono.block(WAIT);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

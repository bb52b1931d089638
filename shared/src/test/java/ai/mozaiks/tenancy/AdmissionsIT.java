package ai.mozaiks.tenancy;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.kernel.AppId;
import ai.mozaiks.persistence.EmbeddedMongoFixture;
import com.mongodb.reactivestreams.client.MongoCollection;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

class AdmissionsIT {
    private static final AppId APP = AppId.of("app-admissions");
    private static final int LIMIT = 3;

    private EmbeddedMongoFixture fixture;
    private MongoCollection<Document> leases;
    private MongoCollection<Document> runs;
    private Admissions admissions;

    @BeforeEach
    void start() {
        fixture = EmbeddedMongoFixture.start();
        leases = fixture.rawDatabase(EmbeddedMongoFixture.CONTROL_DB).getCollection("admissions");
        runs = fixture.rawDatabase(EmbeddedMongoFixture.CONTROL_DB).getCollection("runs_for_test");
        admissions = new Admissions(leases, fixture.clock());
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    /** What a start does: count the runs, and take one if the limit allows (with a pause that invites a race). */
    private Mono<Boolean> countThenTake(AtomicInteger inside, AtomicInteger mostInside) {
        return Mono.defer(() -> {
            mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
            return Mono.from(runs.countDocuments())
                    .delayElement(Duration.ofMillis(20))
                    .flatMap(count -> count >= LIMIT ? Mono.just(false) : Mono.from(runs.insertOne(new Document("at", new Date()))).thenReturn(true))
                    .doFinally(signal -> inside.decrementAndGet());
        });
    }

    @Test
    void startsIssuedTogetherAreCountedOneAtATimeSoExactlyTheLimitIsAdmitted() {
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger mostInside = new AtomicInteger();

        List<CompletableFuture<Boolean>> starts = IntStream.range(0, LIMIT + 2)
                .mapToObj(i -> admissions.oneAtATime(APP, () -> countThenTake(inside, mostInside)).toFuture()).toList();
        List<Boolean> admitted = starts.stream().map(CompletableFuture::join).toList();

        assertEquals(LIMIT, admitted.stream().filter(Boolean::booleanValue).count(), "admitted: " + admitted);
        assertEquals(LIMIT, await(Mono.from(runs.countDocuments())));
        assertEquals(1, mostInside.get(), "never two admissions of one app at once");
    }

    @Test
    void aLeaseLeftByAHolderThatDiedIsTakenOnceItsTermEnds() {
        await(Mono.from(leases.insertOne(new Document("_id", APP.value()).append("holder", "dead")
                .append("until", Date.from(fixture.clock().instant().plus(Admissions.LEASE))))));
        CompletableFuture<String> waiting = admissions.oneAtATime(APP, () -> Mono.just("admitted")).toFuture();

        await(Mono.delay(Duration.ofMillis(200)));
        assertFalse(waiting.isDone(), "the lease is still held");
        fixture.clock().advance(Admissions.LEASE.plusSeconds(1));

        assertEquals("admitted", waiting.join());
        Document lease = await(Mono.from(leases.find(new Document("_id", APP.value())).first()));
        assertTrue(lease.getDate("until").toInstant().isBefore(fixture.clock().instant()), "released after use: " + lease);
    }
}

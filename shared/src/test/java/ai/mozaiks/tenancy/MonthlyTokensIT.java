package ai.mozaiks.tenancy;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static com.mongodb.client.model.Filters.eq;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.mozaiks.kernel.AppId;
import ai.mozaiks.persistence.CommandRecorder;
import ai.mozaiks.persistence.EmbeddedMongoFixture;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoCollection;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The month's tokens kept per app: a base summed once, moved forward with the recent buckets, never counting one twice. */
class MonthlyTokensIT {
    private static final AppId APP = AppId.of("app-monthly");

    private EmbeddedMongoFixture fixture;
    private MongoCollection<Document> buckets;
    private CommandRecorder commands;

    @BeforeEach
    void start() {
        fixture = EmbeddedMongoFixture.start();
        buckets = fixture.rawDatabase(EmbeddedMongoFixture.SHARED_RUNTIME_DB).getCollection("usage_minutes");
        commands = fixture.commands();
    }

    @AfterEach
    void stop() {
        assertEquals(List.of(), fixture.guard().violations(), "every runtime query carried app_id");
        fixture.close();
    }

    /** Adds tokens to an app's bucket of {@code at}'s minute, as the engine's ledger does. */
    private void spend(AppId app, Instant at, long tokens) {
        Instant minute = at.truncatedTo(ChronoUnit.MINUTES);
        await(Mono.from(buckets.updateOne(eq("_id", app.value() + ":" + minute),
                Updates.combine(Updates.set("app_id", app.value()), Updates.set("minute", Date.from(minute)),
                        Updates.inc("total_tokens", tokens)), new UpdateOptions().upsert(true))));
    }

    /** What the app's buckets of the month hold, summed directly. */
    private long stored(AppId app, Instant month) {
        return Flux.from(buckets.find(eq("app_id", app.value()))).filter(bucket -> !bucket.getDate("minute").toInstant().isBefore(month))
                .map(bucket -> ((Number) bucket.get("total_tokens")).longValue()).reduce(0L, Long::sum).block();
    }

    private long reads() {
        return commands.count("aggregate", "usage_minutes");
    }

    private void advance(Duration duration) {
        fixture.clock().advance(duration);
    }

    @Test
    void theBaseMovesForwardWithTheRecentBucketsAndCountsEachTokenOnce() {
        advance(Duration.ofDays(1).plusHours(12));
        Instant now = fixture.clock().instant();
        spend(APP, now.minus(Duration.ofHours(1)), 100);
        spend(APP, now.minus(Duration.ofMinutes(2)), 10);
        spend(APP, now, 1);
        spend(APP, EmbeddedMongoFixture.START.minusSeconds(1), 5_000); // last month's
        MonthlyTokens tokens = new MonthlyTokens(fixture.appDatabases(), fixture.clock());
        commands.clear();

        assertEquals(111L, await(tokens.thisMonth(APP)));
        assertEquals(2, reads(), "the app's first reading: the month's base, then its recent buckets");
        spend(APP, fixture.clock().instant(), 4);
        assertEquals(111L, await(tokens.thisMonth(APP)), "a fresh reading stands");
        assertEquals(2, reads());

        // Half an hour of steps, each minute's bucket still written to for a while after it began: every reading is
        // right, and costs one read of the recent buckets.
        for (int minute = 0; minute < 30; minute++) {
            advance(Duration.ofMinutes(1));
            Instant at = fixture.clock().instant();
            spend(APP, at, 3);
            spend(APP, at.minus(Duration.ofMinutes(2)), 2);
            commands.clear();
            assertEquals(stored(APP, EmbeddedMongoFixture.START), await(tokens.thisMonth(APP)), "after " + minute + " minutes");
            assertEquals(1, reads());
        }
    }

    @Test
    void aBucketWrittenLateIntoTheBaseCountsFromTheNextFullSum() {
        advance(Duration.ofDays(2));
        spend(APP, fixture.clock().instant(), 50);
        MonthlyTokens tokens = new MonthlyTokens(fixture.appDatabases(), fixture.clock());
        assertEquals(50L, await(tokens.thisMonth(APP)));
        advance(Duration.ofMinutes(20));
        assertEquals(50L, await(tokens.thisMonth(APP)));

        // A redelivered step stores the usage of a commit made 10 minutes ago: its minute is in the base already.
        spend(APP, fixture.clock().instant().minus(Duration.ofMinutes(10)), 7);
        advance(MonthlyTokens.FRESH);
        assertEquals(50L, await(tokens.thisMonth(APP)), "missed until the base is summed again");

        advance(MonthlyTokens.REBASE);
        commands.clear();
        assertEquals(57L, await(tokens.thisMonth(APP)));
        assertEquals(2, reads(), "the month summed again in full, then the recent buckets");
        assertEquals(57L, new MonthlyTokens(fixture.appDatabases(), fixture.clock()).thisMonth(APP).block(),
                "an instance asking for the first time counts it at once");
    }

    @Test
    void aNewMonthStartsFromItsOwnBuckets() {
        advance(Duration.ofDays(31).minus(Duration.ofMinutes(2))); // 2025-01-31T23:58
        spend(APP, fixture.clock().instant(), 100);
        MonthlyTokens tokens = new MonthlyTokens(fixture.appDatabases(), fixture.clock());
        assertEquals(100L, await(tokens.thisMonth(APP)));

        advance(Duration.ofMinutes(3));
        spend(APP, fixture.clock().instant(), 7);
        assertEquals(Instant.parse("2025-02-01T00:00:00Z"), tokens.currentMonth());
        assertEquals(7L, await(tokens.thisMonth(APP)));
    }

    @Test
    void theReadingsOfTheAppsLeastRecentlyAskedAboutMakeRoom() {
        AppId second = AppId.of("app-monthly-2");
        AppId third = AppId.of("app-monthly-3");
        spend(APP, fixture.clock().instant(), 1);
        spend(second, fixture.clock().instant(), 2);
        spend(third, fixture.clock().instant(), 3);
        MonthlyTokens tokens = new MonthlyTokens(fixture.appDatabases(), fixture.clock(), 2);
        commands.clear();

        assertEquals(1L, await(tokens.thisMonth(APP)));
        assertEquals(2L, await(tokens.thisMonth(second)));
        assertEquals(1L, await(tokens.thisMonth(APP)));
        assertEquals(4, reads(), "two first readings; the third ask is answered from the first");
        assertEquals(3L, await(tokens.thisMonth(third)));
        assertEquals(1L, await(tokens.thisMonth(APP)));
        assertEquals(6, reads(), "the first app's reading is kept");
        assertEquals(2L, await(tokens.thisMonth(second)));
        assertEquals(8, reads(), "the second app's reading made room for the third's: it is summed again");
    }
}

package ai.mozaiks.tenancy;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static com.mongodb.client.model.Filters.eq;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.mozaiks.kernel.AppId;
import ai.mozaiks.persistence.AppCollection;
import ai.mozaiks.persistence.AppDatabase;
import ai.mozaiks.persistence.CommandRecorder;
import ai.mozaiks.persistence.RuntimeCollection;
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
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The month's tokens as a running counter per app: incremented by the step that counted its usage in a minute bucket,
 * read by {@code _id}, seeded once from the minute buckets written before it existed.
 */
class MonthlyTokensIT {
    private static final AppId APP = AppId.of("app-monthly");

    private EmbeddedMongoFixture fixture;
    private MongoCollection<Document> buckets;
    private MongoCollection<Document> counters;
    private CommandRecorder commands;

    @BeforeEach
    void start() {
        fixture = EmbeddedMongoFixture.start();
        buckets = fixture.rawDatabase(EmbeddedMongoFixture.SHARED_RUNTIME_DB).getCollection("usage_minutes");
        counters = fixture.rawDatabase(EmbeddedMongoFixture.SHARED_RUNTIME_DB).getCollection("usage_months");
        commands = fixture.commands();
    }

    @AfterEach
    void stop() {
        assertEquals(List.of(), fixture.guard().violations(), "every runtime query carried app_id");
        fixture.close();
    }

    /** Adds tokens to an app's bucket of {@code at}'s minute, as a platform without month counters did. */
    private void spend(AppId app, Instant at, long tokens) {
        Instant minute = at.truncatedTo(ChronoUnit.MINUTES);
        await(Mono.from(buckets.updateOne(eq("_id", app.value() + ":" + minute),
                Updates.combine(Updates.set("app_id", app.value()), Updates.set("minute", Date.from(minute)),
                        Updates.inc("total_tokens", tokens)), new UpdateOptions().upsert(true))));
    }

    /** Counts a step's tokens as the engine's ledger does: its minute bucket, then the month. */
    private void count(MonthlyTokens tokens, AppId app, Instant at, long spent) {
        spend(app, at, spent);
        AppDatabase db = await(fixture.appDatabases().forApp(app));
        await(tokens.add(db.collection(RuntimeCollection.USAGE_MINUTES), db.collection(RuntimeCollection.USAGE_MONTHS), at, spent));
    }

    private long aggregations() {
        return commands.count("aggregate", "usage_minutes");
    }

    private long pointReads() {
        return commands.count("find", "usage_months");
    }

    private Document counter(AppId app, String month) {
        return await(Mono.from(counters.find(eq("_id", app.value() + ":" + month)).first()));
    }

    private void advance(Duration duration) {
        fixture.clock().advance(duration);
    }

    @Test
    void aMonthCountedBeforeTheCounterIsSeededOnceFromItsBucketsThenReadByIdAndIncremented() {
        advance(Duration.ofDays(1).plusHours(12));
        Instant now = fixture.clock().instant();
        spend(APP, now.minus(Duration.ofHours(1)), 100);
        spend(APP, now.minus(Duration.ofMinutes(2)), 10);
        spend(APP, now, 1); // this minute's
        spend(APP, EmbeddedMongoFixture.START.minusSeconds(1), 5_000); // last month's
        MonthlyTokens tokens = new MonthlyTokens(fixture.appDatabases(), fixture.clock());
        commands.clear();

        assertEquals(111L, await(tokens.thisMonth(APP)));
        assertEquals(1, aggregations(), "the month seeded from its buckets, once");
        Document counter = counter(APP, "2025-01");
        assertEquals(111L, counter.getLong("total_tokens"));
        assertEquals(true, counter.getBoolean("seeded"));
        assertEquals("app-monthly", counter.getString("app_id"));

        count(tokens, APP, fixture.clock().instant(), 4);
        assertEquals(111L, await(tokens.thisMonth(APP)), "a fresh reading stands");
        advance(MonthlyTokens.FRESH);
        commands.clear();
        assertEquals(115L, await(tokens.thisMonth(APP)));
        assertEquals(0, aggregations());
        assertEquals(1, pointReads(), "one point read by _id");
        assertEquals(115L, await(new MonthlyTokens(fixture.appDatabases(), fixture.clock()).thisMonth(APP)),
                "another instance reads the same counter");
        assertEquals(0, aggregations(), "seeded once");
    }

    @Test
    void callersArrivingWhileTheAppIsReadShareTheRead() {
        count(new MonthlyTokens(fixture.appDatabases(), fixture.clock()), APP, fixture.clock().instant(), 7);
        MonthlyTokens tokens = new MonthlyTokens(fixture.appDatabases(), fixture.clock());
        commands.clear();

        List<Long> totals = Flux.merge(IntStream.range(0, 8).mapToObj(i -> tokens.thisMonth(APP)).toList()).collectList()
                .block(Duration.ofSeconds(10));

        assertEquals(java.util.Collections.nCopies(8, 7L), totals);
        assertEquals(1, pointReads(), "eight callers at once, one read");
        advance(MonthlyTokens.FRESH);
        assertEquals(7L, await(tokens.thisMonth(APP)));
        assertEquals(2, pointReads(), "a lapsed reading is read again, the shared read gone");
    }

    @Test
    void aCounterCreatedByAStepAddsTheUsageCountedBeforeItsMinuteOnce() {
        advance(Duration.ofDays(3));
        Instant now = fixture.clock().instant();
        spend(APP, now.minus(Duration.ofMinutes(30)), 40); // counted by the platform before the deploy
        MonthlyTokens tokens = new MonthlyTokens(fixture.appDatabases(), fixture.clock());

        count(tokens, APP, now, 7);
        count(tokens, APP, now.plusSeconds(1), 3);
        advance(Duration.ofMinutes(1));
        count(tokens, APP, fixture.clock().instant(), 5);

        assertEquals(55L, counter(APP, "2025-01").getLong("total_tokens"));
        commands.clear();
        assertEquals(55L, await(tokens.thisMonth(APP)));
        assertEquals(0, aggregations());
    }

    @Test
    void stepsCreatingTheCounterAtOnceAreAllCounted() {
        advance(Duration.ofDays(5));
        spend(APP, fixture.clock().instant().minus(Duration.ofHours(2)), 1_000);
        MonthlyTokens tokens = new MonthlyTokens(fixture.appDatabases(), fixture.clock());
        AppDatabase db = await(fixture.appDatabases().forApp(APP));
        AppCollection minutes = db.collection(RuntimeCollection.USAGE_MINUTES);
        AppCollection months = db.collection(RuntimeCollection.USAGE_MONTHS);
        Instant at = fixture.clock().instant();

        Flux.range(0, 8).flatMap(i -> tokens.add(minutes, months, at, 12), 8).blockLast();

        assertEquals(1_096L, counter(APP, "2025-01").getLong("total_tokens"));
        assertEquals(1_096L, await(tokens.thisMonth(APP)));
    }

    @Test
    void aNewMonthStartsFromItsOwnCounter() {
        advance(Duration.ofDays(31).minus(Duration.ofMinutes(2))); // 2025-01-31T23:58
        MonthlyTokens tokens = new MonthlyTokens(fixture.appDatabases(), fixture.clock());
        count(tokens, APP, fixture.clock().instant(), 100);
        assertEquals(100L, await(tokens.thisMonth(APP)));

        advance(Duration.ofMinutes(3));
        count(tokens, APP, fixture.clock().instant(), 7);
        // A step of January committed late still counts in January.
        count(tokens, APP, fixture.clock().instant().minus(Duration.ofMinutes(4)), 1);
        assertEquals(Instant.parse("2025-02-01T00:00:00Z"), tokens.currentMonth());
        assertEquals(7L, await(tokens.thisMonth(APP)));
        assertEquals(101L, counter(APP, "2025-01").getLong("total_tokens"));
    }

    @Test
    void theReadingsOfTheAppsLeastRecentlyAskedAboutMakeRoom() {
        AppId second = AppId.of("app-monthly-2");
        AppId third = AppId.of("app-monthly-3");
        MonthlyTokens tokens = new MonthlyTokens(fixture.appDatabases(), fixture.clock(), 2);
        count(tokens, APP, fixture.clock().instant(), 1);
        count(tokens, second, fixture.clock().instant(), 2);
        count(tokens, third, fixture.clock().instant(), 3);
        commands.clear();

        assertEquals(1L, await(tokens.thisMonth(APP)));
        assertEquals(2L, await(tokens.thisMonth(second)));
        assertEquals(1L, await(tokens.thisMonth(APP)));
        assertEquals(2, pointReads(), "two first readings; the third ask is answered from the first");
        assertEquals(3L, await(tokens.thisMonth(third)));
        assertEquals(1L, await(tokens.thisMonth(APP)));
        assertEquals(3, pointReads(), "the first app's reading is kept");
        assertEquals(2L, await(tokens.thisMonth(second)));
        assertEquals(4, pointReads(), "the second app's reading made room for the third's: it is read again");
        assertEquals(0, aggregations());
    }
}

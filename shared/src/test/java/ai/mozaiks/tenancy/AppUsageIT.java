package ai.mozaiks.tenancy;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.mozaiks.kernel.AppId;
import ai.mozaiks.persistence.EmbeddedMongoFixture;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

class AppUsageIT {
    private static final AppId APP = AppId.of("app-usage-month");
    private static final AppId OTHER = AppId.of("app-usage-other");

    private EmbeddedMongoFixture fixture;

    @BeforeEach
    void start() {
        fixture = EmbeddedMongoFixture.start();
    }

    @AfterEach
    void stop() {
        assertEquals(List.of(), fixture.guard().violations(), "every runtime query carried app_id");
        fixture.close();
    }

    private static Document bucket(AppId app, java.time.Instant minute, long tokens) {
        return new Document("_id", app.value() + ":" + minute).append("app_id", app.value()).append("minute", Date.from(minute))
                .append("total_tokens", tokens);
    }

    @Test
    void theTokensSinceADayAreTheSumOfTheAppsOwnBucketsFromThatDayOn() {
        // Not a month's start: the minute buckets are summed.
        java.time.Instant start = EmbeddedMongoFixture.START.plus(Duration.ofDays(2));
        await(Mono.from(fixture.rawDatabase(EmbeddedMongoFixture.SHARED_RUNTIME_DB).getCollection("usage_minutes").insertMany(List.of(
                bucket(APP, start.minus(Duration.ofMinutes(1)), 1_000),
                bucket(APP, start, 200), bucket(APP, start.plus(Duration.ofDays(3)), 30),
                bucket(OTHER, start.plus(Duration.ofMinutes(5)), 7)))));
        AppUsage usage = new AppUsage(fixture.appDatabases(), null, null, months());

        assertEquals(230L, await(usage.tokensSince(APP, start)));
        assertEquals(0L, await(usage.tokensSince(AppId.of("app-unused"), start)));
    }

    private static Document chat(AppId app, String id, String user, String status) {
        return new Document("_id", id).append("app_id", app.value()).append("chat_id", id).append("user_id", user).append("status", status);
    }

    @Test
    void aUsersOpenChatsAreTheirTopLevelChatsNotYetFinished() {
        await(Mono.from(fixture.rawDatabase(EmbeddedMongoFixture.SHARED_RUNTIME_DB).getCollection("chat_sessions").insertMany(List.of(
                chat(APP, "c1", "ann", "running"), chat(APP, "c2", "ann", "queued"), chat(APP, "c3", "ann", "awaiting_input"),
                chat(APP, "c4", "ann", "awaiting_children"), chat(APP, "c5", "ann", "completed"), chat(APP, "c6", "ann", "failed"),
                chat(APP, "c7", "ann", "cancelled"), chat(APP, "c8", "ann", "running").append("parent_chat_id", "c4"),
                chat(APP, "c9", "bob", "running"), chat(OTHER, "c10", "ann", "running")))));
        AppUsage usage = new AppUsage(fixture.appDatabases(), null, null, months());

        assertEquals(4L, await(usage.openChats(APP, "ann")));
        assertEquals(1L, await(usage.openChats(APP, "bob")));
        assertEquals(0L, await(usage.openChats(APP, "carol")));
    }

    @Test
    void aTierDowngradeCountsTheRunsHoldingASlot() {
        RunSlots slots = new RunSlots(fixture.rawDatabase(EmbeddedMongoFixture.CONTROL_DB).getCollection(RunSlots.COLLECTION), fixture.clock());
        AppLimits roomy = new AppLimits(100, 100, 0, 1_000, 10, 10, 10, Duration.ofHours(1), true);
        for (int i = 0; i < 3; i++) {
            assertEquals(true, await(slots.take(APP, "ann", "chat-" + i, roomy)));
        }
        // Chats counted as running without a slot (children, say) do not count: it is slots that runs hold.
        await(Mono.from(fixture.rawDatabase(EmbeddedMongoFixture.SHARED_RUNTIME_DB).getCollection("chat_sessions")
                .insertOne(chat(APP, "c1", "ann", "running"))));
        AppUsage usage = new AppUsage(fixture.appDatabases(), fixture.router(), slots, months());
        Tier two = Tiers.load().get("free");
        Document app = new Document("_id", APP.value());

        ai.mozaiks.api.ApiException refused = org.junit.jupiter.api.Assertions.assertThrows(ai.mozaiks.api.ApiException.class,
                () -> await(usage.checkFits(app, two)));
        assertEquals("tier_usage_exceeded", refused.problem().code());
        org.junit.jupiter.api.Assertions.assertTrue(refused.problem().detail().contains("3 runs hold a slot; the free tier allows 2"),
                refused.problem().detail());
        await(slots.release(APP, "ann", "chat-0"));
        await(usage.checkFits(app, two));
    }

    @Test
    void theTokensSinceThisMonthsStartAreTheMonthsBucketsAsTheEngineSeesThem() {
        java.time.Instant month = EmbeddedMongoFixture.START;
        fixture.clock().advance(Duration.ofDays(3));
        await(Mono.from(fixture.rawDatabase(EmbeddedMongoFixture.SHARED_RUNTIME_DB).getCollection("usage_minutes").insertMany(List.of(
                bucket(APP, month.minus(Duration.ofMinutes(1)), 9_999), bucket(APP, month, 4_000),
                bucket(APP, month.plus(Duration.ofDays(2)), 321), bucket(OTHER, month.plus(Duration.ofDays(1)), 7)))));
        MonthlyTokens tokens = new MonthlyTokens(fixture.appDatabases(), fixture.clock());
        AppUsage usage = new AppUsage(fixture.appDatabases(), null, null, tokens);

        assertEquals(4_321L, await(usage.tokensSince(APP, month)));
        assertEquals(0L, await(usage.tokensSince(AppId.of("app-unused"), month)));
        // The same reading the engine's budget check uses: nothing is read again while it is fresh.
        var commands = fixture.commands();
        commands.clear();
        assertEquals(4_321L, await(tokens.thisMonth(APP)));
        assertEquals(0, commands.count("aggregate", "usage_minutes"));
    }

    private MonthlyTokens months() {
        return new MonthlyTokens(fixture.appDatabases(), fixture.clock());
    }
}

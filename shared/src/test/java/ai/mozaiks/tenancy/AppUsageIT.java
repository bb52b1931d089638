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
        AppUsage usage = new AppUsage(fixture.appDatabases(), null);

        assertEquals(230L, await(usage.tokensSince(APP, start)));
        assertEquals(0L, await(usage.tokensSince(AppId.of("app-unused"), start)));
    }

    @Test
    void theTokensSinceAMonthsStartAreTheAppsMonthlyCounter() {
        java.time.Instant month = EmbeddedMongoFixture.START;
        await(Mono.from(fixture.rawDatabase(EmbeddedMongoFixture.SHARED_RUNTIME_DB).getCollection("usage_months").insertMany(List.of(
                new Document("_id", APP.value() + ":2025-01").append("app_id", APP.value()).append("month", Date.from(month))
                        .append("total_tokens", 4_321L),
                new Document("_id", APP.value() + ":2024-12").append("app_id", APP.value()).append("total_tokens", 9_999L),
                new Document("_id", OTHER.value() + ":2025-01").append("app_id", OTHER.value()).append("total_tokens", 7L)))));
        // Minute buckets are not read for a month: one read by id instead of a sum over the month's buckets.
        await(Mono.from(fixture.rawDatabase(EmbeddedMongoFixture.SHARED_RUNTIME_DB).getCollection("usage_minutes")
                .insertOne(bucket(APP, month.plus(Duration.ofDays(1)), 50))));
        AppUsage usage = new AppUsage(fixture.appDatabases(), null);

        assertEquals(4_321L, await(usage.tokensSince(APP, month)));
        assertEquals(0L, await(usage.tokensSince(AppId.of("app-unused"), month)));
    }
}

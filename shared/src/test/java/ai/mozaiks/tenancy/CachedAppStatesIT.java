package ai.mozaiks.tenancy;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static com.mongodb.client.model.Filters.eq;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.persistence.CommandRecorder;
import ai.mozaiks.persistence.EmbeddedMongoFixture;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoCollection;
import java.time.Duration;
import java.util.List;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** App states as the runtime reads them: one read per app per TTL, a change noticed within the TTL, or at once when told. */
class CachedAppStatesIT {
    private static final AppId APP = AppId.of("app-states");

    private EmbeddedMongoFixture fixture;
    private final CommandRecorder reads = new CommandRecorder();
    private MongoCollection<Document> apps;
    private CachedAppStates states;

    @BeforeEach
    void start() {
        fixture = EmbeddedMongoFixture.start();
        apps = fixture.rawClient(reads).getDatabase(EmbeddedMongoFixture.CONTROL_DB).getCollection("apps");
        await(apps.insertOne(new Document("_id", APP.value()).append("status", "active")));
        states = new CachedAppStates(apps, CachedAppStates.TTL, fixture.clock());
        reads.clear();
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    private void setStatus(String status) {
        await(apps.updateOne(eq("_id", APP.value()), Updates.set("status", status)));
    }

    @Test
    void aChangeIsNoticedWithinTheTtlAndEachAppIsReadOncePerTtl() {
        for (int i = 0; i < 50; i++) {
            assertEquals("active", await(states.status(APP)));
        }
        assertEquals(1, reads.count("find", "apps"), "one read for fifty questions");

        setStatus("suspended");
        fixture.clock().advance(CachedAppStates.TTL.minusMillis(1));
        assertEquals("active", await(states.status(APP)), "still within the TTL");
        fixture.clock().advance(Duration.ofMillis(1));
        assertEquals("suspended", await(states.status(APP)), "noticed once the TTL is over");
        ApiException refused = assertThrows(ApiException.class, () -> await(states.requireActive(APP)));
        assertEquals(409, refused.problem().status());
        assertEquals("app_suspended", refused.problem().code());

        setStatus("active");
        states.forget(APP);
        assertEquals("active", await(states.status(APP)), "at once on the instance that made the change");
    }

    @Test
    void anAppBeingPurgedPurgedOrUnknownCountsAsDeleted() {
        for (String status : List.of("deleted", AppPurger.PURGING, AppPurger.PURGED)) {
            setStatus(status);
            states.forget(APP);
            assertEquals("deleted", await(states.status(APP)), status);
        }
        assertEquals("deleted", await(states.status(AppId.of("app-nowhere"))));
        assertEquals("app_deleted", assertThrows(ApiException.class, () -> await(states.requireActive(AppId.of("app-nowhere"))))
                .problem().code());
    }

    @Test
    void theMonthlyBudgetComesWithTheSameCachedReadWithAnOverrideWinningOverTheTier() {
        Tiers tiers = Tiers.load();
        await(apps.updateOne(eq("_id", APP.value()), Updates.set("tier", "pro")));
        states.forget(APP);
        assertEquals(tiers.get("pro").monthlyTokenBudget(), await(states.limits(APP, tiers)).monthlyTokenBudget());
        assertEquals("active", await(states.status(APP)));
        assertEquals(1, reads.count("find", "apps"), "status, tier and limits in one read");

        await(apps.updateOne(eq("_id", APP.value()), Updates.set("limits", new Document("monthly_token_budget", 1234L))));
        fixture.clock().advance(CachedAppStates.TTL);
        assertEquals(1234L, await(states.limits(APP, tiers)).monthlyTokenBudget());
        assertEquals(null, await(states.limits(AppId.of("app-nowhere"), tiers)), "an app that cannot be found has no limits");
    }
}

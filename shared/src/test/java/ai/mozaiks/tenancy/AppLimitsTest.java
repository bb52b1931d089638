package ai.mozaiks.tenancy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.bson.Document;
import org.junit.jupiter.api.Test;

class AppLimitsTest {
    private final Tier pro = Tiers.load().get("pro");

    @Test
    void withoutOverridesTheTierDecides() {
        assertEquals(new AppLimits(pro.concurrentRunsPerApp(), pro.concurrentRunsPerUser(), pro.parallelChildWorkflows(),
                pro.monthlyTokenBudget(), pro.openChatsPerUser(), pro.startsPerUserPerMinute(), pro.startsPerAppPerMinute(),
                Duration.ofHours(pro.idleCloseHours()), false), AppLimits.of(new Document("tier", "pro"), pro));
    }

    @Test
    void eachOverrideReplacesItsLimitOnly() {
        Document app = new Document("tier", "pro").append("limits", new Document("parallel_child_workflows", 2)
                .append("monthly_token_budget", 1_000L).append("idle_close_hours", 1));
        assertEquals(new AppLimits(pro.concurrentRunsPerApp(), pro.concurrentRunsPerUser(), 2, 1_000L, pro.openChatsPerUser(),
                pro.startsPerUserPerMinute(), pro.startsPerAppPerMinute(), Duration.ofHours(1), true), AppLimits.of(app, pro));
    }
}

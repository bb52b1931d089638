package ai.mozaiks.tenancy;

import java.time.Duration;
import org.bson.Document;

/**
 * The limits one app runs under: its tier's, each replaced by an operations override when the app's control-plane
 * document has one under {@code limits} (same names as in {@code tiers.json}: {@code concurrent_runs_per_app},
 * {@code concurrent_runs_per_user}, {@code parallel_child_workflows}, {@code monthly_token_budget},
 * {@code open_chats_per_user}, {@code starts_per_user_per_minute}, {@code starts_per_app_per_minute},
 * {@code idle_close_hours}) — to throttle a noisy app, or to let a customer past its tier for a while.
 */
public record AppLimits(int concurrentRunsPerApp, int concurrentRunsPerUser, int parallelChildWorkflows, long monthlyTokenBudget,
                        int openChatsPerUser, int startsPerUserPerMinute, int startsPerAppPerMinute, Duration idleClose,
                        boolean overridden) {
    static final String FIELD = "limits";

    public static AppLimits of(Document app, Tier tier) {
        Document limits = app.get(FIELD, Document.class);
        Document set = limits == null ? new Document() : limits;
        return new AppLimits(
                integer(set, "concurrent_runs_per_app", tier.concurrentRunsPerApp()),
                integer(set, "concurrent_runs_per_user", tier.concurrentRunsPerUser()),
                integer(set, "parallel_child_workflows", tier.parallelChildWorkflows()),
                set.get("monthly_token_budget") instanceof Number n ? n.longValue() : tier.monthlyTokenBudget(),
                integer(set, "open_chats_per_user", tier.openChatsPerUser()),
                integer(set, "starts_per_user_per_minute", tier.startsPerUserPerMinute()),
                integer(set, "starts_per_app_per_minute", tier.startsPerAppPerMinute()),
                Duration.ofHours(integer(set, "idle_close_hours", tier.idleCloseHours())),
                limits != null);
    }

    private static int integer(Document limits, String name, int tierValue) {
        return limits.get(name) instanceof Number n ? n.intValue() : tierValue;
    }

    /** How a refusal names where the limit comes from. */
    String source() {
        return overridden ? "its limits" : "its tier";
    }
}

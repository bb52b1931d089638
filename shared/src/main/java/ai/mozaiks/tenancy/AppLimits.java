package ai.mozaiks.tenancy;

import org.bson.Document;

/**
 * The limits one app runs under: its tier's, each replaced by an operations override when the app's control-plane
 * document has one ({@code limits.concurrent_runs_per_app}, {@code limits.concurrent_runs_per_user},
 * {@code limits.parallel_child_workflows}, {@code limits.monthly_token_budget}) — to throttle a noisy app, or to let a
 * customer past its tier for a while.
 */
public record AppLimits(int concurrentRunsPerApp, int concurrentRunsPerUser, int parallelChildWorkflows, long monthlyTokenBudget,
                        boolean overridden) {
    static final String FIELD = "limits";

    public static AppLimits of(Document app, Tier tier) {
        Document limits = app.get(FIELD, Document.class);
        if (limits == null) {
            return new AppLimits(tier.concurrentRunsPerApp(), tier.concurrentRunsPerUser(), tier.parallelChildWorkflows(),
                    tier.monthlyTokenBudget(), false);
        }
        return new AppLimits(
                limits.get("concurrent_runs_per_app") instanceof Number n ? n.intValue() : tier.concurrentRunsPerApp(),
                limits.get("concurrent_runs_per_user") instanceof Number n ? n.intValue() : tier.concurrentRunsPerUser(),
                limits.get("parallel_child_workflows") instanceof Number n ? n.intValue() : tier.parallelChildWorkflows(),
                limits.get("monthly_token_budget") instanceof Number n ? n.longValue() : tier.monthlyTokenBudget(),
                true);
    }

    /** How a refusal names where the limit comes from. */
    String source() {
        return overridden ? "its limits" : "its tier";
    }
}

package ai.mozaiks.tenancy;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Set;

/** What an app on a tier may do. Tiers are ordered; a higher rank allows at least as much. */
public record Tier(
        String name,
        int rank,
        @JsonProperty("apps_per_tenant") int appsPerTenant,
        @JsonProperty("concurrent_runs_per_app") int concurrentRunsPerApp,
        @JsonProperty("concurrent_runs_per_user") int concurrentRunsPerUser,
        @JsonProperty("parallel_child_workflows") int parallelChildWorkflows,
        @JsonProperty("retention_days") int retentionDays,
        @JsonProperty("allowed_packs") Set<String> allowedPacks,
        @JsonProperty("monthly_token_budget") long monthlyTokenBudget,
        @JsonProperty("dedicated_database") boolean dedicatedDatabase,
        @JsonProperty("max_turns") int maxTurns) {

    public boolean allowsPack(String packId) {
        return allowedPacks.contains("*") || allowedPacks.contains(packId);
    }
}

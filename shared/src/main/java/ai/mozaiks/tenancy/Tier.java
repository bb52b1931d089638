package ai.mozaiks.tenancy;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Set;

/**
 * What an app on a tier may do. Tiers are ordered; a higher rank allows at least as much.
 *
 * <p>A <em>run</em> is a top-level chat with work in flight or queued ({@code running}); a chat waiting for its user, for
 * its children or for a run slot holds none. {@code concurrent_runs_per_*} bound runs ({@link RunSlots});
 * {@code open_chats_per_user} bounds a user's unfinished chats, and one left waiting for its user longer than
 * {@code idle_close_hours} is closed; {@code starts_per_*_per_minute} bound how fast chats are started.
 */
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
        @JsonProperty("max_turns") int maxTurns,
        @JsonProperty("open_chats_per_user") int openChatsPerUser,
        @JsonProperty("starts_per_user_per_minute") int startsPerUserPerMinute,
        @JsonProperty("starts_per_app_per_minute") int startsPerAppPerMinute,
        @JsonProperty("idle_close_hours") int idleCloseHours) {

    public boolean allowsPack(String packId) {
        return allowedPacks.contains("*") || allowedPacks.contains(packId);
    }
}

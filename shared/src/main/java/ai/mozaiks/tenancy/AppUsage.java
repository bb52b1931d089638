package ai.mozaiks.tenancy;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.exists;
import static com.mongodb.client.model.Filters.gte;
import static com.mongodb.client.model.Filters.in;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.persistence.AppDatabases;
import ai.mozaiks.session.ChatFields;
import ai.mozaiks.session.ChatStatus;
import ai.mozaiks.persistence.RuntimeCollection;
import ai.mozaiks.persistence.StorageRouter;
import ai.mozaiks.persistence.UsageFields;
import com.mongodb.client.model.Accumulators;
import com.mongodb.client.model.Aggregates;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import reactor.core.publisher.Mono;

/**
 * What an app uses now, against what a tier allows: a tier change is refused with the reasons
 * when the app would not fit the lower tier.
 */
public final class AppUsage {
    /** A chat still open: not completed, failed or cancelled. */
    private static final List<String> OPEN = Arrays.stream(ChatStatus.values()).filter(status -> !status.terminal())
            .map(ChatStatus::wire).toList();

    private final AppDatabases databases;
    private final StorageRouter router;
    private final RunSlots runSlots;
    private final MonthlyTokens month;

    /** {@code month}: the current month's tokens as this instance keeps them (its one, shared with the engine). */
    public AppUsage(AppDatabases databases, StorageRouter router, RunSlots runSlots, MonthlyTokens month) {
        this.databases = databases;
        this.router = router;
        this.runSlots = runSlots;
        this.month = month;
    }

    /**
     * Tokens the app's model calls used since {@code start}, summed from the per-minute usage buckets: for the start of
     * the current month (the monthly budget's question) as {@link MonthlyTokens} keeps them, the same figure the engine
     * checks before every model call; for any other start, one aggregation.
     */
    public Mono<Long> tokensSince(AppId appId, Instant start) {
        if (start.equals(month.currentMonth())) {
            return month.thisMonth(appId);
        }
        return databases.forApp(appId).flatMap(db -> db.collection(RuntimeCollection.USAGE_MINUTES)
                .aggregate(List.of(Aggregates.match(gte(UsageFields.MINUTE, Date.from(start))),
                        Aggregates.group(null, Accumulators.sum("tokens", "$" + UsageFields.TOTAL_TOKENS))))
                .next()
                .map(total -> ((Number) total.get("tokens")).longValue())
                .defaultIfEmpty(0L));
    }

    /**
     * The user's open chats in the app: top-level chats not yet completed, failed or cancelled (children are the
     * platform's, bounded by {@code parallel_child_workflows}). Counted on the {@code (app_id, user_id, status)} index.
     */
    public Mono<Long> openChats(AppId appId, String userId) {
        return databases.forApp(appId).flatMap(db -> db.collection(RuntimeCollection.CHAT_SESSIONS)
                .count(and(eq(ChatFields.USER_ID, userId), in(ChatFields.STATUS, OPEN), exists(ChatFields.PARENT_CHAT_ID, false))));
    }

    /** Fails with a 409 listing every way the app exceeds {@code target}. */
    Mono<Void> checkFits(Document app, Tier target) {
        AppId appId = AppId.of(app.getString("_id"));
        List<String> reasons = new ArrayList<>();
        Document packs = app.get("packs", Document.class);
        if (packs != null) {
            for (Map.Entry<String, Object> pack : packs.entrySet()) {
                if (pack.getValue() instanceof Document state && state.getBoolean("enabled", false) && !target.allowsPack(pack.getKey())) {
                    reasons.add("pack " + pack.getKey() + " is enabled but not part of the " + target.name() + " tier");
                }
            }
        }
        return Mono.zip(runSlots.held(appId), router.resolve(appId))
                .flatMap(found -> {
                    if (found.getT1() > target.concurrentRunsPerApp()) {
                        reasons.add(found.getT1() + " runs hold a slot; the " + target.name() + " tier allows "
                                + target.concurrentRunsPerApp());
                    }
                    if (!target.dedicatedDatabase() && !found.getT2().equals(router.sharedLocation())) {
                        reasons.add("the app has a dedicated database, which the " + target.name() + " tier does not include");
                    }
                    return reasons.isEmpty() ? Mono.<Void>empty()
                            : Mono.error(ApiException.conflict("tier_usage_exceeded",
                            "The app does not fit the " + target.name() + " tier: " + String.join("; ", reasons) + "."));
                });
    }
}

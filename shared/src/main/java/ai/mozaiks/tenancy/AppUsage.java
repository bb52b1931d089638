package ai.mozaiks.tenancy;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.exists;
import static com.mongodb.client.model.Filters.gte;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.persistence.AppDatabases;
import ai.mozaiks.session.ChatFields;
import ai.mozaiks.persistence.RuntimeCollection;
import ai.mozaiks.persistence.StorageRouter;
import ai.mozaiks.persistence.UsageFields;
import com.mongodb.client.model.Accumulators;
import com.mongodb.client.model.Aggregates;
import java.time.Instant;
import java.util.ArrayList;
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
    private final AppDatabases databases;
    private final StorageRouter router;

    public AppUsage(AppDatabases databases, StorageRouter router) {
        this.databases = databases;
        this.router = router;
    }

    public Mono<Long> activeRuns(AppId appId) {
        return databases.forApp(appId).flatMap(db -> db.collection(RuntimeCollection.CHAT_SESSIONS).count(and(eq(ChatFields.STATUS, ChatFields.RUNNING), exists(ChatFields.PARENT_CHAT_ID, false))));
    }

    /**
     * Tokens the app's model calls used since {@code start}: from the month's counter in {@code usage_months} (one read
     * by id) when {@code start} is the first instant of a UTC month, as for the monthly budget; otherwise summed from
     * the per-minute usage buckets.
     */
    public Mono<Long> tokensSince(AppId appId, Instant start) {
        if (start.equals(UsageFields.monthStart(start))) {
            return databases.forApp(appId).flatMap(db -> db.collection(RuntimeCollection.USAGE_MONTHS)
                    .findOne(eq("_id", UsageFields.monthId(appId.value(), start)))
                    .map(month -> month.get(UsageFields.TOTAL_TOKENS) instanceof Number used ? used.longValue() : 0L)
                    .defaultIfEmpty(0L));
        }
        return databases.forApp(appId).flatMap(db -> db.collection(RuntimeCollection.USAGE_MINUTES)
                .aggregate(List.of(Aggregates.match(gte(UsageFields.MINUTE, Date.from(start))),
                        Aggregates.group(null, Accumulators.sum("tokens", "$" + UsageFields.TOTAL_TOKENS))))
                .next()
                .map(total -> ((Number) total.get("tokens")).longValue())
                .defaultIfEmpty(0L));
    }

    public Mono<Long> activeRuns(AppId appId, String userId) {
        return databases.forApp(appId).flatMap(db -> db.collection(RuntimeCollection.CHAT_SESSIONS)
                .count(and(eq(ChatFields.STATUS, ChatFields.RUNNING), eq(ChatFields.USER_ID, userId),
                        exists(ChatFields.PARENT_CHAT_ID, false))));
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
        return Mono.zip(activeRuns(appId), router.resolve(appId))
                .flatMap(found -> {
                    if (found.getT1() > target.concurrentRunsPerApp()) {
                        reasons.add(found.getT1() + " runs are active; the " + target.name() + " tier allows "
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

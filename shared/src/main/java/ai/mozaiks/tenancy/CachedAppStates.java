package ai.mozaiks.tenancy;

import static com.mongodb.client.model.Filters.eq;

import ai.mozaiks.kernel.AppId;
import ai.mozaiks.persistence.DatabaseRetry;
import com.mongodb.client.model.Projections;
import com.mongodb.reactivestreams.client.MongoCollection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.bson.Document;
import reactor.core.publisher.Mono;

/**
 * App states (and tiers, limit overrides and pack states, read with them) from the control plane's {@code apps}, kept for {@link #TTL}, so a turn costs
 * no extra read while a suspension, deletion or tier change made on another instance takes effect here within that
 * time; on the instance that made the change it takes effect at once ({@link #forget}).
 */
public final class CachedAppStates implements AppStates {
    /** The longest a change of an app's state goes unnoticed by another instance. */
    public static final Duration TTL = Duration.ofSeconds(2);
    private static final int MAX_CACHED = 10_000;
    private static final String PACKS = "packs";

    private final MongoCollection<Document> apps;
    private final Duration ttl;
    private final Clock clock;
    private final Map<AppId, Cached> cache = new ConcurrentHashMap<>();

    public CachedAppStates(MongoCollection<Document> apps, Duration ttl, Clock clock) {
        this.apps = apps;
        this.ttl = ttl;
        this.clock = clock;
    }

    @Override
    public Mono<String> status(AppId appId) {
        return cached(appId).map(Cached::status);
    }

    /** The app's tier name; empty for an app that cannot be found. */
    public Mono<Optional<String>> tier(AppId appId) {
        return cached(appId).map(cached -> Optional.ofNullable(cached.tier()));
    }

    /**
     * The app's pack states (its document's {@code packs}: per pack id, {@code enabled} and the pinned {@code version}), from
     * the same cached read; null when it has none or cannot be found.
     */
    public Mono<Optional<Document>> packs(AppId appId) {
        return cached(appId).map(cached -> Optional.ofNullable(cached.packs()));
    }

    /**
     * The app's limits (its tier's with operations' overrides, {@link AppLimits}), from the same cached read; empty for an
     * app that cannot be found or has no tier of the catalogue.
     */
    public Mono<AppLimits> limits(AppId appId, Tiers tiers) {
        return cached(appId).flatMap(cached -> Mono.justOrEmpty(Optional.ofNullable(cached.tier()).flatMap(tiers::find))
                .map(tier -> AppLimits.of(cached.limits() == null ? new Document() : new Document(AppLimits.FIELD, cached.limits()),
                        tier)));
    }

    private Mono<Cached> cached(AppId appId) {
        Cached cached = cache.get(appId);
        if (cached != null && cached.expiresAt().isAfter(clock.instant())) {
            return Mono.just(cached);
        }
        // Read by every step and many requests: a throttled read is tried again in place (DatabaseRetry).
        return DatabaseRetry.throttled(Mono.from(apps.find(eq("_id", appId.value()))
                        .projection(Projections.include("status", "tier", AppLimits.FIELD, PACKS)).first()))
                .map(app -> new Cached(known(app.getString("status")), app.getString("tier"), app.get(AppLimits.FIELD, Document.class),
                        app.get(PACKS, Document.class), clock.instant().plus(ttl)))
                .defaultIfEmpty(new Cached(AppService.DELETED, null, null, null, clock.instant().plus(ttl)))
                .doOnNext(fresh -> remember(appId, fresh));
    }

    private static String known(String status) {
        return AppService.ACTIVE.equals(status) || AppService.SUSPENDED.equals(status) ? status : AppService.DELETED;
    }

    /** Drops what this instance knows of the app, so its next question reads the control plane. */
    public void forget(AppId appId) {
        cache.remove(appId);
    }

    private void remember(AppId appId, Cached fresh) {
        Instant now = clock.instant();
        if (cache.size() >= MAX_CACHED) {
            cache.values().removeIf(entry -> !entry.expiresAt().isAfter(now));
            if (cache.size() >= MAX_CACHED) {
                cache.clear();
            }
        }
        cache.put(appId, fresh);
    }

    private record Cached(String status, String tier, Document limits, Document packs, Instant expiresAt) {
    }
}

package ai.mozaiks.persistence;

import static com.mongodb.client.model.Filters.eq;

import ai.mozaiks.kernel.AppId;
import com.mongodb.reactivestreams.client.MongoCollection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.bson.Document;
import reactor.core.publisher.Mono;

/**
 * {@code resolve(appId) -> location}: the only way code finds an app's data. Apps without a
 * routing record live in the shared runtime database. Answers are cached briefly so routing
 * changes take effect within the TTL without a redeploy, and a turn costs no extra read.
 */
public final class StorageRouter {
    /** Control-database collection: {@code {_id: app_id, connection: <setting name>, database: <name>}}. */
    public static final String ROUTES = "storage_routes";
    private static final int MAX_CACHED = 10_000;

    private final MongoCollection<Document> routes;
    private final StorageLocation sharedLocation;
    private final Predicate<String> knownConnection;
    private final Duration ttl;
    private final Clock clock;
    private final Map<AppId, Cached> cache = new ConcurrentHashMap<>();

    public StorageRouter(MongoCollection<Document> routes, StorageLocation sharedLocation,
                         Predicate<String> knownConnection, Duration ttl, Clock clock) {
        this.routes = routes;
        this.sharedLocation = sharedLocation;
        this.knownConnection = knownConnection;
        this.ttl = ttl;
        this.clock = clock;
    }

    public Mono<StorageLocation> resolve(AppId appId) {
        Cached cached = cache.get(appId);
        if (cached != null && cached.expiresAt().isAfter(clock.instant())) {
            return Mono.just(cached.location());
        }
        return Mono.from(routes.find(eq("_id", appId.value())).first())
                .map(route -> toLocation(appId, route))
                .defaultIfEmpty(sharedLocation)
                .doOnNext(location -> remember(appId, location));
    }

    /** The routing records themselves, for the admin operations that change them. */
    public MongoCollection<Document> routes() {
        return routes;
    }

    /** Where apps without a routing record live. */
    public StorageLocation sharedLocation() {
        return sharedLocation;
    }

    /** Drops the cached answer so the next resolve reads the routing record again. */
    public void invalidate(AppId appId) {
        cache.remove(appId);
    }

    private StorageLocation toLocation(AppId appId, Document route) {
        String connection = route.getString("connection");
        String database = route.getString("database");
        if (connection == null || database == null) {
            throw new StorageRouteException("storage route for app " + appId + " lacks connection or database");
        }
        if (!knownConnection.test(connection)) {
            throw new StorageRouteException("storage route for app " + appId + " names connection setting "
                    + connection + ", which this deployment does not have");
        }
        return new StorageLocation(connection, database);
    }

    private void remember(AppId appId, StorageLocation location) {
        Instant now = clock.instant();
        if (cache.size() >= MAX_CACHED) {
            cache.values().removeIf(entry -> !entry.expiresAt().isAfter(now));
        }
        cache.put(appId, new Cached(location, now.plus(ttl)));
    }

    private record Cached(StorageLocation location, Instant expiresAt) {
    }
}

package ai.mozaiks.persistence;

import ai.mozaiks.kernel.AppId;
import com.mongodb.reactivestreams.client.MongoDatabase;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Hands out {@link AppDatabase}s: routes the app, and makes sure the runtime indexes exist in
 * the database it lands in (once per database and process; creating an existing index is a no-op).
 */
public final class AppDatabases {
    private final StorageRouter router;
    private final MongoConnections connections;
    private final Set<StorageLocation> indexed = ConcurrentHashMap.newKeySet();

    public AppDatabases(StorageRouter router, MongoConnections connections) {
        this.router = router;
        this.connections = connections;
    }

    public Mono<AppDatabase> forApp(AppId appId) {
        return router.resolve(appId)
                .flatMap(location -> ensureIndexes(location)
                        .thenReturn(connections.appDatabase(appId, location)));
    }

    /**
     * The app's data at an explicit location, whatever routing says: for moving an app between
     * databases. Still app-scoped: the location changes, the boundary does not.
     */
    public Mono<AppDatabase> at(AppId appId, StorageLocation location) {
        return ensureIndexes(location).thenReturn(connections.appDatabase(appId, location));
    }

    /** Declares every runtime index in the given database; safe to repeat. */
    public Mono<Void> ensureIndexes(StorageLocation location) {
        if (indexed.contains(location)) {
            return Mono.empty();
        }
        MongoDatabase database = connections.database(location);
        return Flux.fromArray(RuntimeCollection.values())
                .concatMap(kind -> Flux.from(database.getCollection(kind.collectionName()).createIndexes(kind.indexes())))
                .then()
                .doOnSuccess(ignored -> indexed.add(location));
    }
}

package ai.mozaiks.persistence;

import ai.mozaiks.kernel.AppId;
import reactor.core.publisher.Mono;

/**
 * Hands out {@link AppDatabase}s: routes the app to the database it lives in. Its collections and indexes were made
 * before (the deploy-time ensure step, app creation, a migration's start): a request never declares one.
 */
public final class AppDatabases {
    private final StorageRouter router;
    private final MongoConnections connections;

    public AppDatabases(StorageRouter router, MongoConnections connections) {
        this.router = router;
        this.connections = connections;
    }

    public Mono<AppDatabase> forApp(AppId appId) {
        return router.resolve(appId).map(location -> connections.appDatabase(appId, location));
    }

    /**
     * The app's data at an explicit location, whatever routing says: for moving an app between
     * databases. Still app-scoped: the location changes, the boundary does not.
     */
    public Mono<AppDatabase> at(AppId appId, StorageLocation location) {
        return Mono.just(connections.appDatabase(appId, location));
    }
}

package ai.mozaiks.persistence;

import ai.mozaiks.config.MongoFlavor;
import ai.mozaiks.kernel.AppId;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import reactor.core.publisher.Mono;

/**
 * Makes the runtime collections and their indexes ({@link RuntimeCollection}) exist in a runtime database: at deploy
 * for every database in use, when an app is created (before its first chat), and when a migration starts moving an
 * app to a database. Control-plane operations call it, never a chat request. A database this process has run the
 * step on is not listed again by it; one it could not reach is tried again next time. Provisioning fails
 * ({@link SchemaNotInPlace}) while a runtime collection could not be made, rather than let a first write make it.
 */
public final class RuntimeSchema {
    private static final Logger LOG = Logger.getLogger(RuntimeSchema.class.getName());

    private final MongoConnections connections;
    private final StorageRouter router;
    private final Set<StorageLocation> ensured = ConcurrentHashMap.newKeySet();

    public RuntimeSchema(MongoConnections connections, StorageRouter router) {
        this.connections = connections;
        this.router = router;
    }

    /** Ensures the runtime collections at {@code location} and reports what it did and found. */
    public Mono<SchemaReport> ensure(StorageLocation location) {
        return Mono.defer(() -> SchemaEnsurer.ensure(connections.database(location), flavor(location), RuntimeCollection.specs()))
                .doOnNext(report -> {
                    // Done, drift or not: what the server refused (say a TTL index on Cosmos RU) it would refuse again, and
                    // retrying it on every app creation would only cost round trips. The drift is the operators' to fix.
                    // A database that could not be listed was not looked at, and a collection not made (refused, or not
                    // reached) would be made implicitly by its first write: nothing is remembered of either.
                    if (report.reached() && report.collectionsInPlace()) {
                        ensured.add(location);
                    }
                    if (!report.drift().isEmpty()) {
                        LOG.warning("runtime schema of " + location + " drifts from the declarations:\n" + report);
                    }
                });
    }

    /** Reports, changing nothing. */
    public Mono<SchemaReport> check(StorageLocation location) {
        return Mono.defer(() -> SchemaEnsurer.check(connections.database(location), flavor(location), RuntimeCollection.specs()));
    }

    private MongoFlavor flavor(StorageLocation location) {
        return connections.profile(location.connectionName()).flavor();
    }

    /** The runtime collections where {@code appId} lives, made if missing; a no-op once this process made them there. */
    public Mono<Void> provision(AppId appId) {
        return router.resolve(appId).flatMap(this::provision);
    }

    /** As {@link #provision(AppId)}, for an explicit location (a migration's target). */
    public Mono<Void> provision(StorageLocation location) {
        return ensured.contains(location) ? Mono.empty() : ensure(location).flatMap(report -> report.collectionsInPlace()
                ? Mono.<Void>empty() : Mono.<Void>error(new SchemaNotInPlace(location, report)));
    }
}

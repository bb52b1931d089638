package ai.mozaiks.platform;

import ai.mozaiks.config.Settings;
import ai.mozaiks.health.HealthCheck;
import ai.mozaiks.health.HealthService;
import ai.mozaiks.health.MongoHealthCheck;
import ai.mozaiks.health.StorageHealthChecks;
import ai.mozaiks.persistence.AppDatabases;
import ai.mozaiks.persistence.AppScopeGuard;
import ai.mozaiks.persistence.MongoConnections;
import ai.mozaiks.persistence.StorageRouter;
import ai.mozaiks.storage.StorageClients;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The composition root: builds every client and service once per process from validated
 * settings. Function classes, the devhost and tests all get their collaborators from here.
 */
public final class Platform implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Platform.class.getName());

    private final Settings settings;
    private final BuildInfo buildInfo;
    private final AppScopeGuard scopeGuard;
    private final MongoConnections mongo;
    private final StorageRouter storageRouter;
    private final AppDatabases appDatabases;
    private final StorageClients storage;
    private final HealthService health;

    private Platform(Settings settings, Clock clock) {
        this.settings = settings;
        this.buildInfo = BuildInfo.load();
        this.scopeGuard = new AppScopeGuard();
        this.mongo = new MongoConnections(settings.mongo(), settings.dependencyTimeout(), List.of(scopeGuard));
        this.storageRouter = new StorageRouter(
                mongo.controlDatabase().getCollection(StorageRouter.ROUTES),
                mongo.sharedRuntimeLocation(),
                mongo::hasConnection,
                settings.mongo().routeCacheTtl(),
                clock);
        this.appDatabases = new AppDatabases(storageRouter, mongo);
        this.storage = new StorageClients(settings.storage());
        List<HealthCheck> checks = new ArrayList<>();
        checks.add(new MongoHealthCheck(mongo.controlDatabase()));
        checks.addAll(StorageHealthChecks.of(storage.queues(), storage.blobs()));
        this.health = new HealthService(checks, settings.dependencyTimeout(), buildInfo.version());
    }

    /** Builds the platform and declares the runtime indexes of the shared database. */
    public static Platform start(Settings settings) {
        Platform platform = new Platform(settings, Clock.systemUTC());
        try {
            platform.appDatabases.ensureIndexes(platform.mongo.sharedRuntimeLocation()).block(settings.dependencyTimeout());
        } catch (RuntimeException e) {
            // Not fatal: the indexes are declared again on first use, and health reports the outage.
            LOG.log(Level.WARNING, "runtime indexes not declared at start-up: {0}", e.getClass().getSimpleName());
        }
        return platform;
    }

    public Settings settings() {
        return settings;
    }

    public BuildInfo buildInfo() {
        return buildInfo;
    }

    public AppScopeGuard scopeGuard() {
        return scopeGuard;
    }

    public StorageRouter storageRouter() {
        return storageRouter;
    }

    public AppDatabases appDatabases() {
        return appDatabases;
    }

    public StorageClients storage() {
        return storage;
    }

    public HealthService health() {
        return health;
    }

    @Override
    public void close() {
        mongo.close();
    }
}

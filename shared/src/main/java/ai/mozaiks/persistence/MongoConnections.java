package ai.mozaiks.persistence;

import ai.mozaiks.config.MongoSettings;
import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.event.CommandListener;
import com.mongodb.reactivestreams.client.MongoClient;
import com.mongodb.reactivestreams.client.MongoClients;
import com.mongodb.reactivestreams.client.MongoDatabase;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One {@link MongoClient} per distinct connection, created on first use and shared by every
 * invocation in the process. Pools are small and let idle connections go, because a serverless
 * instance may be one of many and may sit idle for long stretches.
 */
public final class MongoConnections implements AutoCloseable {
    private final MongoSettings settings;
    private final Duration timeout;
    private final List<CommandListener> listeners;
    private final Map<String, MongoClient> clients = new ConcurrentHashMap<>();

    public MongoConnections(MongoSettings settings, Duration timeout, List<CommandListener> listeners) {
        this.settings = settings;
        this.timeout = timeout;
        this.listeners = List.copyOf(listeners);
    }

    public MongoDatabase database(StorageLocation location) {
        return client(location.connectionName()).getDatabase(location.databaseName());
    }

    /** The control-plane database on the shared cluster: tenants, apps, routes. */
    public MongoDatabase controlDatabase() {
        return client(MongoSettings.DEFAULT_CONNECTION).getDatabase(settings.controlDatabase());
    }

    public StorageLocation sharedRuntimeLocation() {
        return new StorageLocation(MongoSettings.DEFAULT_CONNECTION, settings.runtimeDatabase());
    }

    public boolean hasConnection(String connectionName) {
        return settings.connections().containsKey(connectionName);
    }

    private MongoClient client(String connectionName) {
        return clients.computeIfAbsent(connectionName, this::create);
    }

    private MongoClient create(String connectionName) {
        MongoClientSettings.Builder builder = MongoClientSettings.builder()
                .applyConnectionString(new ConnectionString(settings.connectionString(connectionName)))
                .applicationName("mozaiks")
                .applyToConnectionPoolSettings(pool -> pool
                        .minSize(0)
                        .maxSize(settings.maxPoolSize())
                        .maxConnectionIdleTime(settings.maxIdleTime().toMillis(), TimeUnit.MILLISECONDS))
                .applyToClusterSettings(cluster -> cluster.serverSelectionTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS))
                .applyToSocketSettings(socket -> socket.connectTimeout((int) timeout.toMillis(), TimeUnit.MILLISECONDS));
        listeners.forEach(builder::addCommandListener);
        return MongoClients.create(builder.build());
    }

    @Override
    public void close() {
        clients.values().forEach(MongoClient::close);
        clients.clear();
    }
}

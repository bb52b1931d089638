package ai.mozaiks.persistence;

import ai.mozaiks.config.ConnectionStrings;
import ai.mozaiks.config.MongoSettings;
import ai.mozaiks.kernel.AppId;
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
    private final Map<String, ConnectionProfile> profiles = new ConcurrentHashMap<>();

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

    /** How the connection is set up for its flavor (read without network access, so safe at any time). */
    public ConnectionProfile profile(String connectionName) {
        return profiles.computeIfAbsent(connectionName, name -> ConnectionProfile.of(settings.flavor(name),
                ConnectionStrings.parseWithoutLookups(settings.connectionString(name)), settings.maxIdleTime()));
    }

    /** One app's runtime database at a location, with its connection's rules for bulk writes. */
    AppDatabase appDatabase(AppId appId, StorageLocation location) {
        return new AppDatabase(appId, location, database(location), profile(location.connectionName()).orderedBulkWrites());
    }

    private MongoClient create(String connectionName) {
        return MongoClients.create(clientSettings(connectionName));
    }

    MongoClientSettings clientSettings(String connectionName) {
        MongoClientSettings.Builder builder = MongoClientSettings.builder()
                .applyConnectionString(new ConnectionString(settings.connectionString(connectionName)))
                .applicationName("mozaiks")
                .applyToConnectionPoolSettings(pool -> pool
                        .minSize(0)
                        .maxSize(settings.maxPoolSize()))
                .applyToClusterSettings(cluster -> cluster.serverSelectionTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS))
                .applyToSocketSettings(socket -> socket.connectTimeout((int) timeout.toMillis(), TimeUnit.MILLISECONDS));
        profile(connectionName).applyTo(builder);
        listeners.forEach(builder::addCommandListener);
        return builder.build();
    }

    @Override
    public void close() {
        clients.values().forEach(MongoClient::close);
        clients.clear();
    }
}

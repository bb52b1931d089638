package ai.mozaiks.config;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * MongoDB settings. Connections are named by the app setting that holds them, so a routing
 * record can point an app at a dedicated database by setting name and never hold a secret.
 */
public record MongoSettings(
        Map<String, String> connections,
        String controlDatabase,
        String runtimeDatabase,
        int maxPoolSize,
        Duration maxIdleTime,
        Duration routeCacheTtl) {

    /** The setting every deployment has: the shared cluster. */
    public static final String DEFAULT_CONNECTION = "MONGODB_CONNECTION_STRING";

    public MongoSettings {
        connections = Map.copyOf(connections);
    }

    public Set<String> connectionNames() {
        return connections.keySet();
    }

    public String connectionString(String name) {
        String value = connections.get(name);
        if (value == null) {
            throw new IllegalArgumentException("no MongoDB connection setting named " + name);
        }
        return value;
    }

    @Override
    public String toString() {
        return "MongoSettings[connections=" + connections.keySet() + ", control=" + controlDatabase
                + ", runtime=" + runtimeDatabase + ", maxPoolSize=" + maxPoolSize + "]";
    }
}

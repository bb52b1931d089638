package ai.mozaiks.config;

import com.mongodb.ConnectionString;
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
        Duration routeCacheTtl,
        Map<String, MongoFlavor> flavors,
        StrictProfile strictProfile) {

    /**
     * The strict profile a test suite (or a dev run) holds every command to, reported by a command listener:
     * {@code MONGODB_STRICT_PROFILE=cosmos-ru} (off by default), with {@code ttlOnCustomPath} when the target RU
     * account has the {@code EnableTtlOnCustomPath} capability ({@code MONGODB_STRICT_TTL_ON_CUSTOM_PATH=true}).
     */
    public record StrictProfile(boolean cosmosRu, boolean ttlOnCustomPath) {
        public static final StrictProfile OFF = new StrictProfile(false, false);
    }

    /** The setting every deployment has: the shared cluster. */
    public static final String DEFAULT_CONNECTION = "MONGODB_CONNECTION_STRING";

    public MongoSettings {
        connections = Map.copyOf(connections);
        flavors = Map.copyOf(flavors);
    }

    /** The shared cluster's flavor: {@code MONGODB_FLAVOR}, or detected from its host. */
    public MongoFlavor flavor() {
        return flavor(DEFAULT_CONNECTION);
    }

    /** One connection's flavor: {@code MONGODB_FLAVOR} for all when set, else detected from each one's host. */
    public MongoFlavor flavor(String connectionName) {
        MongoFlavor flavor = flavors.get(connectionName);
        if (flavor == null) {
            throw new IllegalArgumentException("no MongoDB connection setting named " + connectionName);
        }
        return flavor;
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
                + ", runtime=" + runtimeDatabase + ", maxPoolSize=" + maxPoolSize
                + ", flavors=" + flavors + "]";
    }
}

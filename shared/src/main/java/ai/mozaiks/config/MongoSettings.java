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

    /**
     * True when some connection leaves retryable writes on (the driver's default unless the string says
     * {@code retryWrites=false}). Read without DNS: a {@code mongodb+srv://} string is parsed as its {@code mongodb://} form.
     */
    public boolean retryWrites() {
        for (String value : connections.values()) {
            String plain = value.startsWith("mongodb+srv://") ? "mongodb://" + value.substring("mongodb+srv://".length()) : value;
            Boolean retry = new ConnectionString(plain).getRetryWritesValue();
            if (retry == null || retry) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "MongoSettings[connections=" + connections.keySet() + ", control=" + controlDatabase
                + ", runtime=" + runtimeDatabase + ", maxPoolSize=" + maxPoolSize + "]";
    }
}

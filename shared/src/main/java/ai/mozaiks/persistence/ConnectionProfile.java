package ai.mozaiks.persistence;

import ai.mozaiks.config.MongoFlavor;
import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * What one connection's flavor changes in the driver's settings. Cosmos DB for MongoDB RU refuses retryable writes
 * (the driver's default) unless the account has the {@code EnableMongoRetryableWrites} capability, and with it refuses
 * unordered bulk writes; vCore's portal strings turn retryable writes off. An option the connection string states
 * itself always wins: whoever wrote {@code retrywrites=true} for an RU account enabled the capability.
 *
 * @param retryWrites        whether the driver retries writes
 * @param maxIdleTime        how long a pooled connection may stay idle
 * @param orderedBulkWrites  whether bulk writes must be ordered (RU with retryable writes on)
 */
public record ConnectionProfile(MongoFlavor flavor, boolean retryWrites, Duration maxIdleTime, boolean orderedBulkWrites) {

    public static ConnectionProfile of(MongoFlavor flavor, ConnectionString connection, Duration configuredIdle) {
        Boolean stated = connection.getRetryWritesValue();
        boolean retryWrites = stated != null ? stated : flavor == MongoFlavor.MONGODB;
        Integer statedIdleMs = connection.getMaxConnectionIdleTime();
        Duration idle = statedIdleMs != null ? Duration.ofMillis(statedIdleMs) : configuredIdle;
        return new ConnectionProfile(flavor, retryWrites, idle, flavor == MongoFlavor.COSMOS_RU && retryWrites);
    }

    /** Applied after the connection string, whose own options it has already taken into account. */
    void applyTo(MongoClientSettings.Builder builder) {
        builder.retryWrites(retryWrites)
                .applyToConnectionPoolSettings(pool -> pool.maxConnectionIdleTime(maxIdleTime.toMillis(), TimeUnit.MILLISECONDS));
    }
}

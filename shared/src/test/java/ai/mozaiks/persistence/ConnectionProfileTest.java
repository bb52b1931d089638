package ai.mozaiks.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.config.MongoFlavor;
import ai.mozaiks.config.Settings;
import ai.mozaiks.config.TestSettings;
import com.mongodb.MongoClientSettings;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The driver settings each flavor's connections get: retryable writes, idle time, bulk-write ordering. */
class ConnectionProfileTest {
    private static final String RU = "mongodb://acct:key@acct.mongo.cosmos.azure.com:10255/?ssl=true&replicaSet=globaldb";
    private static final String VCORE = "mongodb://user:pw@c1.mongocluster.cosmos.azure.com:10260/?tls=true";
    private static final String LOCAL = "mongodb://127.0.0.1:27017";

    private static MongoClientSettings clientSettings(String connection, String... keyValues) {
        Settings settings = Settings.from(TestSettings.minimal(connection, keyValues));
        try (MongoConnections connections = new MongoConnections(settings.mongo(), Duration.ofSeconds(5), List.of())) {
            return connections.clientSettings(ai.mozaiks.config.MongoSettings.DEFAULT_CONNECTION);
        }
    }

    private static long idleMs(MongoClientSettings settings) {
        return settings.getConnectionPoolSettings().getMaxConnectionIdleTime(TimeUnit.MILLISECONDS);
    }

    @Test
    void cosmosRuTurnsRetryableWritesOffUnlessTheConnectionStringTurnsThemOn() {
        assertFalse(clientSettings(RU).getRetryWrites());
        assertFalse(clientSettings(RU + "&retrywrites=false").getRetryWrites());
        assertTrue(clientSettings(RU + "&retrywrites=true").getRetryWrites());
        // Forced by the setting on a host that detection would call MongoDB.
        assertFalse(clientSettings(LOCAL, "MONGODB_FLAVOR", "cosmos-ru").getRetryWrites());
    }

    @Test
    void vCoreLooksLikeItsPortalStringsAndMongoDbKeepsTheDriversDefaults() {
        MongoClientSettings vcore = clientSettings(VCORE);
        assertFalse(vcore.getRetryWrites());
        assertEquals(120_000, idleMs(vcore));
        assertEquals(45_000, idleMs(clientSettings(VCORE + "&maxIdleTimeMS=45000")));

        MongoClientSettings mongo = clientSettings(LOCAL);
        assertTrue(mongo.getRetryWrites());
        assertEquals(60_000, idleMs(mongo));
        assertFalse(clientSettings(LOCAL + "/?retryWrites=false").getRetryWrites());
        // A connection string's own idle time wins over MONGODB_MAX_IDLE_SECONDS.
        assertEquals(90_000, idleMs(clientSettings(LOCAL + "/?maxIdleTimeMS=90000", "MONGODB_MAX_IDLE_SECONDS", "10")));
        assertEquals(10_000, idleMs(clientSettings(LOCAL, "MONGODB_MAX_IDLE_SECONDS", "10")));
    }

    @Test
    void bulkWritesAreOrderedOnlyWhereCosmosRuHasRetryableWritesOn() {
        assertTrue(ConnectionProfile.of(MongoFlavor.COSMOS_RU, new com.mongodb.ConnectionString(RU + "&retryWrites=true"), Duration.ofSeconds(60))
                .orderedBulkWrites());
        assertFalse(ConnectionProfile.of(MongoFlavor.COSMOS_RU, new com.mongodb.ConnectionString(RU), Duration.ofSeconds(60))
                .orderedBulkWrites());
        assertFalse(ConnectionProfile.of(MongoFlavor.MONGODB, new com.mongodb.ConnectionString(LOCAL), Duration.ofSeconds(60))
                .orderedBulkWrites());
        assertFalse(ConnectionProfile.of(MongoFlavor.COSMOS_VCORE, new com.mongodb.ConnectionString(VCORE + "&retryWrites=true"),
                Duration.ofSeconds(60)).orderedBulkWrites());
    }
}

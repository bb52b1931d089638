package ai.mozaiks.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** MONGODB_FLAVOR: read or detected once, per connection, and refused when it names no flavor. */
class MongoFlavorTest {
    private static final String RU = "mongodb://acct:key@acct.mongo.cosmos.azure.com:10255/?ssl=true&replicaSet=globaldb&appName=@acct@";
    private static final String VCORE = "mongodb+srv://user:pw@cluster.mongocluster.cosmos.azure.com/?tls=true&authMechanism=SCRAM-SHA-256";
    private static final String ATLAS = "mongodb+srv://user:pw@cluster0.ab1cd.mongodb.net/?retryWrites=true&w=majority";

    private static Map<String, String> with(String connection, String... keyValues) {
        return TestSettings.minimal(connection, keyValues);
    }

    @Test
    void theHostTellsTheFlavorWhenTheSettingIsUnset() {
        assertEquals(MongoFlavor.COSMOS_RU, Settings.from(with(RU)).mongo().flavor());
        assertEquals(MongoFlavor.COSMOS_VCORE, Settings.from(with(VCORE)).mongo().flavor());
        assertEquals(MongoFlavor.MONGODB, Settings.from(with(ATLAS)).mongo().flavor());
        assertEquals(MongoFlavor.MONGODB, Settings.from(with("mongodb://127.0.0.1:27017")).mongo().flavor());
        // Upper-case host names are the same host.
        assertEquals(MongoFlavor.COSMOS_RU, Settings.from(with("mongodb://ACCT.Mongo.Cosmos.Azure.com:10255/")).mongo().flavor());
    }

    @Test
    void eachConnectionIsDetectedOnItsOwnAndTheSettingOverridesThemAll() {
        Settings detected = Settings.from(with("mongodb://127.0.0.1:27017", "MONGODB_CONNECTION_STRING_BIG", RU));
        assertEquals(MongoFlavor.MONGODB, detected.mongo().flavor());
        assertEquals(MongoFlavor.COSMOS_RU, detected.mongo().flavor("MONGODB_CONNECTION_STRING_BIG"));

        Settings forced = Settings.from(with("mongodb://127.0.0.1:27017", "MONGODB_CONNECTION_STRING_BIG", RU,
                "MONGODB_FLAVOR", " Cosmos-RU "));
        assertEquals(MongoFlavor.COSMOS_RU, forced.mongo().flavor());
        assertEquals(MongoFlavor.COSMOS_RU, forced.mongo().flavor("MONGODB_CONNECTION_STRING_BIG"));
        assertEquals(MongoFlavor.MONGODB, Settings.from(with(RU, "MONGODB_FLAVOR", "mongodb")).mongo().flavor());
    }

    @Test
    void anUnknownFlavorStopsTheStartNamingTheChoices() {
        SettingsException e = assertThrows(SettingsException.class, () -> Settings.from(with(RU, "MONGODB_FLAVOR", "cosmos")));
        assertEquals(1, e.problems().size(), e.getMessage());
        assertTrue(e.problems().get(0).startsWith("MONGODB_FLAVOR: \"cosmos\" is not one of [mongodb, cosmos-ru, cosmos-vcore]"),
                e.getMessage());
    }

    @Test
    void vCoreIdlesConnectionsAsItsPortalStringsDoUnlessTold() {
        assertEquals(Duration.ofSeconds(120), Settings.from(with(VCORE)).mongo().maxIdleTime());
        assertEquals(Duration.ofSeconds(60), Settings.from(with(RU)).mongo().maxIdleTime());
        assertEquals(Duration.ofSeconds(30), Settings.from(with(VCORE, "MONGODB_MAX_IDLE_SECONDS", "30")).mongo().maxIdleTime());
    }
}

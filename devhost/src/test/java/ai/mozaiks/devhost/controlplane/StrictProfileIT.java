package ai.mozaiks.devhost.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.config.Settings;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.persistence.BreaksStrictProfile;
import ai.mozaiks.persistence.CosmosRuProfile;
import ai.mozaiks.persistence.CosmosRuRule;
import ai.mozaiks.persistence.RuntimeCollection;
import ai.mozaiks.platform.Platform;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The platform the devhost suite runs is held to the Cosmos RU profile: its settings switch the profile on, and a
 * command through the platform's own connections that RU would refuse is reported.
 */
@BreaksStrictProfile
class StrictProfileIT {
    private static final ControlPlane cp = ControlPlane.get();

    @Test
    void aSortNoIndexServesIsReportedByThePlatformsProfile() {
        try (Platform platform = Platform.start(Settings.from(ControlPlane.baseSettings(cp.idp)))) {
            CosmosRuProfile profile = platform.strictProfile().orElseThrow();
            AppId app = AppId.of(ControlPlane.unique("strict"));

            platform.appDatabases().forApp(app)
                    .flatMapMany(database -> database.collection(RuntimeCollection.CHAT_EVENTS)
                            .find(Filters.eq("chat_id", "c1"), Sorts.ascending("seq"), 10))
                    .collectList().block(Duration.ofSeconds(10));

            List<CosmosRuProfile.Violation> sorts = profile.violations().stream()
                    .filter(violation -> violation.rule() == CosmosRuRule.SORT_WITHOUT_INDEX).toList();
            assertEquals(1, sorts.size(), () -> "reported: " + profile.violations());
            assertEquals("chat_events", sorts.get(0).collection());
            assertTrue(sorts.get(0).detail().startsWith("sort {\"seq\": 1}"), sorts.get(0).detail());
        }
    }
}

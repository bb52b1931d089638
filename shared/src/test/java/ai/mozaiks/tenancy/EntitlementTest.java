package ai.mozaiks.tenancy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.mozaiks.api.ApiException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EntitlementTest {

    @Test
    void aMovingAppIsUnavailableForNowWithRetryAfter() {
        ApiException refusal = Entitlement.deny(Entitlement.Reason.APP_MIGRATING, "The app's data is moving.").refusal();
        assertEquals(503, refusal.problem().status());
        assertEquals("app_migrating", refusal.problem().code());
        assertEquals(Map.of("Retry-After", "30"), refusal.headers());
    }

    @Test
    void everyReasonMapsToAStatusAndItsOwnCode() {
        Map<Entitlement.Reason, Integer> expected = Map.of(
                Entitlement.Reason.TIER, 403, Entitlement.Reason.PACK_DISABLED, 403, Entitlement.Reason.NOT_ALLOWED, 403,
                Entitlement.Reason.PREREQUISITE, 403, Entitlement.Reason.APP_SUSPENDED, 409, Entitlement.Reason.APP_PAUSED, 409,
                Entitlement.Reason.APP_DELETED, 409, Entitlement.Reason.UNKNOWN_WORKFLOW, 404, Entitlement.Reason.LIMIT_REACHED, 429,
                Entitlement.Reason.APP_MIGRATING, 503);
        assertEquals(Entitlement.Reason.values().length, expected.size(), "every reason has an expected status");
        expected.forEach((reason, status) -> {
            ApiException refusal = Entitlement.deny(reason, "why").refusal();
            assertEquals(status, refusal.problem().status(), reason.name());
            assertEquals(reason.wire(), refusal.problem().code());
            assertEquals("why", refusal.problem().detail());
        });
    }

    @Test
    void anAllowedStartIsNoRefusal() {
        assertThrows(IllegalStateException.class, () -> Entitlement.allow().refusal());
    }
}

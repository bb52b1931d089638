package ai.mozaiks.devhost.controlplane;

import static ai.mozaiks.devhost.controlplane.ControlPlane.expect;
import static ai.mozaiks.devhost.controlplane.ControlPlane.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.devhost.controlplane.ControlPlane.Response;
import ai.mozaiks.devhost.controlplane.ControlPlane.User;
import com.mongodb.client.model.Filters;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/** {@code /api/apps/{app_id}/settings} over HTTP: for the app's admins only, secrets write-only, bad input refused unwritten. */
class AppSettingsApiIT {
    private static final ControlPlane cp = ControlPlane.get();
    private static final String SECRET = "whsec-3b7d9e1f0a2c";

    @Test
    void adminsSetListAndDeleteSettingsAndNoAnswerCarriesASecret() {
        User owner = cp.user("settings-owner");
        String tenant = cp.createTenant(owner);
        String app = cp.createApp(owner, tenant, "pro");
        User admin = cp.addMember(tenant, owner, "settings-admin", "admin");
        String base = "/api/apps/" + app + "/settings";

        Response put = expect(200, cp.put(base + "/WEBHOOK_SECRET", admin, obj("kind", "secret", "value", SECRET)), "put a secret");
        assertEquals(Map.of("name", "WEBHOOK_SECRET", "kind", "secret", "version", 1),
                Map.of("name", put.json().path("name").asText(), "kind", put.json().path("kind").asText(), "version", put.json().path("version").asInt()));
        assertTrue(put.json().path("value").isMissingNode(), put.body());
        expect(200, cp.put(base + "/WEBHOOK_SECRET", admin, obj("kind", "secret", "value", SECRET)), "the same put again");
        expect(200, cp.put(base + "/REGION", owner, obj("kind", "plain", "value", "eu-west")), "put a plain value");

        Response listed = expect(200, cp.get(base, admin), "list");
        assertEquals(List.of("REGION", "WEBHOOK_SECRET"), listed.json().path("items").findValues("name").stream().map(n -> n.asText()).toList());
        assertEquals("eu-west", listed.json().path("items").get(0).path("value").asText());
        assertEquals(2, listed.json().path("items").get(1).path("version").asInt(), "a repeated put replaces");
        assertFalse(listed.body().contains(SECRET), listed.body());

        List<Document> audit = cp.find("audit", Filters.and(Filters.eq("app_id", app), Filters.regex("action", "^app_setting\\.")), null);
        assertEquals(3, audit.size());
        assertFalse(audit.toString().contains(SECRET) || audit.toString().contains("eu-west"), "no value in the audit: " + audit);

        expect(204, cp.delete(base + "/WEBHOOK_SECRET", admin), "delete");
        assertEquals(404, cp.delete(base + "/WEBHOOK_SECRET", admin).status(), "already gone");
        assertEquals(List.of("REGION"), expect(200, cp.get(base, admin), "list").json().path("items").findValues("name").stream()
                .map(n -> n.asText()).toList());
    }

    @Test
    void buildersGet403StrangersAndEndUsers404AndNothingChanges() {
        User owner = cp.user("settings-guarded");
        String tenant = cp.createTenant(owner);
        String app = cp.createApp(owner, tenant, "pro");
        User builder = cp.addMember(tenant, owner, "settings-builder", "builder");
        User stranger = cp.user("settings-stranger");
        cp.trustEndUsers(owner, app);
        User endUser = cp.endUser(app, "settings-end-user");
        String base = "/api/apps/" + app + "/settings";
        expect(200, cp.put(base + "/REGION", owner, obj("kind", "plain", "value", "eu-west")), "put");
        Map<String, Long> before = cp.controlCounts();

        for (Response refused : List.of(cp.get(base, builder), cp.put(base + "/REGION", builder, obj("kind", "plain", "value", "x")),
                cp.delete(base + "/REGION", builder))) {
            assertEquals(403, refused.status(), refused.body());
            assertEquals("application/problem+json", refused.contentType());
        }
        for (User outsider : List.of(stranger, endUser)) {
            for (Response refused : List.of(cp.get(base, outsider), cp.put(base + "/REGION", outsider, obj("kind", "secret", "value", "x")),
                    cp.delete(base + "/REGION", outsider))) {
                assertEquals(404, refused.status(), refused.body());
                assertEquals("not_found", refused.code());
            }
        }
        assertEquals(before, cp.controlCounts(), "nothing written");
        assertEquals("eu-west", expect(200, cp.get(base, owner), "list").json().path("items").get(0).path("value").asText());
    }

    @Test
    void malformedSettingsAre400NamingTheFieldAndNothingIsWritten() {
        User owner = cp.user("settings-malformed");
        String app = cp.createApp(owner, cp.createTenant(owner), "pro");
        String base = "/api/apps/" + app + "/settings";
        Map<String, Long> before = cp.controlCounts();
        Map<String, String> cases = Map.of(
                "/BAD-NAME|{\"kind\":\"plain\",\"value\":\"x\"}", "name",
                "/OK|{\"kind\":\"public\",\"value\":\"x\"}", "kind",
                "/OK|{\"kind\":\"plain\"}", "value",
                "/OK|{\"kind\":\"plain\",\"value\":42}", "value",
                "/OK|{\"kind\":\"secret\",\"value\":\"" + "x".repeat(8 * 1024 + 1) + "\"}", "value",
                "/OK|{\"kind\":\"plain\",\"value\":\"x\",\"env\":\"MODEL_API_KEY\"}", "env");
        cases.forEach((request, field) -> {
            String[] parts = request.split("\\|", 2);
            Response response = cp.send("PUT", base + parts[0], owner.token(), parts[1]);
            assertEquals(400, response.status(), request + ": " + response.body());
            assertEquals("application/problem+json", response.contentType());
            assertTrue(response.errorFields().contains(field), request + ": " + response.body());
        });
        assertEquals(before, cp.controlCounts(), "nothing written");
    }
}

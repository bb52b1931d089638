package ai.mozaiks.devhost.controlplane;

import static ai.mozaiks.devhost.controlplane.ControlPlane.json;
import static ai.mozaiks.devhost.controlplane.ControlPlane.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.mozaiks.devhost.controlplane.ControlPlane.Response;
import ai.mozaiks.devhost.controlplane.ControlPlane.User;
import com.mongodb.client.model.Filters;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.bson.Document;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bodies no endpoint may act on: wrong types, missing fields, 1 MB strings, invalid JSON, unknown
 * fields, unknown tiers. Each gets 400 naming exactly the fields at fault, and nothing is written:
 * the control collections keep their counts, and the objects the request aimed at are unchanged.
 */
class MalformedBodyIT {
    private static final ControlPlane cp = ControlPlane.get();
    private static final String MEGABYTE = "x".repeat(1024 * 1024);
    private static final String VALID_FILES = json(ControlPlane.workflowFiles("assistant", "malformed_wf"));

    private static User owner;
    private static String tenant;
    private static User member;
    private static String app;

    @BeforeAll
    static void objects() {
        owner = cp.user("malformed-owner");
        tenant = cp.createTenant(owner);
        member = cp.addMember(tenant, owner, "malformed-member", "builder");
        app = cp.createApp(owner, tenant, "pro");
    }

    private static Arguments bad(String endpoint, String what, String body, String... fields) {
        return Arguments.of(endpoint, what, body, Set.of(fields));
    }

    private static String big(String field) {
        return "{\"" + field + "\":\"" + MEGABYTE + "\"}";
    }

    static Stream<Arguments> bodies() {
        return Stream.of(
                bad("POST /api/tenants", "wrong type", "{\"name\":42}", "name"),
                bad("POST /api/tenants", "missing name", "{}", "name"),
                bad("POST /api/tenants", "null name", "{\"name\":null}", "name"),
                bad("POST /api/tenants", "blank name", "{\"name\":\"   \"}", "name"),
                bad("POST /api/tenants", "1 MB name", big("name"), "name"),
                bad("POST /api/tenants", "control characters", "{\"name\":\"a\\u0007b\"}", "name"),
                bad("POST /api/tenants", "invalid JSON", "{\"name\":", "body"),
                bad("POST /api/tenants", "trailing garbage after the object", "{\"name\":\"ok\"} {\"name\":\"again\"}", "body"),
                bad("POST /api/tenants", "not an object", "[\"ok\"]", "body"),
                bad("POST /api/tenants", "empty body", "", "body"),
                bad("POST /api/tenants", "unknown field", "{\"name\":\"ok\",\"owner_count\":9}", "owner_count"),

                bad("POST /api/tenants/{tenant}/invitations", "wrong type", "{\"email\":5,\"role\":\"admin\"}", "email"),
                bad("POST /api/tenants/{tenant}/invitations", "missing fields", "{}", "email", "role"),
                bad("POST /api/tenants/{tenant}/invitations", "not an address", "{\"email\":\"nobody\",\"role\":\"admin\"}", "email"),
                bad("POST /api/tenants/{tenant}/invitations", "unknown role", "{\"email\":\"a@example.com\",\"role\":\"superuser\"}", "role"),
                bad("POST /api/tenants/{tenant}/invitations", "1 MB email", "{\"email\":\"" + MEGABYTE + "\",\"role\":\"builder\"}", "email"),
                bad("POST /api/tenants/{tenant}/invitations", "unknown field",
                        "{\"email\":\"a@example.com\",\"role\":\"builder\",\"tenant_id\":\"ten_x\"}", "tenant_id"),
                bad("POST /api/tenants/{tenant}/invitations", "invalid JSON", "{\"email\":\"a@example.com\",", "body"),

                bad("PATCH /api/tenants/{tenant}/members/{member}", "wrong type", "{\"role\":true}", "role"),
                bad("PATCH /api/tenants/{tenant}/members/{member}", "missing role", "{}", "role"),
                bad("PATCH /api/tenants/{tenant}/members/{member}", "unknown role", "{\"role\":\"god\"}", "role"),
                bad("PATCH /api/tenants/{tenant}/members/{member}", "1 MB role", big("role"), "role"),
                bad("PATCH /api/tenants/{tenant}/members/{member}", "invalid JSON", "{role: admin}", "body"),

                bad("POST /api/tenants/{tenant}/apps", "unknown tier", "{\"name\":\"a\",\"tier\":\"platinum\"}", "tier"),
                bad("POST /api/tenants/{tenant}/apps", "missing name", "{\"tier\":\"pro\"}", "name"),
                bad("POST /api/tenants/{tenant}/apps", "wrong type", "{\"name\":[\"a\"],\"tier\":\"pro\"}", "name"),
                bad("POST /api/tenants/{tenant}/apps", "wrong type of tier", "{\"name\":\"a\",\"tier\":3}", "tier"),
                bad("POST /api/tenants/{tenant}/apps", "1 MB name", "{\"name\":\"" + MEGABYTE + "\",\"tier\":\"pro\"}", "name"),
                bad("POST /api/tenants/{tenant}/apps", "unknown field", "{\"name\":\"a\",\"tier\":\"pro\",\"quota\":5}", "quota"),
                bad("POST /api/tenants/{tenant}/apps", "unknown nested field",
                        "{\"name\":\"a\",\"access_policy\":{\"mode\":\"members\",\"admins\":[]}}", "access_policy.admins"),
                bad("POST /api/tenants/{tenant}/apps", "unknown access mode", "{\"name\":\"a\",\"access_policy\":{\"mode\":\"everyone\"}}",
                        "access_policy.mode"),
                bad("POST /api/tenants/{tenant}/apps", "listed mode without users", "{\"name\":\"a\",\"access_policy\":{\"mode\":\"listed\"}}",
                        "access_policy.users"),
                bad("POST /api/tenants/{tenant}/apps", "access policy of the wrong shape", "{\"name\":\"a\",\"access_policy\":\"members\"}",
                        "access_policy"),
                bad("POST /api/tenants/{tenant}/apps", "end-user IdP with bad URLs",
                        "{\"name\":\"a\",\"end_user_idp\":{\"issuer\":\"ftp://idp.example.com\",\"audience\":\"x\",\"jwks_url\":\"https://10.0.0.1/jwks\"}}",
                        "end_user_idp.issuer", "end_user_idp.jwks_url"),
                bad("POST /api/tenants/{tenant}/apps", "invalid JSON", "{\"name\":\"a\",\"tier\":\"pro\"", "body"),

                bad("PATCH /api/apps/{app}", "nothing to change", "{}", "body"),
                bad("PATCH /api/apps/{app}", "unknown tier", "{\"tier\":\"gold\"}", "tier"),
                bad("PATCH /api/apps/{app}", "blank name", "{\"name\":\"\"}", "name"),
                bad("PATCH /api/apps/{app}", "wrong type", "{\"name\":7}", "name"),
                bad("PATCH /api/apps/{app}", "1 MB name", big("name"), "name"),
                bad("PATCH /api/apps/{app}", "unknown field", "{\"status\":\"active\"}", "status"),
                bad("PATCH /api/apps/{app}", "invalid JSON", "{\"name\":\"a\"]", "body"),

                bad("POST /api/apps/{app}/suspend", "1 MB reason", big("reason"), "reason"),
                bad("POST /api/apps/{app}/suspend", "wrong type", "{\"reason\":5}", "reason"),
                bad("POST /api/apps/{app}/suspend", "unknown field", "{\"reason\":\"r\",\"until\":\"tomorrow\"}", "until"),
                bad("POST /api/apps/{app}/suspend", "invalid JSON", "{\"reason\"", "body"),

                bad("POST /api/apps/{app}/packs", "missing fields", "{}", "id", "version", "files"),
                bad("POST /api/apps/{app}/packs", "bad id and version", "{\"id\":\"Bad Id\",\"version\":\"1\",\"files\":" + VALID_FILES + "}",
                        "id", "version"),
                bad("POST /api/apps/{app}/packs", "files of the wrong type", "{\"id\":\"ok\",\"version\":\"1.0.0\",\"files\":\"agents.yaml\"}",
                        "files"),
                bad("POST /api/apps/{app}/packs", "file content of the wrong type",
                        "{\"id\":\"ok\",\"version\":\"1.0.0\",\"files\":{\"wf/agents.yaml\":5}}", "files.wf/agents.yaml"),
                bad("POST /api/apps/{app}/packs", "a path outside a workflow folder",
                        "{\"id\":\"ok\",\"version\":\"1.0.0\",\"files\":{\"../agents.yaml\":\"agents: []\"}}", "files.../agents.yaml"),
                bad("POST /api/apps/{app}/packs", "1 MB id", "{\"id\":\"" + MEGABYTE + "\",\"version\":\"1.0.0\",\"files\":" + VALID_FILES + "}",
                        "id"),
                bad("POST /api/apps/{app}/packs", "unknown field",
                        "{\"id\":\"ok\",\"version\":\"1.0.0\",\"files\":" + VALID_FILES + ",\"tier\":\"pro\"}", "tier"),
                bad("POST /api/apps/{app}/packs", "invalid JSON", "{\"id\":\"ok\",\"files\":{", "body"),

                bad("PUT /api/apps/{app}/packs/assistant", "missing enabled", "{}", "enabled"),
                bad("PUT /api/apps/{app}/packs/assistant", "enabled as text", "{\"enabled\":\"yes\"}", "enabled"),
                bad("PUT /api/apps/{app}/packs/assistant", "enabled as a number", "{\"enabled\":1}", "enabled"),
                bad("PUT /api/apps/{app}/packs/assistant", "bad version", "{\"enabled\":true,\"version\":\"latest\"}", "version"),
                bad("PUT /api/apps/{app}/packs/assistant", "unknown field", "{\"enabled\":true,\"scope\":\"all\"}", "scope"),
                bad("PUT /api/apps/{app}/packs/assistant", "invalid JSON", "{\"enabled\":tru}", "body"));
    }

    /** What a malformed request must leave as it was. */
    private static Map<String, Object> snapshot() {
        Map<String, Object> state = new LinkedHashMap<>(cp.controlCounts());
        state.put("idempotency_keys", cp.count("idempotency_keys", null));
        state.put("tenant document", cp.findOne("tenants", Filters.eq("_id", tenant)));
        state.put("member document", cp.findOne("memberships", Filters.eq("_id", tenant + ":" + member.sub())));
        Document appDocument = cp.app(app);
        state.put("app document", appDocument);
        state.put("app blobs", cp.blobNames(cp.packsContainer(), app + "/"));
        return state;
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("bodies")
    void refusedWithFieldErrorsAndNothingWritten(String endpoint, String what, String body, Set<String> fields) {
        String row = endpoint + " with " + what;
        String[] parts = endpoint.split(" ", 2);
        String path = parts[1].replace("{tenant}", tenant).replace("{member}", member.sub()).replace("{app}", app);
        Map<String, Object> before = snapshot();

        Response response = cp.send(parts[0], path, owner.token(), body);

        assertEquals(400, response.status(), row + ": " + abbreviate(response.body()));
        assertEquals("application/problem+json", response.contentType(), row);
        assertEquals("validation_failed", response.code(), row);
        assertEquals(fields, new LinkedHashSet<>(response.errorFields()), row + ": fields named in " + abbreviate(response.body()));
        assertEquals(List.of(), response.json().path("errors").findValues("message").stream()
                .filter(message -> message.asText().isBlank()).toList(), row + ": every field error says what is wrong");
        assertEquals(before, snapshot(), row + ": something was written");
    }

    @ParameterizedTest(name = "oversized body on {0}")
    @MethodSource("oversized")
    void bodyOverTheApiLimitIs413AndNothingWritten(String endpoint) {
        String[] parts = endpoint.split(" ", 2);
        String path = parts[1].replace("{tenant}", tenant).replace("{app}", app);
        Map<String, Object> before = snapshot();

        Response response = cp.send(parts[0], path, owner.token(), "{\"name\":\"" + "x".repeat(7 * 1024 * 1024) + "\"}");

        assertEquals(413, response.status(), endpoint + ": " + abbreviate(response.body()));
        assertEquals("payload_too_large", response.code(), endpoint);
        assertEquals(before, snapshot(), endpoint + ": something was written");
    }

    static Stream<String> oversized() {
        return Stream.of("POST /api/tenants", "POST /api/tenants/{tenant}/apps", "PATCH /api/apps/{app}");
    }

    @ParameterizedTest(name = "Idempotency-Key of {0} characters")
    @MethodSource("badKeys")
    void badIdempotencyKeyIs400AndNothingWritten(int length) {
        Map<String, Object> before = snapshot();
        Response response = cp.send("POST", "/api/tenants/" + tenant + "/apps", owner.token(), json(obj("name", "keyed", "tier", "pro")),
                "Idempotency-Key", length == 0 ? " " : "k".repeat(length));

        assertEquals(400, response.status(), response.body());
        assertEquals(Set.of("Idempotency-Key"), response.errorFields(), response.body());
        assertEquals(before, snapshot(), "something was written");
    }

    static Stream<Integer> badKeys() {
        return Stream.of(0, 256);
    }

    private static String abbreviate(String text) {
        return text == null || text.length() < 600 ? text : text.substring(0, 600) + "...";
    }
}

package ai.mozaiks.devhost.controlplane;

import static ai.mozaiks.devhost.controlplane.ControlPlane.expect;
import static ai.mozaiks.devhost.controlplane.ControlPlane.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.devhost.controlplane.ControlPlane.Response;
import ai.mozaiks.devhost.controlplane.ControlPlane.User;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import java.util.List;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/**
 * Tiers need an entitlement: a tenant's apps may use tiers up to the one a platform administrator granted it
 * ({@code free} until then); builders and owners can neither create nor upgrade above it; platform administrators
 * may, and every grant is audited.
 */
class TierEntitlementIT {
    private static final ControlPlane cp = ControlPlane.get();

    private static void assertNotEntitled(Response response, String tier, String entitlement) {
        assertEquals(403, response.status(), response.body());
        assertEquals("application/problem+json", response.contentType());
        assertEquals("tier_not_entitled", response.code());
        String detail = response.json().path("detail").asText();
        assertTrue(detail.contains("The " + tier + " tier") && detail.contains("(" + entitlement + ")"), detail);
    }

    @Test
    void buildersAndOwnersCannotCreateOrUpgradeAboveTheEntitlement() {
        User owner = cp.user("tier-owner");
        String tenant = cp.createTenant(owner);
        User builder = cp.addMember(tenant, owner, "tier-builder", "builder");
        assertEquals("free", expect(200, cp.get("/api/tenants/" + tenant, builder), "read tenant").json().path("max_tier").asText());
        Document tenantBefore = cp.findOne("tenants", Filters.eq("_id", tenant));

        assertNotEntitled(cp.post("/api/tenants/" + tenant + "/apps", builder, obj("name", "big", "tier", "enterprise")), "enterprise", "free");
        assertNotEntitled(cp.post("/api/tenants/" + tenant + "/apps", owner, obj("name", "pro", "tier", "pro")), "pro", "free");
        assertEquals(0, cp.count("apps", Filters.eq("tenant_id", tenant)), "nothing created");
        assertEquals(tenantBefore.get("app_counts"), cp.findOne("tenants", Filters.eq("_id", tenant)).get("app_counts"), "no quota taken");

        String app = cp.createApp(builder, tenant, "free");
        assertNotEntitled(cp.patch("/api/apps/" + app, owner, obj("tier", "enterprise")), "enterprise", "free");
        assertEquals("free", cp.app(app).getString("tier"));
    }

    @Test
    void platformAdministratorsGrantCreateAndUpgradeAboveTheEntitlementAndGrantsAreAudited() {
        User owner = cp.user("granted-owner");
        String tenant = cp.createTenant(owner);
        User builder = cp.addMember(tenant, owner, "granted-builder", "builder");
        User admin = cp.platformAdmin();

        // Administrators may always: an enterprise app in a free tenant, and an upgrade of a free app.
        Response created = expect(201, cp.post("/api/tenants/" + tenant + "/apps", admin, obj("name", "ops", "tier", "enterprise")), "admin");
        assertEquals("enterprise", created.json().path("tier").asText());
        String free = cp.createApp(owner, tenant, "free");
        expect(200, cp.patch("/api/apps/" + free, admin, obj("tier", "pro")), "admin upgrade");
        assertEquals("pro", cp.app(free).getString("tier"));

        // Only administrators grant: anyone else cannot tell the route exists.
        String path = "/api/admin/tenants/" + tenant + "/entitlement";
        for (User notAdmin : List.of(owner, builder)) {
            Response refused = cp.put(path, notAdmin, obj("max_tier", "enterprise"));
            assertEquals(404, refused.status(), refused.body());
            assertEquals("not_found", refused.code());
        }
        assertEquals(400, cp.put(path, admin, obj("max_tier", "platinum")).status());
        assertEquals(404, cp.put("/api/admin/tenants/ten_" + "0".repeat(24) + "/entitlement", admin, obj("max_tier", "pro")).status());
        assertEquals(0, cp.count("audit", Filters.and(Filters.eq("tenant_id", tenant), Filters.eq("action", "tenant.entitlement"))),
                "refusals leave no record");

        Response granted = expect(200, cp.put(path, admin, obj("max_tier", "business", "note", "invoice 42")), "grant");
        assertEquals("business", granted.json().path("max_tier").asText());
        assertEquals("invoice 42", granted.json().path("note").asText());
        assertEquals(admin.sub(), granted.json().path("granted_by").asText());
        assertEquals("business", expect(200, cp.get("/api/tenants/" + tenant, builder), "builder reads").json().path("max_tier").asText());

        List<Document> records = cp.find("audit", Filters.and(Filters.eq("tenant_id", tenant), Filters.eq("action", "tenant.entitlement")),
                Sorts.ascending("_id"));
        assertEquals(1, records.size());
        Document record = records.get(0);
        Document actor = record.get("actor", Document.class);
        assertEquals(admin.sub(), actor.getString("user_id"));
        assertEquals(true, actor.getBoolean("platform_admin"));
        assertNotNull(record.getDate("at"));
        assertEquals("free", record.get("before", Document.class).getString("max_tier"));
        assertNull(record.get("before", Document.class).getString("granted_by"));
        assertEquals("business", record.get("after", Document.class).getString("max_tier"));
        assertEquals("invoice 42", record.get("after", Document.class).getString("note"));
        assertEquals(admin.sub(), record.get("after", Document.class).getString("granted_by"));

        // Within the grant builders create; above it they still cannot.
        assertEquals("business", expect(201, cp.post("/api/tenants/" + tenant + "/apps", builder, obj("name", "b", "tier", "business")),
                "within").json().path("tier").asText());
        assertNotEntitled(cp.post("/api/tenants/" + tenant + "/apps", builder, obj("name", "e", "tier", "enterprise")), "enterprise", "business");
    }

    @Test
    void aLowerGrantLeavesAppsAboveItRunningButNoneMovesUp() {
        User owner = cp.user("lowered-owner");
        String tenant = cp.createTenant(owner);
        cp.entitle(tenant, "business");
        String app = cp.createApp(owner, tenant, "business");
        cp.entitle(tenant, "free");

        Response read = expect(200, cp.get("/api/apps/" + app, owner), "still readable");
        assertEquals("business", read.json().path("tier").asText());
        assertEquals("active", read.json().path("status").asText());
        Response started = cp.post("/api/sessions", owner, obj("app_id", app, "workflow_name", "assistant"));
        assertEquals(201, started.status(), "an app above a lowered grant keeps running: " + started.body());

        assertNotEntitled(cp.patch("/api/apps/" + app, owner, obj("tier", "enterprise")), "enterprise", "free");
        expect(200, cp.patch("/api/apps/" + app, owner, obj("tier", "pro")), "moving down is always allowed");
        assertNotEntitled(cp.patch("/api/apps/" + app, owner, obj("tier", "business")), "business", "free");
        assertEquals("pro", cp.app(app).getString("tier"));
    }
}

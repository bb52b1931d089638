package ai.mozaiks.devhost.controlplane;

import static ai.mozaiks.devhost.controlplane.ControlPlane.expect;
import static ai.mozaiks.devhost.controlplane.ControlPlane.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.devhost.controlplane.ControlPlane.Response;
import ai.mozaiks.devhost.controlplane.ControlPlane.User;
import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/** The control plane used end to end over HTTP, as the README walks through it and beyond. */
class TenantAndAppFlowIT {
    private static final ControlPlane cp = ControlPlane.get();
    private static final List<String> PLATFORM_WORKFLOWS = List.of("assistant", "interview_research_summary", "market_scan", "onboarding_intake",
            "onboarding_plan", "product_research", "risk_scan", "tech_scan", "tool_demo");

    private static Map<String, JsonNode> workflows(String appId, User user) {
        Response list = expect(200, cp.get("/api/apps/" + appId + "/workflows", user), "GET workflows of " + appId);
        Map<String, JsonNode> byName = new TreeMap<>();
        list.json().path("items").forEach(item -> byName.put(item.path("name").asText(), item));
        return byName;
    }

    private static List<String> appIds(Response list) {
        List<String> ids = new ArrayList<>();
        list.json().path("items").forEach(item -> ids.add(item.path("id").asText()));
        return ids;
    }

    private static Map<String, String> roles(String tenantId, User user) {
        Map<String, String> roles = new TreeMap<>();
        expect(200, cp.get("/api/tenants/" + tenantId + "/members", user), "members").json().path("items")
                .forEach(member -> roles.put(member.path("user_id").asText(), member.path("role").asText()));
        return roles;
    }

    @Test
    void readmeWalkThroughTokenTenantAppWorkflows() {
        // The README's walk-through, request for request.
        // 1. A token from the development identity provider
        Response minted = cp.send("POST", "/dev/token", null, "{\"sub\":\"alice\",\"email\":\"alice@example.com\"}");
        expect(200, minted, "POST /dev/token");
        assertEquals("Bearer", minted.json().path("token_type").asText());
        User alice = new User("alice", "alice@example.com", minted.json().path("access_token").asText());

        // 2. A tenant; its creator is its owner
        Response tenant = cp.send("POST", "/api/tenants", alice.token(), "{\"name\":\"Acme\"}", "Idempotency-Key", "tenant-1");
        expect(201, tenant, "POST /api/tenants");
        String tenantId = tenant.json().path("id").asText();
        assertTrue(tenantId.startsWith("ten_"), tenantId);
        assertEquals("Acme", tenant.json().path("name").asText());
        assertEquals("owner", tenant.json().path("role").asText());
        assertEquals("/api/tenants/" + tenantId, tenant.header("Location"));

        // The devhost's sample settings let every tenant use every tier (DEFAULT_TENANT_MAX_TIER); these tests run as
        // production does, where a platform administrator grants the tier first.
        cp.entitle(tenantId, "pro");

        // 3. An app on the pro tier
        Response app = cp.send("POST", "/api/tenants/" + tenantId + "/apps", alice.token(), "{\"name\":\"Helpdesk\",\"tier\":\"pro\"}");
        expect(201, app, "POST apps");
        String appId = app.json().path("id").asText();
        assertEquals("/api/apps/" + appId, app.header("Location"));
        assertEquals("Helpdesk", app.json().path("name").asText());
        assertEquals("pro", app.json().path("tier").asText());
        assertEquals("active", app.json().path("status").asText());
        assertEquals(tenantId, app.json().path("tenant_id").asText());

        // 4. The workflows it offers: on pro, every platform workflow is available
        Map<String, JsonNode> pro = workflows(appId, alice);
        assertEquals(PLATFORM_WORKFLOWS, List.copyOf(pro.keySet()));
        pro.forEach((name, item) -> {
            assertTrue(item.path("available").asBoolean(), name + " on pro: " + item);
            assertEquals("platform", item.path("source").asText(), name);
        });

        // app on free: only the assistant pack is part of the tier
        String freeApp = cp.createApp(alice, tenantId, "free");
        Map<String, JsonNode> free = workflows(freeApp, alice);
        assertEquals(PLATFORM_WORKFLOWS, List.copyOf(free.keySet()));
        assertTrue(free.get("assistant").path("available").asBoolean(), free.get("assistant").toString());
        for (String name : List.of("interview_research_summary", "tool_demo")) {
            assertFalse(free.get(name).path("available").asBoolean(), name + " on free: " + free.get(name));
            assertEquals("tier", free.get(name).path("reason").asText(), name);
        }
    }

    @Test
    void invitationsAreAcceptedOnceByTheInvitedAddressOnly() {
        User owner = cp.user("inv-owner");
        String tenant = cp.createTenant(owner);
        User carol = cp.user("carol");
        User dave = cp.user("dave");
        Response invited = cp.post("/api/tenants/" + tenant + "/invitations", owner,
                obj("email", carol.email().toUpperCase(java.util.Locale.ROOT), "role", "admin"));
        expect(201, invited, "invite carol");
        String invitation = invited.json().path("id").asText();
        assertEquals("/api/invitations/" + invitation + "/accept", invited.json().path("accept_path").asText());
        assertNull(invited.header("Location"), "no Location: the invitation has no GET");
        assertEquals(carol.email(), invited.json().path("email").asText(), "addresses are kept in lower case");

        Response wrong = cp.post("/api/invitations/" + invitation + "/accept", dave, null);
        expect(404, wrong, "dave accepts carol's invitation");
        assertEquals(cp.post("/api/invitations/inv_" + "0".repeat(24) + "/accept", dave, null).body(), wrong.body(),
                "the same answer as for an invitation that does not exist");
        assertFalse(roles(tenant, owner).containsKey(dave.sub()), "dave did not join");

        Response accepted = cp.post("/api/invitations/" + invitation + "/accept", carol, null);
        expect(200, accepted, "carol accepts");
        assertEquals("admin", accepted.json().path("role").asText());
        assertEquals(tenant, accepted.json().path("tenant_id").asText());
        assertEquals(Map.of(owner.sub(), "owner", carol.sub(), "admin"), roles(tenant, owner));
        // As an admin carol now reads the tenant.
        assertEquals("admin", expect(200, cp.get("/api/tenants/" + tenant, carol), "carol reads").json().path("role").asText());

        Response again = cp.post("/api/invitations/" + invitation + "/accept", carol, null);
        expect(409, again, "second accept");
        assertEquals("invitation_used", again.code());
        assertEquals(1, cp.count("memberships", Filters.and(Filters.eq("tenant_id", tenant), Filters.eq("user_id", carol.sub()))));
    }

    @Test
    void theLastOwnerCannotLeaveOrBeDemotedUntilAnotherIsPromoted() {
        User owner = cp.user("last-owner");
        String tenant = cp.createTenant(owner);
        String self = "/api/tenants/" + tenant + "/members/" + owner.sub();

        Response leave = cp.delete(self, owner);
        expect(409, leave, "the last owner leaves");
        assertEquals("last_owner", leave.code());
        Response demote = cp.patch(self, owner, obj("role", "admin"));
        expect(409, demote, "the last owner demotes themself");
        assertEquals("last_owner", demote.code());
        assertEquals(Map.of(owner.sub(), "owner"), roles(tenant, owner), "nothing changed");

        User pat = cp.addMember(tenant, owner, "pat", "builder");
        Response promoted = cp.patch("/api/tenants/" + tenant + "/members/" + pat.sub(), owner, obj("role", "owner"));
        expect(200, promoted, "promote pat");
        assertEquals("owner", promoted.json().path("role").asText());

        expect(204, cp.delete(self, owner), "the former last owner leaves");
        assertEquals(Map.of(pat.sub(), "owner"), roles(tenant, pat));
        expect(404, cp.get("/api/tenants/" + tenant, owner), "who left no longer sees the tenant");

        Response patLeaves = cp.delete("/api/tenants/" + tenant + "/members/" + pat.sub(), pat);
        expect(409, patLeaves, "pat is now the last owner");
        assertEquals("last_owner", patLeaves.code());
    }

    @Test
    void appQuotaPerTierHoldsEvenForConcurrentCreates() throws Exception {
        User owner = cp.user("quota-owner");
        String tenant = cp.createTenant(owner);
        cp.createApp(owner, tenant, "free");
        Response second = cp.post("/api/tenants/" + tenant + "/apps", owner, obj("name", "second", "tier", "free"));
        expect(409, second, "second free app");
        assertEquals("quota_exceeded", second.code());
        cp.createApp(owner, tenant, "pro"); // the pro quota is its own
        assertEquals(2, cp.count("apps", Filters.eq("tenant_id", tenant)));

        String racing = cp.createTenant(owner);
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Response>> answers = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                String name = "racer " + i;
                Callable<Response> create = () -> {
                    start.await();
                    return cp.post("/api/tenants/" + racing + "/apps", owner, obj("name", name, "tier", "free"));
                };
                answers.add(pool.submit(create));
            }
            start.countDown();
            List<Integer> statuses = new ArrayList<>();
            for (Future<Response> answer : answers) {
                statuses.add(answer.get().status());
            }
            statuses.sort(null);
            assertEquals(List.of(201, 409), statuses, "exactly one of two concurrent creates at the limit succeeds");
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, cp.count("apps", Filters.eq("tenant_id", racing)));
        assertEquals(1, cp.findOne("tenants", Filters.eq("_id", racing)).get("app_counts", Document.class).getInteger("free"));
    }

    @Test
    void downgradeIsRefusedWithTheReasonWhileAPackOutsideTheLowerTierIsEnabled() {
        User owner = cp.user("tier-owner");
        String tenant = cp.createTenant(owner);
        String app = cp.createApp(owner, tenant, "pro");
        expect(200, cp.put("/api/apps/" + app + "/packs/tool_demo", owner, obj("enabled", true)), "enable tool_demo");

        Response refused = cp.patch("/api/apps/" + app, owner, obj("tier", "free"));
        expect(409, refused, "downgrade to free");
        assertEquals("tier_usage_exceeded", refused.code());
        String detail = refused.json().path("detail").asText();
        assertTrue(detail.contains("tool_demo") && detail.contains("free"), "the reason names the pack and the tier: " + detail);
        assertEquals("pro", expect(200, cp.get("/api/apps/" + app, owner), "read").json().path("tier").asText());
        assertNull(cp.findOne("tenants", Filters.eq("_id", tenant)).get("app_counts", Document.class).get("free"),
                "no free quota taken by the refused downgrade");

        expect(200, cp.put("/api/apps/" + app + "/packs/tool_demo", owner, obj("enabled", false)), "disable tool_demo");
        Response downgraded = cp.patch("/api/apps/" + app, owner, obj("tier", "free"));
        expect(200, downgraded, "downgrade once the pack is off");
        assertEquals("free", downgraded.json().path("tier").asText());
        Document counts = cp.findOne("tenants", Filters.eq("_id", tenant)).get("app_counts", Document.class);
        assertEquals(1, counts.getInteger("free"));
        assertEquals(0, counts.getInteger("pro"));
    }

    @Test
    void suspendMakesEveryWorkflowUnavailableUntilResumed() {
        User owner = cp.user("suspend-owner");
        String tenant = cp.createTenant(owner);
        String app = cp.createApp(owner, tenant, "pro");

        Response suspended = cp.post("/api/apps/" + app + "/suspend", owner, obj("reason", "invoice overdue"));
        expect(200, suspended, "suspend");
        assertEquals("suspended", suspended.json().path("status").asText());
        assertEquals("invoice overdue", suspended.json().path("suspended_reason").asText());
        Map<String, JsonNode> off = workflows(app, owner);
        assertEquals(PLATFORM_WORKFLOWS, List.copyOf(off.keySet()));
        off.forEach((name, item) -> {
            assertFalse(item.path("available").asBoolean(), name + " while suspended: " + item);
            assertEquals("app_suspended", item.path("reason").asText(), name);
        });

        Response resumed = cp.post("/api/apps/" + app + "/resume", owner, null);
        expect(200, resumed, "resume");
        assertEquals("active", resumed.json().path("status").asText());
        assertTrue(resumed.json().path("suspended_reason").isMissingNode(), resumed.body());
        workflows(app, owner).forEach((name, item) -> assertTrue(item.path("available").asBoolean(), name + " after resume: " + item));
    }

    @Test
    void deletedAppLeavesTheListIsListedAsDeletedAndCanBeRestored() {
        User owner = cp.user("delete-owner");
        String tenant = cp.createTenant(owner);
        String app = cp.createApp(owner, tenant, "pro");
        String kept = cp.createApp(owner, tenant, "pro");

        Response deleted = cp.delete("/api/apps/" + app, owner);
        expect(200, deleted, "delete");
        assertEquals("deleted", deleted.json().path("status").asText());
        assertNotNull(deleted.json().path("purge_after").textValue(), "the purge date is shown: " + deleted.body());
        assertEquals(List.of(kept), appIds(expect(200, cp.get("/api/tenants/" + tenant + "/apps", owner), "list")));
        assertEquals(List.of(app), appIds(expect(200, cp.get("/api/tenants/" + tenant + "/apps?status=deleted", owner), "list deleted")));

        Response restored = cp.post("/api/apps/" + app + "/restore", owner, null);
        expect(200, restored, "restore");
        assertEquals("active", restored.json().path("status").asText());
        assertTrue(restored.json().path("purge_after").isMissingNode(), restored.body());
        assertEquals(new TreeSet<>(List.of(app, kept)),
                new TreeSet<>(appIds(expect(200, cp.get("/api/tenants/" + tenant + "/apps", owner), "list"))));
        assertEquals(List.of(), appIds(expect(200, cp.get("/api/tenants/" + tenant + "/apps?status=deleted", owner), "list deleted")));

        Response twice = cp.post("/api/apps/" + app + "/restore", owner, null);
        expect(409, twice, "restoring an active app");
    }

    @Test
    void aDeletedAppRefusesEveryChangeUntilRestored() {
        User owner = cp.user("deleted-owner");
        String tenant = cp.createTenant(owner);
        String app = cp.createApp(owner, tenant, "pro");
        expect(200, cp.delete("/api/apps/" + app, owner), "delete");
        Document before = cp.app(app);

        Map<String, Response> changes = new LinkedHashMap<>();
        changes.put("PATCH name", cp.patch("/api/apps/" + app, owner, obj("name", "still here")));
        changes.put("POST suspend", cp.post("/api/apps/" + app + "/suspend", owner, null));
        changes.put("POST resume", cp.post("/api/apps/" + app + "/resume", owner, null));
        changes.put("PUT packs/tool_demo", cp.put("/api/apps/" + app + "/packs/tool_demo", owner, obj("enabled", true)));
        changes.put("POST packs", cp.post("/api/apps/" + app + "/packs", owner,
                obj("id", "late", "version", "1.0.0", "files", ControlPlane.workflowFiles("assistant", "late_wf"))));
        Map<String, String> answers = new LinkedHashMap<>();
        changes.forEach((change, response) -> answers.put(change, response.status() + " " + response.code()));
        Map<String, String> expected = new LinkedHashMap<>();
        changes.keySet().forEach(change -> expected.put(change, "409 app_deleted"));

        assertEquals(expected, answers, "a deleted app (awaiting its purge) takes no changes");
        assertEquals(before, cp.app(app), "the deleted app's document is unchanged");
        assertEquals(List.of(), cp.blobNames(cp.packsContainer(), app + "/"), "no pack files stored for a deleted app");
    }

    @Test
    void aDeletedAppOffersNoWorkflowAsAvailable() {
        User owner = cp.user("deleted-workflows-owner");
        String tenant = cp.createTenant(owner);
        String app = cp.createApp(owner, tenant, "pro");
        expect(200, cp.delete("/api/apps/" + app, owner), "delete");

        Response list = cp.get("/api/apps/" + app + "/workflows", owner);
        // A deleted app "stops at once" (AppService.delete): nothing in it may be started, whatever the listing's shape.
        if (list.status() == 200) {
            List<String> available = new ArrayList<>();
            list.json().path("items").forEach(item -> {
                if (item.path("available").asBoolean()) {
                    available.add(item.path("name").asText());
                }
            });
            assertEquals(List.of(), available, "workflows reported available in a deleted app: " + list.body());
        } else {
            assertTrue(list.status() == 404 || list.status() == 409, "a deleted app's workflows: " + list);
        }
    }

    @Test
    void idempotencyKeyReplaysTheFirstAnswerAndRefusesAnotherBody() {
        User owner = cp.user("idem-owner");
        String tenant = cp.createTenant(owner);
        cp.entitle(tenant, "pro");
        String path = "/api/tenants/" + tenant + "/apps";
        String body = ControlPlane.json(obj("name", "once", "tier", "pro"));
        String key = ControlPlane.unique("key");

        Response first = cp.send("POST", path, owner.token(), body, "Idempotency-Key", key);
        expect(201, first, "first");
        assertNull(first.header("Idempotency-Replayed"));
        Response retry = cp.send("POST", path, owner.token(), body, "Idempotency-Key", key);
        expect(201, retry, "retry");
        assertEquals("true", retry.header("Idempotency-Replayed"));
        assertEquals(first.body(), retry.body());
        assertEquals(first.header("Location"), retry.header("Location"));
        assertEquals(1, cp.count("apps", Filters.eq("tenant_id", tenant)), "one app created");

        Response reused = cp.send("POST", path, owner.token(), ControlPlane.json(obj("name", "other", "tier", "pro")),
                "Idempotency-Key", key);
        expect(422, reused, "same key, other body");
        assertEquals("idempotency_key_reused", reused.code());
        assertEquals(1, cp.count("apps", Filters.eq("tenant_id", tenant)), "still one app");

        // Without a key every POST creates.
        expect(201, cp.send("POST", path, owner.token(), body), "no key");
        assertEquals(2, cp.count("apps", Filters.eq("tenant_id", tenant)));
    }

    /** The next-page cursor of a list answer; see {@link #pageCursorFieldIsSnakeCaseLikeEveryOtherField}. */
    private static String nextCursor(JsonNode page) {
        JsonNode cursor = page.has("next_cursor") ? page.get("next_cursor") : page.get("nextCursor");
        return cursor == null || cursor.isNull() ? null : cursor.asText();
    }

    @Test
    void paginationWithLimitOneWalksEveryAppExactlyOnce() {
        User owner = cp.user("page-owner");
        String tenant = cp.createTenant(owner);
        List<String> created = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            created.add(cp.createApp(owner, tenant, "pro"));
        }
        List<String> walked = new ArrayList<>();
        String cursor = null;
        for (int page = 0; page < 10; page++) {
            Response answer = expect(200, cp.get("/api/tenants/" + tenant + "/apps?limit=1" + (cursor == null ? "" : "&cursor=" + cursor),
                    owner), "page " + page);
            assertEquals(1, answer.json().path("items").size(), "page " + page + ": " + answer.body());
            walked.addAll(appIds(answer));
            cursor = nextCursor(answer.json());
            if (cursor == null) {
                break;
            }
        }
        assertEquals(created.stream().sorted().toList(), walked, "every app once, in id order");
    }

    @Test
    void pageCursorFieldIsSnakeCaseLikeEveryOtherField() {
        User owner = cp.user("cursor-owner");
        String tenant = cp.createTenant(owner);
        cp.createApp(owner, tenant, "pro");
        cp.createApp(owner, tenant, "pro");
        JsonNode page = expect(200, cp.get("/api/tenants/" + tenant + "/apps?limit=1", owner), "first page").json();
        // The README: "lists page with ?limit=&cursor= and answer {items, next_cursor}"; every other field is snake_case too.
        assertTrue(page.has("next_cursor"), "the cursor field should be next_cursor: " + page);
        assertFalse(page.has("nextCursor"), "camelCase leaks from the Page record: " + page);
    }

    @Test
    void everyChangeWritesOneAuditRecordWithActorActionBeforeAndAfter() {
        User owner = cp.user("audit-owner");
        String tenant = cp.createTenant(owner);
        User erin = cp.addMember(tenant, owner, "erin", "builder");
        expect(200, cp.patch("/api/tenants/" + tenant + "/members/" + erin.sub(), owner, obj("role", "admin")), "promote erin");
        String app = cp.createApp(erin, tenant, "pro");
        expect(200, cp.patch("/api/apps/" + app, erin, obj("name", "Renamed")), "rename");
        expect(200, cp.post("/api/apps/" + app + "/suspend", erin, null), "suspend");
        expect(200, cp.post("/api/apps/" + app + "/resume", erin, null), "resume");
        expect(200, cp.put("/api/apps/" + app + "/packs/tool_demo", erin, obj("enabled", true)), "enable pack");
        expect(200, cp.delete("/api/apps/" + app, owner), "delete");
        expect(200, cp.post("/api/apps/" + app + "/restore", owner, null), "restore");
        expect(204, cp.delete("/api/tenants/" + tenant + "/members/" + erin.sub(), owner), "remove erin");
        // Refused and read-only requests leave no record.
        expect(409, cp.delete("/api/tenants/" + tenant + "/members/" + owner.sub(), owner), "last owner leaves");
        expect(200, cp.get("/api/apps/" + app, owner), "read");

        List<Document> records = cp.find("audit", Filters.eq("tenant_id", tenant), Sorts.ascending("_id"));
        List<String> actions = records.stream().map(record -> record.getString("action")).toList();
        assertEquals(List.of("tenant.create", "member.invite", "member.join", "member.role", "tenant.entitlement", "app.create", "app.update",
                "app.suspend", "app.resume", "pack.enable", "app.delete", "app.restore", "member.remove"), actions);

        Map<String, String> actors = new LinkedHashMap<>();
        records.forEach(record -> actors.put(record.getString("action"), record.get("actor", Document.class).getString("user_id")));
        Map<String, String> expectedActors = new HashMap<>();
        for (String action : actions) {
            expectedActors.put(action, owner.sub());
        }
        for (String action : List.of("member.join", "app.create", "app.update", "app.suspend", "app.resume", "pack.enable")) {
            expectedActors.put(action, erin.sub());
        }
        // The pro app needs the tenant's entitlement, which a platform administrator granted (ControlPlane.createApp).
        expectedActors.put("tenant.entitlement", records.get(actions.indexOf("tenant.entitlement")).get("actor", Document.class).getString("user_id"));
        assertTrue(records.get(actions.indexOf("tenant.entitlement")).get("actor", Document.class).getBoolean("platform_admin"));
        assertEquals(expectedActors, actors, "who acted");
        for (Document record : records) {
            String action = record.getString("action");
            assertNotNull(record.getDate("at"), action + " has a time");
            assertEquals(cp.idp.issuer(), record.get("actor", Document.class).getString("issuer"), action);
            boolean creates = action.equals("tenant.create") || action.equals("member.invite") || action.equals("member.join")
                    || action.equals("app.create") || action.equals("pack.enable");
            boolean removes = action.equals("member.remove");
            assertEquals(creates, record.get("before") == null, action + " before: " + record.toJson());
            assertEquals(removes, record.get("after") == null, action + " after: " + record.toJson());
        }
        Document rename = records.get(actions.indexOf("app.update"));
        assertEquals(app, rename.getString("app_id"));
        assertEquals(app, rename.get("target", Document.class).getString("id"));
        assertFalse(rename.get("before", Document.class).getString("name").equals("Renamed"), rename.toJson());
        assertEquals("Renamed", rename.get("after", Document.class).getString("name"));
        Document role = records.get(actions.indexOf("member.role"));
        assertEquals("builder", role.get("before", Document.class).getString("role"));
        assertEquals("admin", role.get("after", Document.class).getString("role"));
        Document suspend = records.get(actions.indexOf("app.suspend"));
        assertEquals("active", suspend.get("before", Document.class).getString("status"));
        assertEquals("suspended", suspend.get("after", Document.class).getString("status"));
    }
}

package ai.mozaiks.devhost.controlplane;

import static ai.mozaiks.devhost.controlplane.ControlPlane.expect;
import static ai.mozaiks.devhost.controlplane.ControlPlane.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.devhost.controlplane.ControlPlane.Response;
import ai.mozaiks.devhost.controlplane.ControlPlane.User;
import ai.mozaiks.kernel.AppId;
import com.mongodb.client.model.Filters;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/**
 * An app's end-user identity provider cannot shadow the platform's issuer or another app's registration: an app's
 * end-user tokens must carry the audience it registered, (issuer, audience) belongs to one app, and a conflict says
 * nothing about who holds the pair.
 */
class EndUserIssuerIT {
    private static final ControlPlane cp = ControlPlane.get();

    /** A tenant of its own (named, so a leak of the name would show) with one free app, and its owner. */
    private record Owned(User owner, String tenant, String tenantName, String app) {
    }

    private static Owned owned(String name) {
        User owner = cp.user(name);
        String tenantName = ControlPlane.unique("tenant-of-" + name);
        String tenant = expect(201, cp.post("/api/tenants", owner, obj("name", tenantName)), "tenant").json().path("id").asText();
        return new Owned(owner, tenant, tenantName, cp.createApp(owner, tenant, "free"));
    }

    private static Map<String, Object> idp(String issuer, String audience) {
        return obj("issuer", issuer, "audience", audience, "jwks_url", cp.idp.jwksUri().toString());
    }

    /** A token of the development IdP's per-app issuer of {@code issuerOf}, for {@code audience}. */
    private static User endUser(String issuerOf, String audience) {
        String sub = ControlPlane.unique("customer");
        return new User(sub, sub + "@example.com", cp.mint(obj("sub", sub, "email", sub + "@example.com", "app_id", issuerOf, "aud", audience)));
    }

    private static void openToEndUsers(Owned owned) {
        expect(200, cp.patch("/api/apps/" + owned.app(), owned.owner(), obj("access_policy", obj("mode", "app_users"))), "open");
    }

    private static void assertRevealsNothingOf(Owned holder, Response conflict) {
        assertEquals(409, conflict.status(), conflict.body());
        assertEquals("application/problem+json", conflict.contentType());
        assertEquals("end_user_idp_in_use", conflict.code());
        for (String secret : List.of(holder.app(), holder.tenant(), holder.tenantName(), holder.owner().sub())) {
            assertFalse(conflict.body().contains(secret), "the conflict reveals " + secret + ": " + conflict.body());
        }
    }

    @Test
    void thePlatformIssuerCannotBeRegisteredForEndUsers() {
        Owned shop = owned("platform-squatter");
        for (String spelling : List.of(cp.idp.issuer(), cp.idp.issuer() + "/", cp.idp.issuer().toUpperCase(java.util.Locale.ROOT))) {
            Response patched = cp.patch("/api/apps/" + shop.app(), shop.owner(), obj("end_user_idp", idp(spelling, "shop-web")));
            assertEquals(400, patched.status(), spelling + ": " + patched.body());
            assertEquals(java.util.Set.of("end_user_idp.issuer"), patched.errorFields(), patched.body());
        }
        Response created = cp.post("/api/tenants/" + shop.tenant() + "/apps", shop.owner(),
                obj("name", "squat", "tier", "free", "end_user_idp", idp(cp.idp.issuer(), ControlPlane.AUDIENCE)));
        assertEquals(400, created.status(), created.body());
        assertEquals(java.util.Set.of("end_user_idp.issuer"), created.errorFields(), created.body());
        assertNull(cp.app(shop.app()).get("end_user_idp"), "nothing registered");
    }

    @Test
    void oneIssuerServesTwoAppsByAudienceAndTokensReachOnlyTheirOwnApp() {
        Owned a = owned("issuer-a");
        Owned b = owned("issuer-b");
        // One identity provider (the development IdP's issuer for app A) serving both apps, each with its own audience.
        String shared = cp.idp.appIssuer(AppId.of(a.app()));
        expect(200, cp.patch("/api/apps/" + a.app(), a.owner(), obj("end_user_idp", idp(shared, "aud-a"))), "A registers");
        expect(200, cp.patch("/api/apps/" + b.app(), b.owner(), obj("end_user_idp", idp(shared, "aud-b"))), "B registers");
        openToEndUsers(a);
        openToEndUsers(b);

        User ofA = endUser(a.app(), "aud-a");
        User ofB = endUser(a.app(), "aud-b");
        expect(200, cp.get("/api/apps/" + a.app() + "/chats", ofA), "A's end-user in A");
        expect(200, cp.get("/api/apps/" + b.app() + "/chats", ofB), "B's end-user in B");
        assertFalse(cp.get("/api/apps/" + b.app() + "/chats", ofA).status() < 300, "A's token in B");
        assertFalse(cp.get("/api/apps/" + a.app() + "/chats", ofB).status() < 300, "B's token in A");
        // The issuer alone opens nothing: a token for an audience no app registered is not trusted at all.
        Response unregistered = cp.get("/api/apps/" + a.app() + "/chats", endUser(a.app(), "aud-c"));
        assertEquals(401, unregistered.status(), unregistered.body());
    }

    @Test
    void aTakenIssuerAndAudienceIs409WithoutLeakingOnCreateAndPatch() {
        Owned holder = owned("holder");
        String issuer = cp.idp.appIssuer(AppId.of(holder.app()));
        expect(200, cp.patch("/api/apps/" + holder.app(), holder.owner(), obj("end_user_idp", idp(issuer, "holder-web"))), "holder registers");
        Owned squatter = owned("squatter");
        long apps = cp.count("apps", Filters.eq("tenant_id", squatter.tenant()));

        Response patched = cp.patch("/api/apps/" + squatter.app(), squatter.owner(), obj("end_user_idp", idp(issuer, "holder-web")));
        assertRevealsNothingOf(holder, patched);
        assertNull(cp.app(squatter.app()).get("end_user_idp"), "the PATCH changed nothing");

        cp.entitle(squatter.tenant(), "pro");
        Response created = cp.post("/api/tenants/" + squatter.tenant() + "/apps", squatter.owner(),
                obj("name", "copy", "tier", "pro", "end_user_idp", idp(issuer, "holder-web")));
        assertRevealsNothingOf(holder, created);
        assertEquals(apps, cp.count("apps", Filters.eq("tenant_id", squatter.tenant())), "no app written");
        assertEquals(0, cp.findOne("tenants", Filters.eq("_id", squatter.tenant())).get("app_counts", Document.class).getInteger("pro", 0),
                "the quota was given back");

        // The same issuer with an audience of the squatter's own is fine; the holder's registration is untouched.
        expect(200, cp.patch("/api/apps/" + squatter.app(), squatter.owner(), obj("end_user_idp", idp(issuer, "squatter-web"))), "own audience");
        assertEquals("holder-web", cp.app(holder.app()).get("end_user_idp", Document.class).getString("audience"));
        // Re-registering one's own pair (a new jwks_url, say) is not a conflict.
        expect(200, cp.patch("/api/apps/" + holder.app(), holder.owner(), obj("end_user_idp", idp(issuer, "holder-web"))), "again");
    }

    @Test
    void concurrentRegistrationsOfOnePairLetExactlyOneWin() throws Exception {
        List<Owned> racers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            racers.add(owned("racer" + i));
        }
        String issuer = "http://127.0.0.1:1/race-" + ControlPlane.unique("idp");
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(racers.size());
        try {
            List<CompletableFuture<Response>> answers = new ArrayList<>();
            for (Owned racer : racers) {
                answers.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return cp.patch("/api/apps/" + racer.app(), racer.owner(), obj("end_user_idp", idp(issuer, "contested")));
                }, pool));
            }
            go.countDown();
            Map<Integer, Integer> statuses = new TreeMap<>();
            for (CompletableFuture<Response> answer : answers) {
                statuses.merge(answer.join().status(), 1, Integer::sum);
            }
            assertEquals(Map.of(200, 1, 409, racers.size() - 1), statuses);
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, cp.count("apps", Filters.and(Filters.eq("end_user_idp.issuer", issuer),
                Filters.eq("end_user_idp.audience", "contested"))));
        assertTrue(racers.stream().filter(r -> cp.app(r.app()).get("end_user_idp") != null).count() == 1);
    }
}

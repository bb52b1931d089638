package ai.mozaiks.devhost.controlplane;

import static ai.mozaiks.devhost.controlplane.ControlPlane.expect;
import static ai.mozaiks.devhost.controlplane.ControlPlane.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.devhost.controlplane.ControlPlane.Response;
import ai.mozaiks.devhost.controlplane.ControlPlane.User;
import ai.mozaiks.functions.FunctionFactory;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every control-plane endpoint × every kind of caller → the status the caller gets. Each row runs
 * against real objects of tenant A (owner, admin, builder, and app A1 whose own IdP signs the
 * end-user's token); destructive rows get fresh objects of their own. A caller who may not learn
 * that an object exists gets a 404 whose body is byte-for-byte the 404 for an id that never existed.
 */
class PermissionMatrixIT {

    /**
     * The rules, from the services: a member needs at least the role named; platform admins act as
     * owners of every tenant; an app's end-user and anyone without a membership get 404; no token
     * is 401 everywhere.
     */
    private static final String MATRIX = """
            operation               | rule                                         | anon | end_user | builder | admin | owner | other_owner | platform_admin
            createTenant            | any platform user                            | 401  | 404      | 201     | 201   | 201   | 201         | 201
            listTenants             | any platform user (their own tenants)        | 401  | 404      | 200     | 200   | 200   | 200         | 200
            getTenant               | member: builder+                             | 401  | 404      | 200     | 200   | 200   | 404         | 200
            listMembers             | member: builder+                             | 401  | 404      | 200     | 200   | 200   | 404         | 200
            inviteMember            | admin+                                       | 401  | 404      | 403     | 201   | 201   | 404         | 201
            inviteOwner             | owner                                        | 401  | 404      | 403     | 403   | 201   | 404         | 201
            acceptOwnInvitation     | the invited address, a platform user         | 401  | 404      | 200     | 200   | 200   | 200         | 200
            acceptOthersInvitation  | nobody but the invited address               | 401  | 404      | 404     | 404   | 404   | 404         | 404
            changeMemberRole        | admin+                                       | 401  | 404      | 403     | 200   | 200   | 404         | 200
            grantOwnerRole          | owner                                        | 401  | 404      | 403     | 403   | 200   | 404         | 200
            demoteOwner             | owner (a second owner, so not the last)      | 401  | 404      | 403     | 403   | 200   | 404         | 200
            removeMember            | admin+                                       | 401  | 404      | 403     | 204   | 204   | 404         | 204
            removeOwner             | owner (a second owner, so not the last)      | 401  | 404      | 403     | 403   | 204   | 404         | 204
            createApp               | builder+, within quota and entitlement       | 401  | 404      | 201     | 201   | 201   | 404         | 201
            listApps                | builder+                                     | 401  | 404      | 200     | 200   | 200   | 404         | 200
            getApp                  | builder+                                     | 401  | 404      | 200     | 200   | 200   | 404         | 200
            renameApp               | builder+                                     | 401  | 404      | 200     | 200   | 200   | 404         | 200
            changeAppAccessPolicy   | admin+                                       | 401  | 404      | 403     | 200   | 200   | 404         | 200
            changeAppTier           | owner                                        | 401  | 404      | 403     | 403   | 200   | 404         | 200
            deleteApp               | owner                                        | 401  | 404      | 403     | 403   | 200   | 404         | 200
            suspendApp              | admin+                                       | 401  | 404      | 403     | 200   | 200   | 404         | 200
            resumeApp               | admin+                                       | 401  | 404      | 403     | 200   | 200   | 404         | 200
            restoreApp              | owner                                        | 401  | 404      | 403     | 403   | 200   | 404         | 200
            listAppWorkflows        | builder+                                     | 401  | 404      | 200     | 200   | 200   | 404         | 200
            publishPack             | admin+                                       | 401  | 404      | 403     | 201   | 201   | 404         | 201
            checkPack               | admin+                                       | 401  | 404      | 403     | 200   | 200   | 404         | 200
            setPack                 | admin+                                       | 401  | 404      | 403     | 200   | 200   | 404         | 200
            moveAppStorage          | platform admin only; others cannot tell      | 401  | 404      | 404     | 404   | 404   | 404         | 202
            getMigration            | platform admin only; others cannot tell      | 401  | 404      | 404     | 404   | 404   | 404         | 200
            grantTenantEntitlement  | platform admin only; others cannot tell      | 401  | 404      | 404     | 404   | 404   | 404         | 200
            checkSchema             | platform admin only; others cannot tell      | 401  | 404      | 404     | 404   | 404   | 404         | 200
            ensureSchema            | platform admin only; others cannot tell      | 401  | 404      | 404     | 404   | 404   | 404         | 200
            """;

    enum Who { ANON, END_USER, BUILDER, ADMIN, OWNER, OTHER_OWNER, PLATFORM_ADMIN }

    /** One request of a row, and the same request with every id replaced by one that never existed. */
    record Call(String method, String path, Object body, String missingPath) {
    }

    /** An operation: which function serves it, and how to build its request for a caller. */
    record Op(String function, Function<Who, Call> prepare) {
    }

    private static final ControlPlane cp = ControlPlane.get();
    private static final AtomicInteger versions = new AtomicInteger();
    private static final Map<Who, User> users = new EnumMap<>(Who.class);
    private static final Map<String, Op> ops = new LinkedHashMap<>();
    private static User owner;
    private static User inviter;
    private static String tenantA;
    private static String appA1;
    private static String othersInvitation;
    private static Map<String, String> assistantFiles;
    private static String migration;

    @BeforeAll
    static void buildTenants() throws Exception {
        owner = cp.user("owner");
        tenantA = cp.createTenant(owner);
        cp.entitle(tenantA, "enterprise");
        User admin = cp.addMember(tenantA, owner, "admin", "admin");
        User builder = cp.addMember(tenantA, owner, "builder", "builder");
        User otherOwner = cp.user("other-owner");
        cp.createTenant(otherOwner);
        appA1 = cp.createApp(owner, tenantA, "enterprise");
        cp.trustEndUsers(owner, appA1);
        users.put(Who.END_USER, cp.endUser(appA1, "end-user"));
        users.put(Who.BUILDER, builder);
        users.put(Who.ADMIN, admin);
        users.put(Who.OWNER, owner);
        users.put(Who.OTHER_OWNER, otherOwner);
        users.put(Who.PLATFORM_ADMIN, cp.platformAdmin());
        inviter = cp.user("inviter");
        othersInvitation = cp.invite(tenantA, owner, ControlPlane.unique("stranger") + "@example.com", "builder");
        assistantFiles = ControlPlane.workflowFiles("assistant", "matrix_wf");
        Response moved = cp.put("/api/admin/apps/" + cp.createApp(owner, tenantA, "enterprise") + "/storage", users.get(Who.PLATFORM_ADMIN),
                obj("connection", "MONGODB_CONNECTION_STRING", "database", "matrix_moved"));
        assertEquals(202, moved.status(), moved.body());
        migration = moved.json().path("id").asText();
        defineOps();
    }

    private static String missingTenant() {
        return "ten_" + "0".repeat(24);
    }

    private static String missingApp() {
        return "app_" + "0".repeat(24);
    }

    private static void defineOps() {
        String t = "/api/tenants/" + tenantA;
        String mt = "/api/tenants/" + missingTenant();
        String a = "/api/apps/" + appA1;
        String ma = "/api/apps/" + missingApp();
        ops.put("createTenant", new Op("createTenant", who -> new Call("POST", "/api/tenants", obj("name", "matrix"), null)));
        ops.put("listTenants", new Op("listTenants", who -> new Call("GET", "/api/tenants", null, null)));
        ops.put("getTenant", new Op("getTenant", who -> new Call("GET", t, null, mt)));
        ops.put("listMembers", new Op("listMembers", who -> new Call("GET", t + "/members", null, mt + "/members")));
        ops.put("inviteMember", new Op("inviteMember", who -> {
            Object body = obj("email", ControlPlane.unique("invitee") + "@example.com", "role", "builder");
            return new Call("POST", t + "/invitations", body, mt + "/invitations");
        }));
        ops.put("inviteOwner", new Op("inviteMember", who -> {
            Object body = obj("email", ControlPlane.unique("invitee") + "@example.com", "role", "owner");
            return new Call("POST", t + "/invitations", body, mt + "/invitations");
        }));
        ops.put("acceptOwnInvitation", new Op("acceptInvitation", who -> {
            // A tenant none of the callers belongs to, inviting the caller's own address.
            String tenant = cp.createTenant(inviter);
            String email = who == Who.ANON ? "nobody@example.com" : users.get(who).email();
            String invitation = cp.invite(tenant, inviter, email, "builder");
            return new Call("POST", "/api/invitations/" + invitation + "/accept", null, "/api/invitations/inv_" + "0".repeat(24) + "/accept");
        }));
        ops.put("acceptOthersInvitation", new Op("acceptInvitation", who -> new Call("POST",
                "/api/invitations/" + othersInvitation + "/accept", null, "/api/invitations/inv_" + "0".repeat(24) + "/accept")));
        ops.put("changeMemberRole", new Op("changeMemberRole", who -> {
            User member = cp.addMember(tenantA, owner, "member", "builder");
            return new Call("PATCH", t + "/members/" + member.sub(), obj("role", "admin"), mt + "/members/" + member.sub());
        }));
        ops.put("grantOwnerRole", new Op("changeMemberRole", who -> {
            User member = cp.addMember(tenantA, owner, "member", "builder");
            return new Call("PATCH", t + "/members/" + member.sub(), obj("role", "owner"), mt + "/members/" + member.sub());
        }));
        ops.put("demoteOwner", new Op("changeMemberRole", who -> {
            User member = cp.addMember(tenantA, owner, "co-owner", "owner");
            return new Call("PATCH", t + "/members/" + member.sub(), obj("role", "admin"), mt + "/members/" + member.sub());
        }));
        ops.put("removeOwner", new Op("removeMember", who -> {
            User member = cp.addMember(tenantA, owner, "co-owner", "owner");
            return new Call("DELETE", t + "/members/" + member.sub(), null, mt + "/members/" + member.sub());
        }));
        ops.put("removeMember", new Op("removeMember", who -> {
            User member = cp.addMember(tenantA, owner, "member", "builder");
            return new Call("DELETE", t + "/members/" + member.sub(), null, mt + "/members/" + member.sub());
        }));
        ops.put("createApp", new Op("createApp", who -> new Call("POST", t + "/apps", obj("name", "matrix", "tier", "enterprise"),
                mt + "/apps")));
        ops.put("listApps", new Op("listApps", who -> new Call("GET", t + "/apps", null, mt + "/apps")));
        ops.put("getApp", new Op("getApp", who -> new Call("GET", a, null, ma)));
        ops.put("renameApp", new Op("updateApp", who -> new Call("PATCH", a, obj("name", "renamed by " + who), ma)));
        ops.put("changeAppAccessPolicy", new Op("updateApp", who -> new Call("PATCH", a,
                obj("access_policy", obj("mode", "app_users")), ma)));
        ops.put("changeAppTier", new Op("updateApp", who -> new Call("PATCH", "/api/apps/" + freshApp(), obj("tier", "business"), ma)));
        ops.put("deleteApp", new Op("deleteApp", who -> new Call("DELETE", "/api/apps/" + freshApp(), null, ma)));
        ops.put("suspendApp", new Op("suspendApp", who -> new Call("POST", "/api/apps/" + freshApp() + "/suspend", null, ma + "/suspend")));
        ops.put("resumeApp", new Op("resumeApp", who -> {
            String app = freshApp();
            expect(200, cp.post("/api/apps/" + app + "/suspend", owner, null), "suspend " + app);
            return new Call("POST", "/api/apps/" + app + "/resume", null, ma + "/resume");
        }));
        ops.put("restoreApp", new Op("restoreApp", who -> {
            String app = freshApp();
            expect(200, cp.delete("/api/apps/" + app, owner), "delete " + app);
            return new Call("POST", "/api/apps/" + app + "/restore", null, ma + "/restore");
        }));
        ops.put("listAppWorkflows", new Op("listAppWorkflows", who -> new Call("GET", a + "/workflows", null, ma + "/workflows")));
        ops.put("publishPack", new Op("publishPack", who -> new Call("POST", a + "/packs",
                obj("id", "matrix-pack", "version", "1.0." + versions.incrementAndGet(), "files", assistantFiles), ma + "/packs")));
        ops.put("checkPack", new Op("checkPack", who -> new Call("POST", a + "/packs/check",
                obj("id", "matrix-pack", "version", "9.0.0", "files", assistantFiles), ma + "/packs/check")));
        ops.put("setPack", new Op("setPack", who -> new Call("PUT", a + "/packs/assistant", obj("enabled", true),
                ma + "/packs/assistant")));
        // A move of a fresh app of its own, so the matrix's other rows keep their app where it is.
        ops.put("moveAppStorage", new Op("moveAppStorage", who -> new Call("PUT", "/api/admin/apps/" + freshApp() + "/storage",
                obj("connection", "MONGODB_CONNECTION_STRING", "database", ControlPlane.unique("moved").replace('.', '_')),
                "/api/admin/apps/" + missingApp() + "/storage")));
        ops.put("grantTenantEntitlement", new Op("grantTenantEntitlement", who -> new Call("PUT", "/api/admin/tenants/" + tenantA
                + "/entitlement", obj("max_tier", "enterprise"), "/api/admin/tenants/" + missingTenant() + "/entitlement")));
        ops.put("checkSchema", new Op("checkSchema", who -> new Call("GET", "/api/admin/schema", null, null)));
        ops.put("ensureSchema", new Op("ensureSchema", who -> new Call("PUT", "/api/admin/schema", null, null)));
        ops.put("getMigration", new Op("getMigration", who -> new Call("GET", "/api/admin/migrations/" + migration,
                null, "/api/admin/migrations/mig_" + "0".repeat(24))));
    }

    private static String freshApp() {
        return cp.createApp(owner, tenantA, "enterprise");
    }

    record Row(String operation, String rule, Map<Who, Integer> expected) {
    }

    static List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        String[] lines = MATRIX.strip().split("\n");
        List<String> header = cells(lines[0]);
        for (int i = 1; i < lines.length; i++) {
            List<String> cells = cells(lines[i]);
            Map<Who, Integer> expected = new EnumMap<>(Who.class);
            for (int column = 2; column < header.size(); column++) {
                expected.put(Who.valueOf(header.get(column).toUpperCase(Locale.ROOT)), Integer.parseInt(cells.get(column)));
            }
            rows.add(new Row(cells.get(0), cells.get(1), expected));
        }
        return rows;
    }

    private static List<String> cells(String line) {
        return Arrays.stream(line.split("\\|")).map(String::strip).toList();
    }

    static Stream<Arguments> matrix() {
        return rows().stream().flatMap(row -> Arrays.stream(Who.values())
                .map(who -> Arguments.of(row.operation(), who, row.expected().get(who), row.rule())));
    }

    @ParameterizedTest(name = "{0} as {1} -> {2}")
    @MethodSource("matrix")
    void callerGetsTheExpectedStatus(String operation, Who who, int expected, String rule) {
        String row = operation + " as " + who + " (rule: " + rule + ")";
        Op op = ops.get(operation);
        assertNotNull(op, row + ": no request defined for this operation");
        Call call = op.prepare().apply(who);
        User caller = who == Who.ANON ? null : users.get(who);
        Response response = cp.send(call.method(), call.path(), caller == null ? null : caller.token(),
                call.body() == null ? null : ControlPlane.json(call.body()));

        assertEquals(expected, response.status(), row + ": " + call.method() + " " + call.path() + " answered " + response.body());
        if (expected >= 400) {
            assertEquals("application/problem+json", response.contentType(), row + ": content type");
        }
        if (expected == 401) {
            assertEquals("unauthenticated", response.code(), row);
            // No credentials at all: a bare challenge, no error code (RFC 6750 §3.1).
            assertEquals("Bearer", response.header("WWW-Authenticate"), row + ": WWW-Authenticate");
        }
        if (expected == 403) {
            assertEquals("forbidden", response.code(), row);
        }
        if (expected == 404) {
            assertEquals("not_found", response.code(), row);
            if (call.missingPath() != null) {
                Response missing = cp.send(call.method(), call.missingPath(), caller.token(),
                        call.body() == null ? null : ControlPlane.json(call.body()));
                assertEquals(404, missing.status(), row + ": the never-existing id answered " + missing.body());
                assertEquals(missing.body(), response.body(), row + ": the 404 differs from the one for an id that never existed");
            }
        }
    }

    @Test
    void anEndUserClaimingPlatformAdminIsStillOnlyAnEndUser() {
        String sub = ControlPlane.unique("pretender");
        User pretender = new User(sub, sub + "@example.com", cp.mint(obj("sub", sub, "email", sub + "@example.com", "app_id", appA1,
                "roles", List.of("platform_admin"))));
        Map<String, Integer> answers = new LinkedHashMap<>();
        answers.put("GET tenant A", cp.get("/api/tenants/" + tenantA, pretender).status());
        answers.put("GET app A1", cp.get("/api/apps/" + appA1, pretender).status());
        answers.put("DELETE app A1", cp.delete("/api/apps/" + appA1, pretender).status());
        answers.put("POST tenant", cp.post("/api/tenants", pretender, obj("name", "pretend")).status());
        assertEquals(Map.of("GET tenant A", 404, "GET app A1", 404, "DELETE app A1", 404, "POST tenant", 404), answers,
                "the admin claim counts only in platform tokens");
        assertEquals("active", cp.app(appA1).getString("status"));
    }

    @Test
    void matrixCoversEveryControlPlaneHttpFunction() {
        Set<String> served = new TreeSet<>();
        for (Class<?> type : FunctionFactory.functionClasses()) {
            if (!List.of("ai.mozaiks.functions.tenancy", "ai.mozaiks.functions.migration", "ai.mozaiks.functions.schema")
                    .contains(type.getPackageName())) {
                continue;
            }
            for (Method method : type.getMethods()) {
                FunctionName name = method.getAnnotation(FunctionName.class);
                boolean http = Arrays.stream(method.getParameters()).map(Parameter::getAnnotations).flatMap(Arrays::stream)
                        .anyMatch(annotation -> annotation instanceof HttpTrigger);
                if (name != null && http) {
                    served.add(name.value());
                }
            }
        }
        Set<String> covered = rows().stream().map(row -> ops.get(row.operation()))
                .map(op -> op == null ? "?" : op.function()).collect(Collectors.toCollection(TreeSet::new));
        assertTrue(served.size() >= 21, "expected the tenancy HTTP functions, found " + served);
        assertEquals(served, covered, "every control-plane HTTP function needs a row in the matrix");
        assertEquals(rows().size(), ops.size(), "every operation of the matrix has its request, and no request lacks a row");
    }
}

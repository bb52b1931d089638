package ai.mozaiks.devhost.controlplane;

import static ai.mozaiks.devhost.controlplane.ControlPlane.expect;
import static ai.mozaiks.devhost.controlplane.ControlPlane.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.devhost.controlplane.ControlPlane.Response;
import ai.mozaiks.devhost.controlplane.ControlPlane.User;
import ai.mozaiks.devhost.webpubsub.TestSocket;
import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import java.time.Duration;
import java.util.List;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/**
 * Suspension and deletion over HTTP and Web PubSub, on the local host: who may lift a suspension, and what a suspended
 * or deleted app's open chat still gets (nothing: 409 naming the state, its connections closed, reconnects refused).
 */
class SuspensionIT {
    private static final ControlPlane cp = ControlPlane.get();
    private static final Duration STEP = Duration.ofSeconds(20);

    private static Response refused(int status, String code, Response response, String what) {
        expect(status, response, what);
        assertEquals("application/problem+json", response.contentType(), what);
        assertEquals(code, response.code(), what);
        return response;
    }

    private List<String> auditActions(String app) {
        return cp.find("audit", Filters.eq("target.id", app), Sorts.ascending("_id")).stream()
                .map(record -> record.getString("action")).toList();
    }

    @Test
    void aPlatformAdminsSuspensionIsLiftedByAPlatformAdminOnly() {
        User owner = cp.user("suspend-owner");
        User admin = cp.platformAdmin();
        String app = cp.createApp(owner, cp.createTenant(owner), "pro");

        JsonNode suspended = expect(200, cp.post("/api/apps/" + app + "/suspend", admin, obj("reason", "abuse report")), "suspend").json();
        assertEquals("suspended", suspended.path("status").asText());
        assertEquals("platform", suspended.path("suspension").path("by").asText());
        assertEquals(admin.sub(), suspended.path("suspension").path("subject").asText());
        assertEquals("abuse report", suspended.path("suspension").path("reason").asText());
        assertTrue(suspended.path("suspension").path("at").isTextual(), suspended.toString());

        Response forbidden = refused(403, "suspended_by_platform", cp.post("/api/apps/" + app + "/resume", owner, null), "owner resumes");
        assertTrue(forbidden.json().path("detail").asText().contains("platform administrator"), forbidden.body());
        assertEquals("suspended", cp.get("/api/apps/" + app, owner).json().path("status").asText(), "still suspended");
        // Suspending it again as the tenant changes nothing: the suspension stays the platform's.
        assertEquals("platform", expect(200, cp.post("/api/apps/" + app + "/suspend", owner, null), "owner suspends")
                .json().path("suspension").path("by").asText());

        JsonNode resumed = expect(200, cp.post("/api/apps/" + app + "/resume", admin, null), "admin resumes").json();
        assertEquals("active", resumed.path("status").asText());
        assertTrue(resumed.path("suspension").isMissingNode(), resumed.toString());
        assertEquals(List.of("app.create", "app.suspend", "app.resume_refused", "app.resume"), auditActions(app));
        Document refusal = cp.find("audit", Filters.and(Filters.eq("target.id", app), Filters.eq("action", "app.resume_refused")),
                Sorts.ascending("_id")).get(0);
        assertEquals(owner.sub(), refusal.get("actor", Document.class).getString("user_id"));
        assertEquals("platform", refusal.get("before", Document.class).getString("suspended_by"));
    }

    @Test
    void aTenantsSuspensionIsLiftedByTheTenantAndAPlatformAdminCanMakeItThePlatforms() {
        User owner = cp.user("suspend-owner");
        String app = cp.createApp(owner, cp.createTenant(owner), "pro");

        JsonNode suspended = expect(200, cp.post("/api/apps/" + app + "/suspend", owner, obj("reason", "maintenance")), "suspend").json();
        assertEquals("tenant", suspended.path("suspension").path("by").asText());
        assertEquals(owner.sub(), suspended.path("suspension").path("subject").asText());
        assertEquals("active", expect(200, cp.post("/api/apps/" + app + "/resume", owner, null), "owner resumes").json().path("status").asText());

        expect(200, cp.post("/api/apps/" + app + "/suspend", owner, null), "owner suspends again");
        User admin = cp.platformAdmin();
        assertEquals("platform", expect(200, cp.post("/api/apps/" + app + "/suspend", admin, obj("reason", "unpaid")), "admin suspends")
                .json().path("suspension").path("by").asText());
        refused(403, "suspended_by_platform", cp.post("/api/apps/" + app + "/resume", owner, null), "owner resumes the platform's");
        expect(200, cp.post("/api/apps/" + app + "/resume", admin, null), "admin resumes");
    }

    @Test
    void aSuspendedAppsOpenChatGetsNothingItsConnectionIsClosedAndItTakesNoNewSession() {
        User owner = cp.user("suspend-user");
        User admin = cp.platformAdmin();
        String app = cp.createApp(owner, cp.createTenant(owner), "pro");
        JsonNode grant = expect(201, cp.post("/api/sessions", owner, obj("app_id", app, "workflow_name", "assistant")), "start").json();
        String chat = grant.path("chat_id").asText();
        String token = grant.path("runtime_token").asText();
        ControlPlane.await("the chat to wait for the user", STEP, () ->
                "awaiting_input".equals(cp.get("/api/apps/" + app + "/chats/" + chat, owner).json().path("status").asText()));

        String otherApp = cp.createApp(owner, cp.createTenant(owner), "pro");
        JsonNode otherGrant = expect(201, cp.post("/api/sessions", owner, obj("app_id", otherApp, "workflow_name", "assistant")),
                "start in another app").json();
        String otherChat = otherGrant.path("chat_id").asText();
        ControlPlane.await("the other app's chat to wait for the user", STEP, () -> "awaiting_input".equals(
                cp.get("/api/apps/" + otherApp + "/chats/" + otherChat, owner).json().path("status").asText()));

        try (TestSocket socket = TestSocket.connect(grant.path("ws_url").asText(), TestSocket.JSON);
             TestSocket other = TestSocket.connect(otherGrant.path("ws_url").asText(), TestSocket.JSON)) {
            expect(200, cp.post("/api/apps/" + app + "/suspend", admin, null), "suspend");

            JsonNode disconnected = socket.next();
            assertEquals("disconnected", disconnected.path("event").asText(), disconnected.toString());
            assertEquals("app_suspended", disconnected.path("message").asText(), disconnected.toString());
            assertEquals(1000, socket.awaitClose());
            other.assertNothingWithin(Duration.ofMillis(500));
        }
        int refusedStatus = TestSocket.refusal(grant.path("ws_url").asText(), TestSocket.JSON);
        assertTrue(refusedStatus >= 400 && refusedStatus < 500, "a reconnect is refused: " + refusedStatus);

        refused(409, "app_suspended", cp.send("POST", "/api/chats/" + chat + "/messages", token,
                ControlPlane.json(obj("client_message_id", "m-1", "text", "Hello?"))), "message");
        refused(409, "app_suspended", cp.send("POST", "/api/chats/" + chat + "/ui-responses", token,
                ControlPlane.json(obj("tool_call_id", "call_1", "response", obj("selection", "a")))), "UI answer");
        refused(409, "app_suspended", cp.post("/api/sessions", owner, obj("app_id", app, "workflow_name", "assistant")), "new session");
        refused(409, "app_suspended", cp.get("/api/apps/" + app + "/chats/" + chat, owner), "the chat's view");

        expect(200, cp.post("/api/apps/" + app + "/resume", admin, null), "resume");
        assertEquals("awaiting_input", cp.get("/api/apps/" + app + "/chats/" + chat, owner).json().path("status").asText(),
                "the chat is where it was");
        expect(202, cp.send("POST", "/api/chats/" + chat + "/messages", token,
                ControlPlane.json(obj("client_message_id", "m-2", "text", "Back again?"))), "message once resumed");
    }

    @Test
    void aDeletedAppsOpenChatGetsNothingAndItsConnectionIsClosed() {
        User owner = cp.user("delete-user");
        String app = cp.createApp(owner, cp.createTenant(owner), "pro");
        JsonNode grant = expect(201, cp.post("/api/sessions", owner, obj("app_id", app, "workflow_name", "assistant")), "start").json();
        String chat = grant.path("chat_id").asText();
        String token = grant.path("runtime_token").asText();
        // The opening step streams at once (it starts where the session did): the socket then hears only the deletion.
        ControlPlane.await("the chat to wait for the user", STEP, () ->
                "awaiting_input".equals(cp.get("/api/apps/" + app + "/chats/" + chat, owner).json().path("status").asText()));

        try (TestSocket socket = TestSocket.connect(grant.path("ws_url").asText(), TestSocket.JSON)) {
            expect(200, cp.delete("/api/apps/" + app, owner), "delete");
            assertEquals("app_deleted", socket.next().path("message").asText());
            assertEquals(1000, socket.awaitClose());
        }
        refused(409, "app_deleted", cp.send("POST", "/api/chats/" + chat + "/messages", token,
                ControlPlane.json(obj("client_message_id", "m-1", "text", "Hello?"))), "message");
        refused(409, "app_deleted", cp.send("POST", "/api/chats/" + chat + "/ui-responses", token,
                ControlPlane.json(obj("tool_call_id", "call_1", "response", obj("selection", "a")))), "UI answer");
        refused(409, "app_deleted", cp.post("/api/sessions", owner, obj("app_id", app, "workflow_name", "assistant")), "new session");
    }
}

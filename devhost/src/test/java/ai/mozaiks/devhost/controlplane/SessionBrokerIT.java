package ai.mozaiks.devhost.controlplane;

import static ai.mozaiks.devhost.controlplane.ControlPlane.expect;
import static ai.mozaiks.devhost.controlplane.ControlPlane.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.devhost.controlplane.ControlPlane.Response;
import ai.mozaiks.devhost.controlplane.ControlPlane.User;
import ai.mozaiks.session.EventKind;
import ai.mozaiks.kernel.AppId;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The session broker over HTTP with real tokens: start, idempotent retry, resume, the entitlement's
 * refusals, and the chat's events read with the runtime token it hands out.
 */
class SessionBrokerIT {
    private static final ControlPlane cp = ControlPlane.get();
    private static User owner;
    private static String tenant;
    private static String proApp;

    @BeforeAll
    static void setUp() {
        owner = cp.user("broker-owner");
        tenant = cp.createTenant(owner);
        proApp = cp.createApp(owner, tenant, "pro");
        // The tests here start several chats of one user in this app, each running until its first step waits; the run
        // limits have tests of their own (the overrides' below, SessionBrokerStartsIT).
        reactor.core.publisher.Mono.from(cp.control().getCollection("apps").updateOne(new org.bson.Document("_id", proApp),
                new org.bson.Document("$set", new org.bson.Document("limits.concurrent_runs_per_user", 100))))
                .block(java.time.Duration.ofSeconds(10));
    }

    @Test
    void startHandsOutTheChatItsGroupUrlAndARuntimeToken() {
        // An app of its own: the shared app's other chats may still be taking their first steps, and the list is
        // newest first.
        String app = cp.createApp(owner, tenant, "pro");
        Response started = expect(201, start(owner, app, "assistant", null, null), "start");
        JsonNode grant = started.json();
        String chatId = grant.path("chat_id").asText();
        assertEquals("created", grant.path("status").asText());
        assertEquals("assistant", grant.path("workflow_name").asText());
        assertEquals("/api/apps/" + app + "/chats/" + chatId, started.header("Location"));
        URI ws = URI.create(grant.path("ws_url").asText());
        assertEquals("/client/hubs/chat", ws.getPath());
        assertTrue(ws.getQuery().startsWith("access_token="), ws.toString());
        assertTrue(grant.path("expires_at").asText().endsWith("Z"));

        // The first step runs from the queue: a user-driven workflow opens and waits for the user's message.
        ControlPlane.await("the chat to open and wait for input", Duration.ofSeconds(15), () ->
                "awaiting_input".equals(cp.get("/api/apps/" + app + "/chats/" + chatId, owner).json().path("status").asText()));
        assertEquals(chatId, cp.get("/api/apps/" + app + "/chats", owner).json().path("items").get(0).path("chat_id").asText());
    }

    @Test
    void theRuntimeTokenReadsThatChatsEventsAndNoOtherChat() {
        JsonNode first = start(owner, proApp, "assistant", null, null).json();
        JsonNode second = start(owner, proApp, "assistant", null, null).json();
        String chatId = first.path("chat_id").asText();
        String token = first.path("runtime_token").asText();
        ControlPlane.await("the opening step's two events", Duration.ofSeconds(15), () -> seqs(events(chatId, token, "")).size() == 2);
        assertEquals(List.of("chat.run_start", "chat.input_request"), types(events(chatId, token, "")));
        for (int i = 1; i <= 3; i++) {
            cp.platform.events().append(AppId.of(proApp), chatId, "test:" + i, EventKind.TEXT,
                    Map.of("agent", "assistant", "content", "message " + i)).block(Duration.ofSeconds(5));
        }

        Response all = expect(200, events(chatId, token, "?after_seq=0"), "events");
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), seqs(all));
        assertEquals("chat.text", all.json().path("items").get(2).path("type").asText());
        Response rest = expect(200, events(chatId, token, "?after_seq=4"), "events after 4");
        assertEquals(List.of(5L), seqs(rest));
        assertEquals(5, rest.json().path("next_after_seq").asLong());

        expect(404, events(second.path("chat_id").asText(), token, ""), "another chat with this chat's token");
        expect(401, events(chatId, owner.token(), ""), "the user's own token is not a runtime token");
        expect(400, events(chatId, token, "?after_seq=-1"), "negative after_seq");
    }

    @Test
    void aClientRequestIdMakesTheStartSafeToRetry() {
        Response first = expect(201, start(owner, proApp, "assistant", null, "tab-7"), "first start");
        Response again = expect(200, start(owner, proApp, "assistant", null, "tab-7"), "retried start");
        assertEquals(first.json().path("chat_id").asText(), again.json().path("chat_id").asText());
        assertEquals("resumed", again.json().path("status").asText());
        assertNotEquals(first.json().path("runtime_token").asText(), "", "a fresh token on every answer");
    }

    @Test
    void onlyTheOwnerResumesAChat() {
        String chatId = start(owner, proApp, "assistant", null, null).json().path("chat_id").asText();
        Response resumed = expect(200, start(owner, proApp, "assistant", chatId, null), "resume");
        assertEquals("resumed", resumed.json().path("status").asText());

        User colleague = cp.addMember(tenant, owner, "broker-colleague", "builder");
        expect(404, start(colleague, proApp, "assistant", chatId, null), "someone else's chat");
        expect(404, start(cp.user("broker-stranger"), proApp, "assistant", null, null), "not in the app's access policy");
        expect(404, start(owner, "app_" + "0".repeat(24), "assistant", null, null), "no such app");
    }

    @Test
    void theEntitlementsRefusalsReachTheCallerWithTheirReason() {
        String freeApp = cp.createApp(owner, cp.createTenant(owner), "free");
        assertEquals("tier", expect(403, start(owner, freeApp, "tool_demo", null, null), "pack outside the tier").code());
        assertEquals("unknown_workflow", expect(404, start(owner, proApp, "no_such_flow", null, null), "unknown").code());

        String suspended = cp.createApp(owner, tenant, "pro");
        expect(200, cp.post("/api/apps/" + suspended + "/suspend", owner, null), "suspend");
        assertEquals("app_suspended", expect(409, start(owner, suspended, "assistant", null, null), "suspended").code());

        Response invalid = expect(400, cp.post("/api/sessions", owner, obj("app_id", proApp)), "no workflow");
        assertEquals("workflow_name", invalid.json().path("errors").get(0).path("field").asText());
    }

    @Test
    void anAppThatUsedItsMonthlyTokenBudgetStartsNoMoreRuns() {
        String budgetTenant = cp.createTenant(owner);
        String app = cp.createApp(owner, budgetTenant, "pro");
        String sibling = cp.createApp(owner, budgetTenant, "pro");
        // What the engine's usage buckets would hold after a busy month: one token past the pro tier's 5,000,000, and
        // for the sibling one token short of it.
        spent(app, 5_000_001L);
        spent(sibling, 4_999_999L);

        expect(201, start(owner, sibling, "assistant", null, null), "within the budget");
        Response refused = start(owner, app, "assistant", null, null);
        assertEquals(429, refused.status(), refused.body());
        assertEquals("limit_reached", refused.json().path("code").asText());
        assertTrue(refused.json().path("detail").asText().contains("monthly token budget"), refused.body());
        assertTrue(refused.header("Retry-After") != null, "when to try again");
    }

    private void spent(String app, long tokens) {
        java.time.Instant now = java.time.Instant.now();
        reactor.core.publisher.Mono.from(cp.runtime().getCollection("usage_minutes").insertOne(new org.bson.Document("_id", app + ":" + now)
                .append("app_id", app).append("minute", java.util.Date.from(now)).append("total_tokens", tokens)))
                .block(java.time.Duration.ofSeconds(10));
    }

    @Test
    void operationsOverridesReplaceTheTiersLimitsForOneApp() {
        String app = cp.createApp(owner, cp.createTenant(owner), "pro");
        // Stopped by operations: no run at all, where the pro tier allows ten.
        reactor.core.publisher.Mono.from(cp.control().getCollection("apps").updateOne(new org.bson.Document("_id", app),
                new org.bson.Document("$set", new org.bson.Document("limits.concurrent_runs_per_app", 0))))
                .block(java.time.Duration.ofSeconds(10));

        Response refused = start(owner, app, "assistant", null, null);
        assertEquals(429, refused.status(), refused.body());
        assertEquals("run_limit_reached", refused.json().path("code").asText());
        assertTrue(refused.json().path("detail").asText().contains("the most this app allows at once (concurrent_runs_per_app)"),
                refused.body());
        assertEquals("10", refused.header("Retry-After"));
        assertEquals(0, cp.get("/api/apps/" + app + "/chats", owner).json().path("items").size(), "a refused start creates no chat");
    }

    @Test
    void aBurstOfStartsWithinTheLimitsIsAllAdmitted() {
        // A hundred of the app's own users at once (the enterprise tier allows the app 500 runs, 6000 starts a minute).
        String app = cp.createApp(owner, tenant, "enterprise");
        cp.trustEndUsers(owner, app);
        expect(200, cp.patch("/api/apps/" + app, owner, obj("access_policy", obj("mode", "app_users"))), "open to app users");
        List<User> users = java.util.stream.IntStream.range(0, 100).mapToObj(i -> cp.endUser(app, "burst")).toList();

        java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(users.size());
        try {
            List<java.util.concurrent.CompletableFuture<Integer>> answers = users.stream()
                    .map(user -> java.util.concurrent.CompletableFuture.supplyAsync(() -> start(user, app, "assistant", null, null).status(),
                            clients))
                    .toList();
            Map<Integer, Long> statuses = answers.stream().map(java.util.concurrent.CompletableFuture::join)
                    .collect(java.util.stream.Collectors.groupingBy(status -> status, java.util.TreeMap::new,
                            java.util.stream.Collectors.counting()));
            assertEquals(Map.of(201, 100L), statuses);
        } finally {
            clients.shutdown();
        }
    }

    @Test
    void endUsersOfTheAppsOwnIdpStartChatsWhenThePolicyAdmitsThem() {
        String app = cp.createApp(owner, tenant, "pro");
        cp.trustEndUsers(owner, app);
        User endUser = cp.endUser(app, "customer");
        expect(404, start(endUser, app, "assistant", null, null), "members-only app");

        expect(200, cp.patch("/api/apps/" + app, owner, obj("access_policy", obj("mode", "app_users"))), "open to app users");
        JsonNode grant = expect(201, start(endUser, app, "assistant", null, null), "end-user start").json();
        Response chat = expect(200, cp.get("/api/apps/" + app + "/chats/" + grant.path("chat_id").asText(), endUser), "own chat");
        assertEquals("enduser:" + endUser.sub(), chat.json().path("user_id").asText(), "end-users are their own namespace");
        expect(404, cp.get("/api/apps/" + app + "/chats/" + grant.path("chat_id").asText(), owner), "not the owner's chat");
    }

    private static Response start(User user, String appId, String workflow, String chatId, String clientRequestId) {
        return cp.post("/api/sessions", user, obj("app_id", appId, "workflow_name", workflow, "chat_id", chatId,
                "client_request_id", clientRequestId));
    }

    private static Response events(String chatId, String token, String query) {
        return cp.send("GET", "/api/chats/" + chatId + "/events" + query, token, null);
    }

    private static List<String> types(Response response) {
        List<String> types = new java.util.ArrayList<>();
        response.json().path("items").forEach(event -> types.add(event.path("type").asText()));
        return types;
    }

    private static List<Long> seqs(Response response) {
        List<Long> seqs = new java.util.ArrayList<>();
        response.json().path("items").forEach(event -> seqs.add(event.path("seq").asLong()));
        return seqs;
    }
}

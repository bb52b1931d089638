package ai.mozaiks.devhost.controlplane;

import static ai.mozaiks.devhost.controlplane.ControlPlane.expect;
import static ai.mozaiks.devhost.controlplane.ControlPlane.json;
import static ai.mozaiks.devhost.controlplane.ControlPlane.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.devhost.controlplane.ControlPlane.Response;
import ai.mozaiks.devhost.controlplane.ControlPlane.User;
import ai.mozaiks.http.InputLimits;
import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.model.Filters;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Flux;

/**
 * Input nested beyond {@link InputLimits#MAX_DEPTH} or larger than the limits, at every entry point of the running
 * host: control-plane bodies, a chat's message and UI answer, Web PubSub user events (signed as the service signs them)
 * and pack YAML. Each is answered 400 or 413 problem+json, never 5xx; nothing is written anywhere; and afterwards the
 * store serves another app's chat and the health check says ok.
 */
class NestedInputIT {
    private static final ControlPlane cp = ControlPlane.get();
    private static final Duration STEP = Duration.ofSeconds(30);
    private static final String UPSTREAM = "/api/realtime/upstream";
    private static final String SEVEN_MEGABYTES = "x".repeat(7 * 1024 * 1024);

    private static User owner;
    private static String tenant;
    private static String app;
    private static String chat;
    private static String chatToken;
    private static String chatState;

    @BeforeAll
    static void aWaitingChat() {
        owner = cp.user("nested-owner");
        tenant = cp.createTenant(owner);
        app = cp.createApp(owner, tenant, "pro");
        JsonNode grant = expect(201, cp.post("/api/sessions", owner, obj("app_id", app, "workflow_name", "assistant")), "start").json();
        chat = grant.path("chat_id").asText();
        chatToken = grant.path("runtime_token").asText();
        ControlPlane.await("the opening step", STEP, () -> cp.types(chat, chatToken).contains("chat.input_request"));
        Document session = Flux.from(cp.runtime().getCollection("chat_sessions").find(Filters.eq("chat_id", chat))).blockFirst(ControlPlane.TIMEOUT);
        String state = json(obj("app_id", app, "chat_id", chat, "user_id", session.getString("user_id")));
        chatState = Base64.getEncoder().encodeToString(state.getBytes(StandardCharsets.UTF_8));
    }

    @AfterAll
    static void theStoreStillServesEveryone() {
        // Another app's chat runs end to end: the store took none of the refused input.
        User other = cp.user("nested-other");
        String otherApp = cp.createApp(other, cp.createTenant(other), "pro");
        JsonNode grant = expect(201, cp.post("/api/sessions", other, obj("app_id", otherApp, "workflow_name", "assistant")),
                "start a chat on another app").json();
        String otherChat = grant.path("chat_id").asText();
        String token = grant.path("runtime_token").asText();
        ControlPlane.await("the other chat's opening step", STEP, () -> cp.types(otherChat, token).contains("chat.input_request"));
        expect(202, cp.send("POST", "/api/chats/" + otherChat + "/messages", token,
                json(obj("client_message_id", "m-1", "text", "Still there?"))), "a message on another app");
        ControlPlane.await("the other chat's answer", STEP, () -> cp.events(otherChat, token).stream().anyMatch(event ->
                event.path("type").asText().equals("chat.text") && !"user".equals(event.at("/data/agent").asText())));
        // And the refused chat itself still takes a message of the normal kind.
        expect(202, cp.send("POST", "/api/chats/" + chat + "/messages", chatToken,
                json(obj("client_message_id", "m-ok", "text", "A normal message."))), "a normal message on the refused chat");

        Response health = cp.send("GET", "/api/health", null, null);
        assertEquals(200, health.status(), health.body());
        assertEquals("ok", health.json().at("/checks/mongo/status").asText(), health.body());
    }

    /** {@code depth} levels of arrays. */
    private static String nested(int depth) {
        return "[".repeat(depth) + "]".repeat(depth);
    }

    /** An entry point and the body that reaches it; {@code upstream} events are signed as the service signs them. */
    private record Entry(String name, String method, String path, boolean runtime, String upstreamEvent) {
        Response send(String body) {
            String resolved = path.replace("{tenant}", tenant).replace("{app}", app).replace("{chat}", chat);
            if (upstreamEvent != null) {
                String connection = "conn-" + HexFormat.of().toHexDigits(System.nanoTime());
                return cp.send("POST", UPSTREAM, null, body, "ce-type", "azure.webpubsub.user." + upstreamEvent,
                        "ce-connectionId", connection, "ce-signature", "sha256=" + ControlPlane.hmac(ControlPlane.ACCESS_KEY, connection),
                        "ce-connectionState", chatState, "ce-userId", "nested-owner");
            }
            return cp.send(method, resolved, runtime ? chatToken : owner.token(), body);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static final List<Entry> ENTRIES = List.of(
            new Entry("POST /api/tenants", "POST", "/api/tenants", false, null),
            new Entry("POST /api/tenants/{tenant}/apps", "POST", "/api/tenants/{tenant}/apps", false, null),
            new Entry("PATCH /api/apps/{app}", "PATCH", "/api/apps/{app}", false, null),
            new Entry("POST /api/apps/{app}/packs", "POST", "/api/apps/{app}/packs", false, null),
            new Entry("POST /api/chats/{chat}/messages", "POST", "/api/chats/{chat}/messages", true, null),
            new Entry("POST /api/chats/{chat}/ui-responses", "POST", "/api/chats/{chat}/ui-responses", true, null),
            new Entry("Web PubSub user.input.submit", "POST", UPSTREAM, false, "user.input.submit"),
            new Entry("Web PubSub ui_tool_response", "POST", UPSTREAM, false, "ui_tool_response"),
            new Entry("Web PubSub client.resume", "POST", UPSTREAM, false, "client.resume"));

    /** The body of each entry with one value nested so that the whole body is {@code depth} levels deep. */
    private static String body(Entry entry, int depth) {
        String deep = nested(depth - 1);
        return switch (entry.name()) {
            case "POST /api/tenants", "POST /api/tenants/{tenant}/apps", "PATCH /api/apps/{app}" -> "{\"name\":" + deep + "}";
            case "POST /api/apps/{app}/packs" -> "{\"id\":\"deep\",\"version\":\"1.0.0\",\"files\":" + deep + "}";
            case "POST /api/chats/{chat}/ui-responses", "Web PubSub ui_tool_response" -> "{\"tool_call_id\":\"call_1\",\"response\":" + deep + "}";
            case "Web PubSub client.resume" -> "{\"last_seq\":" + deep + "}";
            default -> "{\"client_message_id\":\"m-deep\",\"text\":" + deep + "}";
        };
    }

    static Stream<Arguments> tooDeep() {
        List<Arguments> cases = new ArrayList<>();
        for (int depth : new int[] {InputLimits.MAX_DEPTH + 1, 400, 1_000, 10_000}) {
            for (Entry entry : ENTRIES) {
                cases.add(Arguments.of(entry, depth));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} nested {1} levels")
    @MethodSource("tooDeep")
    void nestedTooDeepIs400AndNothingIsWritten(Entry entry, int depth) {
        Map<String, Object> before = snapshot();

        Response response = entry.send(body(entry, depth));

        assertEquals(400, response.status(), entry + ": " + abbreviate(response.body()));
        assertEquals("application/problem+json", response.contentType(), entry.toString());
        assertEquals("too_deeply_nested", response.code(), response.body());
        assertTrue(response.json().path("detail").asText().contains("deeper than " + InputLimits.MAX_DEPTH), response.body());
        assertEquals(before, snapshot(), entry + ": something was written");
    }

    static Stream<Arguments> oversized() {
        List<Arguments> cases = new ArrayList<>();
        for (Entry entry : ENTRIES) {
            cases.add(Arguments.of(entry, "a 7 MB body", "{\"name\":\"" + SEVEN_MEGABYTES + "\"}"));
        }
        cases.add(Arguments.of(ENTRIES.get(5), "a UI answer over " + InputLimits.MAX_UI_RESPONSE_CHARS + " characters", largeAnswer()));
        return cases.stream();
    }

    private static String largeAnswer() {
        return "{\"tool_call_id\":\"call_1\",\"response\":{\"text\":\"" + "x".repeat(InputLimits.MAX_UI_RESPONSE_CHARS) + "\"}}";
    }

    @ParameterizedTest(name = "{0} with {1}")
    @MethodSource("oversized")
    void oversizeIs413AndNothingIsWritten(Entry entry, String what, String body) {
        Map<String, Object> before = snapshot();

        Response response = entry.send(body);

        assertEquals(413, response.status(), entry + " with " + what + ": " + abbreviate(response.body()));
        assertEquals("application/problem+json", response.contentType(), entry.toString());
        assertEquals("payload_too_large", response.code(), response.body());
        assertEquals(before, snapshot(), entry + ": something was written");
    }

    @Test
    void aRealtimeUiAnswerOverTheSizeLimitIsAnInputError413AndNothingIsWritten() {
        Map<String, Object> before = snapshot();

        Response response = ENTRIES.get(7).send(largeAnswer());

        // A Web PubSub event that parsed is handled: the refusal is the client's reply, as for every refused input.
        assertEquals(200, response.status(), abbreviate(response.body()));
        JsonNode reply = response.json().get(0);
        assertEquals("chat.input_error", reply.path("type").asText(), response.body());
        assertEquals(413, reply.at("/data/status").asInt(), response.body());
        assertEquals("payload_too_large", reply.at("/data/code").asText(), response.body());
        assertEquals(before, snapshot(), "something was written");
    }

    static Stream<Arguments> deepYaml() {
        return Stream.of(InputLimits.MAX_DEPTH + 1, 400, 1_000, 10_000).map(Arguments::of);
    }

    @ParameterizedTest(name = "pack YAML nested {0} levels")
    @MethodSource("deepYaml")
    void packYamlNestedTooDeepIsAValidationProblemAndNothingIsStored(int depth) {
        Map<String, String> files = ControlPlane.workflowFiles("assistant", "deep_wf");
        files.put("deep_wf/ui_config.yaml", "ui: " + nested(depth - 1) + "\n");
        Map<String, Object> before = snapshot();

        Response response = cp.post("/api/apps/" + app + "/packs", owner, obj("id", "deep", "version", "1.0.0", "files", files));

        assertEquals(400, response.status(), abbreviate(response.body()));
        assertEquals("application/problem+json", response.contentType());
        assertEquals("validation_failed", response.code(), response.body());
        String message = response.errorMessage("files.deep_wf/ui_config.yaml");
        assertTrue(message != null && message.contains("nested deeper than " + InputLimits.MAX_DEPTH + " levels"), response.body());
        assertEquals(before, snapshot(), "something was written");
    }

    /** Everything a refused input could have touched: control and runtime collections, the chat, the app's blobs. */
    private static Map<String, Object> snapshot() {
        Map<String, Object> state = new LinkedHashMap<>(cp.controlCounts());
        state.put("idempotency_keys", cp.count("idempotency_keys", null));
        for (String collection : Flux.from(cp.runtime().listCollectionNames()).collectList().block(ControlPlane.TIMEOUT)) {
            state.put("runtime " + collection, cp.count(cp.runtime(), collection, null));
        }
        state.put("app document", cp.app(app));
        state.put("chat document", Flux.from(cp.runtime().getCollection("chat_sessions").find(Filters.eq("chat_id", chat)))
                .blockFirst(ControlPlane.TIMEOUT));
        state.put("app blobs", cp.blobNames(cp.packsContainer(), app + "/"));
        return state;
    }


    private static String abbreviate(String text) {
        return text == null || text.length() < 600 ? text : text.substring(0, 600) + "...";
    }
}

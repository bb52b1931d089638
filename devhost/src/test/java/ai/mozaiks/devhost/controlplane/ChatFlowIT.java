package ai.mozaiks.devhost.controlplane;

import static ai.mozaiks.devhost.controlplane.ControlPlane.expect;
import static ai.mozaiks.devhost.controlplane.ControlPlane.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.devhost.controlplane.ControlPlane.Response;
import ai.mozaiks.devhost.controlplane.ControlPlane.User;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A chat end to end on the local host, with the offline model and the real queue: token, tenant,
 * app, session, the opening step, a message, the agent's turn, a retried message, a cancel — all
 * read back from the durable event log with the runtime token.
 */
class ChatFlowIT {
    private static final ControlPlane cp = ControlPlane.get();
    private static final Duration STEP = Duration.ofSeconds(20);

    @Test
    void aUserDrivenChatTakesAMessageAnswersAndIsCancelled() {
        User alice = cp.user("flow-alice");
        String app = cp.createApp(alice, cp.createTenant(alice), "pro");
        JsonNode grant = expect(201, cp.post("/api/sessions", alice, obj("app_id", app, "workflow_name", "assistant")), "start").json();
        String chat = grant.path("chat_id").asText();
        String token = grant.path("runtime_token").asText();

        ControlPlane.await("the opening step", STEP, () -> cp.types(chat, token).contains("chat.input_request"));

        Response accepted = expect(202, cp.send("POST", "/api/chats/" + chat + "/messages", token,
                ControlPlane.json(obj("client_message_id", "m-1", "text", "What can you do?"))), "message");
        assertEquals(chat, accepted.json().path("chat_id").asText());
        long userSeq = accepted.json().path("seq").asLong();

        ControlPlane.await("the assistant's answer", STEP, () -> answers(chat, token).size() == 1);
        JsonNode answer = answers(chat, token).get(0);
        assertEquals("Assistant", answer.path("data").path("agent").asText());
        assertTrue(answer.path("seq").asLong() > userSeq, "the answer follows the message");
        assertTrue(answer.path("data").path("content").asText().contains("What can you do?"), "the offline model echoes: " + answer);
        ControlPlane.await("the chat to wait for the user again", STEP, () ->
                "awaiting_input".equals(cp.get("/api/apps/" + app + "/chats/" + chat, alice).json().path("status").asText()));

        int before = cp.events(chat, token).size();
        Response retried = expect(202, cp.send("POST", "/api/chats/" + chat + "/messages", token,
                ControlPlane.json(obj("client_message_id", "m-1", "text", "What can you do?"))), "retried message");
        assertEquals(userSeq, retried.json().path("seq").asLong(), "a retry answers the same event");
        assertEquals(before, cp.events(chat, token).size(), "and appends nothing");

        Response cancelled = expect(200, cp.send("POST", "/api/chats/" + chat + "/cancel", token, null), "cancel");
        assertEquals("cancelled", cancelled.json().path("status").asText());
        List<JsonNode> all = cp.events(chat, token);
        JsonNode last = all.get(all.size() - 1);
        assertEquals("chat.run_complete", last.path("type").asText());
        assertEquals(409, cp.send("POST", "/api/chats/" + chat + "/messages", token,
                ControlPlane.json(obj("client_message_id", "m-2", "text", "still there?"))).status(), "a finished chat takes no input");
        List<Long> seqs = all.stream().map(event -> event.path("seq").asLong()).toList();
        for (int i = 0; i < seqs.size(); i++) {
            assertEquals(i + 1, seqs.get(i), "events are numbered 1..n without a gap: " + seqs);
        }
    }

    @Test
    void anAgentDrivenWorkflowRunsItsAgentsInOrderThroughRunComplete() {
        User bea = cp.user("flow-bea");
        String app = cp.createApp(bea, cp.createTenant(bea), "pro");
        JsonNode grant = expect(201, cp.post("/api/sessions", bea,
                obj("app_id", app, "workflow_name", "interview_research_summary")), "start").json();
        String chat = grant.path("chat_id").asText();
        String token = grant.path("runtime_token").asText();

        ControlPlane.await("the interviewer's question", STEP, () -> cp.types(chat, token).contains("chat.input_request"));
        long asked = cp.events(chat, token).stream().mapToLong(event -> event.path("seq").asLong()).max().orElseThrow();
        expect(202, cp.send("POST", "/api/chats/" + chat + "/messages", token,
                ControlPlane.json(obj("client_message_id", "topic-1", "text", "How do tides work? A short overview."))), "message");

        ControlPlane.await("the run to complete", STEP, () -> cp.types(chat, token).contains("chat.run_complete"));
        assertEquals("completed", cp.get("/api/apps/" + app + "/chats/" + chat, bea).json().path("status").asText());

        // Read the rest as a reconnecting client would: everything after the last seq it had, in pages of 3.
        List<JsonNode> after = new ArrayList<>();
        long cursor = asked;
        for (int page = 0; page < 50; page++) {
            JsonNode body = expect(200, cp.send("GET", "/api/chats/" + chat + "/events?after_seq=" + cursor + "&limit=3", token, null),
                    "events page").json();
            body.path("items").forEach(after::add);
            cursor = body.path("next_after_seq").asLong();
            if (!body.path("more").asBoolean()) {
                break;
            }
        }
        List<String> speakers = after.stream().filter(event -> event.path("type").asText().equals("chat.select_speaker"))
                .map(event -> event.path("data").path("agent").asText()).toList();
        assertEquals(List.of("Interviewer", "Researcher", "Summarizer"), speakers);
        JsonNode sentinel = after.stream().filter(event -> "READY_FOR_RESEARCH".equals(event.path("data").path("content").asText()))
                .findFirst().orElseThrow();
        assertTrue(sentinel.path("data").path("hidden").asBoolean(), "the sentinel is hidden from the user: " + sentinel);
        JsonNode brief = after.stream().filter(event -> "Summarizer".equals(event.path("data").path("agent").asText())
                && event.path("type").asText().equals("chat.text")).findFirst().orElseThrow();
        assertEquals("ResearchBrief", brief.path("data").path("structured_schema").asText());
        assertEquals("medium", brief.path("data").path("structured_output").path("confidence").asText());
        JsonNode last = after.get(after.size() - 1);
        assertEquals("chat.run_complete", last.path("type").asText());
        assertEquals("completed", last.path("data").path("status").asText());
        for (int i = 0; i < after.size(); i++) {
            assertEquals(asked + 1 + i, after.get(i).path("seq").asLong(), "every seq once, in order");
        }
    }

    @Test
    void aJourneysSecondStepWaitsForTheFirstThenStartsOnItsOwn() {
        User dan = cp.user("flow-dan");
        String app = cp.createApp(dan, cp.createTenant(dan), "pro");

        JsonNode listed = null;
        for (JsonNode item : expect(200, cp.get("/api/apps/" + app + "/workflows", dan), "workflows").json().path("items")) {
            if (item.path("name").asText().equals("onboarding_plan")) {
                listed = item;
            }
        }
        assertEquals("[\"onboarding_intake\"]", String.valueOf(listed == null ? null : listed.path("requires")), "the listing says what comes first");

        Response refused = expect(409, cp.post("/api/sessions", dan, obj("app_id", app, "workflow_name", "onboarding_plan")), "too early");
        assertEquals("prerequisites_missing", refused.json().path("code").asText());
        assertTrue(refused.json().path("detail").asText().contains("onboarding_intake"), refused.body());

        JsonNode intake = expect(201, cp.post("/api/sessions", dan, obj("app_id", app, "workflow_name", "onboarding_intake")), "step 1").json();
        String first = intake.path("chat_id").asText();
        String firstToken = intake.path("runtime_token").asText();
        ControlPlane.await("the journey to go on", STEP, () -> cp.types(first, firstToken).contains("chat.context_switched"));
        List<JsonNode> firstEvents = cp.events(first, firstToken);
        JsonNode switched = firstEvents.get(firstEvents.size() - 1);
        assertEquals("chat.context_switched", switched.path("type").asText(), "the switch follows the run's end");
        assertEquals("onboarding_plan", switched.path("data").path("workflow_name").asText());
        assertEquals("onboarding", switched.path("data").path("journey_key").asText());
        assertTrue(cp.types(first, firstToken).contains("chat.run_complete"));

        String second = switched.path("data").path("to_chat_id").asText();
        JsonNode resumed = expect(200, cp.post("/api/sessions", dan, obj("app_id", app, "workflow_name", "onboarding_plan", "chat_id", second)),
                "the next step's chat is the user's").json();
        String secondToken = resumed.path("runtime_token").asText();
        ControlPlane.await("step 2 to run on its own", STEP, () -> cp.types(second, secondToken).contains("chat.run_complete"));
        assertEquals("Planner", answers(second, secondToken).get(0).path("data").path("agent").asText());
        assertEquals("completed", cp.get("/api/apps/" + app + "/chats/" + second, dan).json().path("status").asText());

        expect(201, cp.post("/api/sessions", dan, obj("app_id", app, "workflow_name", "onboarding_plan")), "now its prerequisite is met");
    }

    @Test
    void aFanOutRunsItsChildWorkflowsOnTheBackgroundQueueAndResumesWithTheirResults() {
        User eve = cp.user("flow-eve");
        String app = cp.createApp(eve, cp.createTenant(eve), "pro");
        JsonNode grant = expect(201, cp.post("/api/sessions", eve, obj("app_id", app, "workflow_name", "product_research")), "start").json();
        String chat = grant.path("chat_id").asText();
        String token = grant.path("runtime_token").asText();
        ControlPlane.await("the first question", STEP, () -> cp.types(chat, token).contains("chat.input_request"));
        expect(202, cp.send("POST", "/api/chats/" + chat + "/messages", token,
                ControlPlane.json(obj("client_message_id", "idea-1", "text", "A smart water bottle."))), "message");

        ControlPlane.await("the merged answer", Duration.ofSeconds(60), () -> cp.types(chat, token).contains("chat.run_complete"));
        List<String> fanOut = cp.types(chat, token).stream()
                .filter(type -> type.startsWith("chat.workflow_") || type.equals("chat.run_complete")).toList();
        assertEquals(List.of("chat.workflow_batch_started", "chat.workflow_child_completed", "chat.workflow_child_completed",
                "chat.workflow_child_completed", "chat.workflow_resumed", "chat.run_complete"), fanOut);
        JsonNode batch = cp.events(chat, token).stream().filter(event -> event.path("type").asText().equals("chat.workflow_batch_started"))
                .findFirst().orElseThrow();
        List<String> children = new ArrayList<>();
        batch.path("data").path("workflows").forEach(child -> children.add(child.path("chat_id").asText()));
        assertEquals(3, children.size());
        for (String child : children) {
            JsonNode view = expect(200, cp.get("/api/apps/" + app + "/chats/" + child, eve), "child chat").json();
            assertEquals("completed", view.path("status").asText());
            assertEquals(chat, view.path("parent_chat_id").asText());
        }
        JsonNode merged = answers(chat, token).get(answers(chat, token).size() - 1);
        assertEquals("Synthesizer", merged.path("data").path("agent").asText());
        assertEquals("completed", cp.get("/api/apps/" + app + "/chats/" + chat, eve).json().path("status").asText());
    }


    private static List<JsonNode> answers(String chat, String token) {
        return cp.events(chat, token).stream()
                .filter(event -> event.path("type").asText().equals("chat.text") && !"user".equals(event.path("data").path("agent").asText()))
                .toList();
    }
}

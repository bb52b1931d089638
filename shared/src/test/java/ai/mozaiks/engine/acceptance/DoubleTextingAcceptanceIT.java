package ai.mozaiks.engine.acceptance;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.engine.ChatInputs;
import ai.mozaiks.engine.StepMessage;
import ai.mozaiks.engine.StepOutcome;
import ai.mozaiks.session.ChatEvent;
import ai.mozaiks.session.ChatStatus;
import ai.mozaiks.workflows.Manifests;
import ai.mozaiks.workflows.Workflow;
import com.fasterxml.jackson.databind.JsonNode;
import org.bson.Document;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static ai.mozaiks.engine.acceptance.EngineHarness.APP;
import static ai.mozaiks.engine.acceptance.EngineHarness.Provider.OPENAI_COMPATIBLE;
import static ai.mozaiks.engine.acceptance.EngineHarness.USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** double_texting: what a message sent while a turn runs does (enqueue, the default; reject; interrupt). */
class DoubleTextingAcceptanceIT extends EngineAcceptance {
    private static final String DURING_TURN = "Also mention the moon.";

    /** Writer → Reviewer → user, with the given policy. */
    private static Workflow writerThenReviewer(String name, String policy) {
        return Manifests.threeAgents(name, "max_turns: 10\nhuman_in_the_loop: true\ninitial_message: Write about tides.\n"
                        + (policy == null ? "" : "double_texting: " + policy + "\n"),
                "handoffs.yaml", """
                        handoff_rules:
                        - {source_agent: Writer, target_agent: Reviewer, handoff_type: after_work}
                        - {source_agent: Reviewer, target_agent: user, handoff_type: after_work}
                        """);
    }

    private CompletableFuture<ChatInputs.InputResult> sendDuringNextReply(String chatId, String id, String text) {
        return harness.whileNextReplyStreams(() -> harness.inputs().submitMessage(APP, USER, chatId, id, text));
    }

    private static JsonNode lastMessage(JsonNode request) {
        JsonNode messages = request.get("messages");
        return messages.get(messages.size() - 1);
    }

    private static boolean mentions(JsonNode request, String text) {
        return request.get("messages").findValuesAsText("content").contains(text);
    }

    @Test
    void withEnqueueAMessageSentDuringATurnWaitsUntilTheChatWouldTurnToTheUser() throws Exception {
        harness = EngineHarness.start(OPENAI_COMPATIBLE, writerThenReviewer("enqueue_default", null));
        harness.replies("Draft.").replies("Review: fine.").replies("Reviewed again, with the moon.");
        String chatId = harness.startChat("enqueue_default");
        CompletableFuture<ChatInputs.InputResult> sent = sendDuringNextReply(chatId, "m-1", DURING_TURN);

        assertEquals(List.of(new StepOutcome.Next(1), new StepOutcome.Next(2), new StepOutcome.AwaitingInput("handoff")),
                harness.deliverAll());

        assertEquals(new ChatInputs.InputResult(chatId, true, 1, ChatStatus.RUNNING), sent.get(10, TimeUnit.SECONDS),
                "accepted and logged at once, in order of receipt");
        assertEquals(List.of("chat.text", "chat.run_start", "chat.text", "chat.select_speaker", "chat.text", "chat.usage_delta",
                "chat.select_speaker", "chat.text", "chat.usage_delta", "chat.input_ack",
                "chat.select_speaker", "chat.text", "chat.usage_delta", "chat.input_request"), harness.types(chatId));
        assertEquals(List.of("Writer", "Reviewer", "Reviewer"), harness.speakers(chatId),
                "the planned Reviewer turn ran; the message answered its hand-off to the user");
        assertEquals(1, harness.events(chatId, "chat.input_request").size(), "no wait while a message was pending");
        List<JsonNode> requests = harness.requests();
        assertEquals(3, requests.size());
        assertTrue(!mentions(requests.get(1), DURING_TURN), "the pending message did not enter the Reviewer's first turn");
        assertEquals(DURING_TURN, lastMessage(requests.get(2)).get("content").asText());
        assertEquals(List.of(), harness.chat(chatId).getList("pending_inputs", Document.class));
    }

    @Test
    void withEnqueueAMessageSentAsTheTurnEndsWaitingIsDrainedIntoTheNextStep() throws Exception {
        harness = EngineHarness.start(OPENAI_COMPATIBLE);
        String chatId = harness.startChat("assistant");
        harness.deliverAll();
        harness.replies("A tide is the rise and fall of the sea.").replies("A neap tide is the weakest tide.");
        harness.say(chatId, "m-1", "What is a tide?");
        CompletableFuture<ChatInputs.InputResult> sent = sendDuringNextReply(chatId, "m-2", "And a neap tide?");

        assertEquals(List.of(new StepOutcome.AwaitingInput("handoff"), new StepOutcome.AwaitingInput("handoff")),
                harness.deliverAll(), "the step that ended waiting had the pending message drained and the next step queued");

        assertEquals(ChatStatus.RUNNING, sent.get(10, TimeUnit.SECONDS).status());
        List<ChatEvent> events = harness.events(chatId);
        assertEquals(List.of("chat.text", "chat.input_ack", "chat.text", "chat.select_speaker", "chat.text", "chat.usage_delta",
                "chat.input_request", "chat.input_ack", "chat.select_speaker", "chat.text", "chat.usage_delta", "chat.input_request"),
                typesAfter(events, 2));
        List<JsonNode> requests = harness.requests();
        assertEquals(2, requests.size());
        assertEquals("And a neap tide?", lastMessage(requests.get(1)).get("content").asText());
        assertEquals("awaiting_input", harness.status(chatId));
    }

    @Test
    void withRejectAMessageSentDuringATurnIsRefusedAndLeavesNoTrace() throws Exception {
        harness = EngineHarness.start(OPENAI_COMPATIBLE, writerThenReviewer("reject_policy", "reject"));
        harness.replies("Draft.").replies("Review: fine.");
        String chatId = harness.startChat("reject_policy");
        CompletableFuture<ChatInputs.InputResult> sent = sendDuringNextReply(chatId, "m-1", DURING_TURN);

        assertEquals(List.of(new StepOutcome.Next(1), new StepOutcome.AwaitingInput("handoff")), harness.deliverAll());

        ExecutionException failed = assertThrows(ExecutionException.class, () -> sent.get(10, TimeUnit.SECONDS));
        ApiException refused = assertInstanceOf(ApiException.class, failed.getCause());
        assertEquals(409, refused.problem().status());
        assertEquals("turn_in_progress", refused.problem().code());
        assertTrue(harness.events(chatId, "chat.text").stream().noneMatch(e -> DURING_TURN.equals(e.data().get("content"))));
        assertEquals(List.of("Writer", "Reviewer"), harness.speakers(chatId));
        assertTrue(harness.requests().stream().noneMatch(request -> mentions(request, DURING_TURN)));

        ChatInputs.InputResult later = harness.say(chatId, "m-1", DURING_TURN);
        assertEquals(ChatStatus.RUNNING, later.status(), "once the chat waits, the same message is taken");
        assertEquals(List.of(new StepMessage(APP, chatId, 2)), harness.queued());
    }

    @Test
    void withRejectTheFirstMessageOfAUserDrivenChatIsTakenEvenBeforeItsFirstStepRan() {
        Workflow flow = Manifests.threeAgents("reject_user_driven",
                "max_turns: 10\nhuman_in_the_loop: true\nstartup_mode: UserDriven\ndouble_texting: reject\n",
                "handoffs.yaml", """
                        handoff_rules:
                        - {source_agent: Writer, target_agent: user, handoff_type: after_work}
                        """);
        harness = EngineHarness.start(OPENAI_COMPATIBLE, flow);
        harness.replies("Happy to write about tides.");
        // The broker created the chat running and queued its first step; the user types before that step ran.
        String chatId = harness.startChat("reject_user_driven");

        ChatInputs.InputResult first = harness.say(chatId, "m-1", "Write about tides.");

        assertTrue(first.accepted());
        assertEquals(List.of(new StepOutcome.Next(1), new StepOutcome.AwaitingInput("handoff")), harness.deliverAll());
        assertEquals("Write about tides.", lastMessage(harness.requests().get(0)).get("content").asText());
    }

    @Test
    void aMessageWaitingForATurnWhenTheChatEndsIsAnsweredAsNotTaken() throws Exception {
        Workflow flow = Manifests.threeAgents("ends_with_pending", "max_turns: 10\nhuman_in_the_loop: true\n"
                        + "initial_message: Write about tides.\n",
                "handoffs.yaml", """
                        handoff_rules:
                        - {source_agent: Writer, target_agent: terminate, handoff_type: after_work}
                        """);
        harness = EngineHarness.start(OPENAI_COMPATIBLE, flow);
        harness.replies("Draft, and that is all.");
        String chatId = harness.startChat("ends_with_pending");
        CompletableFuture<ChatInputs.InputResult> sent = sendDuringNextReply(chatId, "m-late", DURING_TURN);

        assertEquals(List.of(new StepOutcome.Completed("terminate")), harness.deliverAll());

        long seq = sent.get(10, TimeUnit.SECONDS).seq();
        ChatEvent ack = harness.events(chatId, "chat.input_ack").get(0);
        assertEquals("m-late", ack.data().get("client_message_id"));
        assertEquals(seq, ((Number) ack.data().get("seq")).longValue());
        assertEquals(false, ack.data().get("taken"));
        assertEquals("chat_completed", ack.data().get("reason"));
        assertEquals(null, harness.chat(chatId).getList("pending_inputs", Document.class), "nothing waits any more");
        List<String> types = harness.types(chatId);
        assertEquals(List.of("chat.run_complete", "chat.input_ack"), types.subList(types.size() - 2, types.size()),
                "answered right after the end that left it untaken");
    }

    @Test
    void withInterruptTheNextStepTakesTheMessageInsteadOfThePlannedTurn() throws Exception {
        harness = EngineHarness.start(OPENAI_COMPATIBLE, writerThenReviewer("interrupt_policy", "interrupt"));
        harness.replies("Draft.").replies("Draft, now with the moon.").replies("Review: fine.");
        String chatId = harness.startChat("interrupt_policy");
        CompletableFuture<ChatInputs.InputResult> sent = sendDuringNextReply(chatId, "m-1", DURING_TURN);

        assertEquals(new StepOutcome.Next(1), harness.deliverNext());
        assertEquals(ChatStatus.RUNNING, sent.get(10, TimeUnit.SECONDS).status());
        assertEquals(true, harness.chat(chatId).getBoolean("interrupt_requested"));
        int before = harness.events(chatId).size();

        assertEquals(new StepOutcome.Next(2), harness.deliverNext());
        assertEquals(List.of("chat.input_ack"), typesAfter(harness.events(chatId), before), "the Reviewer's planned turn did not run");
        assertEquals(null, harness.chat(chatId).get("interrupt_requested"));

        assertEquals(List.of(new StepOutcome.Next(3), new StepOutcome.AwaitingInput("handoff")), harness.deliverAll());
        assertEquals(List.of("Writer", "Writer", "Reviewer"), harness.speakers(chatId), "after the user: the agent before them");
        List<JsonNode> requests = harness.requests();
        assertEquals(3, requests.size());
        assertEquals(Manifests.WRITER_PROMPT, requests.get(1).at("/messages/0/content").asText());
        assertEquals(DURING_TURN, lastMessage(requests.get(1)).get("content").asText());
        assertEquals("awaiting_input", harness.status(chatId));
    }

    @Test
    void aMessageSentWhileAUiToolWaitsIsKeptUntilTheToolIsAnswered() {
        harness = EngineHarness.start(OPENAI_COMPATIBLE);
        String chatId = harness.startChat("tool_demo");
        harness.deliverAll();
        harness.callsTool("call_ui_1", "choose_option", "{\"question\":\"Which colour?\",\"options\":[\"red\",\"blue\"]}");
        harness.say(chatId, "m-1", "Help me pick a colour.");
        assertEquals(List.of(new StepOutcome.AwaitingInput("ui_tool")), harness.deliverAll());

        ChatInputs.InputResult kept = harness.say(chatId, "m-2", "Actually, pick for me.");

        assertEquals(ChatStatus.AWAITING_INPUT, kept.status(), "still waiting for the UI tool");
        assertTrue(harness.queued().isEmpty());
        assertEquals(1, harness.chat(chatId).getList("pending_inputs", Document.class).size());

        harness.replies("Blue it is.").replies("I picked blue for you.");
        harness.answerUiTool(chatId, "call_ui_1", EngineHarness.json("{\"selection\":\"blue\"}"));
        assertEquals(List.of(new StepOutcome.Next(3), new StepOutcome.AwaitingInput("handoff")), harness.deliverAll());

        List<JsonNode> requests = harness.requests();
        assertEquals(3, requests.size());
        assertEquals("tool", lastMessage(requests.get(1)).get("role").asText(), "the UI answer first");
        assertEquals("Actually, pick for me.", lastMessage(requests.get(2)).get("content").asText(), "then the kept message");
        assertEquals("awaiting_input", harness.status(chatId));
    }
}

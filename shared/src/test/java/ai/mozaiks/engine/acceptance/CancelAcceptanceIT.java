package ai.mozaiks.engine.acceptance;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.engine.ChatInputs;
import ai.mozaiks.engine.StepOutcome;
import ai.mozaiks.session.ChatEvent;
import ai.mozaiks.session.ChatStatus;
import ai.mozaiks.workflows.Manifests;
import ai.mozaiks.workflows.Workflow;
import org.bson.Document;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static ai.mozaiks.engine.acceptance.EngineHarness.Provider.OPENAI_COMPATIBLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Cancel: at once for a waiting chat, at the next step boundary for a running one, and visibly. */
class CancelAcceptanceIT extends EngineAcceptance {

    private static void assertEndedCancelled(List<ChatEvent> events, String reason) {
        ChatEvent last = events.get(events.size() - 1);
        assertEquals("chat.run_complete", last.type());
        assertEquals("cancelled", last.data().get("status"));
        assertEquals(reason, last.data().get("reason"));
        assertEquals(1, events.stream().filter(e -> e.type().equals("chat.run_complete")).count());
    }

    @Test
    void cancellingAChatThatWaitsForTheUserEndsItAtOnceAndItTakesNoMoreInput() {
        harness = EngineHarness.start(OPENAI_COMPATIBLE);
        String chatId = harness.startChat("assistant");
        harness.deliverAll();

        assertEquals(new ChatInputs.CancelResult(chatId, ChatStatus.CANCELLED, false), harness.cancel(chatId));

        assertEquals("cancelled", harness.status(chatId));
        assertEquals(List.of("chat.run_start", "chat.input_request", "chat.run_complete"), harness.types(chatId));
        assertEndedCancelled(harness.events(chatId), "user_cancelled");
        assertTrue(harness.queued().isEmpty());
        ApiException late = assertThrows(ApiException.class, () -> harness.say(chatId, "m-1", "Hello?"));
        assertEquals(409, late.problem().status());
        assertEquals("chat_cancelled", late.problem().code());
        assertEquals(new ChatInputs.CancelResult(chatId, ChatStatus.CANCELLED, false), harness.cancel(chatId), "idempotent");
        assertEquals(3, harness.events(chatId).size());
        assertEquals(0, harness.requests().size());
    }

    @Test
    void cancellingAChatWhoseStepIsQueuedEndsItAtThatStepWithoutCallingTheModel() {
        harness = EngineHarness.start(OPENAI_COMPATIBLE);
        String chatId = harness.startChat(InterviewExample.WORKFLOW);

        assertEquals(new ChatInputs.CancelResult(chatId, ChatStatus.RUNNING, true), harness.cancel(chatId));
        assertEquals("running", harness.status(chatId), "a queued step is ended by the executor, not here");

        assertEquals(List.of(new StepOutcome.Cancelled("cancel_requested")), harness.deliverAll());
        assertEquals("cancelled", harness.status(chatId));
        assertEquals(List.of("chat.run_complete"), harness.types(chatId));
        assertEndedCancelled(harness.events(chatId), "cancel_requested");
        assertEquals(0, harness.requests().size(), "no agent turn ran");
        assertNull(harness.chat(chatId).get("cancel_requested"));
    }

    @Test
    void cancellingWhileTheModelStreamsEndsTheTurnCancelledAndNoFurtherStepRuns() throws Exception {
        Workflow flow = Manifests.threeAgents("cancel_mid_turn", "max_turns: 10\ninitial_message: Write about tides.\n",
                "handoffs.yaml", """
                        handoff_rules:
                        - {source_agent: Writer, target_agent: Reviewer, handoff_type: after_work}
                        """);
        harness = EngineHarness.start(OPENAI_COMPATIBLE, flow);
        harness.replies("A draft about tides.").replies("Never requested.");
        String chatId = harness.startChat("cancel_mid_turn");
        CompletableFuture<ChatInputs.CancelResult> cancelled = harness.whileNextReplyStreams(
                () -> harness.inputs().cancel(EngineHarness.APP, EngineHarness.USER, chatId));

        assertEquals(List.of(new StepOutcome.Cancelled("cancel_requested")), harness.deliverAll(),
                "the Writer's turn would have handed to the Reviewer");

        assertEquals(new ChatInputs.CancelResult(chatId, ChatStatus.RUNNING, true), cancelled.get(10, TimeUnit.SECONDS));
        assertEquals(List.of("chat.run_start", "chat.text", "chat.select_speaker", "chat.text", "chat.usage_delta",
                "chat.run_complete"), harness.types(chatId));
        assertEndedCancelled(harness.events(chatId), "cancel_requested");
        Document stored = harness.chat(chatId);
        assertEquals("cancelled", stored.getString("status"));
        assertNull(stored.get("lease_owner"));
        assertNull(stored.get("cancel_requested"));
        assertEquals(1, harness.requests().size(), "the Reviewer never ran");
        assertEquals(List.of("Writer"), harness.speakers(chatId));
    }

    @Test
    void cancellingAChatThatWaitsForAUiToolEndsItAndALateAnswerIsRefused() {
        harness = EngineHarness.start(OPENAI_COMPATIBLE);
        harness.callsTool("call_ui_1", "choose_option", "{\"question\":\"Which?\",\"options\":[\"a\",\"b\"]}");
        String chatId = harness.startChat("tool_demo");
        harness.deliverAll();
        harness.say(chatId, "m-1", "Let me choose.");
        assertEquals(List.of(new StepOutcome.AwaitingInput("ui_tool")), harness.deliverAll());

        assertEquals(new ChatInputs.CancelResult(chatId, ChatStatus.CANCELLED, false), harness.cancel(chatId));

        assertEndedCancelled(harness.events(chatId), "user_cancelled");
        ApiException late = assertThrows(ApiException.class,
                () -> harness.answerUiTool(chatId, "call_ui_1", EngineHarness.json("{\"selection\":\"a\"}")));
        assertEquals("no_pending_ui_tool", late.problem().code());
        assertTrue(harness.queued().isEmpty());
        assertEquals("cancelled", harness.status(chatId));
    }
}

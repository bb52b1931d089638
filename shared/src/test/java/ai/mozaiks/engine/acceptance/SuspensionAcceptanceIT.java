package ai.mozaiks.engine.acceptance;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.engine.ChatInputs;
import ai.mozaiks.engine.StepExecutor;
import ai.mozaiks.engine.StepOutcome;
import ai.mozaiks.session.ChatEvent;
import ai.mozaiks.session.ChatStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static ai.mozaiks.engine.acceptance.EngineHarness.Provider.OPENAI_COMPATIBLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A suspended or deleted app's open chats: no message, UI tool answer or realtime user event is taken (409 naming the
 * state), a queued step ends without calling the model, and the stall reaper leaves the chats alone. A suspended app's
 * chats go on once it is resumed; a deleted app's running chats are cancelled. The app's state is changed in the control
 * plane as another instance would change it, and is noticed within {@code CachedAppStates.TTL}.
 */
class SuspensionAcceptanceIT extends EngineAcceptance {
    private static final String CHOOSE = "{\"question\":\"Which colour?\",\"options\":[\"red\",\"blue\"]}";
    /** Longer than the engine's stalled-after (2 minutes): the reaper would requeue a running chat of an active app. */
    private static final Duration LATER = Duration.ofMinutes(3);

    private static void refused(String state, Executable input) {
        ApiException refused = assertThrows(ApiException.class, input);
        assertEquals(409, refused.problem().status());
        assertEquals("app_" + state, refused.problem().code());
    }

    /** A chat of {@code tool_demo} that waits for the user's answer to a UI tool (one model call so far). */
    private String waitingForUiAnswer() {
        harness.callsTool("call_ui_1", "choose_option", CHOOSE);
        String chatId = harness.startChat("tool_demo");
        harness.deliverAll();
        harness.say(chatId, "m-1", "Help me pick a colour.");
        assertEquals(List.of(new StepOutcome.AwaitingInput("ui_tool")), harness.deliverAll());
        assertEquals(1, harness.requests().size());
        return chatId;
    }

    @Test
    void aSuspendedAppsOpenChatTakesNoMessageNoUiAnswerAndNoRealtimeEventThenGoesOnOnceResumed() {
        harness = EngineHarness.start(OPENAI_COMPATIBLE);
        String chatId = waitingForUiAnswer();
        int events = harness.events(chatId).size();

        harness.appStatus("suspended");

        refused("suspended", () -> harness.say(chatId, "m-2", "Anyone there?"));
        refused("suspended", () -> harness.answerUiTool(chatId, "call_ui_1", EngineHarness.json("{\"selection\":\"blue\"}")));
        for (var event : Map.of("user.input.submit", "{\"client_message_id\":\"m-3\",\"text\":\"Hello?\"}",
                "ui_tool_response", "{\"tool_call_id\":\"call_ui_1\",\"response\":{\"selection\":\"red\"}}").entrySet()) {
            List<Map<String, Object>> reply = harness.realtimeEvent(chatId, event.getKey(), EngineHarness.json(event.getValue()));
            assertEquals("chat.input_error", reply.get(0).get("type"), event.getKey());
            @SuppressWarnings("unchecked")
            Map<String, Object> problem = (Map<String, Object>) reply.get(0).get("data");
            assertEquals(409, problem.get("status"), event.getKey());
            assertEquals("app_suspended", problem.get("code"), event.getKey());
        }
        assertEquals(events, harness.events(chatId).size(), "nothing was recorded");
        assertEquals("awaiting_input", harness.status(chatId));
        assertTrue(harness.queued().isEmpty());
        assertEquals(1, harness.requests().size(), "the model heard nothing more");

        harness.appStatus("active");
        harness.replies("Blue it is.");
        assertEquals(ChatStatus.RUNNING,
                harness.answerUiTool(chatId, "call_ui_1", EngineHarness.json("{\"selection\":\"blue\"}")).status());
        assertEquals(List.of(new StepOutcome.AwaitingInput("handoff")), harness.deliverAll());
        assertEquals(2, harness.requests().size());
    }

    @Test
    void aStepQueuedBeforeTheSuspensionCallsNoModelTheReaperLeavesTheChatAndItGoesOnOnceResumed() {
        harness = EngineHarness.start(OPENAI_COMPATIBLE);
        String chatId = harness.startChat(InterviewExample.WORKFLOW);

        harness.appStatus("suspended");
        assertEquals(List.of(new StepOutcome.Stale("the app is suspended")), harness.deliverAll());

        assertEquals(0, harness.requests().size(), "no model request");
        assertEquals("running", harness.status(chatId), "left where it was, to go on later");
        List<ChatEvent> shown = harness.events(chatId);
        assertEquals(List.of("chat.error"), typesOf(shown));
        assertEquals(StepExecutor.APP_SUSPENDED, shown.get(0).data().get("error_code"));
        assertEquals(List.of(new StepOutcome.Stale("the app is suspended")),
                List.of(harness.deliver(new ai.mozaiks.engine.StepMessage(EngineHarness.APP, chatId, 0))), "a redelivery");
        assertEquals(1, harness.events(chatId).size(), "shown once per step");

        harness.fixture().clock().advance(LATER);
        assertEquals(0, harness.reap(), "the reaper leaves a suspended app's chats alone");
        assertTrue(harness.queued().isEmpty());
        assertEquals(0, harness.requests().size());

        harness.appStatus("active");
        assertEquals(1, harness.reap(), "once resumed, the stalled step is queued again");
        harness.replies("Let us begin the interview.");
        assertTrue(harness.deliverNext() instanceof StepOutcome.Next || harness.status(chatId).startsWith("awaiting"),
                "the step ran: " + harness.status(chatId));
        assertEquals(1, harness.requests().size(), "the model is called once the app is active again");
    }

    @Test
    void aCancelSentToAHeldChatEndsItWithoutAModelCallOnceResumed() {
        harness = EngineHarness.start(OPENAI_COMPATIBLE);
        String chatId = harness.startChat(InterviewExample.WORKFLOW);
        harness.appStatus("suspended");
        harness.deliverAll();

        assertEquals(new ChatInputs.CancelResult(chatId, ChatStatus.RUNNING, true), harness.cancel(chatId), "a cancel is still taken");
        harness.fixture().clock().advance(LATER);
        harness.appStatus("active");
        assertEquals(1, harness.reap());
        assertEquals(List.of(new StepOutcome.Cancelled("cancel_requested")), harness.deliverAll());
        assertEquals("cancelled", harness.status(chatId));
        assertEquals(0, harness.requests().size());
    }

    @Test
    void aDeletedAppsChatsTakeNothingAndAQueuedStepCancelsTheChatWithoutCallingTheModel() {
        harness = EngineHarness.start(OPENAI_COMPATIBLE);
        String waiting = waitingForUiAnswer();
        String queued = harness.startChat(InterviewExample.WORKFLOW);

        harness.appStatus("deleted");

        refused("deleted", () -> harness.say(waiting, "m-2", "Anyone there?"));
        refused("deleted", () -> harness.answerUiTool(waiting, "call_ui_1", EngineHarness.json("{\"selection\":\"blue\"}")));
        assertEquals(List.of(new StepOutcome.Cancelled("app_deleted")), harness.deliverAll());
        assertEquals("cancelled", harness.status(queued));
        List<ChatEvent> shown = harness.events(queued);
        assertEquals(List.of("chat.error", "chat.run_complete"), typesOf(shown));
        assertEquals(StepExecutor.APP_DELETED, shown.get(0).data().get("error_code"));
        assertEquals("app_deleted", shown.get(1).data().get("reason"));
        assertEquals(new ChatInputs.CancelResult(queued, ChatStatus.CANCELLED, false), harness.cancel(queued));

        harness.fixture().clock().advance(LATER);
        assertEquals(0, harness.reap());
        assertEquals(1, harness.requests().size(), "only the model call made before the deletion");
    }
}

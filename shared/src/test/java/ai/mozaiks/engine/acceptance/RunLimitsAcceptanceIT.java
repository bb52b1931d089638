package ai.mozaiks.engine.acceptance;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.engine.ChatInputs;
import ai.mozaiks.engine.StepMessage;
import ai.mozaiks.engine.StepOutcome;
import ai.mozaiks.session.ChatEvent;
import ai.mozaiks.session.ChatStatus;
import ai.mozaiks.tenancy.AppLimits;
import ai.mozaiks.tenancy.Tiers;
import org.bson.Document;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static ai.mozaiks.engine.acceptance.EngineHarness.APP;
import static ai.mozaiks.engine.acceptance.EngineHarness.USER;
import static ai.mozaiks.engine.acceptance.EngineHarness.Provider.OPENAI_COMPATIBLE;
import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Run limits at every step start after a session's: a message or a UI answer that would make a chat run takes a run slot,
 * or the chat goes {@code queued} (the input taken and acknowledged as queued) and runs in turn when a slot frees; a
 * queued chat can be cancelled; the reaper gives back a slot a crash leaked, and closes chats idle for too long.
 * Observed through the slots ({@code RunSlots.held}) and the chats' statuses, one step delivery at a time.
 */
class RunLimitsAcceptanceIT extends EngineAcceptance {
    private static final String CHOOSE = "{\"question\":\"Which colour?\",\"options\":[\"red\",\"blue\"]}";

    /** {@code count} assistant chats of the user, each waiting for its user after its first step. */
    private List<String> idleChats(int count) {
        List<String> chats = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            chats.add(harness.startChat("assistant"));
        }
        harness.deliverAll();
        chats.forEach(chatId -> assertEquals("awaiting_input", harness.status(chatId)));
        return chats;
    }

    private long held() {
        return await(harness.runSlots().held(APP, USER));
    }

    private long running(List<String> chats) {
        return chats.stream().filter(chatId -> "running".equals(harness.status(chatId))).count();
    }

    @Test
    void messagingManyIdleChatsOfAUserWithALimitOfOneRunsThemOneAtATimeInTheOrderTheyWereSent() {
        harness = EngineHarness.start(OPENAI_COMPATIBLE);
        List<String> chats = idleChats(5);
        harness.limit("concurrent_runs_per_user", 1);

        List<ChatInputs.InputResult> answers = new ArrayList<>();
        for (int i = 0; i < chats.size(); i++) {
            harness.replies("Answer " + i + ".");
            answers.add(harness.say(chats.get(i), "m-" + i, "Question " + i + "?"));
            harness.fixture().clock().advance(Duration.ofSeconds(1));
        }

        assertEquals(ChatStatus.RUNNING, answers.get(0).status(), "the first message takes the user's only slot");
        for (int i = 1; i < chats.size(); i++) {
            assertEquals(ChatStatus.QUEUED, answers.get(i).status(), "message " + i + " waits for the slot");
            assertEquals("queued", harness.status(chats.get(i)));
            ChatEvent ack = harness.events(chats.get(i), "chat.input_ack").get(0);
            assertEquals(true, ack.data().get("queued"), "the acknowledgement says the message is queued");
            assertEquals("Question " + i + "?", harness.conversation(chats.get(i)).messages()
                    .get(harness.conversation(chats.get(i)).messages().size() - 1).content(), "the message is taken");
        }
        assertEquals(1, held());
        assertEquals(List.of(new StepMessage(APP, chats.get(0), 1)), harness.queued(), "only the chat holding the slot has a step");

        List<String> ranInOrder = new ArrayList<>();
        int deliveries = 0;
        while (!harness.queued().isEmpty()) {
            assertTrue(deliveries++ < 20, "runaway");
            StepMessage next = harness.queued().get(0);
            ranInOrder.add(next.chatId());
            assertEquals(new StepOutcome.AwaitingInput("handoff"), harness.deliverNext());
            assertTrue(running(chats) <= 1, "never two runs of the user at once");
            assertTrue(held() <= 1, "the user never holds more than one slot");
        }

        assertEquals(chats, ranInOrder, "every chat had its turn, oldest message first");
        chats.forEach(chatId -> assertEquals("awaiting_input", harness.status(chatId)));
        for (int i = 0; i < chats.size(); i++) {
            List<ChatEvent> texts = harness.events(chats.get(i), "chat.text");
            assertEquals("Answer " + i + ".", texts.get(texts.size() - 1).data().get("content"), "chat " + i + " got its answer");
        }
        assertEquals(0, held(), "a chat waiting for its user holds no slot");
        assertEquals(chats.size(), harness.requests().size(), "one model call per message");
    }

    @Test
    void aUiAnswerThatWouldMakeTheChatRunIsTakenAndQueuedWhileTheUsersSlotIsHeld() {
        harness = EngineHarness.start(OPENAI_COMPATIBLE);
        String talking = idleChats(1).get(0);
        harness.callsTool("call_ui_1", "choose_option", CHOOSE);
        String picking = harness.startChat("tool_demo");
        harness.deliverAll();
        harness.say(picking, "m-1", "Help me pick a colour.");
        assertEquals(List.of(new StepOutcome.AwaitingInput("ui_tool")), harness.deliverAll());
        harness.limit("concurrent_runs_per_user", 1);

        harness.replies("Tides rise and fall.").replies("Blue it is.");
        assertEquals(ChatStatus.RUNNING, harness.say(talking, "m-2", "What is a tide?").status());
        ChatInputs.InputResult answered = harness.answerUiTool(picking, "call_ui_1", EngineHarness.json("{\"selection\":\"blue\"}"));

        assertEquals(ChatStatus.QUEUED, answered.status());
        assertEquals("queued", harness.status(picking));
        assertEquals(true, harness.events(picking, "chat.tool_response").get(0).data().get("queued"));
        assertEquals("blue", harness.conversation(picking).variables().get("chosen_option"), "the answer is taken");
        assertEquals(List.of(new StepMessage(APP, talking, 1)), harness.queued());

        assertEquals(new StepOutcome.AwaitingInput("handoff"), harness.deliverNext());
        assertEquals("running", harness.status(picking), "the freed slot went to the queued chat");
        assertEquals(1, held());
        assertEquals(List.of(new StepOutcome.AwaitingInput("handoff")), harness.deliverAll());
        List<ChatEvent> texts = harness.events(picking, "chat.text");
        assertEquals("Blue it is.", texts.get(texts.size() - 1).data().get("content"));
        assertEquals(0, held());
    }

    @Test
    void aQueuedChatIsCancelledAtOnceAndNeverRuns() {
        harness = EngineHarness.start(OPENAI_COMPATIBLE);
        List<String> chats = idleChats(2);
        harness.limit("concurrent_runs_per_user", 1);
        harness.replies("First answer.");
        harness.say(chats.get(0), "m-1", "First?");
        assertEquals(ChatStatus.QUEUED, harness.say(chats.get(1), "m-2", "Second?").status());

        ChatInputs.CancelResult cancelled = harness.cancel(chats.get(1));

        assertEquals(new ChatInputs.CancelResult(chats.get(1), ChatStatus.CANCELLED, false), cancelled);
        assertEquals("cancelled", harness.status(chats.get(1)));
        ChatEvent complete = harness.events(chats.get(1), "chat.run_complete").get(0);
        assertEquals("user_cancelled", complete.data().get("reason"));
        assertEquals(1, held(), "the running chat keeps its slot");
        assertEquals(List.of(new StepOutcome.AwaitingInput("handoff")), harness.deliverAll());
        assertEquals("cancelled", harness.status(chats.get(1)), "the released slot did not start the cancelled chat");
        assertEquals(1, harness.requests().size());
        assertEquals(0, held());
    }

    @Test
    void aRunningChatCancelledAtItsStepBoundaryOrPoisonedGivesItsSlotToTheNextQueuedChat() {
        harness = EngineHarness.start(OPENAI_COMPATIBLE);
        List<String> chats = idleChats(3);
        harness.limit("concurrent_runs_per_user", 1);
        harness.say(chats.get(0), "m-0", "First?");
        harness.fixture().clock().advance(Duration.ofSeconds(1));
        assertEquals(ChatStatus.QUEUED, harness.say(chats.get(1), "m-1", "Second?").status());
        harness.fixture().clock().advance(Duration.ofSeconds(1));
        assertEquals(ChatStatus.QUEUED, harness.say(chats.get(2), "m-2", "Third?").status());

        assertEquals(ChatStatus.RUNNING, harness.cancel(chats.get(0)).status(), "a running chat is asked to stop");
        assertEquals(new StepOutcome.Cancelled("cancel_requested"), harness.deliverNext());
        assertEquals("cancelled", harness.status(chats.get(0)));
        assertEquals("running", harness.status(chats.get(1)), "its slot went to the oldest queued chat");
        assertEquals("queued", harness.status(chats.get(2)));

        // The queue host gives the second chat's step up: the chat fails, and its slot goes on too.
        StepMessage given = harness.dropNext();
        assertEquals(chats.get(1), given.chatId());
        assertTrue(harness.poison(given) instanceof StepOutcome.Failed);
        assertEquals("failed", harness.status(chats.get(1)));
        assertEquals("running", harness.status(chats.get(2)));
        assertEquals(1, held());

        harness.replies("Third answer.");
        assertEquals(List.of(new StepOutcome.AwaitingInput("handoff")), harness.deliverAll());
        assertEquals(0, held());
    }

    @Test
    void aSlotLeakedByACrashIsGivenBackByTheReaperAfterItsGraceAndTheQueuedChatThenRuns() {
        harness = EngineHarness.start(OPENAI_COMPATIBLE);
        List<String> chats = idleChats(2);
        harness.limit("concurrent_runs_per_user", 1);
        // A crash between a slot's take and the chat's move to running: the slot is held by a chat waiting for its user.
        AppLimits limits = AppLimits.of(new Document("limits", new Document("concurrent_runs_per_user", 1)), Tiers.load().get("pro"));
        assertTrue(await(harness.runSlots().take(APP, USER, chats.get(1), limits)));

        harness.replies("Answer.");
        assertEquals(ChatStatus.QUEUED, harness.say(chats.get(0), "m-1", "Question?").status(), "the leaked slot is counted");
        assertEquals(0, harness.reap());
        assertEquals("queued", harness.status(chats.get(0)), "within its grace a slot is not taken back (a start may be under way)");

        harness.fixture().clock().advance(Duration.ofMinutes(3));
        harness.reap();

        assertEquals("running", harness.status(chats.get(0)), "the leaked slot was given back and the queued chat took it");
        assertEquals(List.of(new StepMessage(APP, chats.get(0), 1)), harness.queued());
        assertEquals(List.of(new StepOutcome.AwaitingInput("handoff")), harness.deliverAll());
        assertEquals(0, held());
    }

    @Test
    void chatsWaitingForTheirUserLongerThanTheAppsIdleTimeAreClosed() {
        harness = EngineHarness.start(OPENAI_COMPATIBLE);
        harness.limit("idle_close_hours", 1);
        String idle = idleChats(1).get(0);
        harness.fixture().clock().advance(Duration.ofMinutes(50));
        String recent = harness.startChat("assistant");
        harness.deliverAll();
        harness.fixture().clock().advance(Duration.ofMinutes(15));

        harness.reap();
        harness.reap();

        assertEquals("cancelled", harness.status(idle));
        List<ChatEvent> complete = harness.events(idle, "chat.run_complete");
        assertEquals(1, complete.size(), "closed once, however many sweeps");
        assertEquals("idle_timeout", complete.get(0).data().get("reason"));
        assertEquals("awaiting_input", harness.status(recent), "a chat idle for less than the limit stays open");
        ApiException refused = assertThrows(ApiException.class, () -> harness.say(idle, "m-1", "Still there?"));
        assertEquals("chat_cancelled", refused.problem().code());
    }
}

package ai.mozaiks.engine;

import ai.mozaiks.payloads.PayloadStores;
import ai.mozaiks.realtime.RecordingFeed;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.models.ChatModel;
import ai.mozaiks.models.offline.OfflineModel;
import ai.mozaiks.models.offline.OfflineScript;
import ai.mozaiks.persistence.EmbeddedMongoFixture;
import ai.mozaiks.session.ChatEvent;
import ai.mozaiks.session.ChatSessions;
import ai.mozaiks.session.ChatStatus;
import ai.mozaiks.session.EventKind;
import ai.mozaiks.session.EventLog;
import ai.mozaiks.session.NewChat;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.tenancy.AppService;
import ai.mozaiks.workflows.Manifests.ReviewLoop;
import ai.mozaiks.workflows.Manifests;
import ai.mozaiks.workflows.Workflow;
import ai.mozaiks.workflows.manifest.DoubleTexting;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static com.mongodb.client.model.Filters.eq;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChatInputsIT {
    private static final AppId APP = AppId.of("app-inputs");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String USER = "user-1";

    private static final String HITL_HANDOFFS = """
            handoff_rules:
            - {source_agent: Writer, target_agent: user, handoff_type: after_work}
            """;
    private static final String ASK = """
            - agent: Writer
              text: What should I write about?
            - agent: Writer
              text: A draft about tides.
            - agent: Writer
              text: Another draft.
            """;

    /** Our own port, in memory: the messages the service and the test enqueue. */
    private EmbeddedMongoFixture fixture;
    private EventLog log;
    private RecordingStepQueue queue;
    private final RecordingFeed feed = new RecordingFeed();

    @BeforeEach
    void start() {
        fixture = EmbeddedMongoFixture.start();
        log = new EventLog(fixture.appDatabases(), fixture.clock());
        queue = new RecordingStepQueue();
    }

    @AfterEach
    void stop() {
        assertEquals(List.of(), fixture.guard().violations(), "every runtime query carried app_id");
        fixture.close();
    }

    private static Workflow hitl(String doubleTexting) {
        return Manifests.of("max_turns: 10\nhuman_in_the_loop: true\ninitial_message: Write.\n"
                        + (doubleTexting == null ? "" : "double_texting: " + doubleTexting + "\n"))
                .with("handoffs.yaml", HITL_HANDOFFS).load();
    }

    private StepExecutor executor(ChatModel model, Workflow flow) {
        ToolRegistry tools = ToolRegistry.of(Map.of("com.example.Lookup",
                invocation -> Mono.just((JsonNode) JSON.createObjectNode().put("meaning", "the rise and fall of the sea"))));
        return new StepExecutor(fixture.appDatabases(), log, feed, model, tools,
                ChatWorkflows.platform(name -> "demo".equals(name) ? Optional.of(flow) : Optional.empty()), fixture.clock(),
                EngineSettings.defaults("gpt-4o"), StepHooks.NONE);
    }

    private ChatInputs inputs(Workflow flow) {
        return new ChatInputs(fixture.appDatabases(), log, feed,
                ChatWorkflows.platform(name -> "demo".equals(name) ? Optional.of(flow) : Optional.empty()), fixture.clock(),
                EngineSettings.defaults("gpt-4o"), appId -> Mono.just(AppService.ACTIVE), runQueue(),
                PayloadStores.developmentStorage());
    }

    /** Run slots under the enterprise tier's limits (20 runs per user): these tests are not about limits. */
    private RunQueue runQueue() {
        return RunQueues.roomy(fixture, queue);
    }

    private static OfflineModel scripted(String script) {
        return new OfflineModel(OfflineScript.parse(script));
    }

    private String newChat() {
        return await(new ChatSessions(fixture.appDatabases(), fixture.clock())
                .start(APP, new NewChat(USER, "demo", null, ChatStatus.RUNNING))).chat().chatId();
    }

    private StepOutcome step(StepExecutor executor, String chatId, long seq) {
        return await(executor.run(new StepMessage(APP, chatId, seq)));
    }

    private List<ChatEvent> events(String chatId) {
        return await(log.read(APP, chatId, 0, 500)).events();
    }

    private static List<String> types(List<ChatEvent> events) {
        return events.stream().map(ChatEvent::type).toList();
    }

    private Document chat(String chatId) {
        return await(fixture.rawDatabase(EmbeddedMongoFixture.SHARED_RUNTIME_DB).getCollection("chat_sessions")
                .find(eq("chat_id", chatId)).first());
    }

    private static ApiException refused(Runnable call) {
        return assertThrows(ApiException.class, call::run);
    }

    private List<ConversationState.Message> history(String chatId) {
        return ConversationState.fromDocument(chat(chatId).get("conversation", Document.class)).messages();
    }

    @Test
    void theDoubleTextingPolicyIsReadFromTheOrchestratorAndDefaultsToEnqueue() {
        assertEquals(DoubleTexting.ENQUEUE, hitl(null).orchestrator().doubleTexting());
        assertEquals(DoubleTexting.REJECT, hitl("reject").orchestrator().doubleTexting());
        assertEquals(DoubleTexting.INTERRUPT, hitl("interrupt").orchestrator().doubleTexting());
    }

    @Test
    void aMessageToAWaitingChatRunsTheNextStepAndTheTranscriptContinues() {
        Workflow flow = hitl(null);
        StepExecutor executor = executor(scripted(ASK), flow);
        ChatInputs inputs = inputs(flow);
        String chatId = newChat();
        assertEquals(new StepOutcome.AwaitingInput("handoff"), step(executor, chatId, 0));

        ChatInputs.InputResult result = await(inputs.submitMessage(APP, USER, chatId, "m-1", "Tides, please."));

        assertEquals(new ChatInputs.InputResult(chatId, true, 7, ChatStatus.RUNNING), result);
        assertEquals(List.of(new StepMessage(APP, chatId, 1)), queue.messages);
        assertEquals("running", chat(chatId).getString("status"));
        assertEquals(new StepOutcome.AwaitingInput("handoff"), step(executor, chatId, queue.messages.get(0).stepSeq()));

        List<ChatEvent> events = events(chatId);
        assertEquals(List.of("chat.run_start", "chat.text", "chat.select_speaker", "chat.text", "chat.usage_delta",
                "chat.input_request", "chat.text", "chat.input_ack", "chat.select_speaker", "chat.text", "chat.usage_delta",
                "chat.input_request"), types(events));
        assertEquals("user", events.get(6).data().get("agent"));
        assertEquals("Tides, please.", events.get(6).data().get("content"));
        assertEquals("A draft about tides.", events.get(9).data().get("content"));
        List<ConversationState.Message> history = history(chatId);
        assertEquals("Tides, please.", history.get(history.size() - 2).content());
    }

    @Test
    void aRetriedMessageAppendsAndEnqueuesNothingMore() {
        Workflow flow = hitl(null);
        StepExecutor executor = executor(scripted(ASK), flow);
        ChatInputs inputs = inputs(flow);
        String chatId = newChat();
        step(executor, chatId, 0);

        ChatInputs.InputResult first = await(inputs.submitMessage(APP, USER, chatId, "m-1", "Tides, please."));
        int count = events(chatId).size();
        ChatInputs.InputResult again = await(inputs.submitMessage(APP, USER, chatId, "m-1", "Tides, please."));

        assertEquals(first, again);
        assertEquals(count, events(chatId).size());
        assertEquals(1, queue.messages.size());
        // Still the same answer after the step took it and the chat waits again.
        step(executor, chatId, 1);
        assertEquals(first.seq(), await(inputs.submitMessage(APP, USER, chatId, "m-1", "Tides, please.")).seq());
        assertEquals(1, queue.messages.size());
        assertEquals(1, history(chatId).stream().filter(m -> "Tides, please.".equals(m.content())).count());
    }

    @Test
    void aClientMessageIdReusedWithOtherTextIsRefusedAndChangesNothing() {
        Workflow flow = hitl(null);
        StepExecutor executor = executor(scripted(ASK), flow);
        ChatInputs inputs = inputs(flow);
        // Taken at once by a waiting chat: the id is in accepted_inputs.
        String waiting = newChat();
        step(executor, waiting, 0);
        await(inputs.submitMessage(APP, USER, waiting, "m-1", "Tides, please."));
        int count = events(waiting).size();
        ApiException accepted = refused(() -> await(inputs.submitMessage(APP, USER, waiting, "m-1", "Rivers, please.")));
        assertEquals(422, accepted.problem().status());
        assertEquals("client_message_id_reused", accepted.problem().code());
        assertEquals(count, events(waiting).size());
        assertEquals(1, queue.messages.size());

        // Kept pending by a running chat: the id is in pending_inputs.
        String running = newChat();
        await(inputs.submitMessage(APP, USER, running, "m-2", "Tides, please."));
        ApiException pending = refused(() -> await(inputs.submitMessage(APP, USER, running, "m-2", "Rivers, please.")));
        assertEquals("client_message_id_reused", pending.problem().code());
        assertEquals(List.of("Tides, please."), chat(running).getList("pending_inputs", Document.class).stream()
                .map(entry -> entry.getString("text")).toList());

        // A crash after the message's event was stored but before the chat took it: the retry must repeat the text.
        String crashed = newChat();
        step(executor, crashed, 0);
        await(log.append(APP, crashed, "input:m-3", EventKind.TEXT, Map.of("agent", "user", "content", "Tides, please.",
                "client_message_id", "m-3")));
        ApiException afterCrash = refused(() -> await(inputs.submitMessage(APP, USER, crashed, "m-3", "Rivers, please.")));
        assertEquals("client_message_id_reused", afterCrash.problem().code());
        assertEquals("awaiting_input", chat(crashed).getString("status"));
        assertEquals(ChatStatus.RUNNING, await(inputs.submitMessage(APP, USER, crashed, "m-3", "Tides, please.")).status());
    }

    @Test
    void messagesAreValidatedAndOnlyTheOwnerSeesTheChat() {
        Workflow flow = hitl(null);
        ChatInputs inputs = inputs(flow);
        String chatId = newChat();

        assertEquals(400, refused(() -> await(inputs.submitMessage(APP, USER, chatId, "m-1", "  "))).problem().status());
        ApiException tooLong = refused(() -> await(inputs.submitMessage(APP, USER, chatId, "m-1", "x".repeat(16_001))));
        assertEquals(400, tooLong.problem().status());
        assertEquals("text", tooLong.problem().errors().get(0).field());
        assertEquals(404, refused(() -> await(inputs.submitMessage(APP, "user-2", chatId, "m-1", "hi"))).problem().status());
        assertEquals(404, refused(() -> await(inputs.cancel(APP, "user-2", chatId))).problem().status());
        assertEquals(404, refused(() -> await(inputs.respondToUiTool(APP, "user-2", chatId, "call-1",
                JSON.createObjectNode()))).problem().status());
        assertEquals(404, refused(() -> await(inputs.submitMessage(AppId.of("app-other"), USER, chatId, "m-1", "hi")))
                .problem().status());
        assertTrue(events(chatId).isEmpty());
        assertTrue(queue.messages.isEmpty());
    }

    @Test
    void withEnqueueAMessageDuringATurnIsTakenWhenTheChatWouldWait() {
        Workflow flow = hitl(null);
        StepExecutor executor = executor(scripted(ASK), flow);
        ChatInputs inputs = inputs(flow);
        String chatId = newChat();

        ChatInputs.InputResult pending = await(inputs.submitMessage(APP, USER, chatId, "m-1", "Tides, please."));
        assertEquals(new ChatInputs.InputResult(chatId, true, 1, ChatStatus.RUNNING), pending);
        assertTrue(queue.messages.isEmpty(), "the running chain of steps takes it; nothing more is enqueued");
        assertEquals(pending, await(inputs.submitMessage(APP, USER, chatId, "m-1", "Tides, please.")));

        // The Writer hands off to the user; the pending message answers at once instead of an input request.
        assertEquals(new StepOutcome.Next(1), step(executor, chatId, 0));
        Document stored = chat(chatId);
        assertEquals("running", stored.getString("status"));
        assertTrue(stored.getList("pending_inputs", Document.class).isEmpty());
        assertEquals(new StepOutcome.AwaitingInput("handoff"), step(executor, chatId, 1));

        List<String> types = types(events(chatId));
        assertEquals(List.of("chat.text", "chat.run_start", "chat.text", "chat.select_speaker", "chat.text", "chat.usage_delta",
                "chat.input_ack", "chat.select_speaker", "chat.text", "chat.usage_delta", "chat.input_request"), types);
        assertEquals(pending.seq(), await(inputs.submitMessage(APP, USER, chatId, "m-1", "Tides, please.")).seq());
    }

    @Test
    void pendingInputOfAChatThatAlreadyWaitsIsDrained() {
        Workflow flow = hitl(null);
        StepExecutor executor = executor(scripted(ASK), flow);
        ChatInputs inputs = inputs(flow);
        String chatId = newChat();
        step(executor, chatId, 0);
        // As if the message was kept pending just as the executor committed the wait.
        await(fixture.rawDatabase(EmbeddedMongoFixture.SHARED_RUNTIME_DB).getCollection("chat_sessions").updateOne(
                eq("chat_id", chatId), new Document("$push", new Document("pending_inputs",
                        new Document("client_message_id", "m-9").append("text", "Late one").append("seq", 6L)))));

        assertTrue(await(inputs.drainPending(APP, chatId)));
        assertFalse(await(inputs.drainPending(APP, chatId)));

        assertEquals(List.of(new StepMessage(APP, chatId, 1)), queue.messages);
        assertEquals("running", chat(chatId).getString("status"));
        assertEquals("Late one", history(chatId).get(history(chatId).size() - 1).content());
    }

    @Test
    void aChatCreatedWaitingTakesItsFirstMessageThroughItsFirstStep() {
        Workflow flow = Manifests.of("max_turns: 10\nhuman_in_the_loop: true\nstartup_mode: UserDriven\n")
                .with("handoffs.yaml", HITL_HANDOFFS).load();
        StepExecutor executor = executor(scripted(ASK), flow);
        ChatInputs inputs = inputs(flow);
        String chatId = await(new ChatSessions(fixture.appDatabases(), fixture.clock())
                .start(APP, new NewChat(USER, "demo", null, ChatStatus.AWAITING_INPUT))).chat().chatId();

        ChatInputs.InputResult result = await(inputs.submitMessage(APP, USER, chatId, "m-1", "Hi there."));

        assertEquals(new ChatInputs.InputResult(chatId, true, 1, ChatStatus.RUNNING), result);
        assertEquals(List.of(new StepMessage(APP, chatId, 0)), queue.messages);
        assertEquals(new StepOutcome.Next(1), step(executor, chatId, 0));
        assertEquals(new StepOutcome.AwaitingInput("handoff"), step(executor, chatId, 1));
        assertEquals(List.of("chat.text", "chat.run_start", "chat.input_ack", "chat.select_speaker", "chat.text",
                "chat.usage_delta", "chat.input_request"), types(events(chatId)));
    }

    @Test
    void withRejectAMessageDuringATurnIsRefused() {
        Workflow flow = hitl("reject");
        ChatInputs inputs = inputs(flow);
        String chatId = newChat();

        ApiException refused = refused(() -> await(inputs.submitMessage(APP, USER, chatId, "m-1", "Hello?")));

        assertEquals(409, refused.problem().status());
        assertEquals("turn_in_progress", refused.problem().code());
        assertTrue(events(chatId).isEmpty());
        assertTrue(queue.messages.isEmpty());
    }

    @Test
    void withInterruptTheNextStepBoundaryTakesTheMessageInsteadOfTheNextTurn() {
        Workflow flow = Manifests.of("max_turns: 10\ninitial_message: Write about tides.\ndouble_texting: interrupt\n")
                .with("tools.yaml", ReviewLoop.TOOLS).load();
        StepExecutor executor = executor(scripted("""
                - agent: Writer
                  tool_call: {name: lookup, arguments: {word: tide}}
                - agent: Writer
                  text: Answering the user.
                """), flow);
        ChatInputs inputs = inputs(flow);
        String chatId = newChat();
        assertEquals(new StepOutcome.Next(1), step(executor, chatId, 0));

        ChatInputs.InputResult result = await(inputs.submitMessage(APP, USER, chatId, "m-1", "Stop, write about the moon."));
        assertEquals(ChatStatus.RUNNING, result.status());
        assertEquals(true, chat(chatId).getBoolean("interrupt_requested"));

        int before = events(chatId).size();
        assertEquals(new StepOutcome.Next(2), step(executor, chatId, 1));
        List<ChatEvent> events = events(chatId);
        assertEquals(List.of("chat.input_ack"), types(events.subList(before, events.size())), "no agent turn ran");
        Document stored = chat(chatId);
        assertNull(stored.get("interrupt_requested"));
        ConversationState state = ConversationState.fromDocument(stored.get("conversation", Document.class));
        assertEquals("user", state.lastSpeaker());
        assertEquals("Stop, write about the moon.", state.lastMessage().content());

        step(executor, chatId, 2);
        List<ChatEvent> after = events(chatId);
        assertTrue(types(after).contains("chat.select_speaker"));
        assertEquals("Answering the user.", after.stream().filter(e -> e.type().equals("chat.text"))
                .reduce((a, b) -> b).orElseThrow().data().get("content"));
    }

    @Test
    void aUiToolRoundTripResumesTheRunAndFiresTheResponseTrigger() {
        Workflow flow = Manifests.of("max_turns: 10\ninitial_message: Draft, then ask.\n")
                .with("tools.yaml", """
                        tools:
                        - agent: Writer
                          function: ask_approval
                          description: Ask the user.
                          tool_type: UI_Tool
                          ui: {component: ApprovalCard, mode: inline}
                        """)
                .with("context_variables.yaml", """
                        definitions:
                        - name: approved
                          type: boolean
                          source:
                            type: state
                            default: false
                            triggers:
                            - {type: ui_response, tool: ask_approval, response_key: approved}
                        """)
                .with("handoffs.yaml", """
                        handoff_rules:
                        - {source_agent: Writer, target_agent: Reviewer, handoff_type: condition, condition_type: expression,
                           condition: '${approved} == True'}
                        - {source_agent: Writer, target_agent: terminate, handoff_type: after_work}
                        - {source_agent: Reviewer, target_agent: terminate, handoff_type: after_work}
                        """).load();
        StepExecutor executor = executor(scripted("""
                - agent: Writer
                  tool_call: {name: ask_approval, arguments: {}}
                - agent: Writer
                  text: Approved, passing it on.
                - agent: Reviewer
                  text: Looks good.
                """), flow);
        ChatInputs inputs = inputs(flow);
        String chatId = newChat();
        assertEquals(new StepOutcome.AwaitingInput("ui_tool"), step(executor, chatId, 0));
        ChatEvent call = events(chatId).stream().filter(e -> e.type().equals("chat.tool_call")).findFirst().orElseThrow();
        String callId = (String) call.data().get("call_id");

        ApiException wrong = refused(() -> await(inputs.respondToUiTool(APP, USER, chatId, "nope", JSON.createObjectNode())));
        assertEquals("no_pending_ui_tool", wrong.problem().code());
        JsonNode answer = JSON.createObjectNode().put("approved", true);
        ChatInputs.InputResult result = await(inputs.respondToUiTool(APP, USER, chatId, callId, answer));
        assertEquals(ChatStatus.RUNNING, result.status());
        assertEquals(result, await(inputs.respondToUiTool(APP, USER, chatId, callId, answer)), "idempotent");
        ApiException other = refused(() -> await(inputs.respondToUiTool(APP, USER, chatId, callId,
                JSON.createObjectNode().put("approved", false))));
        assertEquals("ui_tool_already_answered", other.problem().code());
        assertEquals(List.of(new StepMessage(APP, chatId, 1)), queue.messages);
        ConversationState state = ConversationState.fromDocument(chat(chatId).get("conversation", Document.class));
        assertEquals(true, state.variables().get("approved"));

        assertEquals(new StepOutcome.Next(2), step(executor, chatId, 1));
        assertEquals(new StepOutcome.Completed("terminate"), step(executor, chatId, 2));
        List<ChatEvent> events = events(chatId);
        ChatEvent response = events.stream().filter(e -> e.type().equals("chat.tool_response")).findFirst().orElseThrow();
        assertEquals(callId, response.data().get("call_id"));
        assertEquals(result.seq(), response.seq());
        assertTrue(events.stream().anyMatch(e -> e.type().equals("chat.select_speaker") && "Reviewer".equals(e.data().get("agent"))),
                "the ui_response trigger set approved, so the handoff condition fired");
    }

    @Test
    void anotherAnswerThatLosesTheRaceForTheCallsEventIsRefusedAndTheFirstIsApplied() {
        Workflow flow = Manifests.of("max_turns: 10\ninitial_message: Draft, then ask.\n")
                .with("tools.yaml", """
                        tools:
                        - agent: Writer
                          function: ask_approval
                          description: Ask the user.
                          tool_type: UI_Tool
                          ui: {component: ApprovalCard, mode: inline}
                        """)
                .with("context_variables.yaml", """
                        definitions:
                        - name: approved
                          type: boolean
                          source:
                            type: state
                            default: false
                            triggers:
                            - {type: ui_response, tool: ask_approval, response_key: approved}
                        """)
                .with("handoffs.yaml", """
                        handoff_rules:
                        - {source_agent: Writer, target_agent: terminate, handoff_type: after_work}
                        """).load();
        StepExecutor executor = executor(scripted("""
                - agent: Writer
                  tool_call: {name: ask_approval, arguments: {}}
                - agent: Writer
                  text: Done.
                """), flow);
        ChatInputs inputs = inputs(flow);
        String chatId = newChat();
        assertEquals(new StepOutcome.AwaitingInput("ui_tool"), step(executor, chatId, 0));
        String callId = (String) events(chatId).stream().filter(e -> e.type().equals("chat.tool_call")).findFirst()
                .orElseThrow().data().get("call_id");
        Document waiting = chat(chatId);

        // Answer A has recorded its event and not yet updated the chat when answer B reads the chat, still waiting.
        JsonNode first = JSON.createObjectNode().put("approved", true);
        long recorded = await(log.append(APP, chatId, "ui:" + callId, EventKind.TOOL_RESPONSE, Map.of("agent", "Writer",
                "call_id", callId, "tool_name", "ask_approval", "content", first.toString(),
                "ui_response", Map.of("approved", true)))).event().seq();
        ApiException lost = refused(() -> await(inputs.respondToUiTool(APP, USER, chatId, callId,
                JSON.createObjectNode().put("approved", false))));
        assertEquals(409, lost.problem().status());
        assertEquals("ui_tool_already_answered", lost.problem().code());
        // Only the event log's sequence counter, kept on the chat, moved (each append reserves a seq).
        Document after = chat(chatId);
        waiting.remove("event_seq");
        after.remove("event_seq");
        assertEquals(waiting, after, "the losing answer changed nothing");
        assertEquals(List.of(), queue.messages);

        // A goes on: the conversation holds the answer the event log records.
        ChatInputs.InputResult result = await(inputs.respondToUiTool(APP, USER, chatId, callId, first));
        assertEquals(recorded, result.seq());
        assertEquals(ChatStatus.RUNNING, result.status());
        ConversationState state = ConversationState.fromDocument(chat(chatId).get("conversation", Document.class));
        assertEquals(true, state.variables().get("approved"));
        assertEquals(first.toString(), history(chatId).get(history(chatId).size() - 1).content());
        assertEquals(List.of(new StepMessage(APP, chatId, 1)), queue.messages);
        assertEquals(new StepOutcome.Completed("terminate"), step(executor, chatId, 1));
    }

    @Test
    void cancellingAWaitingChatEndsItAtOnceAndVisibly() {
        Workflow flow = hitl(null);
        StepExecutor executor = executor(scripted(ASK), flow);
        ChatInputs inputs = inputs(flow);
        String chatId = newChat();
        step(executor, chatId, 0);

        assertEquals(new ChatInputs.CancelResult(chatId, ChatStatus.CANCELLED, false), await(inputs.cancel(APP, USER, chatId)));
        assertEquals(new ChatInputs.CancelResult(chatId, ChatStatus.CANCELLED, false), await(inputs.cancel(APP, USER, chatId)));

        assertEquals("cancelled", chat(chatId).getString("status"));
        List<ChatEvent> events = events(chatId);
        assertEquals(1, events.stream().filter(e -> e.type().equals("chat.run_complete")).count());
        assertEquals("cancelled", events.get(events.size() - 1).data().get("status"));
        ApiException late = refused(() -> await(inputs.submitMessage(APP, USER, chatId, "m-1", "hello?")));
        assertEquals("chat_cancelled", late.problem().code());
        assertTrue(step(executor, chatId, 1) instanceof StepOutcome.Stale);
    }

    @Test
    void cancellingARunningChatStopsItAtTheNextStepBoundary() {
        Workflow flow = hitl(null);
        StepExecutor executor = executor(scripted(ASK), flow);
        ChatInputs inputs = inputs(flow);
        String chatId = newChat();

        assertEquals(new ChatInputs.CancelResult(chatId, ChatStatus.RUNNING, true), await(inputs.cancel(APP, USER, chatId)));
        assertEquals(new StepOutcome.Cancelled("cancel_requested"), step(executor, chatId, 0));

        assertEquals("cancelled", chat(chatId).getString("status"));
        assertEquals(List.of("chat.run_complete"), types(events(chatId)));
        assertEquals("cancelled", events(chatId).get(0).data().get("status"));
    }

    @Test
    void aCancelDuringTheModelCallEndsTheTurnCancelled() {
        Workflow flow = hitl(null);
        ChatInputs inputs = inputs(flow);
        String chatId = newChat();
        OfflineModel offline = scripted(ASK);
        ChatModel cancelling = request -> inputs.cancel(APP, USER, chatId).thenMany(offline.stream(request));
        StepExecutor executor = executor(cancelling, flow);

        assertEquals(new StepOutcome.Cancelled("cancel_requested"), step(executor, chatId, 0));

        Document stored = chat(chatId);
        assertEquals("cancelled", stored.getString("status"));
        assertNull(stored.get("lease_owner"));
        List<ChatEvent> events = events(chatId);
        // The turn's own events were appended before its commit found the cancel; the run_complete follows them.
        assertEquals(List.of("chat.run_start", "chat.text", "chat.select_speaker", "chat.text", "chat.usage_delta",
                "chat.input_request", "chat.run_complete"), types(events));
        assertEquals("cancelled", events.get(events.size() - 1).data().get("status"));
        for (int i = 0; i < events.size(); i++) {
            assertEquals(i + 1, events.get(i).seq());
        }
    }
}

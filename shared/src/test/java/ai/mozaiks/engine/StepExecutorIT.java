package ai.mozaiks.engine;

import ai.mozaiks.models.AssistantMessage;
import ai.mozaiks.models.ChatModel;
import ai.mozaiks.models.FinishReason;
import ai.mozaiks.models.ModelResponse;
import ai.mozaiks.models.ToolCall;
import ai.mozaiks.models.Usage;
import ai.mozaiks.models.Chunks;
import ai.mozaiks.models.FakeChatServer;
import ai.mozaiks.models.ModelEvent;
import ai.mozaiks.models.offline.OfflineModel;
import ai.mozaiks.models.offline.OfflineScript;
import ai.mozaiks.models.openai.OpenAiCompatibleModel;
import ai.mozaiks.models.openai.OpenAiCompatibleSettings;
import ai.mozaiks.persistence.CommandRecorder;
import ai.mozaiks.persistence.EmbeddedMongoFixture;
import ai.mozaiks.persistence.RuntimeCollection;
import ai.mozaiks.realtime.RecordingFeed;
import ai.mozaiks.session.ChatEvent;
import ai.mozaiks.session.ChatSessions;
import ai.mozaiks.session.ChatStatus;
import ai.mozaiks.session.EventLog;
import ai.mozaiks.session.NewChat;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.workflows.Manifests;
import ai.mozaiks.workflows.Workflow;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static ai.mozaiks.workflows.Manifests.ReviewLoop.CONTEXT;
import static ai.mozaiks.workflows.Manifests.ReviewLoop.HANDOFFS;
import static ai.mozaiks.workflows.Manifests.ReviewLoop.SCRIPT;
import static ai.mozaiks.workflows.Manifests.ReviewLoop.TOOLS;
import static com.mongodb.client.model.Filters.eq;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StepExecutorIT {
    private static final AppId APP = AppId.of("app-engine");
    private static final ObjectMapper JSON = new ObjectMapper();

    private EmbeddedMongoFixture fixture;
    private EventLog log;
    private final AtomicInteger toolCalls = new AtomicInteger();
    private final RecordingFeed feed = new RecordingFeed();
    private Workflow workflow;

    @BeforeEach
    void start() {
        fixture = EmbeddedMongoFixture.start();
        log = new EventLog(fixture.appDatabases(), fixture.clock());
        workflow = Manifests.of("max_turns: 10\ninitial_message: Write about tides.\n")
                .with("context_variables.yaml", CONTEXT).with("handoffs.yaml", HANDOFFS).with("tools.yaml", TOOLS).load();
    }

    @AfterEach
    void stop() {
        assertEquals(List.of(), fixture.guard().violations(), "every runtime query carried app_id");
        fixture.close();
    }

    private ToolRegistry tools() {
        return ToolRegistry.of(Map.of("com.example.Lookup", invocation -> {
            toolCalls.incrementAndGet();
            JsonNode result = JSON.createObjectNode().put("word", invocation.call().arguments().get("word").asText())
                    .put("meaning", "the rise and fall of the sea");
            return Mono.just(result);
        }));
    }

    private StepExecutor executor(ChatModel model, Workflow flow, StepHooks hooks) {
        return new StepExecutor(fixture.appDatabases(), log, feed, model, tools(),
                ChatWorkflows.platform(name -> "demo".equals(name) ? Optional.of(flow) : Optional.empty()), fixture.clock(),
                EngineSettings.defaults("gpt-4o"), hooks);
    }

    private StepExecutor executor(ChatModel model) {
        return executor(model, workflow, StepHooks.NONE);
    }

    private static OfflineModel scripted(String script) {
        return new OfflineModel(OfflineScript.parse(script));
    }

    private String newChat() {
        return await(new ChatSessions(fixture.appDatabases(), fixture.clock())
                .start(APP, new NewChat("user-1", "demo", null, ChatStatus.RUNNING))).chat().chatId();
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

    /** Runs steps until the chat stops; answers the outcomes. */
    private List<StepOutcome> runToEnd(StepExecutor executor, String chatId) {
        List<StepOutcome> outcomes = new ArrayList<>();
        long seq = 0;
        while (true) {
            StepOutcome outcome = step(executor, chatId, seq);
            outcomes.add(outcome);
            if (!(outcome instanceof StepOutcome.Next next)) {
                return outcomes;
            }
            seq = next.stepSeq();
            assertTrue(seq < 20, "runaway chat");
        }
    }

    @Test
    void aTwoAgentWorkflowWithHandoffsAndAToolRunsToCompletionStepByStep() {
        String chatId = newChat();
        List<StepOutcome> outcomes = runToEnd(executor(scripted(SCRIPT)), chatId);

        assertEquals(List.of(new StepOutcome.Next(1), new StepOutcome.Next(2), new StepOutcome.Completed("terminate")), outcomes);
        List<ChatEvent> events = events(chatId);
        assertEquals(List.of("chat.run_start", "chat.text", "chat.select_speaker", "chat.usage_delta", "chat.tool_call",
                "chat.tool_response", "chat.select_speaker", "chat.text", "chat.usage_delta", "chat.select_speaker",
                "chat.text", "chat.usage_delta", "chat.run_complete"), types(events));
        assertEquals(1, toolCalls.get());
        ChatEvent next = events.get(7);
        assertEquals("NEXT", next.data().get("content"));
        assertEquals(true, next.data().get("hidden"), "the sentinel is hidden by its ui_hidden trigger");
        assertEquals("Reviewer", events.get(9).data().get("agent"));
        assertTrue(events.get(5).data().get("content").toString().contains("rise and fall"));
        for (int i = 0; i < events.size(); i++) {
            assertEquals(i + 1, events.get(i).seq());
        }

        Document stored = chat(chatId);
        assertEquals("completed", stored.getString("status"));
        assertEquals(3L, ((Number) stored.get("step_seq")).longValue());
        assertEquals(null, stored.get("lease_until"));
        Document conversation = stored.get("conversation", Document.class);
        assertEquals(true, conversation.get("variables", Document.class).get("approved"));
        assertEquals(1L, await(fixture.rawDatabase(EmbeddedMongoFixture.SHARED_RUNTIME_DB).getCollection("tool_results").countDocuments()));
    }

    @Test
    void theSameStepDeliveredTwiceAppliesOnce() {
        String chatId = newChat();
        StepExecutor executor = executor(scripted(SCRIPT));
        assertEquals(new StepOutcome.Next(1), step(executor, chatId, 0));
        List<ChatEvent> before = events(chatId);

        StepOutcome again = step(executor, chatId, 0);

        assertTrue(again instanceof StepOutcome.Stale, "a duplicate is acknowledged without effect: " + again);
        assertEquals(before, events(chatId));
        assertEquals(1, toolCalls.get());
        assertEquals(1L, ((Number) chat(chatId).get("step_seq")).longValue());
    }

    @Test
    void aCrashAfterTheToolResultIsRecordedDoesNotCallTheToolAgain() {
        String chatId = newChat();
        AtomicInteger crashes = new AtomicInteger();
        StepHooks crashOnce = new StepHooks() {
            @Override
            public void afterToolRecorded(String chat, long stepSeq, String callId) {
                if (crashes.getAndIncrement() == 0) {
                    throw new RuntimeException("killed between the tool call and the commit");
                }
            }
        };
        StepExecutor crashing = executor(scripted(SCRIPT), workflow, crashOnce);

        RuntimeException killed = assertThrows(RuntimeException.class, () -> step(crashing, chatId, 0));
        assertTrue(killed.getMessage().contains("killed"));
        assertEquals(1, toolCalls.get());
        assertEquals("running", chat(chatId).getString("status"));
        assertEquals(0L, ((Number) chat(chatId).get("step_seq")).longValue());

        // The queue redelivers the same message.
        assertEquals(new StepOutcome.Next(1), step(crashing, chatId, 0));
        assertEquals(1, toolCalls.get(), "the recorded result was reused");
        assertEquals(1, crashes.get(), "the hook ran once: the redelivery recorded nothing new");

        runToEnd2(crashing, chatId, 1);
        List<ChatEvent> events = events(chatId);
        assertEquals(List.of("chat.run_start", "chat.text", "chat.select_speaker", "chat.usage_delta", "chat.tool_call",
                "chat.tool_response", "chat.select_speaker", "chat.text", "chat.usage_delta", "chat.select_speaker",
                "chat.text", "chat.usage_delta", "chat.run_complete"), types(events));
        assertEquals(1, toolCalls.get());
    }

    private void runToEnd2(StepExecutor executor, String chatId, long from) {
        long seq = from;
        StepOutcome outcome;
        do {
            outcome = step(executor, chatId, seq);
            seq++;
        } while (outcome instanceof StepOutcome.Next && seq < 20);
        assertEquals(new StepOutcome.Completed("terminate"), outcome);
    }

    @Test
    void twoStepsForOneChatAtOnceNeverRunConcurrently() throws Exception {
        String chatId = newChat();
        OfflineModel offline = scripted(SCRIPT);
        Sinks.Empty<Void> gate = Sinks.empty();
        CountDownLatch inModel = new CountDownLatch(1);
        AtomicInteger modelCalls = new AtomicInteger();
        ChatModel held = request -> Flux.defer(() -> {
            modelCalls.incrementAndGet();
            inModel.countDown();
            return gate.asMono().thenMany(offline.stream(request));
        });
        StepExecutor executor = executor(held);

        CompletableFuture<StepOutcome> first = executor.run(new StepMessage(APP, chatId, 0)).toFuture();
        assertTrue(inModel.await(5, TimeUnit.SECONDS));

        StepOutcome second = step(executor, chatId, 0);
        assertEquals(new StepOutcome.RetryLater(Duration.ofSeconds(5)), second);
        assertTrue(step(executor, chatId, 1) instanceof StepOutcome.Stale, "a message for a later step is stale too");
        assertEquals(1, modelCalls.get());

        gate.tryEmitEmpty();
        assertEquals(new StepOutcome.Next(1), first.get(5, TimeUnit.SECONDS));
        assertEquals(1, toolCalls.get());
    }

    @Test
    void anExpiredLeaseLetsTheRedeliveryTakeOver() {
        String chatId = newChat();
        // A step that never finishes (its instance died) holds the lease.
        StepExecutor dying = executor(request -> Flux.never());
        dying.run(new StepMessage(APP, chatId, 0)).subscribe();
        StepExecutor executor = executor(scripted(SCRIPT));
        await(Mono.delay(Duration.ofMillis(50)));
        assertTrue(step(executor, chatId, 0) instanceof StepOutcome.RetryLater);

        fixture.clock().advance(Duration.ofMinutes(3));
        assertEquals(new StepOutcome.Next(1), step(executor, chatId, 0));
    }

    @Test
    void aStepLongerThanHalfItsLeaseKeepsRenewingItSoNoRedeliveryTakesOver() {
        String chatId = newChat();
        EngineSettings shortLease = new EngineSettings("gpt-4o", Duration.ofSeconds(1), Duration.ofSeconds(5),
                ConversationState.DEFAULT_WINDOW, "engine", ContextConfig.NONE, EngineSettings.DEFAULT_DELTA_INTERVAL);
        Sinks.Empty<Void> modelAnswers = Sinks.empty();
        OfflineModel offline = scripted(SCRIPT);
        ChatModel slow = request -> modelAnswers.asMono().thenMany(offline.stream(request));
        StepExecutor running = new StepExecutor(fixture.appDatabases(), log, feed, slow, tools(),
                ChatWorkflows.platform(name -> Optional.of(workflow)), fixture.clock(), shortLease, StepHooks.NONE);
        CompletableFuture<StepOutcome> first = running.run(new StepMessage(APP, chatId, 0)).toFuture();

        // The model takes longer than the lease: in the meantime the lease keeps moving with the clock.
        for (int round = 1; round <= 3; round++) {
            fixture.clock().advance(Duration.ofMillis(800));
            java.time.Instant past = EmbeddedMongoFixture.START.plusMillis(800L * round);
            eventually(() -> chat(chatId).getDate("lease_until").toInstant().isAfter(past), "the lease renewed past " + past);
            assertTrue(step(executor(scripted(SCRIPT)), chatId, 0) instanceof StepOutcome.RetryLater, "the chat stays busy");
        }

        modelAnswers.tryEmitEmpty();
        assertEquals(new StepOutcome.Next(1), first.join());
        assertEquals(null, chat(chatId).get("lease_until"), "the commit clears the lease, and no renewal follows it");
    }

    /** Polls the condition for up to 10 s (it waits on a timer of the code under test, not on this thread). */
    private static void eventually(java.util.function.BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "not within 10 s: " + what);
            await(Mono.delay(Duration.ofMillis(20)));
        }
    }

    @Test
    void handingOffToTheUserWaitsForInputWithAnInputRequest() {
        String chatId = newChat();
        Workflow hitl = Manifests.of("max_turns: 10\nhuman_in_the_loop: true\n")
                .with("context_variables.yaml", CONTEXT).with("handoffs.yaml", HANDOFFS).load();
        StepExecutor executor = executor(scripted("- agent: Writer\n  text: What should I write about?\n"), hitl, StepHooks.NONE);

        assertEquals(new StepOutcome.AwaitingInput("handoff"), step(executor, chatId, 0));

        List<ChatEvent> events = events(chatId);
        assertEquals(List.of("chat.run_start", "chat.select_speaker", "chat.text", "chat.usage_delta", "chat.input_request"),
                types(events));
        assertEquals("Writer", events.get(4).data().get("agent"));
        assertEquals("awaiting_input", chat(chatId).getString("status"));
        // No step runs for a chat that waits.
        assertTrue(step(executor, chatId, 1) instanceof StepOutcome.Stale);
    }

    @Test
    void aBrokenConditionFailsTheChatWithAnErrorEvent() {
        String chatId = newChat();
        Workflow broken = Manifests.of("max_turns: 10\n")
                .with("handoffs.yaml", """
                        handoff_rules:
                        - {source_agent: Writer, target_agent: Reviewer, handoff_type: condition, condition_type: expression,
                           condition: '${workflow_name} > 3'}
                        """).load();
        StepExecutor executor = executor(scripted("- agent: Writer\n  text: hi\n"), broken, StepHooks.NONE);

        StepOutcome outcome = step(executor, chatId, 0);

        assertTrue(outcome instanceof StepOutcome.Failed, outcome.toString());
        // The condition is evaluated after the reply: the model call's usage stays recorded (the tokens were spent).
        List<ChatEvent> events = events(chatId);
        assertEquals(List.of("chat.usage_delta", "chat.error", "chat.run_complete"), types(events));
        assertEquals(StepExecutor.STEP_FAILED, events.get(1).data().get("error_code"));
        assertEquals(1, ((Number) chat(chatId).get("usage_calls")).intValue());
        assertEquals("failed", chat(chatId).getString("status"));
    }

    @Test
    void aTurnStaysWithinTheDatabaseBudget() {
        String chatId = newChat();
        StepExecutor executor = executor(scripted(SCRIPT));
        CommandRecorder commands = fixture.commands();
        List<long[]> perStep = new ArrayList<>();
        for (long seq = 0; seq < 3; seq++) {
            commands.clear();
            step(executor, chatId, seq);
            perStep.add(count(commands));
        }
        // step 0: a tool turn (the tool result is recorded); steps 1 and 2: text turns (2 ends the chat).
        // A text turn is claim (findAndModify) + the model's response recorded in step_replies (insert) + commit
        // (findAndModify: state, usage totals, seqs and outbox) + usage_minutes bucket upsert + the app's month counter
        // ($inc) + events insert = 6 writes, and no read: the previous commit's events are known to be in the log, since
        // this instance stored them (another instance looks them up: one read). A tool turn adds the tool_results insert.
        // The app's first step of the month
        // creates its counter and seeds it (a read of it, one sum of the minute buckets, one conditional update).
        // (With a monthly token budget, a model call may add a point read of the month counter, at most one per app and
        // instance every 2 s: see MonthlyBudgetIT.)
        assertEquals(2, perStep.get(0)[0]);
        assertEquals(8, perStep.get(0)[1]);
        for (long[] step : perStep.subList(1, 3)) {
            assertEquals(0, step[0], "reads");
            assertEquals(6, step[1], "writes");
        }
        System.out.printf("engine budget: reads/writes per step: tool turn %d/%d, text turn %d/%d, last turn %d/%d%n",
                perStep.get(0)[0], perStep.get(0)[1], perStep.get(1)[0], perStep.get(1)[1], perStep.get(2)[0], perStep.get(2)[1]);
    }

    private static final Set<String> READS = Set.of("find", "aggregate", "count", "getMore", "distinct");
    private static final Set<String> WRITES = Set.of("insert", "update", "delete", "findAndModify");

    private static long[] count(CommandRecorder commands) {
        long reads = 0;
        long writes = 0;
        for (CommandRecorder.Observed o : commands.observed()) {
            if (READS.contains(o.command())) {
                reads++;
            } else if (WRITES.contains(o.command())) {
                writes++;
            }
        }
        return new long[] {reads, writes};
    }

    @Test
    void anOpenAiCompatibleModelStreamsAToolCallThroughTheEngine() throws Exception {
        try (FakeChatServer server = FakeChatServer.http()) {
            server.stream(Chunks.role(), Chunks.toolStart(0, "call_abc", "lookup"), Chunks.toolArguments(0, "{\"word\":"),
                    Chunks.toolArguments(0, "\"tide\"}"), Chunks.finish("tool_calls"));
            server.stream(Chunks.role(), Chunks.text("NE"), Chunks.text("XT"), Chunks.finish("stop"));
            server.stream(Chunks.role(), Chunks.text("APPROVED"), Chunks.finish("stop"));
            ChatModel model = new OpenAiCompatibleModel(OpenAiCompatibleSettings.openAi(server.baseUrl(), null));
            String chatId = newChat();

            List<StepOutcome> outcomes = runToEnd(executor(model), chatId);

            assertEquals(new StepOutcome.Completed("terminate"), outcomes.get(outcomes.size() - 1));
            assertEquals(1, toolCalls.get());
            // Pieces that stream within one interval go out as one delta; the Writer's NEXT is ui_hidden, so it never streams.
            assertEquals(List.of("Reviewer:APPROVED"), feed.sent().stream().filter(RecordingFeed.Sent::isDelta)
                    .map(sent -> sent.agent() + ":" + sent.delta()).toList());
            JsonNode first = server.take().json();
            assertEquals("lookup", first.at("/tools/0/function/name").asText());
            assertTrue(first.at("/messages/0/content").asText().contains("draft_ready: False"));
            JsonNode second = server.take().json();
            JsonNode history = second.get("messages");
            JsonNode assistant = history.get(history.size() - 2);
            assertEquals("Writer", assistant.get("name").asText());
            assertEquals("call_abc", assistant.at("/tool_calls/0/id").asText());
            assertEquals("call_abc", history.get(history.size() - 1).get("tool_call_id").asText());
            JsonNode third = server.take().json();
            assertTrue(third.at("/messages/0/content").asText().startsWith("You review drafts."));
            List<ChatEvent> events = events(chatId);
            assertEquals("tide", ((Document) events.get(4).data().get("arguments")).getString("word"));
        }
    }

    @Test
    void everyStoredEventGoesLiveOnceInSeqOrder() {
        String chatId = newChat();

        runToEnd(executor(scripted(SCRIPT)), chatId);

        List<Long> logged = events(chatId).stream().map(ChatEvent::seq).toList();
        assertTrue(logged.size() > 5, "the run stored its turns");
        assertEquals(logged, feed.seqs(chatId));
    }

    @Test
    void textThatStreamsSlowerThanTheIntervalGoesOutPieceByPieceAndBeforeTheStoredText() throws Exception {
        try (FakeChatServer server = FakeChatServer.http()) {
            server.reply(new FakeChatServer.SlowSse(List.of(Chunks.role(), Chunks.text("one "), Chunks.text("two"),
                    Chunks.finish("stop")), Duration.ofMillis(300)));
            Workflow single = Manifests.of("max_turns: 1\ninitial_message: Hello.\n").load();
            ChatModel model = new OpenAiCompatibleModel(OpenAiCompatibleSettings.openAi(server.baseUrl(), null));
            String chatId = newChat();

            step(executor(model, single, StepHooks.NONE), chatId, 0);

            List<RecordingFeed.Sent> sent = feed.sent();
            assertEquals(List.of("one ", "two"), sent.stream().filter(RecordingFeed.Sent::isDelta).map(RecordingFeed.Sent::delta).toList());
            assertTrue(sent.get(sent.size() - 1).events().stream().anyMatch(event -> event.type().equals("chat.text")),
                    "the stored events go out last, after the deltas: " + sent);
        }
    }

    @Test
    void autoPatternAsksTheModelWhoSpeaks() {
        Workflow auto = Manifests.of("max_turns: 2\norchestration_pattern: AutoPattern\n").load();
        String chatId = newChat();
        StepExecutor executor = executor(scripted("""
                - {agent: speaker_selector, text: Reviewer}
                - {agent: Writer, text: draft}
                - {agent: Reviewer, text: looks fine}
                """), auto, StepHooks.NONE);

        List<StepOutcome> outcomes = runToEnd(executor, chatId);

        assertEquals(new StepOutcome.Completed("max_turns"), outcomes.get(outcomes.size() - 1));
        List<ChatEvent> speakers = events(chatId).stream().filter(e -> e.type().equals("chat.select_speaker")).toList();
        assertEquals("Writer", speakers.get(0).data().get("agent"));
        assertEquals("Reviewer", speakers.get(1).data().get("agent"));
    }

    @Test
    void anAgentThatAlwaysAnswersWithAToolCallStopsAtMaxTurns() {
        Workflow looping = Manifests.of("max_turns: 4\ninitial_message: Write about tides.\n").with("tools.yaml", TOOLS).load();
        AtomicInteger modelCalls = new AtomicInteger();
        ChatModel alwaysATool = request -> Flux.defer(() -> {
            int n = modelCalls.incrementAndGet();
            ToolCall call = new ToolCall("call_" + n, "lookup", JSON.createObjectNode().put("word", "tide"));
            return Flux.just(new ModelEvent.Completed(new ModelResponse(new AssistantMessage(null, List.of(call), null),
                    FinishReason.TOOL_CALLS, Usage.reported(10, 1, 11, null), "gpt-4o")));
        });
        String chatId = newChat();

        List<StepOutcome> outcomes = runToEnd(executor(alwaysATool, looping, StepHooks.NONE), chatId);

        // Each tool round is a round toward max_turns: four rounds, then the chat completes instead of a fifth.
        assertEquals(new StepOutcome.Completed("max_turns"), outcomes.get(outcomes.size() - 1));
        assertEquals(4, modelCalls.get());
        assertEquals(4, toolCalls.get());
        List<ChatEvent> events = events(chatId);
        ChatEvent last = events.get(events.size() - 1);
        assertEquals("chat.run_complete", last.type());
        assertEquals("max_turns", last.data().get("reason"));
        assertEquals("max_turns_reached", last.data().get("status"), "ended by its turns: not a completion");
        assertEquals("max_turns_reached", chat(chatId).getString("status"));
    }
}

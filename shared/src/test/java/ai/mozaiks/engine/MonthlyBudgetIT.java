package ai.mozaiks.engine;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static ai.mozaiks.workflows.Manifests.ReviewLoop.CONTEXT;
import static ai.mozaiks.workflows.Manifests.ReviewLoop.HANDOFFS;
import static ai.mozaiks.workflows.Manifests.ReviewLoop.SCRIPT;
import static ai.mozaiks.workflows.Manifests.ReviewLoop.TOOLS;
import static com.mongodb.client.model.Filters.eq;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.mozaiks.http.Json;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.models.ChatModel;
import ai.mozaiks.models.ModelEvent;
import ai.mozaiks.models.ModelResponse;
import ai.mozaiks.models.Usage;
import ai.mozaiks.models.offline.OfflineModel;
import ai.mozaiks.models.offline.OfflineScript;
import ai.mozaiks.persistence.CommandRecorder;
import ai.mozaiks.persistence.EmbeddedMongoFixture;
import ai.mozaiks.realtime.RecordingFeed;
import ai.mozaiks.session.ChatEvent;
import ai.mozaiks.session.ChatSessions;
import ai.mozaiks.session.ChatStatus;
import ai.mozaiks.session.ChildOf;
import ai.mozaiks.session.EventLog;
import ai.mozaiks.session.NewChat;
import ai.mozaiks.tenancy.MonthlyTokens;
import ai.mozaiks.workflows.Manifests;
import ai.mozaiks.workflows.Workflow;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** The monthly token budget is checked before every model call: a chat that runs out stops cleanly, with no model call. */
class MonthlyBudgetIT {
    private static final AppId APP = AppId.of("app-budget");
    /** Tokens of every model call here. */
    private static final int TOKENS = 110;

    private EmbeddedMongoFixture fixture;
    private EventLog log;
    private final AtomicInteger modelCalls = new AtomicInteger();
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
        fixture.close();
    }

    /** The scripted model, each call reporting {@value #TOKENS} tokens and counted. */
    private ChatModel model(String script) {
        OfflineModel offline = new OfflineModel(OfflineScript.parse(script));
        return request -> {
            modelCalls.incrementAndGet();
            return offline.stream(request).map(event -> event instanceof ModelEvent.Completed done
                    ? new ModelEvent.Completed(new ModelResponse(done.response().message(), done.response().finishReason(),
                            Usage.reported(100, 10, TOKENS, null), done.response().model()))
                    : event);
        };
    }

    private StepExecutor executor(ChatModel model, Workflow flow, long budget) {
        ToolRegistry tools = ToolRegistry.of(Map.of("com.example.Lookup",
                invocation -> Mono.just(Json.mapper().createObjectNode().put("meaning", "the rise and fall of the sea"))));
        return new StepExecutor(fixture.appDatabases(), log, new RecordingFeed(), model, tools,
                ChatWorkflows.platform(name -> Optional.of(flow)), fixture.clock(), EngineSettings.defaults("gpt-4o"),
                StepHooks.NONE, ai.mozaiks.models.PriceTable.bundled(), app -> Mono.just(budget),
                new MonthlyTokens(fixture.appDatabases(), fixture.clock()));
    }

    private String newChat(NewChat chat) {
        return await(new ChatSessions(fixture.appDatabases(), fixture.clock()).start(APP, chat)).chat().chatId();
    }

    private StepOutcome step(StepExecutor executor, String chatId, long seq) {
        return await(executor.run(new StepMessage(APP, chatId, seq)));
    }

    private List<ChatEvent> events(String chatId) {
        return await(log.read(APP, chatId, 0, 500)).events();
    }

    private Document chat(String chatId) {
        return await(fixture.rawDatabase(EmbeddedMongoFixture.SHARED_RUNTIME_DB).getCollection("chat_sessions")
                .find(eq("chat_id", chatId)).first());
    }

    @Test
    void aChatThatRunsOutMidwayStopsCleanlyAndWaitsForItsUserWithoutCallingTheModel() {
        String chatId = newChat(new NewChat("user-1", "demo", null, ChatStatus.RUNNING));
        // 200 tokens: the first two calls (110 each) fit, the third would start past the budget.
        StepExecutor executor = executor(model(SCRIPT), workflow, 200);
        CommandRecorder commands = fixture.commands();

        assertEquals(new StepOutcome.Next(1), step(executor, chatId, 0));
        assertEquals(3, usageReads(commands), "the app's first reading of the month: the counter looked up, created and read, "
                + "seeded with one sum of the buckets");
        assertEquals(1, commands.count("aggregate", "usage_minutes"));
        fixture.clock().advance(MonthlyTokens.FRESH);
        commands.clear();
        assertEquals(new StepOutcome.Next(2), step(executor, chatId, 1));
        assertEquals(1, usageReads(commands), "the reading of the first call is no longer fresh: the counter is read by _id");

        commands.clear();
        fixture.clock().advance(MonthlyTokens.FRESH);
        StepOutcome out = step(executor, chatId, 2);
        assertEquals(1, usageReads(commands), "a fresh reading: 220 tokens");

        assertEquals(new StepOutcome.AwaitingInput("budget_exhausted"), out);
        assertEquals(2, modelCalls.get(), "no model call once the budget is used");
        List<ChatEvent> events = events(chatId);
        List<String> last = events.subList(events.size() - 3, events.size()).stream().map(ChatEvent::type).toList();
        assertEquals(List.of("chat.select_speaker", "chat.error", "chat.input_request"), last);
        ChatEvent error = events.get(events.size() - 2);
        assertEquals(AgentTurn.BUDGET_EXHAUSTED, error.data().get("error_code"));
        assertEquals(AgentTurn.BUDGET_MESSAGE, error.data().get("message"));
        assertEquals(220L, ((Number) error.data().get("tokens_used")).longValue());
        assertEquals("budget_exhausted", events.get(events.size() - 1).data().get("reason"));
        Document stored = chat(chatId);
        assertEquals("awaiting_input", stored.getString("status"), "the conversation is kept for when the budget allows");
        assertEquals(2, ((Number) stored.get("usage_calls")).intValue());
    }

    /** Reads of the month counter (by _id) and of the minute buckets (summed only to seed a counter). */
    private static long usageReads(CommandRecorder commands) {
        return commands.count("find", "usage_months") + commands.count("aggregate", "usage_minutes")
                + commands.count("find", "usage_minutes");
    }

    @Test
    void aReadingOfTheMonthsTokensStandsForTheAppForAShortWhile() {
        StepExecutor executor = executor(model(SCRIPT), workflow, 200);
        String first = newChat(new NewChat("user-1", "demo", null, ChatStatus.RUNNING));
        String second = newChat(new NewChat("user-2", "demo", null, ChatStatus.RUNNING));
        CommandRecorder commands = fixture.commands();
        commands.clear();

        // Two chats of the app, one step each, within FRESH: one reading (the month's counter created and seeded).
        assertEquals(new StepOutcome.Next(1), step(executor, first, 0));
        assertEquals(new StepOutcome.Next(1), step(executor, second, 0));
        assertEquals(3, usageReads(commands));
        assertEquals(2, modelCalls.get());

        // 220 tokens used by then; once the reading is stale the next call sees them (one read) and is refused.
        fixture.clock().advance(MonthlyTokens.FRESH);
        assertEquals(new StepOutcome.AwaitingInput("budget_exhausted"), step(executor, first, 1));
        assertEquals(4, usageReads(commands));
        assertEquals(2, modelCalls.get());
    }

    @Test
    void aSpeakerSelectionIsNotAskedForWhenTheBudgetIsUsed() {
        Workflow auto = Manifests.of("max_turns: 2\norchestration_pattern: AutoPattern\n").load();
        String chatId = newChat(new NewChat("user-1", "demo", null, ChatStatus.RUNNING));

        // The first turn is the initial agent's (110 tokens, past the budget of 100); the second would ask who speaks.
        StepExecutor executor = executor(model("- {agent: Writer, text: draft}\n- {agent: speaker_selector, text: Reviewer}\n"), auto, 100);
        assertEquals(new StepOutcome.Next(1), step(executor, chatId, 0));
        fixture.clock().advance(MonthlyTokens.FRESH);

        StepOutcome out = step(executor, chatId, 1);

        assertEquals(new StepOutcome.AwaitingInput("budget_exhausted"), out);
        assertEquals(1, modelCalls.get(), "the selection was not asked for");
        assertEquals(List.of("chat.run_start", "chat.select_speaker", "chat.text", "chat.usage_delta", "chat.error", "chat.input_request"),
                events(chatId).stream().map(ChatEvent::type).toList());
    }

    @Test
    void aChildWorkflowThatRunsOutFailsSoItsFanOutCanFinish() {
        String chatId = newChat(new NewChat("user-1", "demo", null, ChatStatus.RUNNING, null,
                new ChildOf("chat_parent", "run_1", 0, "Write about tides.")));

        StepOutcome out = step(executor(model(SCRIPT), workflow, 0), chatId, 0);

        assertEquals(new StepOutcome.Failed("budget_exhausted"), out);
        assertEquals(0, modelCalls.get());
        List<ChatEvent> events = events(chatId);
        assertEquals(AgentTurn.BUDGET_EXHAUSTED, events.get(events.size() - 2).data().get("error_code"));
        assertEquals("failed", chat(chatId).getString("status"));
    }
}

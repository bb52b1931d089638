package ai.mozaiks.engine;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static ai.mozaiks.workflows.Manifests.ReviewLoop.CONTEXT;
import static ai.mozaiks.workflows.Manifests.ReviewLoop.HANDOFFS;
import static com.mongodb.client.model.Filters.eq;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.config.ToolSettings;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.models.ChatModel;
import ai.mozaiks.models.Chunks;
import ai.mozaiks.models.FakeChatServer;
import ai.mozaiks.models.openai.OpenAiCompatibleModel;
import ai.mozaiks.models.openai.OpenAiCompatibleSettings;
import ai.mozaiks.outbound.HostResolver;
import ai.mozaiks.outbound.OutboundClient;
import ai.mozaiks.persistence.EmbeddedMongoFixture;
import ai.mozaiks.realtime.RecordingFeed;
import ai.mozaiks.session.ChatEvent;
import ai.mozaiks.session.ChatSessions;
import ai.mozaiks.session.ChatStatus;
import ai.mozaiks.session.EventLog;
import ai.mozaiks.session.NewChat;
import ai.mozaiks.tenancy.MonthlyTokens;
import ai.mozaiks.tools.HttpTool;
import ai.mozaiks.workflows.Manifests;
import ai.mozaiks.workflows.Workflow;
import com.mongodb.reactivestreams.client.MongoDatabase;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * An attempt of a step dies at each boundary between its side effects, and the queue redelivers the step: the model
 * is asked once per turn whose response was recorded, a tool once per call (again only when its result was not
 * recorded, and then with the same {@code Idempotency-Key}), the chat's log holds every event once, and the usage is
 * counted once. The model is a local HTTP server speaking the OpenAI API, the tool a local HTTP endpoint.
 */
class StepCrashWindowsIT {
    private static final AppId APP = AppId.of("app-crash");
    private static final int PROMPT = 100;
    private static final int COMPLETION = 10;
    /** The events of the whole run, as a run without a crash stores them. */
    private static final List<String> CLEAN_RUN = List.of("chat.run_start", "chat.text", "chat.select_speaker",
            "chat.usage_delta", "chat.tool_call", "chat.tool_response", "chat.select_speaker", "chat.text", "chat.usage_delta",
            "chat.select_speaker", "chat.text", "chat.usage_delta", "chat.run_complete");

    /** Where the first attempt dies, and at which step: 0 is the tool turn, 1 a plain-text turn. */
    enum Boundary {
        AFTER_MODEL_RECORDED(0), BEFORE_TOOL(0), DURING_TOOL(0), AFTER_TOOL_RECORDED(0), BEFORE_COMMIT(0),
        TEXT_AFTER_MODEL_RECORDED(1), TEXT_BEFORE_COMMIT(1);

        final long step;

        Boundary(long step) {
            this.step = step;
        }
    }

    private EmbeddedMongoFixture fixture;
    private EventLog log;
    private FakeChatServer model;
    private HttpServer tool;
    private final List<String> toolKeys = new CopyOnWriteArrayList<>();
    /** Holds the tool's first answer until released (the attempt is killed meanwhile). */
    private final CountDownLatch toolReached = new CountDownLatch(1);
    private final CountDownLatch releaseTool = new CountDownLatch(1);
    private final AtomicBoolean holdFirstToolCall = new AtomicBoolean();
    private Workflow workflow;

    @BeforeEach
    void start() throws IOException {
        fixture = EmbeddedMongoFixture.start();
        log = new EventLog(fixture.appDatabases(), fixture.clock());
        model = FakeChatServer.http();
        model.stream(Chunks.role(), Chunks.toolStart(0, "call_first", "lookup"), Chunks.toolArguments(0, "{\"word\":\"tide\"}"),
                Chunks.finish("tool_calls"), Chunks.usage(PROMPT, COMPLETION, null));
        model.stream(Chunks.role(), Chunks.text("NEXT"), Chunks.finish("stop"), Chunks.usage(PROMPT, COMPLETION, null));
        model.stream(Chunks.role(), Chunks.text("APPROVED"), Chunks.finish("stop"), Chunks.usage(PROMPT, COMPLETION, null));
        // A model asked again would answer this: a new tool call id, as a provider does.
        model.stream(Chunks.role(), Chunks.toolStart(0, "call_second", "lookup"), Chunks.toolArguments(0, "{\"word\":\"tide\"}"),
                Chunks.finish("tool_calls"), Chunks.usage(PROMPT, COMPLETION, null));
        tool = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        tool.setExecutor(Executors.newCachedThreadPool());
        tool.createContext("/lookup", this::lookup);
        tool.start();
        workflow = Manifests.of("max_turns: 10\ninitial_message: Write about tides.\n")
                .with("context_variables.yaml", CONTEXT.replace("agents:\n", "- {name: looked_up, type: string, source: {type: state}}\nagents:\n"))
                .with("handoffs.yaml", HANDOFFS).with("tools.yaml", """
                        tools:
                        - agent: Writer
                          function: lookup
                          description: Look a word up.
                          implementation: {type: http, url: 'http://127.0.0.1:%d/lookup', method: POST}
                          parameters:
                            type: object
                            properties: {word: {type: string}}
                            required: [word]
                        """.formatted(tool.getAddress().getPort())).load();
    }

    private void lookup(HttpExchange exchange) throws IOException {
        exchange.getRequestBody().readAllBytes();
        toolKeys.add(exchange.getRequestHeaders().getFirst("Idempotency-Key"));
        if (holdFirstToolCall.getAndSet(false)) {
            toolReached.countDown();
            try {
                releaseTool.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // It also sets a context variable: a redelivered step sets it from the recorded answer, the tool not asked again.
        byte[] body = "{\"meaning\":\"the rise and fall of the sea\",\"context_updates\":{\"looked_up\":\"tide\"}}"
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        try {
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        } catch (IOException gone) {
            // The attempt that asked is dead: nobody reads this answer.
        }
        exchange.close();
    }

    @AfterEach
    void stop() {
        releaseTool.countDown();
        tool.stop(0);
        model.close();
        assertEquals(List.of(), fixture.guard().violations(), "every runtime query carried app_id");
        fixture.close();
    }

    private StepExecutor executor(StepHooks hooks) {
        ChatModel chatModel = new OpenAiCompatibleModel(OpenAiCompatibleSettings.openAi(model.baseUrl(), null));
        ToolRegistry tools = ToolRegistry.of(Map.of(),
                new HttpTool(new OutboundClient(HostResolver.system()), new ToolSettings(Duration.ofSeconds(30), 64 * 1024, true)));
        return new StepExecutor(fixture.appDatabases(), log, new RecordingFeed(), chatModel, tools,
                ChatWorkflows.platform(name -> Optional.of(workflow)), fixture.clock(), EngineSettings.defaults("gpt-4o"), hooks);
    }

    /** Throws once, at the boundary, in the step it names. */
    private static StepHooks crashOnce(Boundary boundary) {
        AtomicBoolean crashed = new AtomicBoolean();
        return new StepHooks() {
            private void at(Boundary point, long stepSeq) {
                if (point == boundary && stepSeq == boundary.step && crashed.compareAndSet(false, true)) {
                    throw new RuntimeException("killed at " + boundary);
                }
            }

            @Override
            public void afterModelRecorded(String chatId, long stepSeq, String call) {
                at(boundary.step == 0 ? Boundary.AFTER_MODEL_RECORDED : Boundary.TEXT_AFTER_MODEL_RECORDED, stepSeq);
            }

            @Override
            public void beforeToolCall(String chatId, long stepSeq, String callId) {
                at(Boundary.BEFORE_TOOL, stepSeq);
            }

            @Override
            public void afterToolRecorded(String chatId, long stepSeq, String callId) {
                at(Boundary.AFTER_TOOL_RECORDED, stepSeq);
            }

            @Override
            public void beforeCommit(String chatId, long stepSeq) {
                at(boundary.step == 0 ? Boundary.BEFORE_COMMIT : Boundary.TEXT_BEFORE_COMMIT, stepSeq);
            }
        };
    }

    private String newChat() {
        return await(new ChatSessions(fixture.appDatabases(), fixture.clock())
                .start(APP, new NewChat("user-1", "demo", null, ChatStatus.RUNNING))).chat().chatId();
    }

    private StepOutcome step(StepExecutor executor, String chatId, long seq) {
        return await(executor.run(new StepMessage(APP, chatId, seq)));
    }

    private MongoDatabase runtime() {
        return fixture.rawDatabase(EmbeddedMongoFixture.SHARED_RUNTIME_DB);
    }

    @ParameterizedTest
    @EnumSource(Boundary.class)
    void anAttemptKilledAtEachBoundaryIsRedeliveredWithoutRepeatingOrLosingAnything(Boundary boundary) throws Exception {
        String chatId = newChat();
        StepExecutor executor = executor(boundary == Boundary.DURING_TOOL ? StepHooks.NONE : crashOnce(boundary));

        for (long seq = 0; seq < boundary.step; seq++) {
            assertEquals(new StepOutcome.Next(seq + 1), step(executor, chatId, seq));
        }
        if (boundary == Boundary.DURING_TOOL) {
            // The instance dies while the tool works: the step's subscription is gone and its lease stays until it expires.
            holdFirstToolCall.set(true);
            Disposable attempt = executor.run(new StepMessage(APP, chatId, boundary.step)).subscribe();
            assertTrue(toolReached.await(30, TimeUnit.SECONDS), "the tool was called");
            attempt.dispose();
            releaseTool.countDown();
            fixture.clock().advance(EngineSettings.defaults("gpt-4o").lease().plusSeconds(1));
        } else {
            RuntimeException killed = assertThrows(RuntimeException.class, () -> step(executor, chatId, boundary.step));
            assertTrue(String.valueOf(killed.getMessage()).contains("killed at " + boundary), killed.toString());
        }
        assertEquals("running", chat(chatId).getString("status"));
        assertEquals(boundary.step, ((Number) chat(chatId).get("step_seq")).longValue(), "the step did not commit");

        // The queue redelivers the step, then the chat runs to its end.
        long seq = boundary.step;
        StepOutcome outcome;
        do {
            outcome = step(executor, chatId, seq++);
        } while (outcome instanceof StepOutcome.Next && seq < 10);
        assertEquals(new StepOutcome.Completed("terminate"), outcome);

        assertEquals(3, model.received(), "one model call per turn: the recorded response was reused");
        String key = APP.value() + ":" + chatId + ":0:0";
        assertEquals(boundary == Boundary.DURING_TOOL ? List.of(key, key) : List.of(key), toolKeys,
                "the tool is called again only when its result was not recorded, with the same key");
        List<ChatEvent> events = await(log.read(APP, chatId, 0, 500)).events();
        assertEquals(CLEAN_RUN, events.stream().map(ChatEvent::type).toList());
        for (int i = 0; i < events.size(); i++) {
            assertEquals(i + 1, events.get(i).seq(), "no gap, no repeat");
        }
        assertEquals("call_first", events.get(4).data().get("call_id"));
        assertEquals(1, events.stream().filter(event -> event.type().equals("chat.tool_response")).count());
        assertTrue(events.get(5).data().get("content").toString().contains("rise and fall"));
        assertEquals(new Document("looked_up", "tide"), events.get(5).data().get("context_updates"));
        assertEquals("tide", chat(chatId).get("conversation", Document.class).get("variables", Document.class).get("looked_up"),
                "the variable the tool set survives the redelivery");

        Document stored = chat(chatId);
        assertEquals(3, ((Number) stored.get("usage_calls")).intValue(), "usage counted once per recorded response");
        assertEquals(3L * (PROMPT + COMPLETION), ((Number) stored.get("usage_total_tokens")).longValue());
        List<Document> minutes = Flux.from(runtime().getCollection("usage_minutes").find(eq("app_id", APP.value()))).collectList().block();
        assertEquals(3, minutes.stream().mapToInt(minute -> ((Number) minute.get("calls")).intValue()).sum());
        assertEquals(3L * (PROMPT + COMPLETION), await(new MonthlyTokens(fixture.appDatabases(), fixture.clock()).thisMonth(APP)),
                "the month's tokens count each response once");
        assertEquals(3L, Mono.from(runtime().getCollection("step_replies").countDocuments(eq("chat_id", chatId))).block(),
                "one recorded response per turn");
        assertEquals(1L, Mono.from(runtime().getCollection("tool_results").countDocuments(eq("chat_id", chatId))).block());
    }

    @Test
    void whenTwoAttemptsRecordAResponseTheFirstRecordedWinsAndTheOtherGoesOnWithIt() {
        String chatId = newChat();
        // An attempt whose lease ran out while it still worked recorded its reply first, with its own tool call id.
        await(Mono.from(runtime().getCollection("step_replies").insertOne(new Document("app_id", APP.value())
                .append("chat_id", chatId).append("step_seq", 0L).append("call", ReplyJournal.REPLY).append("agent", "Writer")
                .append("tc", List.of(new Document("id", "call_stored").append("name", "lookup").append("args", "{\"word\":\"tide\"}")))
                .append("usage", new Document("agent", "Writer").append("model_name", "gpt-4o").append("prompt_tokens", PROMPT)
                        .append("completion_tokens", COMPLETION).append("total_tokens", PROMPT + COMPLETION))
                .append("recorded_at", new java.util.Date()))));

        assertEquals(new StepOutcome.Next(1), step(executor(StepHooks.NONE), chatId, 0));

        List<ChatEvent> events = await(log.read(APP, chatId, 0, 500)).events();
        assertEquals("call_stored", events.get(4).data().get("call_id"), "the stored reply, not this attempt's");
        assertEquals(List.of(APP.value() + ":" + chatId + ":0:0"), toolKeys);
        assertEquals(1L, Mono.from(runtime().getCollection("step_replies").countDocuments(eq("chat_id", chatId))).block());
        assertEquals(1, ((Number) chat(chatId).get("usage_calls")).intValue());
    }

    @Test
    void aRedeliveredStepThatEndsByACancelStillCountsTheTokensItsFirstAttemptSpent() {
        String chatId = newChat();
        StepExecutor executor = executor(crashOnce(Boundary.TEXT_AFTER_MODEL_RECORDED));
        assertEquals(new StepOutcome.Next(1), step(executor, chatId, 0));
        assertThrows(RuntimeException.class, () -> step(executor, chatId, 1));
        // The user cancels before the step is redelivered.
        await(Mono.from(runtime().getCollection("chat_sessions").updateOne(eq("chat_id", chatId),
                com.mongodb.client.model.Updates.set(ai.mozaiks.session.InputFields.CANCEL_REQUESTED, true))));

        assertEquals(new StepOutcome.Cancelled("cancel_requested"), step(executor, chatId, 1));

        assertEquals(2, model.received());
        List<ChatEvent> events = await(log.read(APP, chatId, 0, 500)).events();
        List<String> types = events.stream().map(ChatEvent::type).toList();
        assertEquals(List.of("chat.usage_delta", "chat.run_complete"), types.subList(types.size() - 2, types.size()),
                "the reply recorded before the crash is not shown, but its tokens count");
        assertEquals(2, ((Number) chat(chatId).get("usage_calls")).intValue());
        assertEquals(2L * (PROMPT + COMPLETION), ((Number) chat(chatId).get("usage_total_tokens")).longValue());
    }

    private Document chat(String chatId) {
        return await(runtime().getCollection("chat_sessions").find(eq("chat_id", chatId)).first());
    }
}

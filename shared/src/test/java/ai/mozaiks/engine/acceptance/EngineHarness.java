package ai.mozaiks.engine.acceptance;

import ai.mozaiks.children.ChildPolicy;
import ai.mozaiks.children.ChildReconciler;
import ai.mozaiks.children.ChildRuns;
import ai.mozaiks.config.ToolSettings;
import ai.mozaiks.engine.ChatInputs;
import ai.mozaiks.engine.ChatWorkflows;
import ai.mozaiks.engine.ContextConfig;
import ai.mozaiks.engine.ConversationState;
import ai.mozaiks.engine.EngineSettings;
import ai.mozaiks.engine.FairShare;
import ai.mozaiks.engine.StepExecutor;
import ai.mozaiks.engine.StepHooks;
import ai.mozaiks.engine.StepMessage;
import ai.mozaiks.engine.StepOutcome;
import ai.mozaiks.engine.StepQueue;
import ai.mozaiks.engine.StepRetries;
import ai.mozaiks.engine.StepRunner;
import ai.mozaiks.engine.ToolInvocation;
import ai.mozaiks.engine.ToolRegistry;
import ai.mozaiks.models.ChatModel;
import ai.mozaiks.models.Chunks;
import ai.mozaiks.models.FakeChatServer;
import ai.mozaiks.models.azure.AzureOpenAiModel;
import ai.mozaiks.models.azure.AzureOpenAiSettings;
import ai.mozaiks.models.openai.OpenAiCompatibleModel;
import ai.mozaiks.models.openai.OpenAiCompatibleSettings;
import ai.mozaiks.outbound.HostResolver;
import ai.mozaiks.outbound.OutboundClient;
import ai.mozaiks.payloads.PayloadStores;
import ai.mozaiks.persistence.EmbeddedMongoFixture;
import ai.mozaiks.session.ChatFeed;
import ai.mozaiks.session.ChatEvent;
import ai.mozaiks.session.ChatSessions;
import ai.mozaiks.session.ChatStatus;
import ai.mozaiks.session.EventLog;
import ai.mozaiks.session.NewChat;
import ai.mozaiks.tenancy.RunSlots;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.tenancy.CachedAppStates;
import ai.mozaiks.identity.RuntimeToken;
import ai.mozaiks.engine.StallReaper;
import ai.mozaiks.engine.IdleChats;
import ai.mozaiks.engine.RunQueue;
import ai.mozaiks.tenancy.RunSlots;
import ai.mozaiks.realtime.ChatEvents;
import ai.mozaiks.tenancy.Tiers;
import ai.mozaiks.tenancy.AppUsage;
import ai.mozaiks.tenancy.ControlCollections;
import ai.mozaiks.tenancy.Entitlements;
import ai.mozaiks.tenancy.TenantAccess;
import ai.mozaiks.tenancy.WorkflowDirectory;
import ai.mozaiks.tenancy.WorkflowEntry;
import ai.mozaiks.tools.HttpTool;
import ai.mozaiks.tools.builtin.CurrentTime;
import ai.mozaiks.workflows.Manifests;
import ai.mozaiks.workflows.Workflow;
import ai.mozaiks.workflows.WorkflowCatalog;
import com.azure.core.http.HttpClient;
import com.azure.core.util.HttpClientOptions;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.bson.Document;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static com.mongodb.client.model.Filters.eq;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine wired as {@code Platform} wires it — embedded Mongo with the app-scope guard, {@link EventLog},
 * {@link ChatSessions}, {@link StepExecutor} + {@link StepRunner} + {@link ChatInputs} — with a real model client
 * pointed at the local chat-completions server, and an in-process step queue the test delivers one message at a time.
 * Workflows: the repository's {@code workflows/} (as the platform loads them) plus the purpose-built ones given.
 */
final class EngineHarness implements AutoCloseable {
    static final AppId APP = AppId.of("app-acceptance");
    static final String USER = "user-1";
    static final String DEPLOYMENT = "my-deployment";
    static final String AZURE_KEY = "azure-test-key";
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX_DELIVERIES = 30;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The real model clients the engine can run on. */
    enum Provider {
        /** Our own client for any OpenAI-compatible endpoint ({@code MODEL_PROVIDER=openai}). */
        OPENAI_COMPATIBLE,
        /** The {@code azure-ai-openai} SDK ({@code MODEL_PROVIDER=azure_openai}), key auth over loopback http. */
        AZURE_SDK
    }

    /** The step queue: messages in the order they were enqueued, delivered by the test (the Azure queue is tested elsewhere). */
    private static final class RecordingQueue implements StepQueue {
        private final Deque<StepMessage> waiting = new ArrayDeque<>();

        @Override
        public Mono<Void> enqueue(StepMessage message, Duration delay) {
            return Mono.fromRunnable(() -> {
                synchronized (this) {
                    waiting.addLast(message);
                }
            });
        }

        synchronized StepMessage poll() {
            return waiting.pollFirst();
        }

        synchronized List<StepMessage> snapshot() {
            return List.copyOf(waiting);
        }
    }

    private final EmbeddedMongoFixture fixture;
    private final FakeChatServer server;
    private final EventLog log;
    private final ChatSessions sessions;
    private final RecordingQueue queue = new RecordingQueue();
    private final StepRunner runner;
    private final ChatInputs inputs;
    private final Map<String, Workflow> workflows = new LinkedHashMap<>();
    private final List<ToolInvocation> toolInvocations = new CopyOnWriteArrayList<>();
    private final List<FakeChatServer.Recorded> requests = new ArrayList<>();
    private final AtomicReference<Runnable> midStream = new AtomicReference<>();
    private final com.mongodb.reactivestreams.client.MongoCollection<Document> apps;
    private final ChildRuns children;
    private final ChildReconciler reconciler;
    private final StepExecutor executor;
    private final ChatEvents chatEvents;
    private final StallReaper reaper;
    private final RunSlots runSlots;

    private EngineHarness(Provider provider, Map<String, String> env, List<Workflow> purposeBuilt, boolean privateNetworkTools)
            throws IOException {
        this.fixture = EmbeddedMongoFixture.start();
        this.server = FakeChatServer.http();
        WorkflowCatalog catalog = WorkflowCatalog.load(Manifests.repositoryWorkflows());
        assertEquals(List.of(), catalog.problems().stream().map(p -> p.describe()).toList(), "the example workflows load cleanly");
        catalog.workflows().forEach(workflow -> workflows.put(workflow.name(), workflow));
        purposeBuilt.forEach(workflow -> workflows.put(workflow.name(), workflow));

        Clock clock = fixture.clock();
        this.log = new EventLog(fixture.appDatabases(), clock);
        this.sessions = new ChatSessions(fixture.appDatabases(), clock);
        // The fixture's clock is UTC-only; the tool may be asked for any zone, so it reads a fixed clock at the same instant.
        CurrentTime currentTime = new CurrentTime(Clock.fixed(EmbeddedMongoFixture.START, java.time.ZoneOffset.UTC));
        // HTTP tools as in production: private networks closed, so any tool aimed at this machine is refused (unless a test
        // serves its tools on this machine, as a deployment allowing private networks would).
        ToolRegistry tools = ToolRegistry.of(Map.of(CurrentTime.class.getName(), invocation -> {
            toolInvocations.add(invocation);
            return currentTime.call(invocation);
        }), new HttpTool(new OutboundClient(HostResolver.system()), new ToolSettings(Duration.ofSeconds(5), 64 * 1024, privateNetworkTools)));
        EngineSettings engine = new EngineSettings(DEPLOYMENT, Duration.ofMinutes(2), Duration.ofSeconds(5),
                ConversationState.DEFAULT_WINDOW, "engine",
                ContextConfig.of((appId, keys) -> Mono.just(Map.of()), env), EngineSettings.DEFAULT_DELTA_INTERVAL);
        // The first streamed delta of a reply is "during the turn": the step has not committed yet.
        ChatFeed feed = new ChatFeed() {
            @Override
            public Mono<Void> publish(AppId appId, String chatId, List<ChatEvent> events) {
                return Mono.empty();
            }

            @Override
            public Mono<Void> delta(AppId appId, String chatId, String agent, String text) {
                Runnable action = midStream.getAndSet(null);
                return action == null ? Mono.empty() : Mono.fromRunnable(action).subscribeOn(Schedulers.boundedElastic()).then();
            }
        };
        // The app as the control plane knows it: its tier (and an override, if set) bounds its running children; its state
        // decides whether its chats take input and run, read as the platform reads it (cached for CachedAppStates.TTL).
        this.apps = fixture.rawDatabase(EmbeddedMongoFixture.CONTROL_DB).getCollection("apps");
        await(apps.insertOne(new Document("_id", APP.value()).append("tier", "pro").append("status", "active")));
        CachedAppStates appStates = new CachedAppStates(apps, CachedAppStates.TTL, clock);
        this.executor = new StepExecutor(fixture.appDatabases(), log, feed, model(provider), tools, ChatWorkflows.platform(this::workflow), clock,
                engine, StepHooks.NONE);
        // Run slots as the platform keeps them: the app's limits read through the cached app state.
        this.runSlots = new RunSlots(fixture.rawDatabase(EmbeddedMongoFixture.CONTROL_DB).getCollection(RunSlots.COLLECTION), clock);
        Tiers tiers = Tiers.load();
        RunQueue runQueue = new RunQueue(fixture.appDatabases(), runSlots, appId -> appStates.limits(appId, tiers), queue, clock);
        this.inputs = new ChatInputs(fixture.appDatabases(), log, feed, ChatWorkflows.platform(this::workflow), clock, engine,
                appStates, runQueue, PayloadStores.developmentStorage());
        this.chatEvents = new ChatEvents(inputs, sessions, log, appStates);
        this.reaper = new StallReaper(apps, fixture.appDatabases(), queue, engine.stalledAfter(), clock, runQueue,
                new IdleChats(fixture.appDatabases(), log, feed, clock), Duration.ZERO);
        this.children = new ChildRuns(fixture.appDatabases(), sessions, log, feed, queue, inputs,
                new RunSlots(fixture.rawDatabase(EmbeddedMongoFixture.CONTROL_DB).getCollection(RunSlots.COLLECTION), clock),
                childPolicy(clock), clock, ConversationState.DEFAULT_WINDOW);
        this.reconciler = new ChildReconciler(apps, children, Duration.ofSeconds(30), clock);
        this.runner = new StepRunner(executor, queue, inputs, (appId, chatId) -> Mono.empty(), children, new FairShare(24, 24, clock),
                appStates, runQueue, new StepRetries(StepRetries.DEFAULT_BUDGET, clock));
    }

    /** The platform's policy for children: the app's tier and override, and the workflows it may run (all of the harness's). */
    private ChildPolicy childPolicy(Clock clock) {
        Tiers tiers = Tiers.load();
        WorkflowDirectory directory = (appId, packs) -> Mono.just(workflows.values().stream()
                .map(workflow -> WorkflowEntry.platform(workflow.name(), workflow.pack(), true)).toList());
        Entitlements entitlements = new Entitlements(new TenantAccess(new ControlCollections(fixture.rawDatabase(EmbeddedMongoFixture.CONTROL_DB))),
                tiers, directory, new AppUsage(fixture.appDatabases(), fixture.router(), runSlots,
                new ai.mozaiks.tenancy.MonthlyTokens(fixture.appDatabases(), clock)), clock);
        return new ChildPolicy(apps, directory, entitlements);
    }

    static EngineHarness start(Provider provider, Workflow... purposeBuilt) {
        return start(provider, Map.of(), purposeBuilt);
    }

    /** With the deployment's allow-listed values (the platform workflows' {@code config} variables read them). */
    static EngineHarness start(Provider provider, Map<String, String> env, Workflow... purposeBuilt) {
        try {
            return new EngineHarness(provider, env, List.of(purposeBuilt), false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** With HTTP tools allowed to call this machine, where the test serves them. */
    static EngineHarness startWithLocalTools(Provider provider, Workflow... purposeBuilt) {
        try {
            return new EngineHarness(provider, Map.of(), List.of(purposeBuilt), true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ChatModel model(Provider provider) {
        return switch (provider) {
            case OPENAI_COMPATIBLE -> new OpenAiCompatibleModel(OpenAiCompatibleSettings.openAi(server.baseUrl(), null)
                    .withTimeouts(Duration.ofSeconds(5), READ_TIMEOUT));
            case AZURE_SDK -> new AzureOpenAiModel(
                    new AzureOpenAiSettings(server.baseUrl(), AZURE_KEY, null, null, Duration.ofSeconds(5), READ_TIMEOUT), null,
                    HttpClient.createDefault(new HttpClientOptions().setResponseTimeout(READ_TIMEOUT).setReadTimeout(READ_TIMEOUT)),
                    Clock.systemUTC());
        };
    }

    private Optional<Workflow> workflow(String name) {
        return Optional.ofNullable(workflows.get(name));
    }

    // ---- the model's script ----

    FakeChatServer server() {
        return server;
    }

    /** The next model call streams this text in two pieces, then stop, then usage. */
    EngineHarness replies(String text) {
        int half = Math.max(1, text.length() / 2);
        server.stream(Chunks.role(), Chunks.text(text.substring(0, half)), Chunks.text(text.substring(half)),
                Chunks.finish("stop"), Chunks.usage(50, 10, null));
        return this;
    }

    /** The next model call streams one tool call, its arguments in two fragments, then finish_reason tool_calls. */
    EngineHarness callsTool(String callId, String name, String argumentsJson) {
        int half = argumentsJson.length() / 2;
        server.stream(Chunks.role(), Chunks.toolStart(0, callId, name), Chunks.toolArguments(0, argumentsJson.substring(0, half)),
                Chunks.toolArguments(0, argumentsJson.substring(half)), Chunks.finish("tool_calls"), Chunks.usage(60, 12, null));
        return this;
    }

    /**
     * Runs {@code action} while the next text reply streams (at its first text delta), so before that step commits:
     * what a user does during a turn. Its result or failure is in the answered future.
     */
    <T> CompletableFuture<T> whileNextReplyStreams(Supplier<Mono<T>> action) {
        CompletableFuture<T> done = new CompletableFuture<>();
        midStream.set(() -> {
            try {
                done.complete(await(action.get()));
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    /** Every request the server received so far, oldest first. */
    List<FakeChatServer.Recorded> recorded() {
        while (server.received() > 0) {
            try {
                requests.add(server.take());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return List.copyOf(requests);
    }

    /** The bodies of every request the server received so far. */
    List<JsonNode> requests() {
        return recorded().stream().map(FakeChatServer.Recorded::json).toList();
    }

    List<ToolInvocation> toolInvocations() {
        return List.copyOf(toolInvocations);
    }

    // ---- chats, steps, inputs ----

    /** Starts a chat as the session broker does: created running, its first step enqueued. */
    String startChat(String workflowName) {
        String chatId = await(sessions.start(APP, new NewChat(USER, workflowName, null, ChatStatus.RUNNING))).chat().chatId();
        await(queue.enqueue(new StepMessage(APP, chatId, 0), Duration.ZERO));
        return chatId;
    }

    List<StepMessage> queued() {
        return queue.snapshot();
    }

    /**
     * Sets an operations override of the app's limits ({@code limits.<name>}, as in {@code tiers.json}) and lets the cached
     * app state expire, as another instance would see it.
     */
    EngineHarness limit(String name, int value) {
        await(apps.updateOne(eq("_id", APP.value()), com.mongodb.client.model.Updates.set("limits." + name, value)));
        fixture.clock().advance(CachedAppStates.TTL);
        return this;
    }

    RunSlots runSlots() {
        return runSlots;
    }

    /** Sets the app's override of its tier's parallel children (operations' {@code limits.parallel_child_workflows}). */
    EngineHarness parallelChildren(int limit) {
        await(apps.updateOne(eq("_id", APP.value()), com.mongodb.client.model.Updates.set("limits.parallel_child_workflows", limit)));
        return this;
    }

    /**
     * Sets the app's state in the control plane, as another instance's suspend, resume or delete would, and lets the
     * states this instance cached expire ({@link CachedAppStates#TTL}): the longest such a change goes unnoticed.
     */
    EngineHarness appStatus(String status) {
        await(apps.updateOne(eq("_id", APP.value()), com.mongodb.client.model.Updates.set("status", status)));
        fixture.clock().advance(CachedAppStates.TTL);
        return this;
    }

    /** The realtime user events' handler, for this harness's user and {@code chatId}. */
    List<Map<String, Object>> realtimeEvent(String chatId, String event, JsonNode data) {
        return await(chatEvents.handle(new RuntimeToken(APP, USER, chatId, null), event, data));
    }

    /** One stall reaper sweep (the timer's); answers how many chats got their step again. */
    int reap() {
        return await(reaper.sweep((appId, chatId, step) -> { }));
    }

    /** One reconciler sweep (the timer's); answers its actions as {@code action id}. */
    List<String> reconcile() {
        List<String> actions = new CopyOnWriteArrayList<>();
        await(reconciler.sweep((appId, action, id) -> actions.add(action + " " + id)));
        return actions;
    }

    ChildRuns children() {
        return children;
    }

    /** The app's fan-out records, oldest first. */
    List<Document> runs() {
        return EmbeddedMongoFixture.awaitAll(fixture.rawDatabase(EmbeddedMongoFixture.SHARED_RUNTIME_DB).getCollection("pack_runs")
                .find().sort(new Document("created_at", 1)));
    }

    EmbeddedMongoFixture fixture() {
        return fixture;
    }

    /** Delivers the oldest queued step message to the step trigger. */
    StepOutcome deliverNext() {
        StepMessage next = queue.poll();
        assertTrue(next != null, "no step is queued");
        return await(runner.run(next));
    }

    /**
     * Runs the oldest queued step up to its commit and no further, as if the process died right after it: nothing
     * the trigger does after a commit (the next step, a fan-out's spawn, a child's end) happens.
     */
    StepOutcome deliverNextAndCrash() {
        StepMessage next = queue.poll();
        assertTrue(next != null, "no step is queued");
        return await(executor.run(next));
    }

    /** Takes the oldest queued step message away unrun: a step that never gets anywhere. */
    StepMessage dropNext() {
        StepMessage next = queue.poll();
        assertTrue(next != null, "no step is queued");
        return next;
    }

    /** Delivers this message to the poison trigger: the queue host gave the step up. */
    StepOutcome poison(StepMessage message) {
        return await(runner.failPoisoned(message));
    }

    /** Delivers this message to the step trigger, queued or not (a duplicate, a redelivery). */
    StepOutcome deliver(StepMessage message) {
        return await(runner.run(message));
    }

    /** Delivers queued step messages one by one, in order, until none is left; answers their outcomes. */
    List<StepOutcome> deliverAll() {
        List<StepOutcome> outcomes = new ArrayList<>();
        while (!queue.snapshot().isEmpty()) {
            assertTrue(outcomes.size() < MAX_DELIVERIES, "runaway chat: " + outcomes);
            outcomes.add(deliverNext());
        }
        return outcomes;
    }

    ChatInputs inputs() {
        return inputs;
    }

    ChatInputs.InputResult say(String chatId, String clientMessageId, String text) {
        return await(inputs.submitMessage(APP, USER, chatId, clientMessageId, text));
    }

    ChatInputs.InputResult answerUiTool(String chatId, String callId, JsonNode response) {
        return await(inputs.respondToUiTool(APP, USER, chatId, callId, response));
    }

    ChatInputs.CancelResult cancel(String chatId) {
        return await(inputs.cancel(APP, USER, chatId));
    }

    // ---- what was stored ----

    List<ChatEvent> events(String chatId) {
        return await(log.read(APP, chatId, 0, EventLog.MAX_READ)).events();
    }

    List<String> types(String chatId) {
        return events(chatId).stream().map(ChatEvent::type).toList();
    }

    List<ChatEvent> events(String chatId, String type) {
        return events(chatId).stream().filter(event -> event.type().equals(type)).toList();
    }

    /** The agents of the chat's {@code chat.select_speaker} events, in order. */
    List<Object> speakers(String chatId) {
        return events(chatId, "chat.select_speaker").stream().map(event -> event.data().get("agent")).toList();
    }

    Document chat(String chatId) {
        return await(fixture.rawDatabase(EmbeddedMongoFixture.SHARED_RUNTIME_DB).getCollection("chat_sessions")
                .find(eq("chat_id", chatId)).first());
    }

    String status(String chatId) {
        return chat(chatId).getString("status");
    }

    ConversationState conversation(String chatId) {
        return ConversationState.fromDocument(chat(chatId).get("conversation", Document.class));
    }

    long storedToolResults() {
        return await(fixture.rawDatabase(EmbeddedMongoFixture.SHARED_RUNTIME_DB).getCollection("tool_results").countDocuments());
    }

    List<String> appScopeViolations() {
        return fixture.guard().violations().stream().map(String::valueOf).toList();
    }

    @Override
    public void close() {
        server.close();
        fixture.close();
    }

    /** A JSON value for UI tool answers. */
    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

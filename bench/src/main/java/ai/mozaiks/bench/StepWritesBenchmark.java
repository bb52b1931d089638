package ai.mozaiks.bench;

import ai.mozaiks.config.Settings;
import ai.mozaiks.devhost.ProjectHome;
import ai.mozaiks.devhost.emulators.EmbeddedMongo;
import ai.mozaiks.engine.ChatInputs;
import ai.mozaiks.engine.ChatWorkflows;
import ai.mozaiks.engine.EngineSettings;
import ai.mozaiks.engine.RunQueue;
import ai.mozaiks.engine.StepExecutor;
import ai.mozaiks.engine.StepHooks;
import ai.mozaiks.engine.StepMessage;
import ai.mozaiks.engine.StepOutcome;
import ai.mozaiks.engine.ToolRegistry;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.models.PriceTable;
import ai.mozaiks.models.offline.OfflineModel;
import ai.mozaiks.models.offline.OfflineScript;
import ai.mozaiks.payloads.PayloadStore;
import ai.mozaiks.persistence.AppDatabases;
import ai.mozaiks.persistence.MongoConnections;
import ai.mozaiks.persistence.RuntimeCollection;
import ai.mozaiks.persistence.RuntimeSchema;
import ai.mozaiks.persistence.StorageRouter;
import ai.mozaiks.session.ChatSessions;
import ai.mozaiks.session.ChatStatus;
import ai.mozaiks.session.ChatStore;
import ai.mozaiks.session.EventLog;
import ai.mozaiks.session.NewChat;
import ai.mozaiks.storage.StorageClients;
import ai.mozaiks.tenancy.AppService;
import ai.mozaiks.tenancy.CachedAppStates;
import ai.mozaiks.tenancy.MonthlyTokens;
import ai.mozaiks.tenancy.RunSlots;
import ai.mozaiks.tenancy.Tiers;
import ai.mozaiks.tools.builtin.CurrentTime;
import ai.mozaiks.workflows.WorkflowCatalog;
import com.mongodb.reactivestreams.client.MongoCollection;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.bson.Document;
import org.bson.RawBsonDocument;
import reactor.core.publisher.Mono;

/**
 * What one turn writes, per collection (README.md, Benchmarks): chats × turns of (a) a plain text turn (the
 * {@code assistant} workflow: the user's message, one model reply) and (b) a turn with one tool call ({@code tool_demo}
 * with a script: the model calls {@code current_time}, the tool answers, the model replies), with the offline model, the
 * real {@link StepExecutor}, {@link ChatInputs} and {@link RunQueue} over the real driver on an in-memory embedded MongoDB,
 * in one JVM. Per turn: the write commands and their bytes by collection for the engine's steps, the input submission and
 * the runner's follow-up apart; and the chat document's size at the end (a request-unit database bills an update by the
 * size of the item it rewrites). Usage: {@code bench/writes [chats] [turns]}.
 */
public final class StepWritesBenchmark {
    private static final AppId APP = AppId.of("app-bench");
    private static final String USER = "bench-user";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    static final String PLAIN = "plain text turn (assistant)";
    static final String TOOL = "turn with one tool call (tool_demo)";
    /** The most turns of a tool_demo chat: its max_turns is 20, and a turn here takes two (the tool round, the reply). */
    static final int TOOL_TURNS = 9;

    /** One scenario's writes: per phase (steps, input, follow-up), summed by collection over {@code turns} turns. */
    record Scenario(String name, int turns, int steps, Map<String, Map<String, WriteMeter.Writes>> phases,
                    Map<String, Integer> outcomes, long chatBytes, long firstTurnChatBytes, long lastTurnChatBytes) {
        /** The phase's writes of one collection per turn. */
        double perTurn(String phase, String collection, java.util.function.ToLongFunction<WriteMeter.Writes> field) {
            WriteMeter.Writes writes = phases.get(phase).get(collection);
            return writes == null ? 0 : field.applyAsLong(writes) / (double) turns;
        }

        WriteMeter.Writes total(String phase) {
            return phases.get(phase).values().stream().reduce(new WriteMeter.Writes(0, 0, 0), WriteMeter.Writes::plus);
        }
    }

    static final String STEPS = "steps (StepExecutor.run)";
    static final String INPUT = "input (ChatInputs.submitMessage)";
    static final String FOLLOW_UP = "runner follow-up (slot, drainPending)";
    private static final WriteMeter.Writes NONE = new WriteMeter.Writes(0, 0, 0);

    private final Clock clock = Clock.systemUTC();
    private final WriteMeter meter = new WriteMeter();
    private final PendingSteps queue = new PendingSteps();
    private StepExecutor executor;
    private ChatInputs inputs;
    private ChatSessions sessions;
    private RunQueue runs;
    private AppDatabases databases;

    public static void main(String[] args) {
        int chats = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int turns = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        Logger.getLogger("de.bwaldvogel").setLevel(Level.SEVERE);
        Logger.getLogger("org.mongodb.driver").setLevel(Level.WARNING);
        print(measure(chats, turns), chats, System.out);
        System.exit(0);
    }

    /** Both scenarios, {@code chats} chats of {@code turns} turns each, on a fresh embedded server. */
    static List<Scenario> measure(int chats, int turns) {
        return new StepWritesBenchmark().run(chats, turns);
    }

    /** The script of {@code tool_demo}'s helper for the tool scenario: each turn a {@code current_time} call, then text. */
    private static OfflineScript toolScript(int turns) {
        StringBuilder yaml = new StringBuilder();
        for (int i = 0; i < turns; i++) {
            yaml.append("- agent: Helper\n  tool_call: {name: current_time, arguments: {timezone: UTC}}\n")
                    .append("- agent: Helper\n  text: It is shortly after noon in UTC; the tide turns at four.\n");
        }
        return OfflineScript.parse(yaml.toString());
    }

    private List<Scenario> run(int chats, int turns) {
        WorkflowCatalog catalog = WorkflowCatalog.load(ProjectHome.find().resolve("workflows"));
        OfflineScript script = toolScript(turns + 1);
        OfflineModel model = new OfflineModel(workflow -> "tool_demo".equals(workflow) ? Optional.of(script) : Optional.empty());
        try (EmbeddedMongo mongo = EmbeddedMongo.inMemory()) {
            Settings settings = Settings.from(settings(mongo.connectionString()));
            try (MongoConnections connections = new MongoConnections(settings.mongo(), settings.dependencyTimeout(), List.of(meter))) {
                StorageRouter router = new StorageRouter(connections.controlDatabase().getCollection(StorageRouter.ROUTES),
                        connections.sharedRuntimeLocation(), connections::hasConnection, settings.mongo().routeCacheTtl(), clock);
                databases = new AppDatabases(router, connections);
                block(new RuntimeSchema(connections, router).ensure(connections.sharedRuntimeLocation()));
                EventLog events = new EventLog(databases, clock);
                LiveMessageCounter feed = new LiveMessageCounter();
                EngineSettings engine = EngineSettings.defaults(settings.model().model());
                ChatWorkflows workflows = ChatWorkflows.platform(catalog::find);
                // A monthly token budget as every app has in production: each model call asks the month's tokens first.
                executor = new StepExecutor(databases, events, feed, model,
                        ToolRegistry.of(Map.of(CurrentTime.class.getName(), new CurrentTime(clock))), workflows, clock, engine,
                        StepHooks.NONE, PriceTable.bundled(), app -> Mono.just(1_000_000_000L), new MonthlyTokens(databases, clock));
                MongoCollection<Document> apps = connections.controlDatabase().getCollection("apps");
                block(Mono.from(apps.insertOne(new Document("_id", APP.value()).append("status", AppService.ACTIVE)
                        .append("tier", "enterprise"))));
                CachedAppStates appStates = new CachedAppStates(apps, CachedAppStates.TTL, clock);
                Tiers tiers = Tiers.load();
                runs = new RunQueue(databases, new RunSlots(connections.controlDatabase().getCollection(RunSlots.COLLECTION), clock),
                        appId -> appStates.limits(appId, tiers), queue, clock);
                // The bench's answers stay under the inline bound, so the payload store is never written to.
                inputs = new ChatInputs(databases, events, feed, workflows, clock, engine, appStates, runs,
                        PayloadStore.of(new StorageClients(settings.storage()), settings.containers()));
                sessions = new ChatSessions(databases, clock);
                // One unmeasured chat of each first: indexes, the month's counter and the app's state cached.
                scenario("warm-up", "assistant", 1, 2);
                scenario("warm-up", "tool_demo", 1, 2);
                // tool_demo ends a chat after max_turns (20) agent turns, tool rounds included: two a turn here.
                return List.of(scenario(PLAIN, "assistant", chats, turns), scenario(TOOL, "tool_demo", chats, Math.min(turns, TOOL_TURNS)));
            }
        }
    }

    private Scenario scenario(String name, String workflow, int chats, int turns) {
        Map<String, Map<String, WriteMeter.Writes>> phases = new LinkedHashMap<>();
        for (String phase : List.of(STEPS, INPUT, FOLLOW_UP)) {
            phases.put(phase, new TreeMap<>());
        }
        Map<String, Integer> outcomes = new TreeMap<>();
        int measured = 0;
        int steps = 0;
        long chatBytes = 0;
        long first = 0;
        long last = 0;
        for (int c = 0; c < chats; c++) {
            String chatId = block(sessions.start(APP, new NewChat(USER, workflow, null, ChatStatus.RUNNING))).chat().chatId();
            block(queue.enqueue(new StepMessage(APP, chatId, 0), Duration.ZERO));
            drain(null, null, outcomes);
            for (int turn = 0; turn < turns; turn++) {
                meter.take();
                block(inputs.submitMessage(APP, USER, chatId, "m-" + turn, "Question " + turn + ": what is the tide doing at the harbour?"));
                add(phases.get(INPUT), meter.take());
                Map<String, WriteMeter.Writes> turnSteps = new TreeMap<>();
                steps += drain(phases, turnSteps, outcomes);
                add(phases.get(STEPS), turnSteps);
                long chatWrites = turnSteps.getOrDefault(RuntimeCollection.CHAT_SESSIONS.collectionName(), NONE).payloadBytes();
                first += turn == 0 ? chatWrites : 0;
                last += turn == turns - 1 ? chatWrites : 0;
                measured++;
            }
            meter.take();
            chatBytes += block(databases.forApp(APP).flatMap(database -> ChatStore.of(database).find(chatId))
                    .map(chat -> (long) new RawBsonDocument(chat, new org.bson.codecs.DocumentCodec()).getByteBuffer().remaining()));
            meter.take();
        }
        return new Scenario(name, measured, steps, phases, outcomes, chatBytes / Math.max(1, chats), first / Math.max(1, chats),
                last / Math.max(1, chats));
    }

    /**
     * Runs the pending steps until the chat waits or ends, each step's writes added to {@code stepWrites} and the runner's
     * follow-up's to {@code phases} (nothing measured when {@code phases} is null); answers the steps run.
     */
    private int drain(Map<String, Map<String, WriteMeter.Writes>> phases, Map<String, WriteMeter.Writes> stepWrites,
                      Map<String, Integer> outcomes) {
        int steps = 0;
        for (StepMessage message = queue.poll(); message != null; message = queue.poll()) {
            meter.take();
            StepOutcome outcome = block(executor.run(message));
            if (phases != null) {
                add(stepWrites, meter.take());
                outcomes.merge(outcome.getClass().getSimpleName(), 1, Integer::sum);
                steps++;
            }
            if (outcome instanceof StepOutcome.Next next) {
                block(queue.enqueue(message.at(next.stepSeq()), Duration.ZERO));
            } else if (outcome instanceof StepOutcome.AwaitingInput) {
                // What StepRunner does after a step that waits for input: the run slot back, a message taken meanwhile.
                meter.take();
                StepMessage waiting = message;
                block(runs.waiting(waiting.appId(), waiting.chatId()).flatMap(chat -> inputs.drainPending(waiting.appId(), chat)));
                if (phases != null) {
                    add(phases.get(FOLLOW_UP), meter.take());
                }
            } else if (!(outcome instanceof StepOutcome.Stale)) {
                throw new IllegalStateException("chat " + message.chatId() + " ended: " + outcome);
            }
        }
        return steps;
    }

    private static void add(Map<String, WriteMeter.Writes> into, Map<String, WriteMeter.Writes> writes) {
        writes.forEach((collection, counted) -> into.merge(collection, counted, WriteMeter.Writes::plus));
    }

    private static <T> T block(Mono<T> mono) {
        return mono.block(TIMEOUT);
    }

    private static Map<String, String> settings(String connectionString) {
        return Map.of(
                "MONGODB_CONNECTION_STRING", connectionString,
                Settings.STORAGE, "UseDevelopmentStorage=true",
                "AUTH_PLATFORM_ISSUER", "https://login.example.com/tenant/v2.0",
                "AUTH_PLATFORM_AUDIENCE", "api://mozaiks",
                "WEBPUBSUB_CONNECTION_STRING", "Endpoint=http://127.0.0.1:1;AccessKey=YmVuY2gtb25seS1ub3QtYS1yZWFsLWtleS0zMi1ieXRlcyE=;Version=1.0;",
                "RUNTIME_TOKEN_KEY", "YmVuY2gtb25seS1ub3QtYS1yZWFsLWtleS0zMi1ieXRlcyE=",
                "APP_SETTINGS_KEY", "YmVuY2gtb25seS1hcHAtc2V0dGluZ3Mta2V5LTMyYnk=",
                "MODEL_PROVIDER", "offline");
    }

    // ---- report ----

    static void print(List<Scenario> scenarios, int chats, PrintStream out) {
        out.println("Mozaiks writes per turn report");
        out.printf(Locale.ROOT, "  setup   %d chats per scenario, offline model, embedded MongoDB (memory), real driver, one JVM (%s)%n",
                chats, Runtime.version());
        out.println("  bytes: cmd = the whole write commands (BSON); doc = what they write (inserted documents, update specifications)");
        for (Scenario scenario : scenarios) {
            out.printf(Locale.ROOT, "  %s: %d turns, %.2f steps per turn %s; chat document at the end %,d bytes; "
                            + "the steps' chat_sessions doc bytes in a chat's first turn %,d, in its last %,d%n", scenario.name(),
                    scenario.turns(), scenario.steps() / (double) Math.max(1, scenario.turns()), scenario.outcomes(), scenario.chatBytes(),
                    scenario.firstTurnChatBytes(), scenario.lastTurnChatBytes());
            scenario.phases().forEach((phase, collections) -> {
                WriteMeter.Writes total = scenario.total(phase);
                out.printf(Locale.ROOT, "    %-40s %6.2f writes %9.0f cmd bytes %9.0f doc bytes per turn%n", phase,
                        total.commands() / (double) scenario.turns(), total.commandBytes() / (double) scenario.turns(),
                        total.payloadBytes() / (double) scenario.turns());
                collections.keySet().forEach(collection -> out.printf(Locale.ROOT,
                        "      %-38s %6.2f        %9.0f           %9.0f%n", collection,
                        scenario.perTurn(phase, collection, WriteMeter.Writes::commands),
                        scenario.perTurn(phase, collection, WriteMeter.Writes::commandBytes),
                        scenario.perTurn(phase, collection, WriteMeter.Writes::payloadBytes)));
            });
        }
    }
}

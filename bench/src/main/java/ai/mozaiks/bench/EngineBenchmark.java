package ai.mozaiks.bench;

import ai.mozaiks.config.Settings;
import ai.mozaiks.devhost.ProjectHome;
import ai.mozaiks.devhost.emulators.EmbeddedMongo;
import ai.mozaiks.engine.ChatInputs;
import ai.mozaiks.engine.ChatWorkflows;
import ai.mozaiks.engine.EngineSettings;
import ai.mozaiks.engine.StepExecutor;
import ai.mozaiks.engine.StepHooks;
import ai.mozaiks.engine.StepMessage;
import ai.mozaiks.engine.StepOutcome;
import ai.mozaiks.engine.ToolRegistry;
import ai.mozaiks.models.PriceTable;
import ai.mozaiks.models.offline.OfflineModel;
import ai.mozaiks.payloads.PayloadStore;
import ai.mozaiks.persistence.AppDatabases;
import ai.mozaiks.persistence.AppScopeGuard;
import ai.mozaiks.persistence.MongoConnections;
import ai.mozaiks.persistence.StorageRouter;
import ai.mozaiks.session.ChatSessions;
import ai.mozaiks.session.ChatStatus;
import ai.mozaiks.session.EventLog;
import ai.mozaiks.session.NewChat;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.storage.StorageClients;
import ai.mozaiks.tenancy.AppService;
import ai.mozaiks.tenancy.MonthlyTokens;
import ai.mozaiks.tenancy.CachedAppStates;
import ai.mozaiks.tenancy.RunSlots;
import ai.mozaiks.tenancy.Tiers;
import ai.mozaiks.engine.RunQueue;
import com.mongodb.reactivestreams.client.MongoCollection;
import org.bson.Document;
import ai.mozaiks.workflows.WorkflowCatalog;
import reactor.core.publisher.Mono;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Engine benchmark (budgets in README.md, Benchmarks): N chats × M turns of the {@code assistant} workflow with the offline
 * model, the real {@link StepExecutor} and {@link ChatInputs} over the real MongoDB driver on an in-memory
 * embedded MongoDB, in one JVM. Each turn submits a user message, then runs the steps it enqueued through
 * {@link StepExecutor#run} from an in-process list of pending {@link StepMessage}s (the benchmark's own driver).
 *
 * <p>Per step it measures the wall time of {@code run} minus the model's own time (overhead), and counts the
 * database commands the step sent; the input submission and the step runner's follow-up
 * ({@link ChatInputs#drainPending}, which {@code StepRunner} calls after a step that waits for input) are
 * counted apart. Usage: {@code bench/engine [chats] [turns] [warm-up chats]}.
 */
public final class EngineBenchmark {
    private static final AppId APP = AppId.of("app-bench");
    private static final String USER = "bench-user";
    private static final String WORKFLOW = "assistant";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Logger QUIET = Logger.getLogger("de.bwaldvogel");
    private static final Logger DRIVER = Logger.getLogger("org.mongodb.driver");
    private static final double OVERHEAD_BUDGET_MS = 5.0;
    private static final double READ_BUDGET = 2;
    private static final double WRITE_BUDGET = 4;

    /** One phase's samples: time, model time, reads and writes, and the commands by name. */
    private static final class Phase {
        final List<Long> wallNanos = new ArrayList<>();
        final List<Long> modelNanos = new ArrayList<>();
        final List<Integer> reads = new ArrayList<>();
        final List<Integer> writes = new ArrayList<>();
        final List<Long> writeBytes = new ArrayList<>();
        final List<Integer> live = new ArrayList<>();
        /** Samples whose live messages exceeded 1 + one per started 100 ms of model time. */
        int liveOver;
        final Map<String, Long> commands = new TreeMap<>();

        void add(long wall, long model, CommandCounter.Counts counts, LiveMessageCounter.Counts sent) {
            wallNanos.add(wall);
            modelNanos.add(model);
            reads.add(counts.reads());
            writes.add(counts.writes());
            writeBytes.add(counts.writeBytes());
            live.add(sent.messages());
            if (sent.messages() > 1 + (model + 99_999_999L) / 100_000_000L) {
                liveOver++;
            }
            counts.byCommand().forEach((key, n) -> commands.merge(key, (long) n, Long::sum));
        }

        int size() {
            return wallNanos.size();
        }

        long[] overhead() {
            long[] values = new long[size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = wallNanos.get(i) - modelNanos.get(i);
            }
            Arrays.sort(values);
            return values;
        }
    }

    private final Clock clock = Clock.systemUTC();
    private final CommandCounter counter = new CommandCounter();
    private final LiveMessageCounter feed = new LiveMessageCounter();
    private final AppScopeGuard guard = new AppScopeGuard();
    private final TimedModel model = new TimedModel(new OfflineModel());
    private final PendingSteps queue = new PendingSteps();
    private final Map<String, Integer> outcomes = new TreeMap<>();
    private final Phase steps = new Phase();
    private final Phase opens = new Phase();
    private final Phase inputs = new Phase();
    private final Phase followUps = new Phase();
    private StepExecutor executor;
    private ChatInputs chatInputs;
    private ChatSessions sessions;
    private EventLog events;
    private boolean measuring;
    private RunQueue runs;
    private int chatsEndedEarly;

    public static void main(String[] args) {
        int chats = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int turns = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        QUIET.setLevel(Level.SEVERE); // mongo-java-server warns about index kinds it ignores
        DRIVER.setLevel(Level.WARNING);
        try {
            new EngineBenchmark().run(chats, turns, warmup);
        } catch (ai.mozaiks.api.ApiException e) {
            System.err.println("refused: " + e.problem());
            System.exit(1);
        }
        System.exit(0);
    }

    private void run(int chats, int turns, int warmup) {
        Path home = ProjectHome.find();
        WorkflowCatalog catalog = WorkflowCatalog.load(home.resolve("workflows"));
        if (catalog.find(WORKFLOW).isEmpty()) {
            throw new IllegalStateException("workflow \"" + WORKFLOW + "\" not loaded from " + home.resolve("workflows"));
        }
        try (EmbeddedMongo mongo = EmbeddedMongo.inMemory()) {
            Settings settings = Settings.from(settings(mongo.connectionString()));
            try (MongoConnections connections = new MongoConnections(settings.mongo(), settings.dependencyTimeout(),
                    List.of(guard, counter))) {
                StorageRouter router = new StorageRouter(connections.controlDatabase().getCollection(StorageRouter.ROUTES),
                        connections.sharedRuntimeLocation(), connections::hasConnection, settings.mongo().routeCacheTtl(), clock);
                AppDatabases databases = new AppDatabases(router, connections);
                block(new ai.mozaiks.persistence.RuntimeSchema(connections, router).ensure(connections.sharedRuntimeLocation()));
                events = new EventLog(databases, clock);
                EngineSettings engine = EngineSettings.defaults(settings.model().model());
                // A monthly token budget as every app has in production (the enterprise tier's): each model call asks
                // the month's tokens first (summed from the minute buckets, read at most once per app every 2 s).
                executor = new StepExecutor(databases, events, feed, model, ToolRegistry.of(Map.of()), ChatWorkflows.platform(catalog::find), clock, engine,
                        StepHooks.NONE, PriceTable.bundled(), app -> Mono.just(1_000_000_000L), new MonthlyTokens(databases, clock));
                // The app as the control plane knows it: a message asks its state (cached for CachedAppStates.TTL).
                MongoCollection<Document> apps = connections.controlDatabase().getCollection("apps");
                block(Mono.from(apps.insertOne(new Document("_id", APP.value()).append("status", AppService.ACTIVE)
                        .append("tier", "enterprise"))));
                CachedAppStates appStates = new CachedAppStates(apps, CachedAppStates.TTL, clock);
                Tiers tiers = Tiers.load();
                // Every message takes a run slot in the control database, as in production.
                runs = new RunQueue(databases, new RunSlots(connections.controlDatabase().getCollection(RunSlots.COLLECTION), clock),
                        appId -> appStates.limits(appId, tiers), queue, clock);
                chatInputs = new ChatInputs(databases, events, feed, ChatWorkflows.platform(catalog::find), clock, engine,
                        appStates, runs, PayloadStore.of(new StorageClients(settings.storage()), settings.containers()));
                sessions = new ChatSessions(databases, clock);

                long started = System.nanoTime();
                for (int i = 0; i < warmup; i++) {
                    chat(turns);
                }
                measuring = true;
                long measuredFrom = System.nanoTime();
                String last = null;
                for (int i = 0; i < chats; i++) {
                    last = chat(turns);
                }
                long measuredNanos = System.nanoTime() - measuredFrom;
                measuring = false;
                counter.take();
                int transcript = last == null ? 0 : block(events.read(APP, last, 0, 500)).events().size();
                report(chats, turns, warmup, measuredNanos, System.nanoTime() - started, transcript);
            }
        }
    }

    /** One chat: the opening step, then {@code turns} × (user message, the steps it causes). */
    private String chat(int turns) {
        String chatId = block(sessions.start(APP, new NewChat(USER, WORKFLOW, null, ChatStatus.RUNNING))).chat().chatId();
        queue.enqueue(new StepMessage(APP, chatId, 0), Duration.ZERO).block();
        if (!drain(opens)) {
            chatsEndedEarly++;
            return chatId;
        }
        for (int turn = 0; turn < turns; turn++) {
            reset();
            long start = System.nanoTime();
            block(chatInputs.submitMessage(APP, USER, chatId, "m-" + turn,
                    "Question " + turn + ": what is the tide doing at the harbour today?"));
            long wall = System.nanoTime() - start;
            long modelNanos = model.take();
            CommandCounter.Counts counts = counter.take();
            LiveMessageCounter.Counts sent = feed.take();
            if (measuring) {
                inputs.add(wall, modelNanos, counts, sent);
            }
            if (!drain(steps)) {
                chatsEndedEarly++;
                break;
            }
        }
        return chatId;
    }

    /** Runs the pending steps until the chat waits or ends; false when it ended. */
    private boolean drain(Phase phase) {
        boolean open = true;
        for (StepMessage message = queue.poll(); message != null; message = queue.poll()) {
            reset();
            long start = System.nanoTime();
            StepOutcome outcome = block(executor.run(message));
            long wall = System.nanoTime() - start;
            long modelNanos = model.take();
            CommandCounter.Counts counts = counter.take();
            LiveMessageCounter.Counts sent = feed.take();
            if (measuring) {
                phase.add(wall, modelNanos, counts, sent);
                outcomes.merge(outcome.getClass().getSimpleName(), 1, Integer::sum);
            }
            if (outcome instanceof StepOutcome.Next next) {
                queue.enqueue(new StepMessage(message.appId(), message.chatId(), next.stepSeq()), Duration.ZERO).block();
            } else if (outcome instanceof StepOutcome.RetryLater later) {
                queue.enqueue(message, later.after()).block();
            } else if (outcome instanceof StepOutcome.AwaitingInput) {
                followUp(message);
            } else if (!(outcome instanceof StepOutcome.Stale)) {
                block(runs.ended(message.appId(), message.chatId()));
                open = false;
            }
        }
        return open;
    }

    /**
     * What {@code StepRunner} does after a step that waits for input: give the chat's run slot back (queued chats take it),
     * then take a message that came in meanwhile.
     */
    private void followUp(StepMessage message) {
        reset();
        long start = System.nanoTime();
        block(runs.waiting(message.appId(), message.chatId()).flatMap(chat -> chatInputs.drainPending(message.appId(), chat)));
        long wall = System.nanoTime() - start;
        CommandCounter.Counts counts = counter.take();
        LiveMessageCounter.Counts sent = feed.take();
        if (measuring) {
            followUps.add(wall, 0, counts, sent);
        }
    }

    private void reset() {
        counter.take();
        model.take();
        feed.take();
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

    private void report(int chats, int turns, int warmup, long measuredNanos, long totalNanos, int transcript) {
        long[] overhead = steps.overhead();
        long[] modelTimes = steps.modelNanos.stream().mapToLong(Long::longValue).sorted().toArray();
        long[] walls = steps.wallNanos.stream().mapToLong(Long::longValue).sorted().toArray();
        int n = steps.size();
        double stepReads = mean(steps.reads);
        double stepWrites = mean(steps.writes);
        double roundReads = stepReads + mean(inputs.reads) + mean(followUps.reads);
        double roundWrites = stepWrites + mean(inputs.writes) + mean(followUps.writes);

        System.out.println("Mozaiks engine report");
        System.out.printf(Locale.ROOT, "  setup             %d chats x %d turns after %d warm-up chats; workflow %s, offline model, "
                + "embedded MongoDB (memory), real driver, one JVM (%s)%n", chats, turns, warmup, WORKFLOW, Runtime.version());
        System.out.printf(Locale.ROOT, "  turns measured    %d agent turns (outcomes of all steps, opening steps included: %s), %d opening steps; %d chats ended early; "
                + "last chat's transcript %d events%n", n, outcomes, opens.size(), chatsEndedEarly, transcript);
        System.out.printf(Locale.ROOT, "  throughput        %.0f turns/s (message + step, sequential); run %.1f s in all%n",
                n / (measuredNanos / 1e9), totalNanos / 1e9);
        System.out.printf(Locale.ROOT, "  executor overhead per turn (ms): median %s, p95 %s, p99 %s, max %s  "
                        + "(StepExecutor.run wall time minus model time)%n",
                ms(pct(overhead, 50)), ms(pct(overhead, 95)), ms(pct(overhead, 99)), ms(max(overhead)));
        System.out.printf(Locale.ROOT, "  model time per turn (ms):        median %s, p95 %s, max %s  (offline model)%n",
                ms(pct(modelTimes, 50)), ms(pct(modelTimes, 95)), ms(max(modelTimes)));
        System.out.printf(Locale.ROOT, "  step wall time per turn (ms):    median %s, p95 %s%n", ms(pct(walls, 50)), ms(pct(walls, 95)));
        long[] inputWalls = inputs.wallNanos.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf(Locale.ROOT, "  input submission (ms):           median %s, p95 %s%n",
                ms(pct(inputWalls, 50)), ms(pct(inputWalls, 95)));
        System.out.println("  database commands per turn            reads mean / max    writes mean / max");
        row("step (StepExecutor.run)", steps);
        row("input (ChatInputs.submitMessage)", inputs);
        row("runner follow-up (slot, drainPending)", followUps);
        row("opening step (once per chat)", opens);
        System.out.printf(Locale.ROOT, "  bytes written per turn (BSON of the write commands): step %.0f, input %.0f, follow-up %.0f; "
                        + "a whole round %.0f%n", meanLong(steps.writeBytes), meanLong(inputs.writeBytes), meanLong(followUps.writeBytes),
                meanLong(steps.writeBytes) + meanLong(inputs.writeBytes) + meanLong(followUps.writeBytes));
        System.out.println("  step commands per turn, by command and collection:");
        commands(steps);
        System.out.println("  input commands per turn, by command and collection:");
        commands(inputs);
        System.out.println("  app scope guard   " + (guard.violations().isEmpty() ? "no violations"
                : guard.violations().size() + " violations, first " + guard.violations().get(0)));
        System.out.printf(Locale.ROOT, "  a whole round (the user's message + the turn it causes + the follow-up): %.2f reads, %.2f writes%n",
                roundReads, roundWrites);
        System.out.println("  budgets (README.md, Benchmarks: per agent turn)");
        budget("executor overhead median <= 5 ms", ms(pct(overhead, 50)) + " ms", pct(overhead, 50) / 1e6 <= OVERHEAD_BUDGET_MS);
        budget("step reads per turn <= 2", String.format(Locale.ROOT, "%.2f (max %d)", stepReads, maxInt(steps.reads)),
                stepReads <= READ_BUDGET);
        budget("step writes per turn <= 4", String.format(Locale.ROOT, "%.2f (max %d)", stepWrites, maxInt(steps.writes)),
                stepWrites <= WRITE_BUDGET);
        budget("step + runner follow-up reads per turn <= 2", String.format(Locale.ROOT, "%.2f", stepReads + mean(followUps.reads)),
                stepReads + mean(followUps.reads) <= READ_BUDGET);
        budget("live messages per step <= 1 + 1 per 100 ms streaming", String.format(Locale.ROOT, "%.2f (max %d, %d over)",
                mean(steps.live), maxInt(steps.live), steps.liveOver), steps.liveOver == 0);
    }

    private static double meanLong(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).average().orElse(0);
    }

    private static void row(String label, Phase phase) {
        System.out.printf(Locale.ROOT, "    %-36s %5.2f / %-3d          %5.2f / %-3d   (%d samples)%n", label,
                mean(phase.reads), maxInt(phase.reads), mean(phase.writes), maxInt(phase.writes), phase.size());
    }

    private static void commands(Phase phase) {
        phase.commands.forEach((key, count) -> {
            String kind = CommandCounter.READS.contains(key.split(" ")[0]) ? "read"
                    : CommandCounter.WRITES.contains(key.split(" ")[0]) ? "write" : "other";
            System.out.printf(Locale.ROOT, "    %-40s %6.2f  %s%n", key, count / (double) Math.max(1, phase.size()), kind);
        });
    }

    private static void budget(String line, String value, boolean pass) {
        System.out.printf(Locale.ROOT, "    %-52s %-16s %s%n", line, value, pass ? "PASS" : "OVER");
    }

    private static long pct(long[] sorted, int percent) {
        if (sorted.length == 0) {
            return 0;
        }
        int index = (int) Math.ceil(sorted.length * percent / 100.0) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    private static long max(long[] sorted) {
        return sorted.length == 0 ? 0 : sorted[sorted.length - 1];
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.2f", nanos / 1e6);
    }

    private static double mean(List<Integer> values) {
        return values.stream().mapToInt(Integer::intValue).average().orElse(0);
    }

    private static int maxInt(List<Integer> values) {
        return values.stream().mapToInt(Integer::intValue).max().orElse(0);
    }
}

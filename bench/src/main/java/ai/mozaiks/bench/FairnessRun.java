package ai.mozaiks.bench;

import ai.mozaiks.config.Settings;
import ai.mozaiks.devhost.ProjectHome;
import ai.mozaiks.devhost.functions.FunctionCatalog;
import ai.mozaiks.devhost.functions.FunctionDescriptor;
import ai.mozaiks.devhost.functions.FunctionInvoker;
import ai.mozaiks.devhost.functions.HostJson;
import ai.mozaiks.devhost.queue.QueueListener;
import ai.mozaiks.engine.AzureStepQueue;
import ai.mozaiks.engine.ChatInputs;
import ai.mozaiks.engine.ChatWorkflows;
import ai.mozaiks.engine.EngineSettings;
import ai.mozaiks.engine.FairShare;
import ai.mozaiks.engine.StepExecutor;
import ai.mozaiks.engine.StepHooks;
import ai.mozaiks.engine.StepMessage;
import ai.mozaiks.engine.StepRunner;
import ai.mozaiks.engine.ToolRegistry;
import ai.mozaiks.functions.engine.StepWorker;
import ai.mozaiks.models.openai.OpenAiCompatibleModel;
import ai.mozaiks.models.openai.OpenAiCompatibleSettings;
import ai.mozaiks.payloads.PayloadStore;
import ai.mozaiks.persistence.AppDatabases;
import ai.mozaiks.persistence.MongoConnections;
import ai.mozaiks.persistence.StorageRouter;
import ai.mozaiks.session.ChatFeed;
import ai.mozaiks.session.ChatEvent;
import ai.mozaiks.session.ChatSessions;
import ai.mozaiks.session.ChatStatus;
import ai.mozaiks.session.EventLog;
import ai.mozaiks.session.NewChat;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.storage.StorageClients;
import ai.mozaiks.tenancy.AppService;
import ai.mozaiks.tenancy.AppStates;
import ai.mozaiks.tenancy.AppLimits;
import org.bson.Document;
import ai.mozaiks.tenancy.RunSlots;
import ai.mozaiks.tenancy.Tiers;
import ai.mozaiks.engine.RunQueue;
import ai.mozaiks.workflows.WorkflowCatalog;
import com.azure.storage.queue.QueueAsyncClient;
import com.azure.storage.queue.QueueClientBuilder;
import com.azure.storage.queue.QueueMessageEncoding;
import com.microsoft.azure.functions.spi.inject.FunctionInstanceInjector;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The fairness scenario on one instance: app A's chats each with step 0 queued, then app B's, before the
 * instance starts. The step queue is real (storage queues, base64), read by the devhost's {@link QueueListener} with
 * host.json's batch size and threshold, which runs the real {@link StepWorker} → {@link StepRunner} (with
 * {@link FairShare}) → {@link StepExecutor} on MongoDB. Step 0 of {@code interview_research_summary} is one model
 * call, to a chat-completions server at {@code model}, then the chat waits for its user. A step counts as done when
 * its events are sent live (after its commit).
 */
public final class FairnessRun {
    public static final AppId A = AppId.of("app-busy");
    public static final AppId B = AppId.of("app-newcomer");
    static final String WORKFLOW = "interview_research_summary";

    /**
     * Where it runs and how big it is; {@code slots} is {@code STEP_QUEUE_CONCURRENCY}, the queue's steps' slots. With {@code wholeBacklog} it ends when
     * every step is done, otherwise once B's are.
     */
    public record Scenario(String storage, String mongo, URI model, int slots, int aChats, int bChats, boolean wholeBacklog,
                           Duration timeout) {
    }

    /**
     * What happened, times from the instance's start: A's steps done when B's last was, when each of B's and of A's
     * (so far) was done, and the steps the gate deferred.
     */
    public record Result(Scenario scenario, int aDoneWhenBDone, List<Duration> bDone, List<Duration> aDone, long deferrals) {
        public Duration bLastDone() {
            return bDone.get(bDone.size() - 1);
        }

        /** When A's {@code count}th step was done. */
        public Duration aDone(int count) {
            return aDone.get(count - 1);
        }

        public Duration total() {
            Duration a = aDone.isEmpty() ? Duration.ZERO : aDone.get(aDone.size() - 1);
            return a.compareTo(bLastDone()) > 0 ? a : bLastDone();
        }
    }

    private FairnessRun() {
    }

    public static Result run(Scenario scenario) throws InterruptedException {
        String run = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        Map<String, String> settingsMap = settings(scenario, run);
        Settings settings = Settings.from(settingsMap);
        Clock clock = Clock.systemUTC();
        ExecutorService invocations = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "fairness-invocation");
            thread.setDaemon(true);
            return thread;
        });
        List<QueueListener> listeners = new ArrayList<>();
        try (MongoConnections connections = new MongoConnections(settings.mongo(), settings.dependencyTimeout(), List.of())) {
            StorageRouter router = new StorageRouter(connections.controlDatabase().getCollection(StorageRouter.ROUTES),
                    connections.sharedRuntimeLocation(), connections::hasConnection, settings.mongo().routeCacheTtl(), clock);
            AppDatabases databases = new AppDatabases(router, connections);
            new ai.mozaiks.persistence.RuntimeSchema(connections, router).ensure(connections.sharedRuntimeLocation()).block(scenario.timeout());
            WorkflowCatalog catalog = WorkflowCatalog.load(ProjectHome.find().resolve("workflows"));
            ChatWorkflows workflows = ChatWorkflows.platform(catalog::find);
            EventLog events = new EventLog(databases, clock);
            Completions done = new Completions(scenario);
            EngineSettings engine = EngineSettings.defaults("bench");
            AzureStepQueue queue = new AzureStepQueue(queue(scenario.storage(), settings.stepQueue()),
                    queue(scenario.storage(), settings.stepQueue() + AzureStepQueue.BACKGROUND_SUFFIX));
            StepExecutor executor = new StepExecutor(databases, events, done,
                    new OpenAiCompatibleModel(OpenAiCompatibleSettings.openAi(scenario.model(), null)), ToolRegistry.of(Map.of()),
                    workflows, clock, engine, StepHooks.NONE);
            // Both apps are active throughout; the run measures fairness, not app states.
            AppStates active = appId -> Mono.just(AppService.ACTIVE);
            // Run slots under the largest tier: the run measures fairness between apps, not run limits.
            RunQueue runs = new RunQueue(databases, new RunSlots(connections.controlDatabase().getCollection(RunSlots.COLLECTION), clock),
                    appId -> Mono.just(AppLimits.of(new Document(), Tiers.load().get("enterprise"))), queue, clock);
            ChatInputs inputs = new ChatInputs(databases, events, done, workflows, clock, engine, active, runs,
                    PayloadStore.of(new StorageClients(settings.storage()), settings.containers()));
            FairShare fairShare = new FairShare(settings.stepConcurrency(), settings.stepQueueConcurrency(), clock);
            StepWorker worker = new StepWorker(new StepRunner(executor, queue, inputs, (appId, chatId) -> Mono.empty(),
                    ai.mozaiks.engine.ChildWorkflows.none(), fairShare, active, runs,
                    new ai.mozaiks.engine.StepRetries(ai.mozaiks.engine.StepRetries.DEFAULT_BUDGET, clock)));

            ChatSessions sessions = new ChatSessions(databases, clock);
            List<StepMessage> aSteps = openChats(sessions, A, scenario.aChats(), scenario.timeout());
            List<StepMessage> bSteps = openChats(sessions, B, scenario.bChats(), scenario.timeout());
            enqueue(queue, aSteps, scenario.timeout());
            enqueue(queue, bSteps, scenario.timeout());

            FunctionInvoker invoker = new FunctionInvoker(new FunctionInstanceInjector() {
                @Override
                public <T> T getInstance(Class<T> functionClass) {
                    return functionClass.cast(worker);
                }
            });
            HostJson.QueueOptions options = HostJson.load().queues();
            done.start();
            for (FunctionDescriptor.Queue function : FunctionCatalog.scan(List.of(StepWorker.class), settingsMap)
                    .ofKind(FunctionDescriptor.Queue.class)) {
                QueueListener listener = QueueListener.create(function, scenario.storage(), options, invoker, invocations);
                listeners.add(listener);
                listener.start();
            }
            CountDownLatch end = scenario.wholeBacklog() ? done.all : done.newcomer;
            boolean finished = end.await(scenario.timeout().toMillis(), TimeUnit.MILLISECONDS);
            stop(listeners, invocations);
            if (!finished) {
                throw new IllegalStateException("not every step was done within " + scenario.timeout().toSeconds() + " s: "
                        + done.progress());
            }
            return done.result(fairShare.deferrals());
        } finally {
            stop(listeners, invocations); // when something above failed: nothing is left fetching
        }
    }

    /** Stops fetching, then lets the invocations under way settle their messages while MongoDB is still there. */
    private static void stop(List<QueueListener> listeners, ExecutorService invocations) throws InterruptedException {
        for (QueueListener listener : listeners) {
            listener.close();
        }
        listeners.clear();
        invocations.shutdown();
        if (!invocations.awaitTermination(30, TimeUnit.SECONDS)) {
            invocations.shutdownNow();
        }
    }

    private static List<StepMessage> openChats(ChatSessions sessions, AppId app, int count, Duration timeout) {
        return Flux.range(0, count)
                .flatMapSequential(i -> sessions.start(app, new NewChat("user-" + i, WORKFLOW, null, ChatStatus.RUNNING)), 8)
                .map(started -> new StepMessage(app, started.chat().chatId(), 0))
                .collectList().block(timeout);
    }

    /** In order, a few at a time: the queue keeps roughly the order messages arrive in. */
    private static void enqueue(AzureStepQueue queue, List<StepMessage> steps, Duration timeout) {
        Flux.fromIterable(steps).flatMapSequential(step -> queue.enqueue(step, Duration.ZERO), 4).then().block(timeout);
    }

    private static QueueAsyncClient queue(String storage, String name) {
        return new QueueClientBuilder().connectionString(storage).queueName(name).messageEncoding(QueueMessageEncoding.BASE64)
                .buildAsyncClient();
    }

    private static Map<String, String> settings(Scenario scenario, String run) {
        Map<String, String> map = new HashMap<>();
        map.put("MONGODB_CONNECTION_STRING", scenario.mongo());
        map.put("MONGODB_CONTROL_DATABASE", "fair_control_" + run);
        map.put("MONGODB_RUNTIME_DATABASE", "fair_runtime_" + run);
        map.put("MONGODB_MAX_POOL_SIZE", "50");
        map.put(Settings.STORAGE, scenario.storage());
        map.put("STEP_QUEUE", "fair-steps-" + run);
        // Every step here comes from the queue: the gate is the queue's pool; the rest of the slots go unused.
        map.put("STEP_CONCURRENCY", "256");
        map.put("STEP_QUEUE_CONCURRENCY", Integer.toString(scenario.slots()));
        map.put("AUTH_PLATFORM_ISSUER", "https://login.example.com/tenant/v2.0");
        map.put("AUTH_PLATFORM_AUDIENCE", "api://mozaiks");
        map.put("WEBPUBSUB_CONNECTION_STRING", "Endpoint=http://127.0.0.1:1;AccessKey=YmVuY2gtb25seS1ub3QtYS1yZWFsLWtleS0zMi1ieXRlcyE=;Version=1.0;");
        map.put("RUNTIME_TOKEN_KEY", "YmVuY2gtb25seS1ub3QtYS1yZWFsLWtleS0zMi1ieXRlcyE=");
        map.put("APP_SETTINGS_KEY", "YmVuY2gtb25seS1hcHAtc2V0dGluZ3Mta2V5LTMyYnk=");
        map.put("MODEL_PROVIDER", "offline");
        return map;
    }

    /**
     * The live feed, standing in for Web PubSub: a chat's first batch of events means its step 0 committed. Keeps
     * when each of A's and B's chats got there, and A's count when B's last did.
     */
    private static final class Completions implements ChatFeed {
        private final Scenario scenario;
        private final Set<String> seen = new HashSet<>();
        private final List<Duration> aTimes = new ArrayList<>();
        private final List<Duration> bTimes = new ArrayList<>();
        private final CountDownLatch all;
        private final CountDownLatch newcomer;
        private int aDoneWhenBDone = -1;
        private volatile long start;

        Completions(Scenario scenario) {
            this.scenario = scenario;
            this.all = new CountDownLatch(scenario.aChats() + scenario.bChats());
            this.newcomer = new CountDownLatch(scenario.bChats());
        }

        void start() {
            start = System.nanoTime();
        }

        @Override
        public Mono<Void> publish(AppId appId, String chatId, List<ChatEvent> events) {
            return Mono.fromRunnable(() -> done(appId, chatId));
        }

        private synchronized void done(AppId appId, String chatId) {
            if (!seen.add(chatId)) {
                return;
            }
            Duration at = Duration.ofNanos(System.nanoTime() - start);
            if (appId.equals(A)) {
                aTimes.add(at);
            } else {
                bTimes.add(at);
                if (bTimes.size() == scenario.bChats()) {
                    aDoneWhenBDone = aTimes.size();
                }
                newcomer.countDown();
            }
            all.countDown();
        }

        @Override
        public Mono<Void> delta(AppId appId, String chatId, String agent, String text) {
            return Mono.empty();
        }

        synchronized String progress() {
            return "A " + aTimes.size() + " of " + scenario.aChats() + ", B " + bTimes.size() + " of " + scenario.bChats();
        }

        synchronized Result result(long deferrals) {
            return new Result(scenario, aDoneWhenBDone, List.copyOf(bTimes), List.copyOf(aTimes), deferrals);
        }
    }
}

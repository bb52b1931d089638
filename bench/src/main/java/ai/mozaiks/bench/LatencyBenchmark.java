package ai.mozaiks.bench;

import ai.mozaiks.config.Settings;
import ai.mozaiks.devhost.DeployStep;
import ai.mozaiks.devhost.ProjectHome;
import ai.mozaiks.devhost.emulators.Azurite;
import ai.mozaiks.devhost.emulators.EmbeddedMongo;
import ai.mozaiks.devhost.emulators.IndexedMemoryBackend;
import ai.mozaiks.devhost.emulators.Ports;
import ai.mozaiks.devhost.functions.FunctionHost;
import ai.mozaiks.devhost.functions.HostJson;
import ai.mozaiks.devhost.http.HttpHost;
import ai.mozaiks.devhost.identity.DevIdentityProvider;
import ai.mozaiks.devhost.webpubsub.EmulatorOptions;
import ai.mozaiks.devhost.webpubsub.EventHandler;
import ai.mozaiks.devhost.webpubsub.WebPubSubEmulator;
import ai.mozaiks.functions.FunctionFactory;
import ai.mozaiks.functions.PlatformFunctionInjector;
import ai.mozaiks.http.Json;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.platform.Platform;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToLongFunction;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turn latency: where the time goes between a user's message and the agent's reply, through the devhost's stack in one
 * JVM — its function host serving the real HTTP API and the Web PubSub upstream, the real {@link Platform} with its step
 * queue on Azurite read by the devhost's queue listener (host.json's polling), the development IdP's tokens, an
 * in-memory embedded MongoDB and the Web PubSub emulator — with {@code workflows/assistant} against a local
 * chat-completions server that streams its reply after a fixed, known delay (default 0). Each chat's browser is a real
 * WebSocket client on the chat's client URL. Every turn is stamped, from the moment the message is sent:
 * <ol>
 *   <li>accepted: the HTTP answer (202) or, on the upstream path, the upstream's {@code chat.input_result};</li>
 *   <li>step started: the step's queue message handed to the instance (a receive's answer passing a counting proxy in
 *       front of Azurite's queue endpoint: the trigger has the step);</li>
 *   <li>model request: the model server has the step's request (the message carries a marker the server looks for);</li>
 *   <li>first delta: the first {@code chat.text_delta} at the WebSocket client, what the user feels;</li>
 *   <li>committed: the agent's stored {@code chat.text} at the client (sent once the step's commit is done).</li>
 * </ol>
 * Platform overhead is first delta minus the model's time to its first chunk (the configured delay). Between turns a
 * user "thinks" for a random while, so a message finds the queue's polling wherever it happens to be. The proxy also
 * counts queue transactions, and the embedded server the database commands, per scenario.
 */
public final class LatencyBenchmark {
    private static final String WORKFLOW = "assistant";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern MARKER = Pattern.compile("bench-turn ([0-9]+)\\.([0-9]+)");
    static final String IDLE_HTTP = "idle, POST /api/chats/{id}/messages";
    static final String IDLE_UPSTREAM = "idle, Web PubSub upstream (the ChatUI's path)";

    /**
     * The run's size: turns of the one idle chat (per path), concurrent chats and their turns, unmeasured warm-up
     * turns, the model's delay before its first chunk and how long it then streams the rest, and the users' pause between
     * a reply and their next message.
     */
    public record Options(int idleTurns, int chats, int turnsPerChat, int warmUpTurns, Duration modelDelay, Duration modelStream,
                          Duration thinkMin, Duration thinkMax) {
        static Options defaults() {
            return new Options(30, 100, 5, 10, Duration.ZERO, Duration.ofMillis(300), Duration.ofMillis(500), Duration.ofMillis(3000));
        }
    }

    /** One turn's stamps ({@link System#nanoTime()}; 0 when not seen), the first of each kind winning. */
    static final class Turn {
        final int chat;
        final int index;
        volatile long sent;
        volatile long accepted;
        volatile long stepStarted;
        volatile long modelRequest;
        volatile long firstDelta;
        volatile long committed;
        volatile String failure;
        /** How often the turn's step message was handed to the instance: more than once when a step was put back for later. */
        final AtomicInteger deliveries = new AtomicInteger();
        final CompletableFuture<Void> done = new CompletableFuture<>();

        Turn(int chat, int index) {
            this.chat = chat;
            this.index = index;
        }

        synchronized void accepted(long at) {
            accepted = accepted == 0 ? at : accepted;
        }

        synchronized void stepStarted(long at) {
            stepStarted = stepStarted == 0 ? at : stepStarted;
            deliveries.incrementAndGet();
        }

        synchronized void modelRequest(long at) {
            modelRequest = modelRequest == 0 ? at : modelRequest;
        }

        synchronized void firstDelta(long at) {
            firstDelta = firstDelta == 0 ? at : firstDelta;
        }

        void committed(long at) {
            synchronized (this) {
                committed = committed == 0 ? at : committed;
            }
            done.complete(null);
        }

        void fail(String why) {
            synchronized (this) {
                failure = failure == null ? why : failure;
            }
            done.complete(null);
        }

        /** Every stamp is there and nothing failed. */
        boolean complete() {
            // A step run where its input landed has no queue delivery: stepStarted stays 0 for it.
            return failure == null && sent > 0 && accepted > 0 && modelRequest > 0 && firstDelta > 0 && committed > 0;
        }

        /** Milliseconds from the message sent to a stamp. */
        double since(long stamp) {
            return (stamp - sent) / 1e6;
        }
    }

    /** What one scenario did: its turns, wall time, queue transactions by kind and database commands by name. */
    record Scenario(String name, int expectedTurns, List<Turn> turns, long millis, Map<String, Integer> queue,
                    Map<String, Integer> commands) {
        List<Turn> completed() {
            return turns.stream().filter(Turn::complete).toList();
        }

        int queueTransactions() {
            return queue.values().stream().mapToInt(Integer::intValue).sum();
        }

        int databaseCommands() {
            return commands.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    /** The whole run. */
    record Report(Options options, List<Scenario> scenarios, double load, int stepConcurrency) {
    }

    private final BenchApi api;
    private final String owner;
    private final String app;
    private final Map<Integer, ChatState> chats = new ConcurrentHashMap<>();
    private final Map<String, ChatState> chatsById = new ConcurrentHashMap<>();
    private final AtomicInteger chatNumbers = new AtomicInteger();

    /** A chat under way: the turn its stamps go to. */
    private static final class ChatState {
        volatile Turn turn;
    }

    private LatencyBenchmark(URI base, DevIdentityProvider idp) {
        this.api = new BenchApi(base);
        BenchApi.Tenant bench = api.enterpriseTenant();
        this.owner = bench.owner();
        String tenant = bench.id();
        this.app = api.send("POST", "/api/tenants/" + tenant + "/apps", owner, Map.of("name", "bench-latency", "tier", "enterprise"))
                .json().path("id").asText();
        api.send("PATCH", "/api/apps/" + app, owner, Map.of("access_policy", Map.of("mode", "app_users"),
                "end_user_idp", Map.of("issuer", idp.appIssuer(AppId.of(app)), "audience", BenchSettings.AUDIENCE, "jwks_url", idp.jwksUri().toString())));
    }

    public static void main(String[] args) throws Exception {
        Options defaults = Options.defaults();
        Options options = new Options(arg(args, 0, defaults.idleTurns()), arg(args, 1, defaults.chats()), arg(args, 2, defaults.turnsPerChat()),
                arg(args, 3, defaults.warmUpTurns()), Duration.ofMillis(arg(args, 4, (int) defaults.modelDelay().toMillis())),
                Duration.ofMillis(arg(args, 5, (int) defaults.modelStream().toMillis())), defaults.thinkMin(), defaults.thinkMax());
        Logger.getLogger("").setLevel(Level.WARNING); // a log line per request is not the report
        Logger.getLogger("de.bwaldvogel").setLevel(Level.OFF); // the embedded server reports the index drops the platform tries
        Report report = run(options);
        print(report, System.out);
        System.exit(report.scenarios().stream().allMatch(s -> s.completed().size() == s.expectedTurns()) ? 0 : 1);
    }

    private static int arg(String[] args, int index, int fallback) {
        return args.length > index ? Integer.parseInt(args[index]) : fallback;
    }

    /** Runs the scenarios on a fresh stack: warm-up, the idle chat on each path, then the concurrent chats. */
    public static Report run(Options options) throws Exception {
        Set<Integer> ports = new HashSet<>();
        while (ports.size() < 3) {
            ports.add(Ports.free());
        }
        Integer[] chosen = ports.toArray(Integer[]::new);
        CountingBackend backend = new CountingBackend();
        Map<String, Turn> byMarker = new ConcurrentHashMap<>();
        LatencyBenchmark[] bench = new LatencyBenchmark[1];
        try (Azurite azurite = Azurite.startOrReuse(ProjectHome.find(), chosen[0], chosen[1], chosen[2], null);
             EmbeddedMongo embedded = EmbeddedMongo.on(backend);
             LatencyChatServer model = LatencyChatServer.start("Here is a short answer to your question.", options.modelDelay(), options.modelStream(),
                     body -> modelCalled(body, byMarker, System.nanoTime()));
             QueueCountingProxy queue = QueueCountingProxy.start(azurite.queuePort(),
                     (text, at) -> {
                         if (bench[0] != null) {
                             bench[0].delivered(text, at);
                         }
                     })) {
            HttpServer server = HttpHost.bind("127.0.0.1", 0);
            String upstream = "http://127.0.0.1:" + server.getAddress().getPort() + "/api/realtime/upstream";
            DevIdentityProvider idp = DevIdentityProvider.start(Files.createTempDirectory("mozaiks-bench-latency-"),
                    server.getAddress().getPort(), BenchSettings.AUDIENCE, Map.of("MOZAIKS_ENVIRONMENT", "development"), Clock.systemUTC());
            try (WebPubSubEmulator webPubSub = WebPubSubEmulator.start(EmulatorOptions.withKey(BenchSettings.KEY)
                    .withEventHandler("chat", new EventHandler(upstream, Set.of("connect", "connected", "disconnected"), "*")))) {
                Map<String, String> settings = BenchSettings.of(queue.connectionString(azurite.connectionString()), embedded.connectionString(),
                        model.baseUrl(), idp, webPubSub, "latency");
                try (Platform platform = Platform.start(Settings.from(settings))) {
                    DeployStep.ensureSchema(platform);
                    FunctionHost host = FunctionHost.start(server, FunctionFactory.functionClasses(), new PlatformFunctionInjector(platform),
                            settings, HostJson.load(), idp.routes());
                    try {
                        bench[0] = new LatencyBenchmark(URI.create("http://127.0.0.1:" + host.port()), idp);
                        List<Scenario> scenarios = new ArrayList<>();
                        // Unmeasured: the first turns of a fresh JVM run interpreted code, as no platform up a while does.
                        bench[0].scenario("warm-up", 1, options.warmUpTurns(), false, options, byMarker, queue, backend);
                        double load = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
                        scenarios.add(bench[0].scenario(IDLE_HTTP, 1, options.idleTurns(), false, options, byMarker, queue, backend));
                        scenarios.add(bench[0].scenario(IDLE_UPSTREAM, 1, options.idleTurns(), true, options, byMarker, queue, backend));
                        scenarios.add(bench[0].scenario(options.chats() + " concurrent chats x " + options.turnsPerChat()
                                + " turns, POST /api/chats/{id}/messages", options.chats(), options.turnsPerChat(), false, options, byMarker,
                                queue, backend));
                        return new Report(options, scenarios, load, platform.settings().stepConcurrency());
                    } finally {
                        host.close();
                    }
                }
            }
        }
    }

    /** The model server has a request: the last marker in it is the turn's (earlier ones are the conversation's past). */
    private static void modelCalled(String body, Map<String, Turn> byMarker, long at) {
        Matcher marker = MARKER.matcher(body);
        String last = null;
        while (marker.find()) {
            last = marker.group(1) + "." + marker.group(2);
        }
        Turn turn = last == null ? null : byMarker.get(last);
        if (turn != null) {
            turn.modelRequest(at);
        }
    }

    /** A step message reached the instance: the step of the chat's turn under way has started. */
    private void delivered(String text, long at) {
        try {
            ChatState chat = chatsById.get(Json.mapper().readTree(text).path("chat_id").asText());
            Turn turn = chat == null ? null : chat.turn;
            if (turn != null) {
                turn.stepStarted(at);
            }
        } catch (IOException notAStep) {
            // another queue's message
        }
    }

    /** {@code chats} chats, each by its own end-user, each doing {@code turns} turns one after another, all at once. */
    private Scenario scenario(String name, int chatCount, int turns, boolean upstream, Options options, Map<String, Turn> byMarker,
                              QueueCountingProxy queue, CountingBackend backend) throws Exception {
        List<Opened> opened = new ArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(Math.max(1, chatCount));
        try {
            for (int i = 0; i < chatCount; i++) {
                opened.add(open());
            }
            Thread.sleep(500); // the sockets' connected events settle upstream
            queue.take();
            backend.take();
            long start = System.nanoTime();
            // The same pauses in every scenario: where a message finds the queue's polling back-off depends on them, so the
            // two idle paths are compared on equal terms.
            Random think = new Random(15);
            List<CompletableFuture<List<Turn>>> runs = new ArrayList<>();
            for (Opened chat : opened) {
                long seed = think.nextLong();
                runs.add(CompletableFuture.supplyAsync(() -> converse(chat, turns, upstream, options, byMarker, new Random(seed)), threads));
            }
            List<Turn> all = new ArrayList<>();
            runs.forEach(run -> all.addAll(run.join()));
            long millis = (System.nanoTime() - start) / 1_000_000;
            Thread.sleep(300); // the last steps' follow-ups (run slots given back, messages deleted)
            return new Scenario(name, chatCount * turns, all, millis, queue.take(), backend.take());
        } finally {
            threads.shutdownNow();
            opened.forEach(chat -> chat.socket().close());
            Thread.sleep(300); // the sockets' disconnected events reach the upstream while it still listens
        }
    }

    private record Opened(int number, String chatId, String runtimeToken, ChatSocket socket) {
    }

    /** A new chat by a new end-user, with its browser's socket connected. */
    private Opened open() throws Exception {
        int number = chatNumbers.incrementAndGet();
        String sub = "user-" + number;
        String token = api.mint(Map.of("sub", sub, "email", sub + "@example.com", "app_id", app));
        JsonNode session = api.send("POST", "/api/sessions", token, Map.of("app_id", app, "workflow_name", WORKFLOW)).json();
        String chatId = session.path("chat_id").asText();
        ChatState state = new ChatState();
        chats.put(number, state);
        chatsById.put(chatId, state);
        return new Opened(number, chatId, session.path("runtime_token").asText(), ChatSocket.connect(api.http(), session.path("ws_url").asText()));
    }

    private List<Turn> converse(Opened chat, int turns, boolean upstream, Options options, Map<String, Turn> byMarker, Random random) {
        List<Turn> done = new ArrayList<>();
        ChatState state = chats.get(chat.number());
        for (int i = 1; i <= turns; i++) {
            Turn turn = new Turn(chat.number(), i);
            done.add(turn);
            try {
                long span = options.thinkMax().toMillis() - options.thinkMin().toMillis();
                Thread.sleep(options.thinkMin().toMillis() + (span > 0 ? (long) (random.nextDouble() * span) : 0));
                String marker = chat.number() + "." + i;
                byMarker.put(marker, turn);
                state.turn = turn;
                chat.socket().turn(turn);
                String text = "bench-turn " + marker + ": how do tides work?";
                String clientMessageId = "m-" + marker;
                turn.sent = System.nanoTime();
                if (upstream) {
                    chat.socket().submit(clientMessageId, text);
                } else {
                    BenchApi.Answer answer = api.sendRaw("POST", "/api/chats/" + chat.chatId() + "/messages", chat.runtimeToken(),
                            Json.write(Map.of("client_message_id", clientMessageId, "text", text)));
                    if (answer.status() != 202) {
                        turn.fail("POST messages answered " + answer.status() + ": " + answer.body());
                    } else {
                        turn.accepted(System.nanoTime());
                    }
                }
                turn.done.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                turn.fail("no reply within " + TIMEOUT.toSeconds() + " s");
            } catch (Exception e) {
                turn.fail(e.toString());
            }
            if (turn.failure != null) {
                break; // the chat's state is unknown; its remaining turns count as not completed
            }
        }
        return done;
    }


    /** The embedded server's backend, counting the data commands it is sent (not the driver's handshakes and heartbeats). */
    static final class CountingBackend extends IndexedMemoryBackend {
        private static final Set<String> COUNTED = new HashSet<>();

        static {
            COUNTED.addAll(CommandCounter.READS);
            COUNTED.addAll(CommandCounter.WRITES);
        }

        private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

        @Override
        public Document handleCommand(Channel channel, String database, String command, Document query) {
            if (COUNTED.contains(command)) {
                counts.computeIfAbsent(command, key -> new AtomicInteger()).incrementAndGet();
            }
            return super.handleCommand(channel, database, command, query);
        }

        Map<String, Integer> take() {
            Map<String, Integer> taken = new TreeMap<>();
            counts.forEach((name, count) -> {
                int n = count.getAndSet(0);
                if (n > 0) {
                    taken.put(name, n);
                }
            });
            return taken;
        }
    }

    // --- the report ---

    static void print(Report report, PrintStream out) {
        Options options = report.options();
        out.println("Mozaiks turn latency report");
        out.printf(Locale.ROOT, "  setup      workflows/assistant through the devhost's function host, platform, dev IdP, Azurite (queue behind a counting "
                + "proxy), embedded MongoDB (memory) and Web PubSub emulator in one JVM with the clients (%s, %d cores); step queue read by "
                + "the devhost's queue listener with host.json's polling, STEP_CONCURRENCY %d; a local chat-completions server sends "
                + "its reply's first chunk after %d ms (the model's time to first chunk) and the rest %d ms later; users pause %d-%d ms "
                + "between turns; %d unmeasured warm-up turns; each chat's browser a WebSocket client on its Web PubSub client URL%n",
                Runtime.version(), Runtime.getRuntime().availableProcessors(), report.stepConcurrency(), options.modelDelay().toMillis(),
                options.modelStream().toMillis(), options.thinkMin().toMillis(), options.thinkMax().toMillis(), options.warmUpTurns());
        out.printf(Locale.ROOT, "  machine load average when measuring began: %.1f%n", report.load());
        long model = options.modelDelay().toNanos();
        for (Scenario scenario : report.scenarios()) {
            List<Turn> turns = scenario.completed();
            out.println("  " + scenario.name());
            out.printf(Locale.ROOT, "    turns completed                         %d of %d in %.1f s%n", turns.size(), scenario.expectedTurns(),
                    scenario.millis() / 1000.0);
            scenario.turns().stream().filter(turn -> turn.failure != null).limit(3)
                    .forEach(turn -> out.println("    failed: chat " + turn.chat + " turn " + turn.index + ": " + turn.failure));
            out.println("    from the message sent (ms)              p50      p95      max");
            row(out, "accepted (HTTP answer / input_result)", turns, turn -> turn.accepted);
            // Only a step that went through the queue has a delivery; one run where its input landed has none.
            List<Turn> queued = turns.stream().filter(turn -> turn.stepStarted > 0).toList();
            row(out, "step delivered by the queue (" + queued.size() + ")", queued, turn -> turn.stepStarted);
            row(out, "model request received", turns, turn -> turn.modelRequest);
            row(out, "first chat.text_delta at the client", turns, turn -> turn.firstDelta);
            row(out, "reply event (committed) at the client", turns, turn -> turn.committed);
            row(out, "platform overhead (first delta - model)", turns, turn -> turn.firstDelta - model);
            row(out, "  of it, model request to first delta", turns, turn -> turn.sent + turn.firstDelta - turn.modelRequest);
            long putBack = turns.stream().filter(turn -> turn.deliveries.get() > 1).count();
            out.printf(Locale.ROOT, "    step deliveries                         %.2f a turn, at most %d; %d turns' steps put back for later "
                    + "(fair share or a busy chat) at least once%n", turns.stream().mapToInt(turn -> turn.deliveries.get()).average().orElse(0),
                    turns.stream().mapToInt(turn -> turn.deliveries.get()).max().orElse(0), putBack);
            double perTurn = Math.max(1, turns.size());
            out.printf(Locale.ROOT, "    queue transactions                      %.2f a turn (%d: %s, over %.1f s of polling)%n",
                    scenario.queueTransactions() / perTurn, scenario.queueTransactions(), scenario.queue(), scenario.millis() / 1000.0);
            out.printf(Locale.ROOT, "    database commands                       %.2f a turn (%d: %s)%n",
                    scenario.databaseCommands() / perTurn, scenario.databaseCommands(), scenario.commands());
        }
        out.println("  acceptance (issue 15): idle platform overhead p50 <= 30 ms, p95 <= 100 ms; 100 concurrent chats x 5 turns "
                + "p95 <= 300 ms, no errors");
    }

    private static void row(PrintStream out, String label, List<Turn> turns, ToLongFunction<Turn> stamp) {
        if (turns.isEmpty()) {
            out.printf(Locale.ROOT, "      %-38s %8s%n", label, "-");
            return;
        }
        List<Double> millis = turns.stream().map(turn -> turn.since(stamp.applyAsLong(turn))).sorted().toList();
        out.printf(Locale.ROOT, "      %-38s %8.1f %8.1f %8.1f%n", label, percentile(millis, 50), percentile(millis, 95),
                millis.get(millis.size() - 1));
    }

    static double percentile(List<Double> sorted, int p) {
        return sorted.get(Math.max(0, (sorted.size() * p + 99) / 100 - 1));
    }
}

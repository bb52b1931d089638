package ai.mozaiks.bench;

import ai.mozaiks.devhost.ProjectHome;
import ai.mozaiks.devhost.emulators.Azurite;
import ai.mozaiks.devhost.emulators.EmbeddedMongo;
import ai.mozaiks.devhost.emulators.Ports;
import ai.mozaiks.devhost.functions.HostJson;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * Fairness benchmark: {@link FairnessRun} with the gate on ({@code STEP_QUEUE_CONCURRENCY} 24, host.json's
 * concurrency) and off ({@code STEP_QUEUE_CONCURRENCY} 256, far above what the trigger runs at once, so it never defers),
 * on a fresh Azurite (free ports, in memory) and an in-memory embedded MongoDB. Usage:
 * {@code bench/fairness [A's chats] [B's chats] [model latency ms]} (500, 5, 500 ms: an agent's turn is rarely faster).
 */
public final class FairnessBenchmark {
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    public static void main(String[] args) throws Exception {
        int aChats = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        int bChats = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Duration latency = Duration.ofMillis(args.length > 2 ? Long.parseLong(args[2]) : 500);
        Logger.getLogger("").setLevel(Level.WARNING); // a log line per step is not the report
        Logger.getLogger("de.bwaldvogel").setLevel(Level.SEVERE); // mongo-java-server warns about index kinds it ignores
        Set<Integer> ports = new HashSet<>();
        while (ports.size() < 3) {
            ports.add(Ports.free());
        }
        Integer[] chosen = ports.toArray(Integer[]::new);
        try (Azurite azurite = Azurite.startOrReuse(ProjectHome.find(), chosen[0], chosen[1], chosen[2], null);
             EmbeddedMongo mongo = EmbeddedMongo.inMemory();
             LatencyChatServer model = LatencyChatServer.start("What would you like researched, and how deep should I go?", latency)) {
            URI modelUrl = model.baseUrl();
            // A small run first, so neither measured run pays for class loading and connection set-up.
            FairnessRun.run(new FairnessRun.Scenario(azurite.connectionString(), mongo.connectionString(), modelUrl, 24, 40, 2, true, TIMEOUT));
            FairnessRun.Result on = FairnessRun.run(new FairnessRun.Scenario(azurite.connectionString(), mongo.connectionString(),
                    modelUrl, 24, aChats, bChats, true, TIMEOUT));
            FairnessRun.Result off = FairnessRun.run(new FairnessRun.Scenario(azurite.connectionString(), mongo.connectionString(),
                    modelUrl, 256, aChats, bChats, true, TIMEOUT));
            report(aChats, bChats, latency, on, off);
        }
        System.exit(0);
    }

    private static void report(int aChats, int bChats, Duration latency, FairnessRun.Result on, FairnessRun.Result off) {
        HostJson.QueueOptions queues = HostJson.load().queues();
        System.out.println("Mozaiks fairness report");
        System.out.printf(Locale.ROOT, "  setup      app A: %d chats, then app B: %d chats, step 0 of each queued before the instance starts; "
                + "workflow %s (step 0: one model call, then the chat awaits its user)%n", aChats, bChats, FairnessRun.WORKFLOW);
        System.out.printf(Locale.ROOT, "             model: local chat-completions server, %d ms a call; queue: Azurite through the devhost's "
                        + "QueueListener (host.json batchSize %d, newBatchThreshold %d); embedded MongoDB (memory); one JVM (%s)%n",
                latency.toMillis(), queues.batchSize(), queues.newBatchThreshold(), Runtime.version());
        row("gate on  (STEP_QUEUE_CONCURRENCY 24)", on);
        row("gate off (STEP_QUEUE_CONCURRENCY 256: above what the trigger runs at once, never defers)", off);
        System.out.printf(Locale.ROOT, "  acceptance: B's steps done before A's backlog is half done: gate on %s (A %d of %d), gate off %s (A %d of %d)%n",
                on.aDoneWhenBDone() * 2 < aChats ? "PASS" : "FAIL", on.aDoneWhenBDone(), aChats,
                off.aDoneWhenBDone() * 2 < aChats ? "yes" : "no", off.aDoneWhenBDone(), aChats);
    }

    private static void row(String label, FairnessRun.Result result) {
        int aChats = result.scenario().aChats();
        System.out.println("  " + label);
        System.out.printf(Locale.ROOT, "    A's steps done when B's last was done   %d of %d%n", result.aDoneWhenBDone(), aChats);
        System.out.printf(Locale.ROOT, "    B's steps done after (s)                %s%n",
                result.bDone().stream().map(FairnessBenchmark::seconds).collect(Collectors.joining(", ")));
        System.out.printf(Locale.ROOT, "    A half done / all done after (s)        %s / %s%n",
                seconds(result.aDone((aChats + 1) / 2)), seconds(result.aDone(aChats)));
        int[] perSecond = new int[(int) result.total().toSeconds() + 1];
        result.aDone().forEach(done -> perSecond[(int) done.toSeconds()]++);
        System.out.println("    A's steps done, second by second        " + Arrays.toString(perSecond));
        System.out.printf(Locale.ROOT, "    steps deferred                          %d (%.2f per step run)%n", result.deferrals(),
                result.deferrals() / (double) (aChats + result.scenario().bChats()));
        System.out.printf(Locale.ROOT, "    total                                   %s s%n", seconds(result.total()));
    }

    private static String seconds(Duration duration) {
        return String.format(Locale.ROOT, "%.2f", duration.toNanos() / 1e9);
    }
}

package ai.mozaiks.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.devhost.TestEmulators;
import java.time.Duration;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Fairness on one instance: app A queues 500 steps, app B then 5; B's steps are done before A's backlog is
 * half done. Real queue (Azurite) through the devhost's queue listener with host.json's concurrency, the real step
 * worker, runner and executor on MongoDB, and a model that takes a second a turn (a local chat-completions server).
 * The numbers are printed; {@code bench/fairness} compares them with the gate off.
 */
class FairnessAcceptanceIT {
    private static final int A_STEPS = 500;
    private static final int B_STEPS = 5;

    @Test
    void aNewcomersStepsAreDoneBeforeHalfOfABusyAppsBacklog() throws Exception {
        Logger root = Logger.getLogger("");
        Level level = root.getLevel();
        root.setLevel(Level.WARNING); // a line per step would bury the numbers
        try (LatencyChatServer model = LatencyChatServer.start("What would you like researched?", Duration.ofSeconds(1))) {
            FairnessRun.Result result = FairnessRun.run(new FairnessRun.Scenario(TestEmulators.azurite().connectionString(),
                    TestEmulators.mongo().connectionString(), model.baseUrl(), 24, A_STEPS, B_STEPS, false, Duration.ofMinutes(3)));

            System.out.printf("fairness: B's %d steps done after %s s; A's done by then: %d of %d; steps deferred: %d%n", B_STEPS,
                    result.bDone().stream().map(d -> String.format("%.2f", d.toNanos() / 1e9)).collect(Collectors.joining(", ")),
                    result.aDoneWhenBDone(), A_STEPS, result.deferrals());
            assertEquals(B_STEPS, result.bDone().size());
            assertTrue(result.aDoneWhenBDone() < A_STEPS / 2,
                    "B's last step was done when " + result.aDoneWhenBDone() + " of A's " + A_STEPS + " were");
            assertTrue(result.deferrals() > 0, "A's backlog was deferred");
        } finally {
            root.setLevel(level);
        }
    }
}

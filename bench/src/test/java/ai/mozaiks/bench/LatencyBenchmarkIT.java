package ai.mozaiks.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * bench/latency, tiny: every turn of every scenario completes through the whole stack, and each is stamped at every
 * point, in the order cause and effect impose (timings themselves are the report's, not asserted).
 */
class LatencyBenchmarkIT {
    private static final int TURNS = 3;
    private static final int CHATS = 3;

    @Test
    void everyTurnCompletesAndIsStampedAtEveryPointInCausalOrder() throws Exception {
        Logger root = Logger.getLogger("");
        Level level = root.getLevel();
        root.setLevel(Level.WARNING); // a line per request would bury the report
        LatencyBenchmark.Report report;
        try {
            report = LatencyBenchmark.run(new LatencyBenchmark.Options(TURNS, CHATS, TURNS, 2, Duration.ZERO, Duration.ofMillis(50),
                    Duration.ofMillis(200), Duration.ofMillis(400)));
        } finally {
            root.setLevel(level);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LatencyBenchmark.print(report, new PrintStream(out, true, StandardCharsets.UTF_8));
        String printed = out.toString(StandardCharsets.UTF_8);
        System.out.print(printed);

        assertEquals(List.of(LatencyBenchmark.IDLE_HTTP, LatencyBenchmark.IDLE_UPSTREAM,
                        CHATS + " concurrent chats x " + TURNS + " turns, POST /api/chats/{id}/messages"),
                report.scenarios().stream().map(LatencyBenchmark.Scenario::name).toList());
        List<Integer> expected = List.of(TURNS, TURNS, CHATS * TURNS);
        for (int i = 0; i < expected.size(); i++) {
            LatencyBenchmark.Scenario scenario = report.scenarios().get(i);
            assertEquals(expected.get(i), scenario.expectedTurns(), scenario.name());
            assertEquals(scenario.expectedTurns(), scenario.turns().size(), scenario.name());
            for (LatencyBenchmark.Turn turn : scenario.turns()) {
                String which = scenario.name() + ", chat " + turn.chat + " turn " + turn.index;
                assertNull(turn.failure, which);
                assertTrue(turn.complete(), which + ": every point stamped");
                assertTrue(turn.sent < turn.accepted, which + ": accepted after sent");
                assertTrue(turn.sent < turn.modelRequest, which + ": the message before the model");
                assertTrue(turn.stepStarted == 0 || turn.sent < turn.stepStarted, which + ": a queue delivery after the message");
                assertTrue(turn.modelRequest < turn.firstDelta && turn.firstDelta < turn.committed,
                        which + ": the model, then its deltas, then the stored reply");
            }
            // Each turn's step has a queue message, run where it landed or not: sent, and deleted once done.
            assertTrue(scenario.queue().getOrDefault("send", 0) >= scenario.expectedTurns(), scenario.name() + ": " + scenario.queue());
            assertTrue(scenario.queue().getOrDefault("delete", 0) >= scenario.expectedTurns(), scenario.name() + ": " + scenario.queue());
            assertTrue(scenario.commands().getOrDefault("insert", 0) >= scenario.expectedTurns(), scenario.name() + ": " + scenario.commands());
        }
        assertTrue(printed.contains("platform overhead (first delta - model)"), printed);
        assertTrue(printed.contains("turns completed                         " + CHATS * TURNS + " of " + CHATS * TURNS), printed);
    }
}

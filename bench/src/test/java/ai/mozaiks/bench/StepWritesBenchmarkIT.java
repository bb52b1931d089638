package ai.mozaiks.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * bench/writes on the embedded server: a turn's writes are the ones the engine's guarantees need, one each, and a step's
 * writes to the chat document do not grow with the chat (the commit carries what changed, not the whole conversation).
 */
class StepWritesBenchmarkIT {
    private static final int TURNS = 6;

    private static Map<String, Double> commandsPerTurn(StepWritesBenchmark.Scenario scenario) {
        Map<String, Double> commands = new TreeMap<>();
        scenario.phases().get(StepWritesBenchmark.STEPS).keySet().forEach(collection -> commands.put(collection,
                scenario.perTurn(StepWritesBenchmark.STEPS, collection, WriteMeter.Writes::commands)));
        return commands;
    }

    @Test
    void aTurnWritesEachRecordOnceAndItsChatWritesStayFlatAsTheChatGrows() {
        List<StepWritesBenchmark.Scenario> scenarios = StepWritesBenchmark.measure(2, TURNS);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StepWritesBenchmark.print(scenarios, 2, new PrintStream(out, true, StandardCharsets.UTF_8));
        String printed = out.toString(StandardCharsets.UTF_8);
        System.out.print(printed);

        StepWritesBenchmark.Scenario plain = scenarios.get(0);
        assertEquals(StepWritesBenchmark.PLAIN, plain.name());
        assertEquals(2 * TURNS, plain.turns());
        // The claim and the commit; the response journaled before the commit; the events; the minute bucket and the month.
        assertEquals(Map.of("chat_events", 1.0, "chat_sessions", 2.0, "step_replies", 1.0, "usage_minutes", 1.0, "usage_months", 1.0),
                commandsPerTurn(plain), printed);

        StepWritesBenchmark.Scenario tool = scenarios.get(1);
        assertEquals(StepWritesBenchmark.TOOL, tool.name());
        assertEquals(Map.of("AwaitingInput", 2 * TURNS, "Next", 2 * TURNS), tool.outcomes(), "the tool round, then the reply");
        // Two steps, and the tool's result recorded once between the journaled call and the commit.
        assertEquals(Map.of("chat_events", 2.0, "chat_sessions", 4.0, "step_replies", 2.0, "tool_results", 1.0,
                "usage_minutes", 2.0, "usage_months", 2.0), commandsPerTurn(tool), printed);

        for (StepWritesBenchmark.Scenario scenario : scenarios) {
            // Whole-conversation commits grew by about a kilobyte a turn here (plain: 1,731 bytes in the first turn, 3,375 in
            // the eighth); pushing the new messages keeps the last turn's within a few bytes of the first's.
            assertTrue(scenario.lastTurnChatBytes() <= scenario.firstTurnChatBytes() + 128,
                    scenario.name() + ": first turn " + scenario.firstTurnChatBytes() + ", last " + scenario.lastTurnChatBytes());
            assertTrue(scenario.chatBytes() > scenario.lastTurnChatBytes(), "the chat document is larger than a turn's writes to it");
        }
    }
}

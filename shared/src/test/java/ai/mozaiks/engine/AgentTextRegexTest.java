package ai.mozaiks.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.mozaiks.workflows.Manifests;
import ai.mozaiks.workflows.Workflow;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A pack's {@code agent_text} regex runs on every reply of its agent. With a backtracking matcher {@code .*.*.*X}
 * kept a step busy for over a minute on a 500-character reply; matched by RE2 the step takes one pass.
 */
class AgentTextRegexTest {
    private static final Workflow WORKFLOW = Manifests.of("max_turns: 9\n").with("context_variables.yaml", """
            definitions:
            - name: flagged
              type: boolean
              source:
                type: state
                default: false
                triggers:
                - {type: agent_text, agent: Writer, match: {regex: '.*.*.*X'}}
            """).load();

    private static Object flagged(String reply) {
        return ContextState.applyAgentText(WORKFLOW, "Writer", reply, Map.of("flagged", false)).variables().get("flagged");
    }

    @Test
    void aCatastrophicPatternDecidesLongRepliesInOnePass() {
        assertEquals(false, flagged("a".repeat(500)));
        assertEquals(false, flagged("a".repeat(100 * 1024)));
        assertEquals(true, flagged("a".repeat(100 * 1024) + "X"));
        assertEquals(List.of("flagged"), ContextState.applyAgentText(WORKFLOW, "Writer", "a".repeat(500) + "X",
                Map.of("flagged", false)).changed());
    }
}

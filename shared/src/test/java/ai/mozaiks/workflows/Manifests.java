package ai.mozaiks.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds in-memory workflow bundles from YAML text: a small valid workflow, with files replaced or added. */
final class Manifests {
    static final String ORCHESTRATOR = "orchestrator.yaml";
    static final String AGENTS = "agents.yaml";
    static final String HANDOFFS = "handoffs.yaml";
    static final String CONTEXT = "context_variables.yaml";
    static final String OUTPUTS = "structured_outputs.yaml";
    static final String TOOLS = "tools.yaml";
    static final String UI = "ui_config.yaml";
    static final String HOOKS = "hooks.yaml";

    private final Map<String, String> files = new LinkedHashMap<>();

    private Manifests() {
        files.put(ORCHESTRATOR, "max_turns: 10\n");
        files.put(AGENTS, """
                agents:
                - name: Writer
                  system_message: You write drafts.
                - name: Reviewer
                  system_message: You review drafts.
                """);
    }

    /** Two agents, Writer and Reviewer, and nothing else. */
    static Manifests base() {
        return new Manifests();
    }

    Manifests with(String file, String yaml) {
        files.put(file, yaml);
        return this;
    }

    Manifests without(String file) {
        files.remove(file);
        return this;
    }

    Map<String, byte[]> bundle() {
        Map<String, byte[]> bundle = new LinkedHashMap<>();
        files.forEach((file, yaml) -> bundle.put(file, yaml.getBytes(StandardCharsets.UTF_8)));
        return bundle;
    }

    WorkflowLoadResult load() {
        return new WorkflowLoader().load("demo", bundle());
    }

    /** Loads, asserting there are neither errors nor warnings. */
    Workflow clean() {
        WorkflowLoadResult result = load();
        assertEquals(List.of(), result.report().errorMessages());
        assertEquals(List.of(), result.report().warningMessages());
        return result.workflow().orElseThrow();
    }

    /** Loads, asserting there are no errors; returns the warnings. */
    List<String> warnings() {
        WorkflowLoadResult result = load();
        assertEquals(List.of(), result.report().errorMessages());
        assertTrue(result.loaded());
        return result.report().warningMessages();
    }

    /** Loads, asserting the workflow is refused; returns the errors. */
    List<String> errors() {
        WorkflowLoadResult result = load();
        assertFalse(result.loaded(), "expected errors");
        return result.report().errorMessages();
    }
}

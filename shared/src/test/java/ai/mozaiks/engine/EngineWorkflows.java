package ai.mozaiks.engine;

import ai.mozaiks.workflows.Workflow;
import ai.mozaiks.workflows.WorkflowLoadResult;
import ai.mozaiks.workflows.WorkflowLoader;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Workflows for engine tests, from YAML text. */
final class EngineWorkflows {
    private final Map<String, String> files = new LinkedHashMap<>();

    private EngineWorkflows(String orchestrator) {
        files.put("orchestrator.yaml", orchestrator);
        files.put("agents.yaml", """
                agents:
                - name: Writer
                  system_message: You write drafts.
                  max_consecutive_auto_reply: 5
                - name: Reviewer
                  system_message: You review drafts.
                  max_consecutive_auto_reply: 5
                """);
    }

    static EngineWorkflows of(String orchestrator) {
        return new EngineWorkflows(orchestrator);
    }

    EngineWorkflows with(String file, String yaml) {
        files.put(file, yaml);
        return this;
    }

    Workflow load() {
        Map<String, byte[]> bundle = new LinkedHashMap<>();
        files.forEach((name, yaml) -> bundle.put(name, yaml.getBytes(StandardCharsets.UTF_8)));
        WorkflowLoadResult result = new WorkflowLoader().load("demo", bundle);
        assertEquals(List.of(), result.report().errorMessages());
        return result.workflow().orElseThrow();
    }
}

package ai.mozaiks.engine;

import ai.mozaiks.workflows.Workflow;
import ai.mozaiks.workflows.WorkflowLoadResult;
import ai.mozaiks.workflows.WorkflowLoader;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Workflows for engine tests, from YAML text: Writer and Reviewer unless {@code agents.yaml} is given. */
public final class EngineWorkflows {
    private final Map<String, String> files = new LinkedHashMap<>();
    private String name = "demo";

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

    public static EngineWorkflows of(String orchestrator) {
        return new EngineWorkflows(orchestrator);
    }

    /** The workflow's name ({@code demo} unless named). */
    public EngineWorkflows named(String workflowName) {
        this.name = workflowName;
        return this;
    }

    public EngineWorkflows with(String file, String yaml) {
        files.put(file, yaml);
        return this;
    }

    /** Further files as {@code file, yaml} pairs. */
    public EngineWorkflows with(String... filesAndYaml) {
        for (int i = 0; i < filesAndYaml.length; i += 2) {
            files.put(filesAndYaml[i], filesAndYaml[i + 1]);
        }
        return this;
    }

    public Workflow load() {
        Map<String, byte[]> bundle = new LinkedHashMap<>();
        files.forEach((file, yaml) -> bundle.put(file, yaml.getBytes(StandardCharsets.UTF_8)));
        WorkflowLoadResult result = new WorkflowLoader().load(name, bundle);
        assertEquals(List.of(), result.report().errorMessages(), "workflow " + name);
        return result.workflow().orElseThrow();
    }
}

package ai.mozaiks.engine.acceptance;

import ai.mozaiks.engine.EngineWorkflows;
import ai.mozaiks.workflows.Workflow;

/** Purpose-built manifests, for features the example workflows do not isolate. */
final class Manifests {
    static final String WRITER_PROMPT = "You write drafts.";
    static final String REVIEWER_PROMPT = "You review drafts.";
    static final String EDITOR_PROMPT = "You edit drafts.";

    static final String AGENTS = """
            agents:
            - name: Writer
              system_message: You write drafts.
              max_consecutive_auto_reply: 5
            - name: Reviewer
              system_message: You review drafts.
              max_consecutive_auto_reply: 5
            - name: Editor
              system_message: You edit drafts.
              max_consecutive_auto_reply: 5
            """;

    private Manifests() {
    }

    /** A workflow of Writer, Reviewer and Editor: its orchestrator.yaml, then further {@code file, yaml} pairs. */
    static Workflow threeAgents(String name, String orchestrator, String... filesAndYaml) {
        return EngineWorkflows.of(orchestrator).named(name).with("agents.yaml", AGENTS).with(filesAndYaml).load();
    }
}

package ai.mozaiks.workflows;

import static ai.mozaiks.workflows.Manifests.ORCHESTRATOR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.workflows.manifest.OrchestrationPattern;
import ai.mozaiks.workflows.manifest.OrchestratorConfig;
import ai.mozaiks.workflows.manifest.StartupMode;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class OrchestratorManifestTest {

    private static Manifests orchestrator(String yaml) {
        return Manifests.base().with(ORCHESTRATOR, yaml);
    }

    @Test
    void readsEveryKey() {
        Workflow workflow = orchestrator("""
                workflow_name: Demo
                max_turns: 25
                human_in_the_loop: true
                startup_mode: UserDriven
                orchestration_pattern: RoundRobinPattern
                initial_agent: Reviewer
                initial_message: Review the draft.
                initial_message_to_user: Hello!
                entry_point: true
                pack: writing
                runtime_extensions: []
                metadata: {owner: docs}
                """).clean();

        OrchestratorConfig config = workflow.orchestrator();
        assertEquals(Optional.of("Demo"), config.workflowName());
        assertEquals(25, config.maxTurns());
        assertTrue(config.humanInTheLoop());
        assertEquals(StartupMode.USER_DRIVEN, config.startupMode());
        assertEquals(OrchestrationPattern.ROUND_ROBIN, config.orchestrationPattern());
        assertEquals(Optional.of("Reviewer"), config.initialAgent());
        assertEquals(Optional.of("Review the draft."), config.seedMessage());
        assertEquals(Optional.of("Hello!"), config.initialMessageToUser());
        assertTrue(config.entryPoint());
        assertEquals("writing", workflow.pack());
        assertEquals("Reviewer", workflow.initialAgent());
    }

    @Test
    void appliesTheRuntimeDefaults() {
        Workflow workflow = orchestrator("{}\n").clean();

        OrchestratorConfig config = workflow.orchestrator();
        assertEquals(50, config.maxTurns());
        assertFalse(config.humanInTheLoop());
        assertEquals(StartupMode.AGENT_DRIVEN, config.startupMode());
        assertEquals(OrchestrationPattern.DEFAULT, config.orchestrationPattern());
        assertEquals(Optional.empty(), config.seedMessage());
        assertFalse(config.entryPoint());
        assertEquals("demo", workflow.pack(), "the pack defaults to the workflow's name");
        assertEquals("Writer", workflow.initialAgent(), "the first agent starts by default");
    }

    @Test
    void theMessageToTheUserSeedsTheChatWhenThereIsNoInitialMessage() {
        Workflow workflow = orchestrator("initial_message: null\ninitial_message_to_user: Welcome\n").clean();
        assertEquals(Optional.of("Welcome"), workflow.orchestrator().seedMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"true", "yes", "on", "'always'", "'1'", "1", "'YES'"})
    void humanInTheLoopAcceptsTheRuntimesTrueWords(String value) {
        assertTrue(orchestrator("human_in_the_loop: " + value + "\n").clean().orchestrator().humanInTheLoop());
    }

    @ParameterizedTest
    @ValueSource(strings = {"false", "no", "off", "'never'", "0", "''"})
    void humanInTheLoopAcceptsFalseWords(String value) {
        assertFalse(orchestrator("human_in_the_loop: " + value + "\n").clean().orchestrator().humanInTheLoop());
    }

    @Test
    void anUnrecognisedHumanInTheLoopValueIsFalseWithAWarning() {
        Manifests manifests = orchestrator("human_in_the_loop: sometimes\n");
        assertEquals(List.of("orchestrator.yaml: human_in_the_loop: not a recognised boolean; treated as false"),
                manifests.warnings());
        assertFalse(manifests.result().workflow().orElseThrow().orchestrator().humanInTheLoop());
    }

    @Test
    void reportsInvalidValues() {
        assertEquals(List.of(
                "orchestrator.yaml: max_turns: must be at least 1",
                "orchestrator.yaml: startup_mode: unknown value \"Auto\" (expected AgentDriven, UserDriven, BackendOnly)",
                "orchestrator.yaml: orchestration_pattern: unknown value \"Pipeline\""
                        + " (expected DefaultPattern, AutoPattern, RoundRobinPattern, RandomPattern)",
                "orchestrator.yaml: pack: invalid name \"my-pack\" (use 1-64 letters, digits or _)",
                "orchestrator.yaml: initial_agent: unknown agent \"Editor\""),
                orchestrator("""
                        max_turns: 0
                        startup_mode: Auto
                        orchestration_pattern: Pipeline
                        initial_agent: Editor
                        pack: my-pack
                        """).errors());
    }

    @Test
    void reportsWrongTypes() {
        assertEquals(List.of(
                "orchestrator.yaml: max_turns: expected an integer, got \"ten\"",
                "orchestrator.yaml: initial_message: expected a string, got a list",
                "orchestrator.yaml: entry_point: expected true or false, got \"maybe\""),
                orchestrator("max_turns: ten\ninitial_message: [a]\nentry_point: maybe\n").errors());
    }

    @Test
    void pythonRuntimeExtensionsAreRefused() {
        assertEquals(List.of("orchestrator.yaml: runtime_extensions[0]: runtime extension \"workflows.demo.api:router\""
                        + " is a Python module, which this platform does not run"),
                orchestrator("runtime_extensions:\n- {kind: api_router, entrypoint: 'workflows.demo.api:router'}\n").errors());
    }

    @Test
    void warnsAboutUnknownKeysAndADifferentWorkflowName() {
        assertEquals(List.of(
                "orchestrator.yaml: colour: unknown key (ignored)",
                "orchestrator.yaml: workflow_name: \"Other\" differs from the folder name \"demo\", which is the workflow's id"),
                orchestrator("colour: blue\nworkflow_name: Other\n").warnings());
        orchestrator("workflow_name: DEMO\n").clean();
    }
}

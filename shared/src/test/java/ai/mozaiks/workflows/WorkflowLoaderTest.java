package ai.mozaiks.workflows;

import static ai.mozaiks.workflows.Manifests.AGENTS;
import static ai.mozaiks.workflows.Manifests.HANDOFFS;
import static ai.mozaiks.workflows.Manifests.ORCHESTRATOR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.workflows.manifest.HandoffCondition;
import ai.mozaiks.workflows.manifest.HandoffTarget;
import ai.mozaiks.workflows.manifest.HookSpec;
import ai.mozaiks.workflows.manifest.LifecycleTool;
import ai.mozaiks.workflows.manifest.StateTrigger;
import ai.mozaiks.workflows.manifest.ToolType;
import ai.mozaiks.workflows.manifest.VariableSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkflowLoaderTest {
    private final WorkflowLoader loader = new WorkflowLoader();
    /** The complete example's features the engine does not act on yet: the loader says so. */
    private static final List<String> NOT_ACTED_ON = List.of(
            "agents.yaml: agents[1].auto_tool_mode: not acted on yet: agent \"Checker\" is offered no tools, and its structured output calls none",
            "tools.yaml: lifecycle_tools[0].trigger: not run yet: lifecycle tools are accepted but this platform does not call them",
            "hooks.yaml: hooks[0].hook_type: not run yet: hooks are accepted but this platform does not call them");

    @Test
    void loadsAWorkflowFolderWithEveryManifestFile() {
        WorkflowLoadResult result = loader.load(Manifests.resource("complete"));

        assertEquals(List.of(), result.report().errorMessages());
        assertEquals(NOT_ACTED_ON, result.report().warningMessages(), "what the engine does not act on yet is said");
        Workflow workflow = result.workflow().orElseThrow();
        assertEquals("complete", workflow.name());
        assertEquals("planning", workflow.pack());
        assertEquals(12, workflow.orchestrator().maxTurns());
        assertEquals("Planner", workflow.initialAgent());
        assertEquals(List.of("Planner", "Checker"), workflow.agents().stream().map(agent -> agent.name()).toList());
        assertEquals(new HandoffTarget.Agent("Checker"), workflow.handoffs().get(0).target());
        HandoffCondition.Context condition = (HandoffCondition.Context) workflow.handoffs().get(0).condition().orElseThrow();
        assertTrue(condition.expression().evaluate(Map.of("plan_ready", true, "steps", List.of("a"))));
        assertFalse(condition.expression().evaluate(Map.of("plan_ready", true, "steps", List.of())));
        assertEquals(new HandoffTarget.Terminate(), workflow.handoffs().get(2).target());
        VariableSource.State state = (VariableSource.State) workflow.contextVariables().definition("plan_ready").orElseThrow().source();
        assertTrue(((StateTrigger.AgentText) state.triggers().get(0)).uiHidden());
        assertEquals("Check", workflow.structuredOutputs().modelFor("Checker").orElseThrow().name());
        assertEquals(ToolType.UI_TOOL, workflow.tools().tool("approve_plan").orElseThrow().type());
        assertEquals(LifecycleTool.Trigger.BEFORE_CHAT, workflow.tools().lifecycleTools().get(0).trigger());
        assertEquals(HookSpec.Type.UPDATE_AGENT_STATE, workflow.hooks().get(0).type());
        assertEquals(Optional.of("Complete fixture"), workflow.ui().displayName());
    }

    @Test
    void anUploadedBundleOfTheSameFilesGivesTheSameWorkflow() {
        Path folder = Manifests.resource("complete");
        Workflow fromFolder = loader.load(folder).workflow().orElseThrow();

        WorkflowLoadResult fromBundle = loader.load("complete", Manifests.bundleOf(folder));

        assertEquals(Optional.of(fromFolder), fromBundle.workflow());
        assertEquals(NOT_ACTED_ON, fromBundle.report().warningMessages());
    }

    @Test
    void bundlePathsMayStartWithDotSlashOrUseBackslashesAndOtherFilesAreIgnored() {
        Map<String, byte[]> bundle = new LinkedHashMap<>();
        bundle.put("./orchestrator.yaml", "max_turns: 3\n".getBytes(StandardCharsets.UTF_8));
        bundle.put(".\\agents.yaml", "agents:\n- {name: Solo, system_message: Hi.}\n".getBytes(StandardCharsets.UTF_8));
        bundle.put("tools/helper.py", "print('not read')\n".getBytes(StandardCharsets.UTF_8));
        bundle.put("README.md", "# notes".getBytes(StandardCharsets.UTF_8));

        Workflow workflow = loader.load("solo", bundle).workflow().orElseThrow();

        assertEquals(3, workflow.orchestrator().maxTurns());
        assertEquals("Solo", workflow.initialAgent());
    }

    @Test
    void orchestratorAndAgentsAreRequired() {
        WorkflowLoadResult result = loader.load("empty", Map.of());
        assertEquals(List.of("orchestrator.yaml: file is missing", "agents.yaml: file is missing"),
                result.report().errorMessages());
        assertEquals(Optional.empty(), result.workflow());
    }

    @Test
    void refusesAnInvalidWorkflowName() {
        assertEquals(List.of("invalid workflow name \"my-flow\" (use 1-64 letters, digits or _)"),
                loader.load("my-flow", Manifests.base().bundle()).report().errorMessages());
    }

    @Test
    void refusesAFileOverTheSizeLimitAndAcceptsOneAtIt() {
        String agents = "agents:\n- {name: Writer, system_message: x}\n";
        String atLimit = agents + "#" + "x".repeat((int) WorkflowLoader.MAX_FILE_BYTES - agents.length() - 2) + "\n";
        assertEquals(WorkflowLoader.MAX_FILE_BYTES, atLimit.getBytes(StandardCharsets.UTF_8).length);
        Manifests.base().with(AGENTS, atLimit).clean();

        assertEquals(List.of("agents.yaml: file is 262145 bytes; the limit is 256 KB"),
                Manifests.base().with(AGENTS, atLimit + "\n").errors());
    }

    @Test
    void refusesAnOversizedFileInAFolderWithoutReadingIt(@TempDir Path dir) throws IOException {
        Path folder = Files.createDirectory(dir.resolve("big"));
        Files.writeString(folder.resolve("orchestrator.yaml"), "max_turns: 3\n");
        Files.writeString(folder.resolve("agents.yaml"), "agents:\n- {name: A, system_message: x}\n");
        Files.write(folder.resolve("handoffs.yaml"), new byte[300_000]);

        assertEquals(List.of("handoffs.yaml: file is 300000 bytes; the limit is 256 KB"),
                loader.load(folder).report().errorMessages());
    }

    @Test
    void readsUtf8WithOrWithoutAByteOrderMark() {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        byte[] yaml = "max_turns: 7\n".getBytes(StandardCharsets.UTF_8);
        byte[] withBom = new byte[bom.length + yaml.length];
        System.arraycopy(bom, 0, withBom, 0, bom.length);
        System.arraycopy(yaml, 0, withBom, bom.length, yaml.length);
        Map<String, byte[]> bundle = Manifests.base().bundle();
        bundle.put(ORCHESTRATOR, withBom);
        assertEquals(7, loader.load("demo", bundle).workflow().orElseThrow().orchestrator().maxTurns());

        bundle.put(HANDOFFS, new byte[] {'a', ':', ' ', (byte) 0xC3, (byte) 0x28});
        assertEquals(List.of("handoffs.yaml: file is not valid UTF-8"), loader.load("demo", bundle).report().errorMessages());
    }

    @Test
    void reportsYamlSyntaxErrorsWithTheirLocation() {
        assertEquals(List.of(
                "orchestrator.yaml: line 1, column 5: invalid YAML: mapping values are not allowed here",
                "agents.yaml: line 3, column 28: invalid YAML: while parsing a flow sequence; expected ',' or ']', but got <stream end>"),
                Manifests.base()
                        .with(ORCHESTRATOR, "a: b: c\n")
                        .with(AGENTS, "agents:\n- name: Writer\n  system_message: [unclosed\n")
                        .errors());
    }

    @Test
    void refusesDuplicateKeys() {
        assertEquals(List.of("orchestrator.yaml: line 2, column 10: invalid YAML: Duplicate field 'max_turns'"),
                Manifests.base().with(ORCHESTRATOR, "max_turns: 1\nmax_turns: 2\n").errors());
    }

    @Test
    void aManifestMustBeAMappingAndMayBeEmpty() {
        assertEquals(List.of("handoffs.yaml: expected a mapping of keys at the top level"),
                Manifests.base().with(HANDOFFS, "- source_agent: Writer\n").errors());
        assertEquals(List.of(), Manifests.base().with(HANDOFFS, "# nothing yet\n").clean().handoffs());
    }

    @Test
    void listsIssuesByFileInManifestOrder() {
        WorkflowLoadResult result = Manifests.base()
                .with(HANDOFFS, "handoff_rules:\n- {source_agent: Nobody, target_agent: user}\n")
                .with(AGENTS, "agents:\n- {name: Writer, system_message: x, max_consecutive_auto_reply: -1}\n")
                .with(ORCHESTRATOR, "max_turns: 0\nextra: 1\n")
                .result();

        assertEquals(List.of(
                "orchestrator.yaml: max_turns: must be at least 1",
                "agents.yaml: agents[0].max_consecutive_auto_reply: must not be negative",
                "handoffs.yaml: handoff_rules[0].source_agent: unknown agent \"Nobody\""),
                result.report().errorMessages());
        assertEquals(List.of("orchestrator.yaml: extra: unknown key (ignored)"), result.report().warningMessages());
        WorkflowIssue first = result.report().errors().get(0);
        assertEquals(new WorkflowIssue(WorkflowIssue.Severity.ERROR, "orchestrator.yaml", "max_turns", "must be at least 1"), first);
    }
}

package ai.mozaiks.packs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.mozaiks.http.Problem;
import ai.mozaiks.tenancy.Tier;
import ai.mozaiks.tenancy.Tiers;
import ai.mozaiks.workflows.Manifests;
import ai.mozaiks.workflows.Workflow;
import ai.mozaiks.workflows.WorkflowCatalog;
import ai.mozaiks.workflows.WorkflowLoadResult;
import ai.mozaiks.workflows.WorkflowLoader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PackLimitsTest {
    private static final Tiers TIERS = Tiers.load();
    private static final Tier FREE = TIERS.get("free");

    /** A workflow with {@code agents} agents named A0..An, each with {@code prompt} as its system message. */
    private static Map<String, String> workflow(int agents, String prompt) {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("orchestrator.yaml", "max_turns: 10\n");
        files.put("agents.yaml", "agents:\n" + IntStream.range(0, agents)
                .mapToObj(i -> "- name: A" + i + "\n  system_message: '" + prompt + "'\n").collect(Collectors.joining()));
        return files;
    }

    private static Workflow load(Map<String, String> files) {
        Map<String, byte[]> bundle = new LinkedHashMap<>();
        files.forEach((file, text) -> bundle.put(file, text.getBytes(StandardCharsets.UTF_8)));
        WorkflowLoadResult result = new WorkflowLoader().load("big", bundle);
        return result.workflow().orElseThrow(() -> new AssertionError(result.report().errorMessages().stream().limit(5).toList()));
    }

    private static List<String> errors(Map<String, String> files, Tier tier) {
        return PackLimits.check(load(files), tier).stream().map(error -> error.field() + " " + error.message()).toList();
    }

    @Test
    void everyPlatformWorkflowIsWithinTheLimitsOfTheLowestTier() {
        WorkflowCatalog catalog = WorkflowCatalog.load(Manifests.repositoryWorkflows());
        for (Workflow workflow : catalog.workflows()) {
            assertEquals(List.<Problem.FieldError>of(), PackLimits.check(workflow, FREE), workflow.name());
        }
    }

    @Test
    void namesEachCountOverItsLimit() {
        Map<String, String> files = workflow(2, "Be brief.");
        files.put("tools.yaml", "tools:\n" + IntStream.range(0, 65).mapToObj(i -> "- agent: A0\n  function: tool_" + i
                + "\n  description: A tool.\n  tool_type: Agent_Tool\n  implementation: {type: java, class: com.example.T" + i + "}\n")
                .collect(Collectors.joining()));
        files.put("handoffs.yaml", "handoff_rules:\n" + IntStream.range(0, 129)
                .mapToObj(i -> "- {source_agent: A0, target_agent: A1, condition: '${v0} == " + i + "'}\n").collect(Collectors.joining()));
        files.put("context_variables.yaml", "definitions:\n" + IntStream.range(0, 129)
                .mapToObj(i -> "- name: v" + i + "\n  type: integer\n  source: {type: state, default: 0}\n").collect(Collectors.joining()));
        files.put("structured_outputs.yaml", "structured_outputs:\n  models:\n" + IntStream.range(0, 65)
                .mapToObj(i -> "    M" + i + ":\n      type: model\n      fields:\n        ok: {type: bool}\n").collect(Collectors.joining()));

        assertEquals(List.of(
                "files.big/tools.yaml tools: has 65 entries; at most 64 are allowed",
                "files.big/handoffs.yaml handoff_rules: has 129 entries; at most 128 are allowed",
                "files.big/context_variables.yaml definitions: has 129 entries; at most 128 are allowed",
                "files.big/structured_outputs.yaml models: has 65 entries; at most 64 are allowed"), errors(files, FREE));
    }

    @Test
    void acceptsEachCountAtItsLimit() {
        Map<String, String> files = workflow(WorkflowLoader.MAX_AGENTS, "Be brief.");
        files.put("agents.yaml", files.get("agents.yaml").replaceFirst("Be brief\\.", "x".repeat(PackLimits.MAX_PROMPT_CHARS)));
        files.put("tools.yaml", "tools:\n" + IntStream.range(0, PackLimits.MAX_TOOLS).mapToObj(i -> "- agent: A0\n  function: tool_" + i
                + "\n  description: A tool.\n  tool_type: Agent_Tool\n  implementation: {type: java, class: com.example.T" + i + "}\n")
                .collect(Collectors.joining()));
        files.put("handoffs.yaml", "handoff_rules:\n" + IntStream.range(0, PackLimits.MAX_HANDOFF_RULES)
                .mapToObj(i -> "- {source_agent: A0, target_agent: A1, condition: '${v0} == " + i + "'}\n").collect(Collectors.joining()));
        files.put("context_variables.yaml", "definitions:\n" + IntStream.range(0, PackLimits.MAX_CONTEXT_VARIABLES)
                .mapToObj(i -> "- name: v" + i + "\n  type: integer\n  source: {type: state, default: 0}\n").collect(Collectors.joining()));
        files.put("structured_outputs.yaml", "structured_outputs:\n  models:\n" + IntStream.range(0, PackLimits.MAX_STRUCTURED_OUTPUTS)
                .mapToObj(i -> "    M" + i + ":\n      type: model\n      fields:\n        ok: {type: bool}\n").collect(Collectors.joining()));
        files.put("orchestrator.yaml", "max_turns: 50\n");
        assertEquals(PackLimits.MAX_PROMPT_CHARS, load(files).agents().get(0).prompt().length());
        assertEquals(List.of(), errors(files, FREE));
    }

    @Test
    void namesAnAgentWhosePromptIsTooLong() {
        Map<String, String> files = workflow(2, "x".repeat(32_001));
        assertEquals(List.of(
                "files.big/agents.yaml agents[0]: the system message of A0 has 32001 characters; at most 32000 are allowed",
                "files.big/agents.yaml agents[1]: the system message of A1 has 32001 characters; at most 32000 are allowed"),
                errors(files, FREE));
    }

    @Test
    void capsMaxTurnsByTheTier() {
        Map<String, String> files = workflow(1, "Be brief.");
        files.put("orchestrator.yaml", "max_turns: 51\n");
        assertEquals(List.of("files.big/orchestrator.yaml max_turns: 51 is more than the free tier allows (50)"), errors(files, FREE));
        assertEquals(List.of(), errors(files, TIERS.get("pro")));
        files.put("orchestrator.yaml", "max_turns: 100000\n");
        assertEquals(List.of("files.big/orchestrator.yaml max_turns: 100000 is more than the enterprise tier allows (500)"),
                errors(files, TIERS.get("enterprise")));
    }

    @Test
    void everyTierCapsTurnsAtLeastAtTheDefaultAndNoLowerThanTheTierBelow() {
        int previous = ai.mozaiks.workflows.manifest.OrchestratorConfig.DEFAULT_MAX_TURNS;
        for (String name : TIERS.names()) {
            int cap = TIERS.get(name).maxTurns();
            assertEquals(true, cap >= previous, name + " allows " + cap + " turns, fewer than " + previous);
            previous = cap;
        }
    }
}

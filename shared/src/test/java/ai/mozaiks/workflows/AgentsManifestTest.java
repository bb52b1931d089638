package ai.mozaiks.workflows;

import static ai.mozaiks.workflows.Manifests.AGENTS;
import static ai.mozaiks.workflows.Manifests.OUTPUTS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.workflows.manifest.AgentSpec;
import ai.mozaiks.workflows.manifest.PromptSection;
import java.util.List;
import org.junit.jupiter.api.Test;

class AgentsManifestTest {

    private static Manifests agents(String yaml) {
        return Manifests.base().with(AGENTS, yaml);
    }

    @Test
    void readsTheListForm() {
        Workflow workflow = agents("""
                agents:
                - name: Planner
                  prompt_sections:
                  - {id: role, heading: '[ROLE]', content: You plan.}
                  - id: rules
                    heading: '[RULES]'
                    content: |-
                      - One step at a time.
                      - Be brief.
                  max_consecutive_auto_reply: 7
                  auto_tool_mode: false
                  structured_outputs_required: true
                  image_generation_enabled: true
                - name: Doer
                  system_message: You do.
                """).clean();

        assertEquals(List.of("Planner", "Doer"), workflow.agents().stream().map(AgentSpec::name).toList());
        AgentSpec planner = workflow.agent("Planner").orElseThrow();
        assertEquals(List.of(new PromptSection("role", "[ROLE]", "You plan."),
                new PromptSection("rules", "[RULES]", "- One step at a time.\n- Be brief.")), planner.promptSections());
        assertEquals("[ROLE]\nYou plan.\n\n[RULES]\n- One step at a time.\n- Be brief.", planner.prompt());
        assertEquals(7, planner.maxConsecutiveAutoReply());
        assertFalse(planner.autoToolMode());
        assertTrue(planner.structuredOutputsRequired());
        assertTrue(planner.imageGenerationEnabled());
        assertEquals("You do.", workflow.agent("Doer").orElseThrow().prompt());
    }

    @Test
    void readsTheMappingFormWithDefaultHeadings() {
        Workflow workflow = agents("""
                agents:
                  Planner:
                    prompt_sections:
                      role: You plan.
                      output_format: {content: JSON only.}
                      context: {heading: 'Context:', content: Small team.}
                """).clean();

        AgentSpec planner = workflow.agents().get(0);
        assertEquals("Planner", planner.name());
        assertEquals("[ROLE]\nYou plan.\n\n[OUTPUT FORMAT]\nJSON only.\n\nContext:\nSmall team.", planner.prompt());
        assertEquals(2, planner.maxConsecutiveAutoReply(), "the runtime's default");
        assertFalse(planner.autoToolMode());
    }

    @Test
    void fallsBackToCustomSectionsThenToTheSystemMessage() {
        Workflow workflow = agents("""
                agents:
                - name: A
                  prompt_sections: []
                  prompt_sections_custom: [{id: x, heading: '', content: Custom text.}]
                  system_message: Not used.
                - name: B
                  system_message: Plain text.
                """).clean();
        assertEquals("Custom text.", workflow.agent("A").orElseThrow().prompt());
        assertEquals("Plain text.", workflow.agent("B").orElseThrow().prompt());
    }

    @Test
    void reportsBadNamesDuplicatesAndReservedNames() {
        String tooLong = "a".repeat(65);
        assertEquals(List.of(
                "agents.yaml: agents[4].name: is required",
                "agents.yaml: agents[0].name: invalid name \"Code-Writer\" (use 1-64 letters, digits or _)",
                "agents.yaml: agents[2].name: \"user\" is reserved for the user target",
                "agents.yaml: agents[3].name: \"Terminate\" is reserved for the terminate target",
                "agents.yaml: agents[5].name: invalid name \"" + tooLong + "\" (use 1-64 letters, digits or _)",
                "agents.yaml: agents[6].name: duplicate agent \"Writer\""),
                agents("""
                        agents:
                        - {name: Code-Writer, system_message: x}
                        - {name: Writer, system_message: x}
                        - {name: user, system_message: x}
                        - {name: Terminate, system_message: x}
                        - {system_message: x}
                        - {name: %s, system_message: x}
                        - {name: Writer, system_message: x}
                        """.formatted(tooLong)).errors());
    }

    @Test
    void reportsNamesOfTheMappingFormAtTheirKey() {
        assertEquals(List.of("agents.yaml: agents[\"Code Writer\"]: invalid name \"Code Writer\" (use 1-64 letters, digits or _)"),
                agents("agents:\n  Code Writer: {system_message: x}\n").errors());
    }

    @Test
    void needsAtLeastOneAgentAndAtMostFifty() {
        assertEquals(List.of("agents.yaml: agents: at least one agent is required"), agents("agents: []\n").errors());
        assertEquals(List.of("agents.yaml: agents: at least one agent is required"), agents("").errors());
        assertEquals(List.of("agents.yaml: file is missing"), Manifests.base().without(AGENTS).errors());

        StringBuilder many = new StringBuilder("agents:\n");
        for (int i = 0; i < 51; i++) {
            many.append("- {name: Agent").append(i).append(", system_message: x}\n");
        }
        assertEquals(List.of("agents.yaml: agents: 51 agents exceed the limit of 50"), agents(many.toString()).errors());
        agents(many.toString().replace("- {name: Agent50, system_message: x}\n", "")).clean();
    }

    @Test
    void reportsWrongShapesAndValues() {
        assertEquals(List.of(
                "agents.yaml: agents[1]: expected a mapping, got \"Reviewer\"",
                "agents.yaml: agents[0].prompt_sections[0].content: is required",
                "agents.yaml: agents[0].max_consecutive_auto_reply: must not be negative",
                "agents.yaml: agents[0].auto_tool_mode: expected true or false, got \"yes please\""),
                agents("""
                        agents:
                        - name: Writer
                          max_consecutive_auto_reply: -1
                          auto_tool_mode: yes please
                          prompt_sections: [{id: role, heading: '[ROLE]'}]
                        - Reviewer
                        """).errors());
        assertEquals(List.of("agents.yaml: agents: expected a list of agents or a mapping of agent names"),
                agents("agents: Writer\n").errors());
    }

    @Test
    void autoToolModeNeedsAStructuredOutputModel() {
        String autoTool = """
                agents:
                - {name: Planner, system_message: Plan., auto_tool_mode: true}
                """;
        assertEquals(List.of("agents.yaml: agents[0].auto_tool_mode: auto_tool_mode needs a structured output model"
                        + " for \"Planner\" in the structured_outputs.yaml registry"),
                agents(autoTool).errors());

        Manifests withModel = agents(autoTool).with(OUTPUTS, """
                structured_outputs:
                  models:
                    Plan: {type: model, fields: {steps: {type: list, items: str}}}
                  registry:
                    Planner: Plan
                """);
        assertEquals(List.of("agents.yaml: agents[0].auto_tool_mode: not acted on yet: agent \"Planner\" is offered no tools,"
                + " and its structured output calls none"), withModel.warnings());
        Workflow workflow = withModel.load();
        assertTrue(workflow.agent("Planner").orElseThrow().autoToolMode());
    }

    @Test
    void warnsAboutIgnoredAndUnknownKeysAndMissingPrompts() {
        assertEquals(List.of(
                "agents.yaml: agents[0].temperature: unknown key (ignored)",
                "agents.yaml: agents[0].human_input_mode: ignored: agents never wait for human input (NEVER)",
                "agents.yaml: agents[1]: agent \"Reviewer\" has no prompt_sections, prompt_sections_custom or system_message"),
                agents("""
                        agents:
                        - {name: Writer, system_message: x, human_input_mode: ALWAYS, temperature: 0.2}
                        - {name: Reviewer}
                        """).warnings());
        assertEquals("", agents("agents:\n  Solo:\n").result().workflow().orElseThrow().agents().get(0).prompt());
    }
}

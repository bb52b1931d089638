package ai.mozaiks.workflows;

import static ai.mozaiks.workflows.Manifests.CONTEXT;
import static ai.mozaiks.workflows.Manifests.TOOLS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.workflows.manifest.ContextVariables;
import ai.mozaiks.workflows.manifest.StateTrigger;
import ai.mozaiks.workflows.manifest.TextMatch;
import ai.mozaiks.workflows.manifest.VariableSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ContextVariablesManifestTest {
    private static final String UI_TOOL = """
            tools:
            - agent: Reviewer
              function: ask_approval
              description: Ask the user to approve.
              tool_type: UI_Tool
              ui: {component: ApprovalCard, mode: inline}
            - agent: Reviewer
              function: lookup
              description: Look something up.
              tool_type: Agent_Tool
              implementation: {type: java, class: com.example.Lookup}
            """;

    private static Manifests context(String yaml) {
        return Manifests.base().with(TOOLS, UI_TOOL).with(CONTEXT, yaml);
    }

    @Test
    void readsConfigAndStateSourcesWithTheirTriggersAndExposure() {
        ContextVariables variables = context("""
                definitions:
                - name: monetization_enabled
                  type: boolean
                  description: Whether paid plans exist.
                  source: {type: config, env_var: MONETIZATION_ENABLED, default: false, required: true}
                - name: draft_ready
                  type: boolean
                  source:
                    type: state
                    default: false
                    triggers:
                    - {type: agent_text, agent: Writer, match: {equals: NEXT}, ui_hidden: true}
                    - {type: agent_text, agent: Writer, match: {contains: '[done]'}}
                    - {type: agent_text, agent: Reviewer, match: {regex: '^APPROVED\\b'}}
                - name: approval
                  type: string
                  source:
                    type: state
                    triggers:
                    - {type: ui_response, tool: ask_approval, response_key: decision}
                agents:
                - {agent_name: Writer, variables: [draft_ready, monetization_enabled]}
                - {agent_name: Reviewer, variables: [approval, app_id]}
                """).clean().contextVariables();

        VariableSource.Config config = (VariableSource.Config) variables.definition("monetization_enabled").orElseThrow().source();
        assertEquals(new VariableSource.Config(Optional.of("MONETIZATION_ENABLED"), Optional.of(false), true), config);
        assertEquals(Optional.of("Whether paid plans exist."), variables.definition("monetization_enabled").orElseThrow().description());

        VariableSource.State state = (VariableSource.State) variables.definition("draft_ready").orElseThrow().source();
        assertEquals(Optional.of(false), state.defaultValue());
        assertEquals(List.of(
                new StateTrigger.AgentText("Writer", new TextMatch.Equals("NEXT"), true),
                new StateTrigger.AgentText("Writer", new TextMatch.Contains("[done]"), false),
                new StateTrigger.AgentText("Reviewer", new TextMatch.Regex("^APPROVED\\b"), false)), state.triggers());

        VariableSource.State approval = (VariableSource.State) variables.definition("approval").orElseThrow().source();
        assertEquals(List.of(new StateTrigger.UiResponse("ask_approval", Optional.of("decision"))), approval.triggers());
        assertEquals(Optional.empty(), approval.defaultValue());

        assertEquals(List.of("draft_ready", "monetization_enabled"), variables.exposedTo("Writer"));
        assertEquals(List.of("approval", "app_id"), variables.exposedTo("Reviewer"));
        assertTrue(variables.names().containsAll(List.of("draft_ready", "approval", "workflow_name", "chat_id", "user_id")));
    }

    @Test
    void textMatchesRecogniseMessages() {
        assertTrue(new TextMatch.Equals("NEXT").matches("  NEXT\n"));
        assertFalse(new TextMatch.Equals("NEXT").matches("NEXT please"));
        assertTrue(new TextMatch.Contains("[done]").matches("all good [done]"));
        assertTrue(new TextMatch.Regex("(?m)^Sources:").matches("notes\nSources: a, b"));
        assertFalse(new TextMatch.Regex("^Sources:").matches("notes\nSources: a, b"));
    }

    @Test
    void readsTheMappingFormsAndTheOtherSourceTypes() {
        ContextVariables variables = context("""
                definitions:
                  concepts:
                    type: list
                    source:
                      type: data_reference
                      database_name: catalog
                      collection: Concepts
                      query_template: {app_id: '{{runtime.app_id}}'}
                      fields: [title, summary]
                      refresh_strategy: per_phase
                  orders:
                    source: {type: data_entity, schema: {total: number}, indexes: [{keys: {total: 1}}], write_strategy: upsert, search_by: total}
                  total_cost:
                    source: {type: computed, computation: sum, inputs: [orders], output_type: number, persist_to: session}
                  forecast:
                    source: {type: external, service: weather, operation: today, params: {city: Paris}, retry: {attempts: 3}}
                  glossary:
                    source: {type: file, path: data/glossary.yaml, format: yaml}
                  user_name:
                    source: {type: runtime, default: null}
                agents:
                  Writer: [concepts, glossary]
                  Reviewer: {variables: [orders]}
                """).load().contextVariables();

        assertEquals(new VariableSource.DataReference(Optional.of("catalog"), "Concepts", Map.of("app_id", "{{runtime.app_id}}"),
                List.of("title", "summary"), VariableSource.RefreshStrategy.PER_PHASE), variables.definition("concepts").orElseThrow().source());
        assertEquals(Optional.of("list"), variables.definition("concepts").orElseThrow().type());
        assertEquals(new VariableSource.DataEntity(Optional.of(Map.of("total", "number")), List.of(Map.of("keys", Map.of("total", 1))),
                Optional.of("upsert"), List.of("total")), variables.definition("orders").orElseThrow().source());
        assertEquals(new VariableSource.Computed(Optional.of("sum"), List.of("orders"), Optional.of("number"), Optional.of("session")),
                variables.definition("total_cost").orElseThrow().source());
        assertEquals(new VariableSource.External("weather", "today", Map.of("city", "Paris"), Optional.empty(), Optional.empty(),
                Optional.of(Map.of("attempts", 3))), variables.definition("forecast").orElseThrow().source());
        assertEquals(new VariableSource.File("data/glossary.yaml", Optional.of(VariableSource.FileFormat.YAML)),
                variables.definition("glossary").orElseThrow().source());
        assertEquals(new VariableSource.Runtime(Optional.empty()), variables.definition("user_name").orElseThrow().source());
        assertEquals(List.of("concepts", "glossary"), variables.exposedTo("Writer"));
        assertEquals(List.of("orders"), variables.exposedTo("Reviewer"));
    }

    @Test
    void sourcesTheEngineDoesNotLoadAreWarnedOfAndAComputationIsOptional() {
        List<String> warnings = context("""
                definitions:
                - {name: concepts, source: {type: data_reference, collection: Concepts}}
                - {name: total_cost, source: {type: computed, inputs: [concepts]}}
                - {name: glossary, source: {type: file, path: g.yaml}}
                """).warnings();
        assertEquals(List.of(
                "context_variables.yaml: definitions[0].source.type: not loaded yet: a data_reference variable starts as null here",
                "context_variables.yaml: definitions[1].source.type: not loaded yet: a computed variable starts as null here",
                "context_variables.yaml: definitions[2].source.type: not loaded yet: a file variable starts as null here"), warnings);
    }

    @Test
    void reportsProblemsInDefinitions() {
        assertEquals(List.of(
                "context_variables.yaml: definitions[0].name: invalid name \"draft-ready\" (use 1-64 letters, digits or _)",
                "context_variables.yaml: definitions[2].name: duplicate context variable \"done\"",
                "context_variables.yaml: definitions[3].source: is required",
                "context_variables.yaml: definitions[4].source.type: unknown value \"magic\""
                        + " (expected config, state, runtime, data_reference, data_entity, computed, external, file)",
                "context_variables.yaml: definitions[5].source.collection: is required",
                "context_variables.yaml: definitions[6].source.refresh_strategy: unknown value \"hourly\" (expected once, per_phase, on_demand)",
                "context_variables.yaml: definitions[7].source.format: unknown value \"xml\" (expected json, yaml, text)"),
                context("""
                        definitions:
                        - {name: draft-ready, source: {type: state}}
                        - {name: done, source: {type: state}}
                        - {name: done, source: {type: state}}
                        - {name: nothing}
                        - {name: odd, source: {type: magic}}
                        - {name: ref, source: {type: data_reference}}
                        - {name: ref2, source: {type: data_reference, collection: c, refresh_strategy: hourly}}
                        - {name: doc, source: {type: file, path: a.xml, format: xml}}
                        """).errors());
    }

    @Test
    void reportsProblemsInTriggers() {
        assertEquals(List.of(
                "context_variables.yaml: definitions[0].source.triggers[0].match: needs exactly one of equals, contains, regex",
                "context_variables.yaml: definitions[0].source.triggers[1].match: needs exactly one of equals, contains, regex",
                "context_variables.yaml: definitions[0].source.triggers[2].match.regex: invalid regex: missing closing )",
                "context_variables.yaml: definitions[0].source.triggers[3].type: unknown value \"timer\" (expected agent_text, ui_response)",
                "context_variables.yaml: definitions[0].source.triggers[4].match: is required",
                "context_variables.yaml: definitions[0].source.triggers[5].agent: unknown agent \"Editor\"",
                "context_variables.yaml: definitions[0].source.triggers[6].tool: unknown UI tool \"approve\"",
                "context_variables.yaml: definitions[0].source.triggers[7].tool: tool \"lookup\" is not a UI_Tool"),
                context("""
                        definitions:
                        - name: flag
                          source:
                            type: state
                            triggers:
                            - {type: agent_text, agent: Writer, match: {}}
                            - {type: agent_text, agent: Writer, match: {equals: A, contains: B}}
                            - {type: agent_text, agent: Writer, match: {regex: '(unclosed'}}
                            - {type: timer}
                            - {type: agent_text, agent: Writer}
                            - {type: agent_text, agent: Editor, match: {equals: X}}
                            - {type: ui_response, tool: approve}
                            - {type: ui_response, tool: lookup}
                        """).errors());
    }

    @Test
    void refusesRegexesThatAreNotLinearTimeOrTooLarge() {
        assertEquals(List.of(
                "context_variables.yaml: definitions[0].source.triggers[0].match.regex: invalid regex: invalid escape sequence",
                "context_variables.yaml: definitions[0].source.triggers[1].match.regex: invalid regex: invalid or unsupported Perl syntax",
                "context_variables.yaml: definitions[0].source.triggers[2].match.regex: invalid regex: invalid named capture",
                "context_variables.yaml: definitions[0].source.triggers[3].match.regex: invalid regex: repeats too much (its compiled size"
                        + " would exceed 2000 instructions); use smaller counts in {n,m}",
                "context_variables.yaml: definitions[0].source.triggers[4].match.regex: invalid regex: longer than 1000 characters"),
                context("""
                        definitions:
                        - name: flag
                          source:
                            type: state
                            triggers:
                            - {type: agent_text, agent: Writer, match: {regex: '(a)\\1'}}
                            - {type: agent_text, agent: Writer, match: {regex: 'DONE(?=!)'}}
                            - {type: agent_text, agent: Writer, match: {regex: '(?<!not )DONE'}}
                            - {type: agent_text, agent: Writer, match: {regex: '(a{1000}){1000}'}}
                            - {type: agent_text, agent: Writer, match: {regex: '%s'}}
                        """.formatted("a".repeat(1001))).errors());
    }

    @Test
    void reportsExposureOfUnknownAgentsAndVariables() {
        assertEquals(List.of(
                "context_variables.yaml: agents[0].agent_name: unknown agent \"Editor\"",
                "context_variables.yaml: agents[1].variables[1]: unknown context variable \"missing\""),
                context("""
                        definitions:
                        - {name: flag, source: {type: state, default: false}}
                        agents:
                        - {agent_name: Editor, variables: [flag]}
                        - {agent_name: Writer, variables: [flag, missing]}
                        """).errors());
    }

    @Test
    void warnsWhenADefinitionShadowsARuntimeVariable() {
        assertEquals(List.of("context_variables.yaml: definitions[0].name: \"app_id\" is set by the runtime, which overrides this definition"),
                context("definitions:\n- {name: app_id, source: {type: runtime}}\n").warnings());
    }
}

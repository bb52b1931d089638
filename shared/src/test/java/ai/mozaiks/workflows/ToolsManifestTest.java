package ai.mozaiks.workflows;

import static ai.mozaiks.workflows.Manifests.TOOLS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.workflows.manifest.LifecycleTool;
import ai.mozaiks.workflows.manifest.ToolImplementation;
import ai.mozaiks.workflows.manifest.ToolSpec;
import ai.mozaiks.workflows.manifest.ToolType;
import ai.mozaiks.workflows.manifest.UiBinding;
import ai.mozaiks.workflows.manifest.WorkflowTools;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ToolsManifestTest {

    private static Manifests tools(String yaml) {
        return Manifests.base().with(TOOLS, yaml);
    }

    @Test
    void readsJavaHttpAndUiTools() {
        Manifests manifests = tools("""
                tools:
                - agent: Writer
                  function: current_time
                  description: The time now.
                  tool_type: Agent_Tool
                  auto_invoke: false
                  ui: {component: null, mode: null}
                  implementation: {type: java, class: ai.mozaiks.tools.builtin.CurrentTime}
                - agent: Writer
                  function: lookup
                  description: Look a word up.
                  implementation: {type: http, url: 'https://tools.example.com/lookup', method: GET}
                  parameters:
                    type: object
                    properties: {word: {type: string}}
                    required: [word]
                - agent: Reviewer
                  function: lookup
                  description: Look a word up.
                  implementation: {type: http, url: 'http://localhost:8080/lookup'}
                - agent: Reviewer
                  function: pick_option
                  description: Let the user pick.
                  tool_type: UI_Tool
                  ui: {component: OptionPicker, mode: artifact}
                lifecycle_tools:
                - trigger: before_chat
                  function: load_profile
                  description: Load the user's profile.
                  implementation: {type: java, class: com.example.LoadProfile}
                - trigger: after_agent
                  agent: Writer
                  function: count_words
                  implementation: {type: java, class: com.example.CountWords}
                """);
        assertEquals(List.of("tools.yaml: lifecycle_tools[0].trigger: not run yet: lifecycle tools are accepted but this platform does not call them",
                "tools.yaml: lifecycle_tools[1].trigger: not run yet: lifecycle tools are accepted but this platform does not call them"),
                manifests.warnings());
        WorkflowTools tools = manifests.load().tools();

        ToolSpec time = tools.tools().get(0);
        assertEquals(new ToolSpec("current_time", Optional.of("Writer"), Optional.of("The time now."), ToolType.AGENT_TOOL, false,
                Optional.empty(), Optional.of(new ToolImplementation.JavaClass("ai.mozaiks.tools.builtin.CurrentTime")),
                Optional.empty()), time);

        ToolSpec lookup = tools.tools().get(1);
        assertEquals(Optional.of(new ToolImplementation.Http(URI.create("https://tools.example.com/lookup"), "GET")), lookup.implementation());
        assertEquals(Optional.of(Map.of("type", "object", "properties", Map.of("word", Map.of("type", "string")), "required", List.of("word"))),
                lookup.parameters());
        assertFalse(lookup.autoInvoke(), "auto_invoke defaults to false for agent tools");
        assertEquals(Optional.of(new ToolImplementation.Http(URI.create("http://localhost:8080/lookup"), "POST")),
                tools.tools().get(2).implementation());

        ToolSpec picker = tools.tools().get(3);
        assertEquals(ToolType.UI_TOOL, picker.type());
        assertTrue(picker.autoInvoke(), "auto_invoke defaults to true for UI tools");
        assertEquals(Optional.of(new UiBinding("OptionPicker", Optional.of(UiBinding.Mode.ARTIFACT))), picker.ui());
        assertEquals(Optional.empty(), picker.implementation());

        assertEquals(List.of("lookup", "pick_option"), tools.forAgent("Reviewer").stream().map(ToolSpec::name).toList());
        assertEquals(List.of(picker), tools.uiTools());
        assertEquals(Optional.of(lookup), tools.tool("lookup"));

        LifecycleTool before = tools.lifecycleTools().get(0);
        assertEquals(LifecycleTool.Trigger.BEFORE_CHAT, before.trigger());
        assertEquals(Optional.empty(), before.tool().agent());
        assertEquals(LifecycleTool.Trigger.AFTER_AGENT, tools.lifecycleTools().get(1).trigger());
        assertEquals(Optional.of("Writer"), tools.lifecycleTools().get(1).tool().agent());
    }

    @Test
    void aPythonToolIsReportedAsUnsupportedByName() {
        assertEquals(List.of("tools.yaml: tools[0].file: tool \"save_blueprint\" is implemented in Python (\"blueprint.py\"),"
                        + " which this platform does not run; declare an implementation (java or http)"),
                tools("""
                        tools:
                        - {agent: Writer, file: blueprint.py, function: save_blueprint, description: Save., tool_type: Agent_Tool}
                        """).errors());
    }

    @Test
    void anHttpToolNamesTheVariablesItReadsWhichMustExistAndGoInABody() {
        ToolSpec build = Manifests.base().with("context_variables.yaml", """
                definitions:
                - {name: app_spec, type: string, source: {type: state}}
                """).with(TOOLS, """
                tools:
                - agent: Writer
                  function: build
                  description: Builds the app.
                  implementation: {type: http, url: 'https://tools.example.com/build', context: [app_spec, chat_id]}
                """).clean().tools().tools().get(0);
        assertEquals(Optional.of(new ToolImplementation.Http(URI.create("https://tools.example.com/build"), "POST",
                List.of("app_spec", "chat_id"))), build.implementation());

        assertEquals(List.of("tools.yaml: tools[1].implementation.context: context variables are sent in the request body: use POST, PUT or PATCH",
                        "tools.yaml: tools[0].implementation.context: unknown context variable \"app_spec\""),
                tools("""
                        tools:
                        - {agent: Writer, function: build, description: B., implementation: {type: http, url: 'https://t.example.com/b', context: app_spec}}
                        - {agent: Writer, function: look, description: L., implementation: {type: http, url: 'https://t.example.com/l', method: GET, context: [chat_id]}}
                        """).errors());
    }

    @Test
    void aManifestMayKeepThePythonFileBesideAJavaImplementation() {
        ToolSpec tool = tools("""
                tools:
                - agent: Writer
                  file: blueprint.py
                  function: save_blueprint
                  description: Save.
                  implementation: {type: java, class: com.example.SaveBlueprint}
                """).clean().tools().tools().get(0);
        assertEquals(Optional.of(new ToolImplementation.JavaClass("com.example.SaveBlueprint")), tool.implementation());
    }

    @Test
    void reportsInvalidTools() {
        assertEquals(List.of(
                "tools.yaml: tools[0].implementation: tool \"save\" needs an implementation (java or http)",
                "tools.yaml: tools[1].ui.component: is required for a UI_Tool",
                "tools.yaml: tools[2].implementation.class: invalid Java class name \"com.example.Not-A-Class\"",
                "tools.yaml: tools[3].implementation.url: \"ftp://files.example.com/x\" is not an absolute http or https URL",
                "tools.yaml: tools[4].implementation.url: \"/relative\" is not an absolute http or https URL",
                "tools.yaml: tools[5].implementation.method: unknown value \"FETCH\" (expected GET, POST, PUT, PATCH, DELETE)",
                "tools.yaml: tools[6].implementation.type: unknown value \"python\" (expected java, http)",
                "tools.yaml: tools[7].tool_type: unknown value \"Helper_Tool\" (expected Agent_Tool, UI_Tool)",
                "tools.yaml: tools[8].function: invalid name \"save-it\" (use 1-64 letters, digits or _)",
                "tools.yaml: tools[9].agent: is required",
                "tools.yaml: tools[10].parameters: must be a JSON Schema with type: object",
                "tools.yaml: tools[12].function: duplicate tool \"ok\" for agent \"Writer\"",
                "tools.yaml: tools[13].agent: unknown agent \"Editor\""),
                tools("""
                        tools:
                        - {agent: Writer, function: save, description: d}
                        - {agent: Writer, function: pick, description: d, tool_type: UI_Tool, ui: {component: null}}
                        - {agent: Writer, function: a, description: d, implementation: {type: java, class: com.example.Not-A-Class}}
                        - {agent: Writer, function: b, description: d, implementation: {type: http, url: 'ftp://files.example.com/x'}}
                        - {agent: Writer, function: c, description: d, implementation: {type: http, url: /relative}}
                        - {agent: Writer, function: e, description: d, implementation: {type: http, url: 'https://x.example', method: FETCH}}
                        - {agent: Writer, function: f, description: d, implementation: {type: python, module: x}}
                        - {agent: Writer, function: g, description: d, tool_type: Helper_Tool}
                        - {agent: Writer, function: save-it, description: d, implementation: {type: java, class: X}}
                        - {function: h, description: d, implementation: {type: java, class: X}}
                        - {agent: Writer, function: i, description: d, implementation: {type: java, class: X}, parameters: {type: array}}
                        - {agent: Writer, function: ok, description: d, implementation: {type: java, class: X}}
                        - {agent: Writer, function: ok, description: d, implementation: {type: java, class: Y}}
                        - {agent: Editor, function: j, description: d, implementation: {type: java, class: X}}
                        """).errors());
    }

    @Test
    void reportsInvalidLifecycleTools() {
        assertEquals(List.of(
                "tools.yaml: lifecycle_tools[0].trigger: is required",
                "tools.yaml: lifecycle_tools[1].trigger: unknown value \"on_error\" (expected before_chat, after_chat, before_agent, after_agent)",
                "tools.yaml: lifecycle_tools[2].file: tool \"audit\" is implemented in Python (\"audit.py\"),"
                        + " which this platform does not run; declare an implementation (java or http)"),
                tools("""
                        lifecycle_tools:
                        - {function: a, implementation: {type: java, class: X}}
                        - {trigger: on_error, function: b, implementation: {type: java, class: X}}
                        - {trigger: after_chat, function: audit, file: audit.py}
                        """).errors());
    }

    @Test
    void warnsAboutIgnoredParts() {
        assertEquals(List.of(
                "tools.yaml: tools[0].ui.component: ignored: only a UI_Tool renders a component",
                "tools.yaml: tools[1].description: missing: the model sees no description of tool \"b\"",
                "tools.yaml: tools[1].implementation.timeout: unknown key (ignored)"),
                tools("""
                        tools:
                        - {agent: Writer, function: a, description: d, ui: {component: Card}, implementation: {type: java, class: X}}
                        - {agent: Writer, function: b, implementation: {type: java, class: X, timeout: 5}}
                        """).warnings().stream().sorted().toList());
    }
}

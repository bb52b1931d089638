package ai.mozaiks.workflows;

import ai.mozaiks.workflows.manifest.ContextVariables;
import ai.mozaiks.workflows.manifest.ToolType;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The names each manifest declares, and the places that refer to them. Readers record both as they go;
 * {@link #check()} then reports every dangling reference at the place it was made, whatever the order
 * in which the files were read.
 */
final class SymbolTable {
    private final Set<String> agents = new HashSet<>();
    private final Set<String> variables = new HashSet<>(ContextVariables.RUNTIME_VARIABLES);
    private final Set<String> models = new HashSet<>();
    private final Set<String> agentsWithModel = new HashSet<>();
    private final Map<String, Set<ToolType>> tools = new HashMap<>();
    private final List<Runnable> checks = new ArrayList<>();

    void declareAgent(String name) {
        agents.add(name);
    }

    void declareVariable(String name) {
        variables.add(name);
    }

    void declareModel(String name) {
        models.add(name);
    }

    void declareModelFor(String agent) {
        agentsWithModel.add(agent);
    }

    void declareTool(String name, ToolType type) {
        tools.computeIfAbsent(name, key -> EnumSet.noneOf(ToolType.class)).add(type);
    }

    void useAgent(ManifestNode at, String name) {
        checks.add(() -> {
            if (!agents.contains(name)) {
                at.error("unknown agent \"" + name + "\"");
            }
        });
    }

    /** Names with the {@code ui_} prefix may come from the frontend's context, unknown until run time. */
    void useVariable(ManifestNode at, String name) {
        checks.add(() -> {
            if (variables.contains(name)) {
                return;
            }
            if (name.startsWith("ui_")) {
                at.warning("context variable \"" + name + "\" is not declared; it must come from the frontend context");
            } else {
                at.error("unknown context variable \"" + name + "\"");
            }
        });
    }

    void useModel(ManifestNode at, String name) {
        checks.add(() -> {
            if (!models.contains(name)) {
                at.error("unknown structured output model \"" + name + "\"");
            }
        });
    }

    void useUiTool(ManifestNode at, String name) {
        checks.add(() -> {
            Set<ToolType> types = tools.get(name);
            if (types == null) {
                at.error("unknown UI tool \"" + name + "\"");
            } else if (!types.contains(ToolType.UI_TOOL)) {
                at.error("tool \"" + name + "\" is not a UI_Tool");
            }
        });
    }

    /** An {@code auto_tool_mode} agent is driven by its structured output, so it must have a model. */
    void requireModelFor(ManifestNode at, String agent) {
        checks.add(() -> {
            if (!agentsWithModel.contains(agent)) {
                at.error("auto_tool_mode needs a structured output model for \"" + agent
                        + "\" in the structured_outputs.yaml registry");
            }
        });
    }

    void check() {
        checks.forEach(Runnable::run);
    }
}

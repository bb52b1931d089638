package ai.mozaiks.workflows;

import ai.mozaiks.workflows.manifest.LifecycleTool;
import ai.mozaiks.workflows.manifest.ToolImplementation;
import ai.mozaiks.workflows.manifest.ToolSpec;
import ai.mozaiks.workflows.manifest.ToolType;
import ai.mozaiks.workflows.manifest.UiBinding;
import ai.mozaiks.workflows.manifest.WorkflowTools;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Reads {@code tools.yaml}: {@code tools} (called by agents) and {@code lifecycle_tools} (run by the runtime). */
final class ToolsReader {
    static final String FILE = "tools.yaml";

    private static final Set<String> TOOL_KEYS = Set.of(
            "agent", "file", "function", "description", "tool_type", "auto_invoke", "ui", "implementation", "parameters");
    private static final List<String> TOOL_TYPES = Arrays.stream(ToolType.values()).map(ToolType::manifestName).toList();

    private ToolsReader() {
    }

    static WorkflowTools read(ManifestNode root, SymbolTable symbols) {
        root.warnUnknownKeys(Set.of("tools", "lifecycle_tools"));
        List<ToolSpec> tools = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (ManifestNode item : root.get("tools").list()) {
            if (!item.expectMapping()) {
                continue;
            }
            item.warnUnknownKeys(TOOL_KEYS);
            tool(item, true, symbols).ifPresent(tool -> {
                // The same function may serve several agents, but once per agent.
                if (seen.add(tool.agent().orElseThrow() + "/" + tool.name())) {
                    tools.add(tool);
                } else {
                    item.get("function").error("duplicate tool \"" + tool.name() + "\" for agent \"" + tool.agent().orElseThrow() + "\"");
                }
            });
        }
        List<LifecycleTool> lifecycle = new ArrayList<>();
        List<String> triggers = Arrays.stream(LifecycleTool.Trigger.values()).map(LifecycleTool.Trigger::manifestName).toList();
        for (ManifestNode item : root.get("lifecycle_tools").list()) {
            if (!item.expectMapping()) {
                continue;
            }
            Set<String> keys = new HashSet<>(TOOL_KEYS);
            keys.add("trigger");
            item.warnUnknownKeys(keys);
            ManifestNode triggerNode = item.get("trigger");
            if (!triggerNode.present()) {
                triggerNode.error("is required");
            }
            Optional<LifecycleTool.Trigger> trigger = triggerNode.choice(LifecycleTool.Trigger::fromManifest, triggers);
            Optional<ToolSpec> tool = tool(item, false, symbols);
            if (trigger.isPresent() && tool.isPresent()) {
                lifecycle.add(new LifecycleTool(trigger.get(), tool.get()));
                triggerNode.warning("not run yet: lifecycle tools are accepted but this platform does not call them");
            }
        }
        return new WorkflowTools(tools, lifecycle);
    }

    private static Optional<ToolSpec> tool(ManifestNode item, boolean calledByModel, SymbolTable symbols) {
        ManifestNode nameNode = item.get("function");
        Optional<String> name = nameNode.requiredString().filter(function -> {
            if (!Names.valid(function)) {
                nameNode.error(Names.invalid(function));
            }
            return Names.valid(function);
        });
        ManifestNode agentNode = item.get("agent");
        Optional<String> agent = calledByModel ? agentNode.requiredString() : agentNode.string();
        agent.ifPresent(value -> symbols.useAgent(agentNode, value));

        ManifestNode typeNode = item.get("tool_type");
        Optional<ToolType> declaredType = typeNode.choice(ToolType::fromManifest, TOOL_TYPES);
        if (typeNode.present() && declaredType.isEmpty()) {
            return Optional.empty();
        }
        ToolType type = declaredType.orElse(ToolType.AGENT_TOOL);
        name.ifPresent(function -> symbols.declareTool(function, type));

        Optional<String> description = item.get("description").string();
        if (calledByModel && description.isEmpty() && name.isPresent()) {
            item.get("description").warning("missing: the model sees no description of tool \"" + name.get() + "\"");
        }
        boolean autoInvoke = item.get("auto_invoke").bool().orElse(type == ToolType.UI_TOOL);
        Optional<UiBinding> ui = ui(item.get("ui"), type);
        boolean uiValid = type != ToolType.UI_TOOL || ui.isPresent();

        Optional<ToolImplementation> implementation = Optional.empty();
        boolean implementationValid = true;
        if (item.get("implementation").present()) {
            implementation = ImplementationReader.read(item.get("implementation"), symbols);
            implementationValid = implementation.isPresent();
        } else if (name.isPresent()) {
            implementationValid = checkMissingImplementation(item, name.get(), type);
        }
        Optional<Map<String, Object>> parameters = parameters(item.get("parameters"));
        boolean parametersValid = !item.get("parameters").present() || parameters.isPresent();

        if (name.isEmpty() || (calledByModel && agent.isEmpty()) || !uiValid || !implementationValid || !parametersValid) {
            return Optional.empty();
        }
        return Optional.of(new ToolSpec(name.get(), agent, description, type, autoInvoke, ui, implementation, parameters));
    }

    /**
     * Without an {@code implementation}, only a UI tool can work (its call arguments become the component's
     * payload). A Python {@code file} is named in the error, since it is the likely cause.
     */
    private static boolean checkMissingImplementation(ManifestNode item, String name, ToolType type) {
        Optional<String> file = item.get("file").string();
        if (file.isPresent()) {
            item.get("file").error("tool \"" + name + "\" is implemented in Python (\"" + file.get()
                    + "\"), which this platform does not run; declare an implementation (java or http)");
            return false;
        }
        if (type == ToolType.AGENT_TOOL) {
            item.get("implementation").error("tool \"" + name + "\" needs an implementation (java or http)");
            return false;
        }
        return true;
    }

    private static Optional<UiBinding> ui(ManifestNode node, ToolType type) {
        if (node.present() && !node.expectMapping()) {
            return Optional.empty();
        }
        node.warnUnknownKeys(Set.of("component", "mode"));
        ManifestNode componentNode = node.get("component");
        Optional<String> component = componentNode.string().filter(value -> !value.isBlank());
        Optional<UiBinding.Mode> mode = node.get("mode").choice(ToolsReader::mode, List.of("inline", "artifact"));
        if (type == ToolType.AGENT_TOOL) {
            component.ifPresent(value -> componentNode.warning("ignored: only a UI_Tool renders a component"));
            return Optional.empty();
        }
        if (component.isEmpty()) {
            componentNode.error("is required for a UI_Tool");
            return Optional.empty();
        }
        return Optional.of(new UiBinding(component.get(), mode));
    }

    private static Optional<UiBinding.Mode> mode(String value) {
        return switch (value) {
            case "inline" -> Optional.of(UiBinding.Mode.INLINE);
            case "artifact" -> Optional.of(UiBinding.Mode.ARTIFACT);
            default -> Optional.empty();
        };
    }

    @SuppressWarnings("unchecked")
    private static Optional<Map<String, Object>> parameters(ManifestNode node) {
        if (!node.present()) {
            return Optional.empty();
        }
        if (!node.isMapping() || !"object".equals(node.get("type").plain().orElse(null))) {
            node.error("must be a JSON Schema with type: object");
            return Optional.empty();
        }
        return node.plain().map(value -> (Map<String, Object>) value);
    }
}

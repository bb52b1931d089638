package ai.mozaiks.workflows.manifest;

import java.util.List;
import java.util.Optional;

/** {@code tools.yaml}: the tools agents call, and the lifecycle tools the runtime runs. */
public record WorkflowTools(List<ToolSpec> tools, List<LifecycleTool> lifecycleTools) {

    public static final WorkflowTools EMPTY = new WorkflowTools(List.of(), List.of());

    public WorkflowTools {
        tools = List.copyOf(tools);
        lifecycleTools = List.copyOf(lifecycleTools);
    }

    /** The tools bound to {@code agent}, in manifest order. */
    public List<ToolSpec> forAgent(String agent) {
        return tools.stream().filter(tool -> tool.agent().filter(agent::equals).isPresent()).toList();
    }

    /** The first tool called {@code name} (the same function may be bound to several agents). */
    public Optional<ToolSpec> tool(String name) {
        return tools.stream().filter(tool -> tool.name().equals(name)).findFirst();
    }

    public List<ToolSpec> uiTools() {
        return tools.stream().filter(tool -> tool.type() == ToolType.UI_TOOL).toList();
    }
}

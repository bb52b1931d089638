package ai.mozaiks.workflows.manifest;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One tool of {@code tools.yaml}.
 *
 * @param name the manifest's {@code function}: the name the model calls it by
 * @param agent the agent it is bound to (always present for {@code tools}; optional for lifecycle tools)
 * @param autoInvoke defaults to true for UI tools and false otherwise, as in the runtime
 * @param implementation absent only for a UI tool whose call arguments are the component's payload
 * @param parameters the JSON Schema of the arguments, when the manifest declares it
 */
public record ToolSpec(
        String name,
        Optional<String> agent,
        Optional<String> description,
        ToolType type,
        boolean autoInvoke,
        Optional<UiBinding> ui,
        Optional<ToolImplementation> implementation,
        Optional<Map<String, Object>> parameters) {
    public ToolSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(agent, "agent");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(ui, "ui");
        Objects.requireNonNull(implementation, "implementation");
        Objects.requireNonNull(parameters, "parameters");
    }
}

package ai.mozaiks.workflows.manifest;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** {@code context_variables.yaml}: the shared state of a chat and which agent sees what. */
public record ContextVariables(List<ContextVariableDefinition> definitions, List<VariableExposure> exposures) {

    /** Always set by the runtime, so conditions may use them without declaring them. */
    public static final Set<String> RUNTIME_VARIABLES = Set.of("workflow_name", "app_id", "chat_id", "user_id");

    public static final ContextVariables EMPTY = new ContextVariables(List.of(), List.of());

    public ContextVariables {
        definitions = List.copyOf(definitions);
        exposures = List.copyOf(exposures);
    }

    public Optional<ContextVariableDefinition> definition(String name) {
        return definitions.stream().filter(definition -> definition.name().equals(name)).findFirst();
    }

    /** Declared names followed by the runtime's own. */
    public Set<String> names() {
        Set<String> names = new LinkedHashSet<>();
        definitions.forEach(definition -> names.add(definition.name()));
        names.addAll(RUNTIME_VARIABLES);
        return names;
    }

    /** The variables exposed to {@code agent}, in manifest order. */
    public List<String> exposedTo(String agent) {
        return exposures.stream()
                .filter(exposure -> exposure.agent().equals(agent))
                .flatMap(exposure -> exposure.variables().stream())
                .distinct()
                .toList();
    }
}

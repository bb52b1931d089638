package ai.mozaiks.workflows.manifest;

import java.util.List;
import java.util.Objects;

/** The variables rendered into one agent's system message ({@code context_variables.yaml}'s {@code agents}). */
public record VariableExposure(String agent, List<String> variables) {
    public VariableExposure {
        Objects.requireNonNull(agent, "agent");
        variables = List.copyOf(variables);
    }
}

package ai.mozaiks.workflows.manifest;

import java.util.Objects;
import java.util.Optional;

/** One entry of {@code context_variables.yaml}'s {@code definitions}. {@code type} is the manifest's own word. */
public record ContextVariableDefinition(
        String name, Optional<String> type, Optional<String> description, VariableSource source) {
    public ContextVariableDefinition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(source, "source");
    }
}

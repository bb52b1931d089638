package ai.mozaiks.workflows.manifest;

import java.util.Objects;
import java.util.Optional;

/** One field of a structured-output model. */
public record OutputField(String name, FieldType type, Optional<String> description, Optional<Object> defaultValue) {
    public OutputField {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(defaultValue, "defaultValue");
    }
}

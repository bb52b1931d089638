package ai.mozaiks.workflows.manifest;

import java.util.List;
import java.util.Objects;

/** A named structured-output model: the JSON object an agent must answer with. */
public record OutputModel(String name, List<OutputField> fields) {
    public OutputModel {
        Objects.requireNonNull(name, "name");
        fields = List.copyOf(fields);
    }
}

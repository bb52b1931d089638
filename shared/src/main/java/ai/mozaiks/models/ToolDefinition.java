package ai.mozaiks.models;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/** A tool the model may call: name, what it does, and its arguments as a JSON Schema object. */
public record ToolDefinition(String name, String description, ObjectNode parameters) {
    public ToolDefinition {
        Names.required(name, "tool name");
        description = description == null ? "" : description;
        parameters = Objects.requireNonNull(parameters, "parameters").deepCopy();
    }

    @Override
    public ObjectNode parameters() {
        return parameters.deepCopy();
    }
}

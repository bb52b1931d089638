package ai.mozaiks.models;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/** A complete tool call: its arguments have been parsed, so they are known to be a JSON object. */
public record ToolCall(String id, String name, ObjectNode arguments) {
    public ToolCall {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("a tool call needs an id");
        }
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a tool call needs a name");
        }
        arguments = Objects.requireNonNull(arguments, "arguments").deepCopy();
    }

    @Override
    public ObjectNode arguments() {
        return arguments.deepCopy();
    }

    /** The arguments as the JSON text the APIs carry. */
    public String argumentsJson() {
        return arguments.toString();
    }
}

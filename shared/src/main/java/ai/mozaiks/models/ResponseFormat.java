package ai.mozaiks.models;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/** Structured output: the reply must be a JSON object valid against {@code schema}. */
public record ResponseFormat(String name, ObjectNode schema, boolean strict) {
    public ResponseFormat {
        Names.required(name, "response format name");
        schema = Objects.requireNonNull(schema, "schema").deepCopy();
    }

    @Override
    public ObjectNode schema() {
        return schema.deepCopy();
    }
}

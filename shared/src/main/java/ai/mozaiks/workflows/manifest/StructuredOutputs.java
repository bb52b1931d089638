package ai.mozaiks.workflows.manifest;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code structured_outputs.yaml}: the JSON shapes agents answer with.
 *
 * @param models by name, in manifest order
 * @param registry agent name to model name; agents registered with {@code null} are left out
 */
public record StructuredOutputs(Map<String, OutputModel> models, Map<String, String> registry) {

    public static final StructuredOutputs EMPTY = new StructuredOutputs(Map.of(), Map.of());

    public StructuredOutputs {
        models = Collections.unmodifiableMap(new LinkedHashMap<>(models));
        registry = Collections.unmodifiableMap(new LinkedHashMap<>(registry));
    }

    public Optional<OutputModel> modelFor(String agent) {
        return Optional.ofNullable(registry.get(agent)).map(models::get);
    }

    /**
     * The strict JSON Schema of a model, referenced models inlined. A fresh tree each call.
     *
     * @throws IllegalArgumentException if there is no such model
     */
    public ObjectNode jsonSchema(String model) {
        OutputModel found = models.get(model);
        if (found == null) {
            throw new IllegalArgumentException("unknown structured output model \"" + model + "\"");
        }
        return new JsonSchemaWriter(models).object(found);
    }

    /** The OpenAI {@code response_format} that makes the model answer with {@code model}'s JSON. */
    public ObjectNode responseFormat(String model) {
        ObjectNode format = JsonNodeFactory.instance.objectNode().put("type", "json_schema");
        ObjectNode schema = format.putObject("json_schema").put("name", model).put("strict", true);
        schema.set("schema", jsonSchema(model));
        return format;
    }
}

package ai.mozaiks.workflows.manifest;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;

/**
 * Writes a model as a strict JSON Schema, the way the runtime hands pydantic models to OpenAI: every
 * property required, {@code additionalProperties: false}, referenced models inlined, nullable types as
 * {@code anyOf [T, null]}. Defaults are not emitted: strict mode requires every property anyway.
 */
final class JsonSchemaWriter {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final Map<String, OutputModel> models;
    private final Deque<String> inlining = new ArrayDeque<>();

    JsonSchemaWriter(Map<String, OutputModel> models) {
        this.models = models;
    }

    ObjectNode object(OutputModel model) {
        if (inlining.contains(model.name())) {
            throw new IllegalStateException("model \"" + model.name() + "\" refers to itself and cannot be inlined");
        }
        inlining.push(model.name());
        ObjectNode schema = JSON.objectNode().put("type", "object");
        ObjectNode properties = schema.putObject("properties");
        ArrayNode required = JSON.arrayNode();
        for (OutputField field : model.fields()) {
            ObjectNode property = type(field.type());
            field.description().ifPresent(description -> property.put("description", description));
            properties.set(field.name(), property);
            required.add(field.name());
        }
        schema.set("required", required);
        schema.put("additionalProperties", false);
        inlining.pop();
        return schema;
    }

    private ObjectNode type(FieldType type) {
        if (type instanceof FieldType.Scalar scalar) {
            return JSON.objectNode().put("type", scalar.kind().jsonType());
        }
        if (type instanceof FieldType.ListOf list) {
            ObjectNode schema = JSON.objectNode().put("type", "array");
            schema.set("items", type(list.items()));
            return schema;
        }
        if (type instanceof FieldType.Nullable nullable) {
            ObjectNode schema = JSON.objectNode();
            schema.putArray("anyOf").add(type(nullable.inner())).add(JSON.objectNode().put("type", "null"));
            return schema;
        }
        if (type instanceof FieldType.Literal literal) {
            ObjectNode schema = JSON.objectNode();
            if (literal.values().stream().allMatch(String.class::isInstance)) {
                schema.put("type", "string");
            }
            schema.set("enum", enumValues(literal));
            return schema;
        }
        if (type instanceof FieldType.Union union) {
            ObjectNode schema = JSON.objectNode();
            ArrayNode anyOf = schema.putArray("anyOf");
            union.variants().forEach(variant -> anyOf.add(type(variant)));
            return schema;
        }
        String name = ((FieldType.ModelRef) type).model();
        OutputModel model = models.get(name);
        if (model == null) {
            throw new IllegalStateException("unknown model \"" + name + "\"");
        }
        return object(model);
    }

    private static ArrayNode enumValues(FieldType.Literal literal) {
        ArrayNode values = JSON.arrayNode();
        for (Object value : literal.values()) {
            if (value instanceof String text) {
                values.add(text);
            } else if (value instanceof Boolean bool) {
                values.add(bool);
            } else if (value instanceof Number number) {
                values.add(new java.math.BigDecimal(number.toString()));
            } else {
                values.addNull();
            }
        }
        return values;
    }
}

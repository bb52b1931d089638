package ai.mozaiks.models.offline;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * An independent check of JSON Schema validity for the keywords the offline model's samples must
 * satisfy (type, const, enum, required, properties, additionalProperties, items, prefixItems,
 * minItems, minLength, minimum/maximum and their exclusive forms, minProperties, anyOf, oneOf,
 * allOf, local $ref). Written separately from {@link SchemaSample} so the tests do not grade it by itself.
 */
final class MiniSchemaValidator {
    private final JsonNode root;
    private final List<String> errors = new ArrayList<>();

    private MiniSchemaValidator(JsonNode root) {
        this.root = root;
    }

    static List<String> errors(JsonNode schema, JsonNode value) {
        MiniSchemaValidator validator = new MiniSchemaValidator(schema);
        validator.check(schema, value, "$");
        return validator.errors;
    }

    private void check(JsonNode schema, JsonNode value, String at) {
        if (schema == null || schema.isBoolean() && schema.asBoolean()) {
            return;
        }
        if (schema.has("$ref")) {
            check(root.at(schema.get("$ref").asText().substring(1)), value, at);
            return;
        }
        if (schema.has("const") && !schema.get("const").equals(value)) {
            errors.add(at + ": not the const");
        }
        if (schema.has("enum")) {
            boolean found = false;
            for (JsonNode option : schema.get("enum")) {
                found |= option.equals(value);
            }
            if (!found) {
                errors.add(at + ": not in the enum");
            }
        }
        if (schema.has("type") && !typeMatches(schema.get("type"), value)) {
            errors.add(at + ": " + value + " is not of type " + schema.get("type"));
            return;
        }
        if (schema.has("anyOf") && count(schema.get("anyOf"), value) == 0) {
            errors.add(at + ": matches none of anyOf");
        }
        if (schema.has("oneOf") && count(schema.get("oneOf"), value) != 1) {
            errors.add(at + ": does not match exactly one of oneOf");
        }
        if (schema.has("allOf") && count(schema.get("allOf"), value) != schema.get("allOf").size()) {
            errors.add(at + ": does not match all of allOf");
        }
        if (value.isObject()) {
            object(schema, value, at);
        } else if (value.isArray()) {
            array(schema, value, at);
        } else if (value.isTextual() && value.asText().length() < schema.path("minLength").asInt(0)) {
            errors.add(at + ": shorter than minLength");
        } else if (value.isNumber()) {
            number(schema, value, at);
        }
    }

    private void object(JsonNode schema, JsonNode value, String at) {
        for (JsonNode name : schema.path("required")) {
            if (!value.has(name.asText())) {
                errors.add(at + ": missing required " + name.asText());
            }
        }
        if (value.size() < schema.path("minProperties").asInt(0)) {
            errors.add(at + ": fewer than minProperties");
        }
        JsonNode properties = schema.path("properties");
        for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (properties.has(field.getKey())) {
                check(properties.get(field.getKey()), field.getValue(), at + "." + field.getKey());
            } else if (schema.path("additionalProperties").isBoolean() && !schema.get("additionalProperties").asBoolean()) {
                errors.add(at + ": unexpected property " + field.getKey());
            }
        }
    }

    private void array(JsonNode schema, JsonNode value, String at) {
        if (value.size() < schema.path("minItems").asInt(0)) {
            errors.add(at + ": fewer than minItems");
        }
        for (int i = 0; i < value.size(); i++) {
            JsonNode item = i < schema.path("prefixItems").size() ? schema.get("prefixItems").get(i) : schema.get("items");
            check(item, value.get(i), at + "[" + i + "]");
        }
    }

    private void number(JsonNode schema, JsonNode value, String at) {
        double v = value.asDouble();
        if (schema.has("minimum") && v < schema.get("minimum").asDouble()) {
            errors.add(at + ": below minimum");
        }
        if (schema.has("maximum") && v > schema.get("maximum").asDouble()) {
            errors.add(at + ": above maximum");
        }
        if (schema.has("exclusiveMinimum") && v <= schema.get("exclusiveMinimum").asDouble()) {
            errors.add(at + ": not above exclusiveMinimum");
        }
        if (schema.has("exclusiveMaximum") && v >= schema.get("exclusiveMaximum").asDouble()) {
            errors.add(at + ": not below exclusiveMaximum");
        }
    }

    private int count(JsonNode schemas, JsonNode value) {
        int matches = 0;
        for (JsonNode schema : schemas) {
            MiniSchemaValidator nested = new MiniSchemaValidator(root);
            nested.check(schema, value, "");
            matches += nested.errors.isEmpty() ? 1 : 0;
        }
        return matches;
    }

    private static boolean typeMatches(JsonNode type, JsonNode value) {
        if (type.isArray()) {
            for (JsonNode option : type) {
                if (typeMatches(option, value)) {
                    return true;
                }
            }
            return false;
        }
        return switch (type.asText()) {
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "string" -> value.isTextual();
            case "integer" -> value.isIntegralNumber() || value.isNumber() && value.asDouble() == Math.rint(value.asDouble());
            case "number" -> value.isNumber();
            case "boolean" -> value.isBoolean();
            case "null" -> value.isNull();
            default -> false;
        };
    }
}

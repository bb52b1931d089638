package ai.mozaiks.models.offline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Map;

/**
 * The smallest value a JSON Schema accepts, for the offline model's structured output and tool
 * arguments: {@code const}, else the first {@code enum} value, else by type: an object with its
 * required properties only (more when {@code minProperties} asks), {@code minItems} items, {@code ""}
 * (or {@code minLength} x's, or a sample of a known {@code format}), 0 moved into
 * {@code minimum}/{@code maximum}, {@code false}, {@code null}. The first of several types or of
 * {@code anyOf}/{@code oneOf} is taken; {@code allOf} objects are merged; local {@code $ref}s
 * ({@code #/$defs/...}) are followed. {@code pattern}, {@code multipleOf} and {@code uniqueItems}
 * are not honoured.
 */
public final class SchemaSample {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final int MAX_DEPTH = 32;

    private final JsonNode root;

    private SchemaSample(JsonNode root) {
        this.root = root;
    }

    public static JsonNode of(JsonNode schema) {
        return new SchemaSample(schema).sample(schema, 0);
    }

    private JsonNode sample(JsonNode schema, int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("schema nests deeper than " + MAX_DEPTH + " levels (a recursive $ref?)");
        }
        if (schema == null || schema.isBoolean() && schema.asBoolean()) {
            return NODES.nullNode();
        }
        if (!schema.isObject()) {
            throw new IllegalArgumentException("a schema must be an object or true: " + schema);
        }
        if (schema.has("$ref")) {
            return sample(resolve(schema.get("$ref").asText()), depth + 1);
        }
        if (schema.has("const")) {
            return schema.get("const").deepCopy();
        }
        JsonNode options = schema.get("enum");
        if (options != null && options.isArray() && !options.isEmpty()) {
            return options.get(0).deepCopy();
        }
        for (String choice : new String[] {"anyOf", "oneOf"}) {
            JsonNode alternatives = schema.get(choice);
            if (alternatives != null && alternatives.isArray() && !alternatives.isEmpty()) {
                return sample(alternatives.get(0), depth + 1);
            }
        }
        if (schema.has("allOf")) {
            return allOf(schema.get("allOf"), depth);
        }
        return switch (type(schema)) {
            case "object" -> object(schema, depth);
            case "array" -> array(schema, depth);
            case "string" -> string(schema);
            case "integer" -> number(schema, true);
            case "number" -> number(schema, false);
            case "boolean" -> NODES.booleanNode(false);
            default -> NODES.nullNode();
        };
    }

    /** The declared type (the first of a list), else the one its keywords imply. */
    private static String type(JsonNode schema) {
        JsonNode type = schema.get("type");
        if (type != null && type.isTextual()) {
            return type.asText();
        }
        if (type != null && type.isArray() && !type.isEmpty()) {
            return type.get(0).asText();
        }
        if (schema.has("properties") || schema.has("required")) {
            return "object";
        }
        if (schema.has("items") || schema.has("prefixItems")) {
            return "array";
        }
        if (schema.has("minLength") || schema.has("format")) {
            return "string";
        }
        if (schema.has("minimum") || schema.has("maximum")) {
            return "number";
        }
        return "null";
    }

    private ObjectNode object(JsonNode schema, int depth) {
        ObjectNode result = NODES.objectNode();
        JsonNode properties = schema.path("properties");
        for (JsonNode name : schema.path("required")) {
            result.set(name.asText(), sample(properties.get(name.asText()), depth + 1));
        }
        int minProperties = schema.path("minProperties").asInt(0);
        for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext() && result.size() < minProperties; ) {
            Map.Entry<String, JsonNode> property = it.next();
            if (!result.has(property.getKey())) {
                result.set(property.getKey(), sample(property.getValue(), depth + 1));
            }
        }
        return result;
    }

    private ArrayNode array(JsonNode schema, int depth) {
        ArrayNode result = NODES.arrayNode();
        JsonNode prefix = schema.path("prefixItems");
        int count = schema.path("minItems").asInt(0);
        for (int i = 0; i < count; i++) {
            JsonNode item = i < prefix.size() ? prefix.get(i) : schema.get("items");
            result.add(sample(item, depth + 1));
        }
        return result;
    }

    private static JsonNode string(JsonNode schema) {
        String format = schema.path("format").asText("");
        String value = switch (format) {
            case "date-time" -> "1970-01-01T00:00:00Z";
            case "date" -> "1970-01-01";
            case "time" -> "00:00:00Z";
            case "email" -> "offline@example.com";
            case "uri", "url" -> "https://example.com/";
            case "uuid" -> "00000000-0000-0000-0000-000000000000";
            case "hostname" -> "example.com";
            case "ipv4" -> "127.0.0.1";
            default -> "";
        };
        int minLength = schema.path("minLength").asInt(0);
        return NODES.textNode(value.length() >= minLength ? value : value + "x".repeat(minLength - value.length()));
    }

    private static JsonNode number(JsonNode schema, boolean integer) {
        BigDecimal value = BigDecimal.ZERO;
        BigDecimal step = integer ? BigDecimal.ONE : new BigDecimal("0.5");
        if (schema.path("minimum").isNumber() && schema.get("minimum").decimalValue().compareTo(value) > 0) {
            value = schema.get("minimum").decimalValue();
        }
        if (schema.path("exclusiveMinimum").isNumber() && schema.get("exclusiveMinimum").decimalValue().compareTo(value) >= 0) {
            value = schema.get("exclusiveMinimum").decimalValue().add(step);
        }
        if (schema.path("maximum").isNumber() && schema.get("maximum").decimalValue().compareTo(value) < 0) {
            value = schema.get("maximum").decimalValue();
        }
        if (schema.path("exclusiveMaximum").isNumber() && schema.get("exclusiveMaximum").decimalValue().compareTo(value) <= 0) {
            value = schema.get("exclusiveMaximum").decimalValue().subtract(step);
        }
        if (integer) {
            // Into range from whichever side was moved: up from a fractional minimum, down from a maximum.
            BigDecimal up = value.setScale(0, java.math.RoundingMode.CEILING);
            boolean underMax = !schema.path("maximum").isNumber() || up.compareTo(schema.get("maximum").decimalValue()) <= 0;
            long whole = (underMax ? up : value.setScale(0, java.math.RoundingMode.FLOOR)).longValueExact();
            // An int where it fits, as a parser would read the same JSON.
            return whole == (int) whole ? NODES.numberNode((int) whole) : NODES.numberNode(whole);
        }
        return NODES.numberNode(value);
    }

    private JsonNode allOf(JsonNode parts, int depth) {
        JsonNode merged = null;
        for (JsonNode part : parts) {
            JsonNode sample = sample(part, depth + 1);
            if (merged instanceof ObjectNode object && sample instanceof ObjectNode more) {
                object.setAll(more);
            } else if (merged == null) {
                merged = sample;
            }
        }
        return merged == null ? NODES.nullNode() : merged;
    }

    /** A local reference: {@code #} or a JSON pointer into this schema ({@code #/$defs/Name}). */
    private JsonNode resolve(String ref) {
        if (!ref.startsWith("#")) {
            throw new IllegalArgumentException("only local $refs (#/...) are supported: " + ref);
        }
        JsonNode target = ref.length() == 1 ? root : root.at(ref.substring(1));
        if (target.isMissingNode()) {
            throw new IllegalArgumentException("$ref points nowhere: " + ref);
        }
        return target;
    }
}

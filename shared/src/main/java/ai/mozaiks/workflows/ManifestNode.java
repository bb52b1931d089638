package ai.mozaiks.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A value of a manifest together with its file and path, so that every reader reports problems in the
 * same {@code file: path: reason} form. Typed getters report a wrong type and return empty; an absent
 * key and an explicit {@code null} both read as absent, as the runtime treats them.
 */
final class ManifestNode {
    private static final Pattern SIMPLE_KEY = Pattern.compile("[A-Za-z0-9_]+");

    private final String file;
    private final String path;
    private final JsonNode json;
    private final Issues issues;

    private ManifestNode(String file, String path, JsonNode json, Issues issues) {
        this.file = file;
        this.path = path;
        this.json = json == null ? MissingNode.getInstance() : json;
        this.issues = issues;
    }

    static ManifestNode root(String file, JsonNode json, Issues issues) {
        return new ManifestNode(file, "", json, issues);
    }

    String path() {
        return path;
    }

    boolean present() {
        return !json.isMissingNode() && !json.isNull();
    }

    boolean isMapping() {
        return json.isObject();
    }

    boolean isList() {
        return json.isArray();
    }

    ManifestNode get(String key) {
        String segment = SIMPLE_KEY.matcher(key).matches() ? key : "[\"" + key + "\"]";
        String child = path.isEmpty() || segment.startsWith("[") ? path + segment : path + "." + segment;
        return new ManifestNode(file, child, json.isObject() ? json.get(key) : null, issues);
    }

    /** The elements of a list; reports anything else that is present. */
    List<ManifestNode> list() {
        if (!present()) {
            return List.of();
        }
        if (!json.isArray()) {
            error("expected a list");
            return List.of();
        }
        List<ManifestNode> elements = new ArrayList<>();
        for (int i = 0; i < json.size(); i++) {
            elements.add(new ManifestNode(file, path + "[" + i + "]", json.get(i), issues));
        }
        return elements;
    }

    /** The entries of a mapping, in manifest order; reports anything else that is present. */
    Map<String, ManifestNode> mapping() {
        if (!present()) {
            return Map.of();
        }
        if (!json.isObject()) {
            error("expected a mapping");
            return Map.of();
        }
        Map<String, ManifestNode> entries = new LinkedHashMap<>();
        json.fieldNames().forEachRemaining(key -> entries.put(key, get(key)));
        return entries;
    }

    Optional<String> string() {
        if (!present()) {
            return Optional.empty();
        }
        if (!json.isTextual()) {
            error("expected a string, got " + describeValue());
            return Optional.empty();
        }
        return Optional.of(json.textValue());
    }

    /** A string that must be present and not blank. */
    Optional<String> requiredString() {
        if (!present()) {
            error("is required");
            return Optional.empty();
        }
        Optional<String> value = string();
        if (value.isPresent() && value.get().isBlank()) {
            error("must not be blank");
            return Optional.empty();
        }
        return value;
    }

    /** A list of strings; a single string counts as a list of one. */
    List<String> strings() {
        if (json.isTextual()) {
            return List.of(json.textValue());
        }
        List<String> values = new ArrayList<>();
        for (ManifestNode element : list()) {
            element.string().ifPresent(values::add);
        }
        return values;
    }

    Optional<Integer> integer() {
        if (!present()) {
            return Optional.empty();
        }
        if (!json.isIntegralNumber() || !json.canConvertToInt()) {
            error("expected an integer, got " + describeValue());
            return Optional.empty();
        }
        return Optional.of(json.intValue());
    }

    Optional<Boolean> bool() {
        if (!present()) {
            return Optional.empty();
        }
        if (!json.isBoolean()) {
            error("expected true or false, got " + describeValue());
            return Optional.empty();
        }
        return Optional.of(json.booleanValue());
    }

    /** A free-form value as plain Java values. */
    Optional<Object> plain() {
        return Optional.ofNullable(Plain.of(json));
    }

    /** A string naming one of a fixed set of values; reports unknown ones with the allowed values. */
    <T> Optional<T> choice(Function<String, Optional<T>> parse, Collection<String> allowed) {
        Optional<String> value = string();
        if (value.isEmpty()) {
            return Optional.empty();
        }
        Optional<T> parsed = parse.apply(value.get());
        if (parsed.isEmpty()) {
            error("unknown value \"" + value.get() + "\" (expected " + String.join(", ", allowed) + ")");
        }
        return parsed;
    }

    /** Keys outside {@code known} are reported as warnings, so newer manifests still load. */
    void warnUnknownKeys(Set<String> known) {
        if (!json.isObject()) {
            return;
        }
        json.fieldNames().forEachRemaining(key -> {
            if (!known.contains(key)) {
                get(key).warning("unknown key (ignored)");
            }
        });
    }

    /** Reports a present value that is not a mapping; true if it is one. */
    boolean expectMapping() {
        if (json.isObject()) {
            return true;
        }
        error("expected a mapping, got " + describeValue());
        return false;
    }

    void error(String message) {
        issues.error(file, path, message);
    }

    void warning(String message) {
        issues.warning(file, path, message);
    }

    private String describeValue() {
        if (json.isTextual()) {
            return "\"" + json.textValue() + "\"";
        }
        if (json.isArray()) {
            return "a list";
        }
        if (json.isObject()) {
            return "a mapping";
        }
        return json.isMissingNode() || json.isNull() ? "nothing" : json.toString();
    }
}

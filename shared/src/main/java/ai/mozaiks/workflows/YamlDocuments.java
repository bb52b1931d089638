package ai.mozaiks.workflows;

import ai.mozaiks.http.InputLimits;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Reads one manifest file into a {@link ManifestNode}, enforcing the size limit and UTF-8 (BOM allowed). */
final class YamlDocuments {
    // YAML, not JSON, so a mapper of its own over the platform's input limits (nesting, a file's size in characters,
    // aliases); duplicate keys would otherwise silently keep the last value.
    private static final YAMLMapper YAML = YAMLMapper.builder(InputLimits.yamlFactory((int) WorkflowLoader.MAX_FILE_BYTES))
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private YamlDocuments() {
    }

    /**
     * The file's root mapping; an absent, unreadable or malformed file reads as empty after reporting
     * (an absent one only if {@code required}).
     */
    static ManifestNode read(ManifestSource source, String fileName, boolean required, Issues issues) {
        JsonNode json = parse(source, fileName, required, issues);
        return ManifestNode.root(fileName, json, issues);
    }

    private static JsonNode parse(ManifestSource source, String fileName, boolean required, Issues issues) {
        String text;
        try {
            if (!source.exists(fileName)) {
                if (required) {
                    issues.error(fileName, "", "file is missing");
                }
                return MissingNode.getInstance();
            }
            long size = source.size(fileName);
            if (size > WorkflowLoader.MAX_FILE_BYTES) {
                issues.error(fileName, "", "file is " + size + " bytes; the limit is 256 KB");
                return MissingNode.getInstance();
            }
            text = decode(source.read(fileName));
        } catch (CharacterCodingException e) {
            issues.error(fileName, "", "file is not valid UTF-8");
            return MissingNode.getInstance();
        } catch (IOException e) {
            issues.error(fileName, "", "file cannot be read: " + e.getMessage());
            return MissingNode.getInstance();
        }
        JsonNode json;
        try {
            json = YAML.readTree(text);
        } catch (StreamConstraintsException e) {
            issues.error(fileName, "", InputLimits.tooDeep(e)
                    ? "nested deeper than " + InputLimits.MAX_DEPTH + " levels" : "larger than the platform accepts");
            return MissingNode.getInstance();
        } catch (JsonProcessingException e) {
            issues.error(fileName, location(e.getLocation()), "invalid YAML: " + summary(e.getOriginalMessage()));
            return MissingNode.getInstance();
        }
        if (json == null || json.isMissingNode() || json.isNull()) {
            // An empty file is present, with nothing in it.
            return JsonNodeFactory.instance.objectNode();
        }
        if (!json.isObject()) {
            issues.error(fileName, "", "expected a mapping of keys at the top level");
            return MissingNode.getInstance();
        }
        return json;
    }

    private static String decode(byte[] bytes) throws CharacterCodingException {
        int start = bytes.length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB && (bytes[2] & 0xFF) == 0xBF
                ? 3 : 0;
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes, start, bytes.length - start))
                .toString();
    }

    private static String location(JsonLocation location) {
        return location == null || location.getLineNr() < 1 ? ""
                : "line " + location.getLineNr() + ", column " + location.getColumnNr();
    }

    // SnakeYAML's message repeats the source with carets; the lines that start in column 0 carry the reason.
    private static String summary(String message) {
        String summary = Arrays.stream(message.split("\\R"))
                .filter(line -> !line.isBlank() && !Character.isWhitespace(line.charAt(0)))
                .collect(Collectors.joining("; "));
        return summary.isEmpty() ? message.strip() : summary;
    }
}

package ai.mozaiks.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.workflows.Manifests;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class InputLimitsTest {
    /** A JSON or YAML parser built anywhere, with what it is built from (up to the end of the line). */
    private static final Pattern PARSER = Pattern.compile(
            "new (ObjectMapper|JsonFactory|YAMLFactory|YAMLMapper|JsonMapper)\\(([^\\n]*)|(JsonMapper|YAMLMapper|JsonFactory|YAMLFactory)\\.builder\\(([^\\n]*)");

    private static String nested(int depth) {
        return "[".repeat(depth) + "]".repeat(depth);
    }

    @Test
    void theSharedMapperTakesTheDepthLimitAndNotOneLevelMore() throws IOException {
        assertEquals(InputLimits.MAX_DEPTH, InputLimits.depth(Json.mapper().readTree(nested(InputLimits.MAX_DEPTH))));
        StreamConstraintsException refused = assertThrows(StreamConstraintsException.class,
                () -> Json.mapper().readTree(nested(InputLimits.MAX_DEPTH + 1)));
        assertTrue(InputLimits.tooDeep(refused), refused.getMessage());
        assertEquals(400, InputLimits.problem(refused, "The body").status());
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 1_000, 10_000, 100_000})
    void anyDeeperInputIsRefusedWithoutExhaustingTheStack(int depth) {
        assertThrows(StreamConstraintsException.class, () -> Json.mapper().readTree(nested(depth)));
        assertThrows(StreamConstraintsException.class, () -> Json.mapper().readTree("{\"a\":" + nested(depth) + "}"));
    }

    @Test
    void aNameOverItsLimitIsTooLargeNotTooDeep() {
        StreamConstraintsException refused = assertThrows(StreamConstraintsException.class,
                () -> Json.mapper().readTree("{\"" + "n".repeat(InputLimits.MAX_NAME_CHARS + 1) + "\":1}"));
        assertFalse(InputLimits.tooDeep(refused));
        assertEquals(413, InputLimits.problem(refused, "The body").status());
    }

    @Test
    void depthOfAParsedValueIsCountedWithoutRecursion() {
        assertEquals(0, InputLimits.depth(JsonNodeFactory.instance.textNode("x")));
        assertEquals(0, InputLimits.depth(null));
        assertEquals(1, InputLimits.depth(JsonNodeFactory.instance.objectNode()));
        assertEquals(3, InputLimits.depth(Json.read("{\"a\":[1,{\"b\":2}],\"c\":{}}")));
        ArrayNode deep = JsonNodeFactory.instance.arrayNode();
        JsonNode inner = deep;
        for (int level = 1; level < 100_000; level++) {
            ArrayNode next = JsonNodeFactory.instance.arrayNode();
            ((ArrayNode) inner).add(next);
            inner = next;
        }
        assertEquals(100_000, InputLimits.depth(deep));
    }

    @Test
    void yamlIsHeldToTheSameDepth() throws IOException {
        var yaml = new com.fasterxml.jackson.databind.ObjectMapper(InputLimits.yamlFactory(1024 * 1024));
        assertEquals(InputLimits.MAX_DEPTH, InputLimits.depth(yaml.readTree("a: " + nested(InputLimits.MAX_DEPTH - 1))));
        assertThrows(StreamConstraintsException.class, () -> yaml.readTree("a: " + nested(InputLimits.MAX_DEPTH)));
        assertThrows(StreamConstraintsException.class, () -> yaml.readTree("a: " + nested(10_000)));
    }

    @Test
    void theLimitedYamlFactoryReadsLikeTheDefaultOne() throws IOException {
        String yaml = "agents:\n  Solo:\n  list: [a, &x b, *x]\n";
        assertEquals(new com.fasterxml.jackson.dataformat.yaml.YAMLMapper().readTree(yaml),
                new com.fasterxml.jackson.databind.ObjectMapper(InputLimits.yamlFactory(1024)).readTree(yaml));
    }

    /** Every JSON or YAML parser of the platform's code (all modules) is built with the limits. */
    @Test
    void everyParserInMainCodeIsBuiltWithTheLimits() throws IOException {
        Path root = Manifests.repositoryWorkflows().getParent();
        List<String> unlimited = new ArrayList<>();
        int found = 0;
        for (String module : List.of("shared", "functions", "devhost")) {
            try (Stream<Path> files = Files.walk(root.resolve(module).resolve("src/main/java"))) {
                for (Path file : files.filter(path -> path.toString().endsWith(".java")).toList()) {
                    Matcher parser = PARSER.matcher(Files.readString(file));
                    while (parser.find()) {
                        found++;
                        String arguments = parser.group(2) != null ? parser.group(2) : parser.group(4);
                        boolean limited = arguments.contains("InputLimits.") || file.endsWith("http/InputLimits.java");
                        if (!limited) {
                            unlimited.add(root.relativize(file) + ": " + parser.group().strip());
                        }
                    }
                }
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }
        // The platform's mappers: Json's (every JSON reader and writer derives from it) and the two YAML readers.
        assertTrue(found >= 3, "the scan finds the platform's mappers: " + found);
        assertEquals(List.of(), unlimited, "parsers built without InputLimits");
    }
}

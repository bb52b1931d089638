package ai.mozaiks.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * The limits on everything the platform parses, in one place: request bodies, Web PubSub events, UI tool answers,
 * model output and pack YAML all go through parsers configured here, so nothing deeper or larger reaches the
 * store. Exceeding one is the sender's fault: 400 (too deep) or 413 (too large), never a 500.
 */
public final class InputLimits {
    /**
     * Deepest nesting of objects and arrays accepted anywhere. MongoDB stores at most 100 levels, and the platform
     * wraps a value in up to six of its own (a tool call's arguments in a chat's outbox: chat, outbox, events, event,
     * data, arguments), so 64 leaves room to spare.
     */
    public static final int MAX_DEPTH = 64;
    /** The largest request body or event, in characters: more than any valid one (a 2 MiB pack, escaped). */
    public static final int MAX_BODY_CHARS = 6 * 1024 * 1024;
    /**
     * The longest string any parser takes: nothing longer fits in a MongoDB document. (Whole bodies are bounded where
     * they enter, not by the shared parsers, which also read the platform's own larger answers, such as a resume.)
     */
    public static final int MAX_STRING_CHARS = 16 * 1024 * 1024;
    /** The largest property name: far above any field the platform knows. */
    public static final int MAX_NAME_CHARS = 1024;
    /**
     * The largest UI tool answer, as JSON text. One over 16 Ki characters is kept whole as a blob (the chat's documents
     * keep a preview), so this bound is the HTTP body's ({@link #MAX_BODY_CHARS}) with room for the request around it.
     */
    public static final int MAX_UI_RESPONSE_CHARS = 4 * 1024 * 1024;
    /** The largest tool-call arguments or structured output a model reply may carry, as JSON text. */
    public static final int MAX_MODEL_JSON_CHARS = 256 * 1024;
    /**
     * The most characters a whole model reply (its text and all its tool calls' arguments) may have: far more than a
     * model writes in one reply, and little enough that the reply fits, with everything else, in one chat document.
     */
    public static final int MAX_MODEL_REPLY_CHARS = 384 * 1024;
    /** Aliases a YAML document may use for collections (SnakeYAML counts them; Jackson never expands them). */
    private static final int MAX_YAML_ALIASES = 20;

    private static final StreamReadConstraints CONSTRAINTS = StreamReadConstraints.builder()
            .maxNestingDepth(MAX_DEPTH)
            .maxStringLength(MAX_STRING_CHARS)
            .maxNameLength(MAX_NAME_CHARS)
            .build();

    private InputLimits() {
    }

    /** A JSON factory whose parsers enforce the limits; one per mapper (a factory belongs to its mapper). */
    public static JsonFactory jsonFactory() {
        return JsonFactory.builder().streamReadConstraints(CONSTRAINTS).build();
    }

    /**
     * A YAML factory whose parsers enforce the same limits, plus SnakeYAML's own: at most {@code maxCodePoints}
     * characters and a few aliases. Tags construct nothing: Jackson reads YAML as plain data.
     */
    public static YAMLFactory yamlFactory(int maxCodePoints) {
        LoaderOptions loader = new LoaderOptions();
        loader.setNestingDepthLimit(MAX_DEPTH);
        loader.setCodePointLimit(maxCodePoints);
        loader.setMaxAliasesForCollections(MAX_YAML_ALIASES);
        loader.setAllowRecursiveKeys(false);
        // The builder starts without the default factory's EMPTY_STRING_AS_NULL ("key:" reads as null): kept as it was.
        return YAMLFactory.builder().loaderOptions(loader).streamReadConstraints(CONSTRAINTS)
                .enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL).build();
    }

    /** Whether a parser refused the input for its nesting (rather than its size). */
    public static boolean tooDeep(StreamConstraintsException e) {
        return String.valueOf(e.getMessage()).contains("nesting depth");
    }

    /** The answer to input a parser refused: 400 when too deep, 413 when too large. */
    public static Problem problem(StreamConstraintsException e, String what) {
        return tooDeep(e) ? tooDeep(what) : tooLarge(what + " is larger than the platform accepts.");
    }

    public static Problem tooDeep(String what) {
        return Problem.of(400, "too_deeply_nested", "Bad request",
                what + " is nested deeper than " + MAX_DEPTH + " levels of objects and arrays.");
    }

    public static Problem tooLarge(String detail) {
        return Problem.of(413, "payload_too_large", "Payload too large", detail);
    }

    /** The nesting depth of a value already parsed (a scalar is 0), counted without recursion. */
    public static int depth(JsonNode value) {
        if (value == null || !value.isContainerNode()) {
            return 0;
        }
        int deepest = 0;
        Deque<Iterator<JsonNode>> path = new ArrayDeque<>();
        path.push(value.elements());
        while (!path.isEmpty()) {
            deepest = Math.max(deepest, path.size());
            Iterator<JsonNode> children = path.peek();
            if (!children.hasNext()) {
                path.pop();
                continue;
            }
            JsonNode child = children.next();
            if (child.isContainerNode()) {
                path.push(child.elements());
            }
        }
        return deepest;
    }
}

package ai.mozaiks.models.openai;

import ai.mozaiks.http.Json;
import ai.mozaiks.models.FinishReason;
import ai.mozaiks.models.ModelEvent;
import ai.mozaiks.models.ModelException;
import ai.mozaiks.models.ResponseAssembler;
import ai.mozaiks.models.Usage;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the chunks of a chat-completions stream ({@code chat.completion.chunk}) into events, and
 * the finish reason, model and usage into the assembler. Only choice 0 is read: requests never ask
 * for more than one.
 */
final class ChunkReader {
    static final String DONE = "[DONE]";
    private static final ObjectReader MAPPER = Json.firstValue();

    private final ResponseAssembler assembler;
    private final String requestId;
    private int lastToolIndex = -1;
    private boolean done;

    ChunkReader(ResponseAssembler assembler, String requestId) {
        this.assembler = assembler;
        this.requestId = requestId;
    }

    /** Whether {@code data: [DONE]} arrived. */
    boolean done() {
        return done;
    }

    List<ModelEvent> read(String payload) {
        if (DONE.equals(payload.strip())) {
            done = true;
            return List.of();
        }
        JsonNode chunk = parse(payload);
        if (chunk.hasNonNull("error")) {
            throw streamedError(chunk.get("error"));
        }
        assembler.model(chunk.path("model").asText(null));
        List<ModelEvent> events = new ArrayList<>(2);
        for (JsonNode choice : chunk.path("choices")) {
            if (choice.path("index").asInt(0) != 0) {
                continue;
            }
            JsonNode delta = choice.path("delta");
            JsonNode content = delta.get("content");
            if (content != null && content.isTextual() && !content.asText().isEmpty()) {
                events.add(assembler.text(content.asText()));
            }
            for (JsonNode call : delta.path("tool_calls")) {
                events.add(toolCall(call));
            }
            JsonNode finish = choice.get("finish_reason");
            if (finish != null && !finish.isNull()) {
                assembler.finish(FinishReason.fromWire(finish.asText()));
            }
        }
        JsonNode usage = chunk.get("usage");
        if (usage != null && usage.isObject()) {
            assembler.usage(usage(usage));
        }
        return events;
    }

    private ModelEvent toolCall(JsonNode call) {
        String id = text(call, "id");
        // Servers that omit the index send whole calls: a new id starts the next one.
        int index = call.has("index") ? call.get("index").asInt()
                : id != null ? lastToolIndex + 1 : Math.max(lastToolIndex, 0);
        lastToolIndex = Math.max(lastToolIndex, index);
        JsonNode function = call.path("function");
        return assembler.toolCall(index, id, text(function, "name"), text(function, "arguments"));
    }

    private static Usage usage(JsonNode usage) {
        int prompt = usage.path("prompt_tokens").asInt(0);
        int completion = usage.path("completion_tokens").asInt(0);
        int total = usage.path("total_tokens").asInt(prompt + completion);
        JsonNode cached = usage.path("prompt_tokens_details").get("cached_tokens");
        Integer cachedTokens = cached != null && cached.isNumber() ? Math.min(cached.asInt(), prompt) : null;
        return Usage.reported(prompt, completion, total, cachedTokens);
    }

    private JsonNode parse(String payload) {
        try {
            JsonNode chunk = MAPPER.readTree(payload);
            if (chunk != null && chunk.isObject()) {
                return chunk;
            }
        } catch (IOException malformed) {
            // reported below
        }
        String shown = payload.length() > 200 ? payload.substring(0, 200) + "..." : payload;
        throw new ModelException(ModelException.Kind.INVALID_RESPONSE, requestId,
                "a stream event is not a JSON object: " + shown);
    }

    /** An error sent inside the stream, after the 200: the provider failed mid-answer. */
    private ModelException streamedError(JsonNode error) {
        String code = text(error, "code");
        String type = text(error, "type");
        String message = text(error, "message");
        boolean rateLimited = (code != null && code.contains("rate_limit")) || (type != null && type.contains("rate_limit"));
        return new ModelException(rateLimited ? ModelException.Kind.RATE_LIMITED : ModelException.Kind.UNAVAILABLE,
                requestId, "error in the stream: " + (message == null ? error.toString() : message), 0,
                code != null ? code : type, null, null);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}

package ai.mozaiks.models;

import ai.mozaiks.http.InputLimits;
import ai.mozaiks.http.Json;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds one streamed reply from its pieces: text deltas, tool-call deltas by index (a call's id
 * and name come first, its arguments in fragments), the finish reason and the usage. One per
 * stream; not thread-safe, as a stream's signals are serial.
 */
public final class ResponseAssembler {
    private static final ObjectReader MAPPER = Json.firstValue();

    private final ModelRequest request;
    private final StringBuilder text = new StringBuilder();
    private final Map<Integer, PartialCall> calls = new TreeMap<>();
    private FinishReason finishReason;
    private Usage usage;
    private String model;

    public ResponseAssembler(ModelRequest request) {
        this.request = request;
    }

    public ModelEvent.TextDelta text(String delta) {
        text.append(delta);
        return new ModelEvent.TextDelta(delta);
    }

    public ModelEvent.ToolCallDelta toolCall(int index, String id, String name, String argumentsFragment) {
        PartialCall call = calls.computeIfAbsent(index, i -> new PartialCall());
        if (id != null && !id.isEmpty()) {
            call.id = id;
        }
        if (name != null && !name.isEmpty()) {
            call.name = name;
        }
        String fragment = argumentsFragment == null ? "" : argumentsFragment;
        call.arguments.append(fragment);
        return new ModelEvent.ToolCallDelta(index, id, name, fragment);
    }

    public void finish(FinishReason reason) {
        this.finishReason = reason;
    }

    public void usage(Usage reported) {
        this.usage = reported;
    }

    public void model(String reported) {
        if (reported != null && !reported.isBlank()) {
            this.model = reported;
        }
    }

    /** Whether the provider said why it stopped. */
    public boolean finished() {
        return finishReason != null;
    }

    /**
     * The final event. Every tool call must have an id, a name, and arguments that are a JSON
     * object (empty arguments count as {@code {}}, as some local servers send for tools without
     * parameters); usage is estimated when the provider reported none.
     */
    public ModelEvent.Completed complete() {
        List<ToolCall> toolCalls = new ArrayList<>();
        for (Map.Entry<Integer, PartialCall> entry : calls.entrySet()) {
            toolCalls.add(entry.getValue().toToolCall(entry.getKey()));
        }
        long size = text.length();
        for (PartialCall call : calls.values()) {
            size += call.arguments.length();
        }
        if (size > InputLimits.MAX_MODEL_REPLY_CHARS) {
            // Journaled, kept in the chat's outbox and conversation: bounded as a whole, not only call by call.
            throw new ModelException(ModelException.Kind.OVER_LIMIT, request.requestId(),
                    "the reply's text and tool-call arguments exceed " + InputLimits.MAX_MODEL_REPLY_CHARS + " characters");
        }
        String content = text.length() == 0 && !toolCalls.isEmpty() ? null : text.toString();
        AssistantMessage message = new AssistantMessage(content, toolCalls, request.agentName());
        Usage used = usage != null ? usage
                : Usage.estimated(TokenEstimate.ofPrompt(request), TokenEstimate.ofReply(message));
        FinishReason reason = finishReason != null ? finishReason : FinishReason.OTHER;
        return new ModelEvent.Completed(new ModelResponse(message, reason, used, model != null ? model : request.model()));
    }

    private final class PartialCall {
        private String id;
        private String name;
        private final StringBuilder arguments = new StringBuilder();

        ToolCall toToolCall(int index) {
            if (id == null || name == null) {
                throw invalid("tool call " + index + " came without " + (id == null ? "an id" : "a name"));
            }
            String json = arguments.toString().strip();
            if (json.isEmpty()) {
                return new ToolCall(id, name, Json.mapper().createObjectNode());
            }
            if (json.length() > InputLimits.MAX_MODEL_JSON_CHARS) {
                throw overLimit(index, "exceed " + InputLimits.MAX_MODEL_JSON_CHARS + " characters");
            }
            JsonNode parsed;
            try {
                parsed = MAPPER.readTree(json);
            } catch (StreamConstraintsException refused) {
                throw overLimit(index, InputLimits.tooDeep(refused)
                        ? "are nested deeper than " + InputLimits.MAX_DEPTH + " levels" : "are larger than the platform accepts");
            } catch (IOException malformed) {
                parsed = null;
            }
            if (parsed instanceof ObjectNode object) {
                return new ToolCall(id, name, object);
            }
            throw invalid("the arguments of tool call " + index + " (" + name + ") are not a JSON object");
        }

        private ModelException overLimit(int index, String what) {
            return new ModelException(ModelException.Kind.OVER_LIMIT, request.requestId(),
                    "the arguments of tool call " + index + " (" + name + ") " + what);
        }

        private ModelException invalid(String message) {
            // Cut short by the token limit, the same request would be cut short again.
            if (finishReason == FinishReason.LENGTH) {
                return new ModelException(ModelException.Kind.BAD_REQUEST, request.requestId(),
                        message + ": the reply hit the token limit");
            }
            return new ModelException(ModelException.Kind.INVALID_RESPONSE, request.requestId(), message);
        }
    }
}

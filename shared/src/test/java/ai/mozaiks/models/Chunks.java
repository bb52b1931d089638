package ai.mozaiks.models;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** {@code chat.completion.chunk} payloads as OpenAI streams them (with {@code usage: null} until the last). */
public final class Chunks {
    public static final String MODEL = "gpt-4o-2024-08-06";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Chunks() {
    }

    public static String role() {
        ObjectNode chunk = chunk();
        ObjectNode delta = choice(chunk).putObject("delta");
        delta.put("role", "assistant");
        delta.put("content", "");
        return chunk.toString();
    }

    public static String text(String text) {
        ObjectNode chunk = chunk();
        choice(chunk).putObject("delta").put("content", text);
        return chunk.toString();
    }

    /** The first piece of a tool call: index, id, type and name, with empty arguments. */
    public static String toolStart(int index, String id, String name) {
        ObjectNode chunk = chunk();
        ObjectNode call = choice(chunk).putObject("delta").putArray("tool_calls").addObject();
        call.put("index", index).put("id", id).put("type", "function");
        call.putObject("function").put("name", name).put("arguments", "");
        return chunk.toString();
    }

    /** A later piece: only the index and a fragment of the arguments. */
    public static String toolArguments(int index, String fragment) {
        ObjectNode chunk = chunk();
        ObjectNode call = choice(chunk).putObject("delta").putArray("tool_calls").addObject();
        call.put("index", index);
        call.putObject("function").put("arguments", fragment);
        return chunk.toString();
    }

    public static String finish(String reason) {
        ObjectNode chunk = chunk();
        choice(chunk).putObject("delta");
        ((ObjectNode) chunk.get("choices").get(0)).put("finish_reason", reason);
        return chunk.toString();
    }

    /** The last chunk when {@code include_usage} is on: no choices, the usage. */
    public static String usage(int prompt, int completion, Integer cached) {
        ObjectNode chunk = base();
        chunk.putArray("choices");
        ObjectNode usage = chunk.putObject("usage")
                .put("prompt_tokens", prompt)
                .put("completion_tokens", completion)
                .put("total_tokens", prompt + completion);
        if (cached != null) {
            usage.putObject("prompt_tokens_details").put("cached_tokens", cached);
        }
        return chunk.toString();
    }

    public static String error(int status, String code, String message) {
        ObjectNode body = MAPPER.createObjectNode();
        body.putObject("error").put("message", message).put("type", status == 429 ? "rate_limit_error"
                : "invalid_request_error").putNull("param").put("code", code);
        return body.toString();
    }

    private static ObjectNode base() {
        return MAPPER.createObjectNode()
                .put("id", "chatcmpl-fake1")
                .put("object", "chat.completion.chunk")
                .put("created", 1_735_689_600L)
                .put("model", MODEL)
                .put("system_fingerprint", "fp_fake");
    }

    private static ObjectNode chunk() {
        ObjectNode chunk = base();
        chunk.putArray("choices");
        chunk.putNull("usage");
        return chunk;
    }

    private static ObjectNode choice(ObjectNode chunk) {
        ObjectNode choice = ((com.fasterxml.jackson.databind.node.ArrayNode) chunk.get("choices")).addObject();
        choice.put("index", 0);
        choice.putNull("logprobs");
        choice.putNull("finish_reason");
        return choice;
    }
}

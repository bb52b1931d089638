package ai.mozaiks.models;

/** Why a model stopped. */
public enum FinishReason {
    /** It finished its reply. */
    STOP,
    /** It hit the token limit: the reply (or a tool call's arguments) may be cut short. */
    LENGTH,
    /** It wants tools called. */
    TOOL_CALLS,
    /** The provider's content filter withheld (part of) the reply. */
    CONTENT_FILTER,
    /** A reason this code does not know. */
    OTHER;

    /** The wire value of the chat-completions API ({@code function_call} is the legacy name of tool calls). */
    public static FinishReason fromWire(String value) {
        if (value == null) {
            return OTHER;
        }
        return switch (value) {
            case "stop" -> STOP;
            case "length" -> LENGTH;
            case "tool_calls", "function_call" -> TOOL_CALLS;
            case "content_filter" -> CONTENT_FILTER;
            default -> OTHER;
        };
    }
}

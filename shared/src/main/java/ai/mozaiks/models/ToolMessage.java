package ai.mozaiks.models;

import java.util.Objects;

/** The result of one tool call, answered to the call's id. */
public record ToolMessage(String toolCallId, String content) implements ChatMessage {
    public ToolMessage {
        if (toolCallId == null || toolCallId.isBlank()) {
            throw new IllegalArgumentException("a tool message needs the tool_call_id it answers");
        }
        Objects.requireNonNull(content, "content");
    }

    @Override
    public Role role() {
        return Role.TOOL;
    }
}

package ai.mozaiks.models;

import java.util.List;
import java.util.Objects;

/**
 * What a model said: text, tool calls, or both. {@code name} (optional) is the agent that spoke,
 * so a multi-agent history keeps who said what (and the offline model can count an agent's turns).
 * {@code content} may be {@code null} when the message is only tool calls.
 */
public record AssistantMessage(String content, List<ToolCall> toolCalls, String name) implements ChatMessage {
    public AssistantMessage {
        toolCalls = List.copyOf(Objects.requireNonNull(toolCalls, "toolCalls"));
        if (content == null && toolCalls.isEmpty()) {
            throw new IllegalArgumentException("an assistant message needs content or tool calls");
        }
        name = Names.optional(name);
    }

    @Override
    public Role role() {
        return Role.ASSISTANT;
    }

    /** The text, or an empty string when the message is only tool calls. */
    public String text() {
        return content == null ? "" : content;
    }

    public AssistantMessage withName(String agentName) {
        return new AssistantMessage(content, toolCalls, agentName);
    }
}

package ai.mozaiks.models;

import java.util.List;

/** One message of a conversation sent to a model. */
public sealed interface ChatMessage permits SystemMessage, UserMessage, AssistantMessage, ToolMessage {

    enum Role { SYSTEM, USER, ASSISTANT, TOOL }

    Role role();

    static SystemMessage system(String content) {
        return new SystemMessage(content);
    }

    static UserMessage user(String content) {
        return new UserMessage(content, null);
    }

    static AssistantMessage assistant(String content) {
        return new AssistantMessage(content, List.of(), null);
    }

    static AssistantMessage assistant(String content, List<ToolCall> toolCalls) {
        return new AssistantMessage(content, toolCalls, null);
    }

    static ToolMessage tool(String toolCallId, String content) {
        return new ToolMessage(toolCallId, content);
    }
}

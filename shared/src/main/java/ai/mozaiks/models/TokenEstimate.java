package ai.mozaiks.models;

/**
 * A rough token count for when no provider counted: about four characters of English text per
 * token (OpenAI's rule of thumb), at least one token per non-empty text, plus four tokens per
 * message for the role and separators the chat format adds. Good enough for budgets and the
 * offline model; never used where a provider reported usage.
 */
public final class TokenEstimate {
    static final int PER_MESSAGE = 4;

    private TokenEstimate() {
    }

    /** Tokens in one piece of text. */
    public static int ofText(String text) {
        if (text == null || text.isEmpty()) {
            return 0;
        }
        return Math.max(1, (text.length() + 3) / 4);
    }

    /** Tokens the request's messages and tool definitions take in the prompt. */
    public static int ofPrompt(ModelRequest request) {
        int tokens = 0;
        for (ChatMessage message : request.messages()) {
            tokens += PER_MESSAGE + ofText(contentOf(message));
            if (message instanceof AssistantMessage assistant) {
                for (ToolCall call : assistant.toolCalls()) {
                    tokens += ofText(call.name()) + ofText(call.argumentsJson());
                }
            }
        }
        for (ToolDefinition tool : request.tools()) {
            tokens += ofText(tool.name()) + ofText(tool.description()) + ofText(tool.parameters().toString());
        }
        if (request.responseFormat() != null) {
            tokens += ofText(request.responseFormat().schema().toString());
        }
        return tokens;
    }

    /** Tokens of a reply: its text and its tool calls. */
    public static int ofReply(AssistantMessage reply) {
        int tokens = ofText(reply.content());
        for (ToolCall call : reply.toolCalls()) {
            tokens += ofText(call.name()) + ofText(call.argumentsJson());
        }
        return Math.max(1, tokens);
    }

    private static String contentOf(ChatMessage message) {
        if (message instanceof SystemMessage system) {
            return system.content();
        }
        if (message instanceof UserMessage user) {
            return user.content();
        }
        if (message instanceof AssistantMessage assistant) {
            return assistant.content();
        }
        return ((ToolMessage) message).content();
    }
}

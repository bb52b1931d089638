package ai.mozaiks.models;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One call to a model.
 *
 * @param requestId      the caller's id for this call, for logs; sent to the provider as its client request id
 * @param workflow       the workflow the call is for (optional), for logs; the offline model picks its script by it
 * @param agentName      the agent speaking (optional; 1-64 letters, digits, '_' or '-'); it names the reply's
 *                       author, and the offline model plays its script by it
 * @param model          the model name, or the deployment name on Azure OpenAI
 * @param toolChoice     {@link ToolChoice#AUTO} unless said otherwise
 * @param responseFormat structured output, or {@code null} for free text
 * @param temperature    {@code null} for the provider's default
 * @param maxTokens      the most completion tokens, or {@code null} for the provider's default
 */
public record ModelRequest(
        String requestId,
        String workflow,
        String agentName,
        String model,
        List<ChatMessage> messages,
        List<ToolDefinition> tools,
        ToolChoice toolChoice,
        ResponseFormat responseFormat,
        Double temperature,
        Integer maxTokens) {

    public ModelRequest {
        if (requestId == null || requestId.isBlank()) {
            throw new IllegalArgumentException("requestId is required");
        }
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("model is required");
        }
        messages = List.copyOf(messages);
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("at least one message is required");
        }
        tools = tools == null ? List.of() : List.copyOf(tools);
        toolChoice = toolChoice == null ? ToolChoice.AUTO : toolChoice;
        // The agent's name goes on the wire as the reply's author, so it must be a valid name there.
        agentName = agentName == null || agentName.isEmpty() ? null : Names.required(agentName, "agent name");
        checkTools(tools, toolChoice);
        checkToolAnswers(messages);
        if (temperature != null && (temperature < 0 || temperature > 2)) {
            throw new IllegalArgumentException("temperature must be between 0 and 2: " + temperature);
        }
        if (maxTokens != null && maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be positive: " + maxTokens);
        }
    }

    public static Builder builder(String model) {
        return new Builder(model);
    }

    /** The content of the last user message, or {@code null} when there is none. */
    public String lastUserText() {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i) instanceof UserMessage user) {
                return user.content();
            }
        }
        return null;
    }

    private static void checkTools(List<ToolDefinition> tools, ToolChoice choice) {
        Set<String> names = new HashSet<>();
        for (ToolDefinition tool : tools) {
            if (!names.add(tool.name())) {
                throw new IllegalArgumentException("tool defined twice: " + tool.name());
            }
        }
        if (choice.forcesCall() && tools.isEmpty()) {
            throw new IllegalArgumentException("tool choice " + choice.mode() + " needs at least one tool");
        }
        if (choice.mode() == ToolChoice.Mode.NAMED && !names.contains(choice.toolName())) {
            throw new IllegalArgumentException("tool choice names an undefined tool: " + choice.toolName());
        }
    }

    /** The APIs reject a tool result that answers no earlier call; failing here names the id. */
    private static void checkToolAnswers(List<ChatMessage> messages) {
        Set<String> called = new HashSet<>();
        for (ChatMessage message : messages) {
            if (message instanceof AssistantMessage assistant) {
                assistant.toolCalls().forEach(call -> called.add(call.id()));
            } else if (message instanceof ToolMessage tool && !called.contains(tool.toolCallId())) {
                throw new IllegalArgumentException("tool message answers no earlier tool call: " + tool.toolCallId());
            }
        }
    }

    public static final class Builder {
        private final String model;
        private String requestId;
        private String workflow;
        private String agentName;
        private final List<ChatMessage> messages = new ArrayList<>();
        private final List<ToolDefinition> tools = new ArrayList<>();
        private ToolChoice toolChoice = ToolChoice.AUTO;
        private ResponseFormat responseFormat;
        private Double temperature;
        private Integer maxTokens;

        private Builder(String model) {
            this.model = model;
        }

        public Builder requestId(String value) {
            this.requestId = value;
            return this;
        }

        public Builder workflow(String value) {
            this.workflow = value;
            return this;
        }

        public Builder agent(String value) {
            this.agentName = value;
            return this;
        }

        public Builder message(ChatMessage value) {
            messages.add(value);
            return this;
        }

        public Builder messages(List<? extends ChatMessage> values) {
            messages.addAll(values);
            return this;
        }

        public Builder tool(ToolDefinition value) {
            tools.add(value);
            return this;
        }

        public Builder tools(List<ToolDefinition> values) {
            tools.addAll(values);
            return this;
        }

        public Builder toolChoice(ToolChoice value) {
            this.toolChoice = value;
            return this;
        }

        public Builder responseFormat(ResponseFormat value) {
            this.responseFormat = value;
            return this;
        }

        public Builder temperature(Double value) {
            this.temperature = value;
            return this;
        }

        public Builder maxTokens(Integer value) {
            this.maxTokens = value;
            return this;
        }

        public ModelRequest build() {
            return new ModelRequest(requestId, workflow, agentName, model, messages, tools, toolChoice, responseFormat,
                    temperature, maxTokens);
        }
    }
}

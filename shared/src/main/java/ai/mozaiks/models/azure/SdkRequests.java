package ai.mozaiks.models.azure;

import ai.mozaiks.http.Json;
import ai.mozaiks.models.AssistantMessage;
import ai.mozaiks.models.ChatMessage;
import ai.mozaiks.models.ModelRequest;
import ai.mozaiks.models.ResponseFormat;
import ai.mozaiks.models.SystemMessage;
import ai.mozaiks.models.ToolCall;
import ai.mozaiks.models.ToolChoice;
import ai.mozaiks.models.ToolDefinition;
import ai.mozaiks.models.ToolMessage;
import ai.mozaiks.models.UserMessage;
import com.azure.ai.openai.models.ChatCompletionsFunctionToolCall;
import com.azure.ai.openai.models.ChatCompletionsFunctionToolDefinition;
import com.azure.ai.openai.models.ChatCompletionsFunctionToolDefinitionFunction;
import com.azure.ai.openai.models.ChatCompletionsFunctionToolSelection;
import com.azure.ai.openai.models.ChatCompletionsJsonSchemaResponseFormat;
import com.azure.ai.openai.models.ChatCompletionsJsonSchemaResponseFormatJsonSchema;
import com.azure.ai.openai.models.ChatCompletionsNamedFunctionToolSelection;
import com.azure.ai.openai.models.ChatCompletionsOptions;
import com.azure.ai.openai.models.ChatCompletionsToolCall;
import com.azure.ai.openai.models.ChatCompletionsToolDefinition;
import com.azure.ai.openai.models.ChatCompletionsToolSelection;
import com.azure.ai.openai.models.ChatCompletionsToolSelectionPreset;
import com.azure.ai.openai.models.ChatRequestAssistantMessage;
import com.azure.ai.openai.models.ChatRequestMessage;
import com.azure.ai.openai.models.ChatRequestSystemMessage;
import com.azure.ai.openai.models.ChatRequestToolMessage;
import com.azure.ai.openai.models.ChatRequestUserMessage;
import com.azure.ai.openai.models.FunctionCall;
import com.azure.core.util.BinaryData;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A {@link ModelRequest} in the SDK's types. */
final class SdkRequests {
    private static final ObjectMapper MAPPER = Json.mapper();

    private SdkRequests() {
    }

    static ChatCompletionsOptions options(ModelRequest request) {
        List<ChatRequestMessage> messages = new ArrayList<>(request.messages().size());
        request.messages().forEach(message -> messages.add(message(message)));
        ChatCompletionsOptions options = new ChatCompletionsOptions(messages);
        if (!request.tools().isEmpty()) {
            List<ChatCompletionsToolDefinition> tools = new ArrayList<>();
            request.tools().forEach(tool -> tools.add(tool(tool)));
            options.setTools(tools);
            options.setToolChoice(toolChoice(request.toolChoice()));
        }
        if (request.responseFormat() != null) {
            options.setResponseFormat(responseFormat(request.responseFormat()));
        }
        options.setTemperature(request.temperature());
        options.setMaxTokens(request.maxTokens());
        return options;
    }

    private static ChatRequestMessage message(ChatMessage message) {
        if (message instanceof SystemMessage system) {
            return new ChatRequestSystemMessage(system.content());
        }
        if (message instanceof UserMessage user) {
            return new ChatRequestUserMessage(user.content()).setName(user.name());
        }
        if (message instanceof AssistantMessage assistant) {
            ChatRequestAssistantMessage wire = new ChatRequestAssistantMessage(assistant.text()).setName(assistant.name());
            if (!assistant.toolCalls().isEmpty()) {
                List<ChatCompletionsToolCall> calls = new ArrayList<>();
                for (ToolCall call : assistant.toolCalls()) {
                    calls.add(new ChatCompletionsFunctionToolCall(call.id(), new FunctionCall(call.name(), call.argumentsJson())));
                }
                wire.setToolCalls(calls);
            }
            return wire;
        }
        ToolMessage tool = (ToolMessage) message;
        return new ChatRequestToolMessage(tool.content(), tool.toolCallId());
    }

    private static ChatCompletionsToolDefinition tool(ToolDefinition tool) {
        ChatCompletionsFunctionToolDefinitionFunction function = new ChatCompletionsFunctionToolDefinitionFunction(tool.name())
                .setParameters(json(tool.parameters()));
        if (!tool.description().isEmpty()) {
            function.setDescription(tool.description());
        }
        return new ChatCompletionsFunctionToolDefinition(function);
    }

    private static ChatCompletionsToolSelection toolChoice(ToolChoice choice) {
        return switch (choice.mode()) {
            case AUTO -> new ChatCompletionsToolSelection(ChatCompletionsToolSelectionPreset.AUTO);
            case NONE -> new ChatCompletionsToolSelection(ChatCompletionsToolSelectionPreset.NONE);
            case REQUIRED -> new ChatCompletionsToolSelection(ChatCompletionsToolSelectionPreset.REQUIRED);
            case NAMED -> new ChatCompletionsToolSelection(
                    new ChatCompletionsNamedFunctionToolSelection(new ChatCompletionsFunctionToolSelection(choice.toolName())));
        };
    }

    private static ChatCompletionsJsonSchemaResponseFormat responseFormat(ResponseFormat format) {
        return new ChatCompletionsJsonSchemaResponseFormat(new ChatCompletionsJsonSchemaResponseFormatJsonSchema(format.name())
                .setSchema(json(format.schema()))
                .setStrict(format.strict()));
    }

    /** As an object, not text: the SDK writes BinaryData made from a string as a JSON string. */
    private static BinaryData json(ObjectNode node) {
        return BinaryData.fromObject(MAPPER.convertValue(node, Map.class));
    }
}

package ai.mozaiks.models.openai;

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
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;

/** The JSON body of a streaming chat-completions request, as OpenAI documents it. */
final class ChatCompletionsBody {
    private static final ObjectMapper MAPPER = Json.mapper();

    private ChatCompletionsBody() {
    }

    static String of(ModelRequest request, OpenAiCompatibleSettings.ApiStyle style) {
        ObjectNode body = MAPPER.createObjectNode();
        // Azure takes the model from the deployment in the path.
        if (style == OpenAiCompatibleSettings.ApiStyle.OPENAI) {
            body.put("model", request.model());
        }
        ArrayNode messages = body.putArray("messages");
        request.messages().forEach(message -> messages.add(message(message)));
        body.put("stream", true);
        // Without this, a stream reports no usage, and cost could only be estimated.
        body.putObject("stream_options").put("include_usage", true);
        if (!request.tools().isEmpty()) {
            ArrayNode tools = body.putArray("tools");
            request.tools().forEach(tool -> tools.add(tool(tool)));
            body.set("tool_choice", toolChoice(request.toolChoice()));
        }
        if (request.responseFormat() != null) {
            body.set("response_format", responseFormat(request.responseFormat()));
        }
        if (request.temperature() != null) {
            body.put("temperature", request.temperature());
        }
        if (request.maxTokens() != null) {
            // max_tokens, not max_completion_tokens: the one local servers and every Azure api-version take.
            body.put("max_tokens", request.maxTokens());
        }
        return body.toString();
    }

    private static ObjectNode message(ChatMessage message) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("role", message.role().name().toLowerCase(Locale.ROOT));
        if (message instanceof SystemMessage system) {
            node.put("content", system.content());
        } else if (message instanceof UserMessage user) {
            node.put("content", user.content());
            if (user.name() != null) {
                node.put("name", user.name());
            }
        } else if (message instanceof AssistantMessage assistant) {
            if (assistant.content() == null) {
                node.putNull("content");
            } else {
                node.put("content", assistant.content());
            }
            if (!assistant.toolCalls().isEmpty()) {
                ArrayNode calls = node.putArray("tool_calls");
                for (ToolCall call : assistant.toolCalls()) {
                    ObjectNode wire = calls.addObject().put("id", call.id()).put("type", "function");
                    wire.putObject("function").put("name", call.name()).put("arguments", call.argumentsJson());
                }
            }
            if (assistant.name() != null) {
                node.put("name", assistant.name());
            }
        } else {
            ToolMessage tool = (ToolMessage) message;
            node.put("tool_call_id", tool.toolCallId());
            node.put("content", tool.content());
        }
        return node;
    }

    private static ObjectNode tool(ToolDefinition tool) {
        ObjectNode node = MAPPER.createObjectNode().put("type", "function");
        ObjectNode function = node.putObject("function").put("name", tool.name());
        if (!tool.description().isEmpty()) {
            function.put("description", tool.description());
        }
        function.set("parameters", tool.parameters());
        return node;
    }

    static com.fasterxml.jackson.databind.JsonNode toolChoice(ToolChoice choice) {
        if (choice.mode() == ToolChoice.Mode.NAMED) {
            ObjectNode named = MAPPER.createObjectNode().put("type", "function");
            named.putObject("function").put("name", choice.toolName());
            return named;
        }
        return MAPPER.getNodeFactory().textNode(choice.mode().name().toLowerCase(Locale.ROOT));
    }

    private static ObjectNode responseFormat(ResponseFormat format) {
        ObjectNode node = MAPPER.createObjectNode().put("type", "json_schema");
        node.putObject("json_schema")
                .put("name", format.name())
                .put("strict", format.strict())
                .set("schema", format.schema());
        return node;
    }
}

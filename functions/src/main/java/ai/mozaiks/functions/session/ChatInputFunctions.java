package ai.mozaiks.functions.session;

import ai.mozaiks.engine.ChatInputs;
import ai.mozaiks.functions.http.Api;
import ai.mozaiks.functions.http.ApiResult;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.BindingName;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import java.util.Optional;

/** What a user sends into a chat, with its runtime token: a message, a UI tool's answer, a cancel. */
public final class ChatInputFunctions {
    private final Api api;
    private final ChatInputs inputs;

    public ChatInputFunctions(Api api, ChatInputs inputs) {
        this.api = api;
        this.inputs = inputs;
    }

    record Message(@JsonProperty("client_message_id") String clientMessageId, String text) {
    }

    record UiResponse(@JsonProperty("tool_call_id") String toolCallId, JsonNode response) {
    }

    @FunctionName("postChatMessage")
    public HttpResponseMessage message(
            @HttpTrigger(name = "request", methods = {HttpMethod.POST}, route = "api/chats/{chat_id}/messages",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            @BindingName("chat_id") String chatId, ExecutionContext context) {
        return api.handleChat(request, context, chatId, call -> {
            Message message = call.body(Message.class);
            return inputs.submitMessage(call.grant().appId(), call.grant().userId(), chatId, message.clientMessageId(), message.text())
                    .map(result -> new ApiResult(202, result, null));
        });
    }

    @FunctionName("postUiResponse")
    public HttpResponseMessage uiResponse(
            @HttpTrigger(name = "request", methods = {HttpMethod.POST}, route = "api/chats/{chat_id}/ui-responses",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            @BindingName("chat_id") String chatId, ExecutionContext context) {
        return api.handleChat(request, context, chatId, call -> {
            UiResponse answer = call.body(UiResponse.class);
            return inputs.respondToUiTool(call.grant().appId(), call.grant().userId(), chatId, answer.toolCallId(), answer.response())
                    .map(result -> new ApiResult(202, result, null));
        });
    }

    @FunctionName("cancelChat")
    public HttpResponseMessage cancel(
            @HttpTrigger(name = "request", methods = {HttpMethod.POST}, route = "api/chats/{chat_id}/cancel",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            @BindingName("chat_id") String chatId, ExecutionContext context) {
        return api.handleChat(request, context, chatId, call -> inputs.cancel(call.grant().appId(), call.grant().userId(), chatId)
                .map(ApiResult::ok));
    }
}

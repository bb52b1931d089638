package ai.mozaiks.functions.session;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.functions.http.Api;
import ai.mozaiks.functions.http.ApiResult;
import ai.mozaiks.payloads.PayloadStore;
import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.BindingName;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import java.util.Map;
import java.util.Optional;
import reactor.core.publisher.Mono;

/**
 * {@code GET /api/chats/{chat_id}/payloads/{payload_id}}: a large UI tool answer or tool result of the chat, whole (its
 * events carry a preview and the {@code payload_id}), with the chat's runtime token, as its events are read.
 */
public final class ChatPayloadFunctions {
    private final Api api;
    private final PayloadStore payloads;

    public ChatPayloadFunctions(Api api, PayloadStore payloads) {
        this.api = api;
        this.payloads = payloads;
    }

    @FunctionName("getChatPayload")
    public HttpResponseMessage get(
            @HttpTrigger(name = "request", methods = {HttpMethod.GET}, route = "api/chats/{chat_id}/payloads/{payload_id}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            @BindingName("chat_id") String chatId, @BindingName("payload_id") String payloadId, ExecutionContext context) {
        return api.handleChat(request, context, chatId, call -> payloads.read(call.grant().appId(), chatId, payloadId)
                .map(content -> ApiResult.ok(Map.of("payload_id", payloadId, "chars", content.length(), "content", content)))
                .switchIfEmpty(Mono.error(() -> ApiException.notFound("The payload"))));
    }
}

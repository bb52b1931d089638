package ai.mozaiks.functions.session;

import ai.mozaiks.broker.SessionBroker;
import ai.mozaiks.broker.SessionRequests.StartSession;
import ai.mozaiks.functions.http.Api;
import ai.mozaiks.functions.http.ApiResult;
import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.BindingName;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import java.util.Optional;

/** The session broker: start or resume a chat; a user's recent chats; one chat's metadata. */
public final class SessionFunctions {
    private final Api api;
    private final SessionBroker broker;

    public SessionFunctions(Api api, SessionBroker broker) {
        this.api = api;
        this.broker = broker;
    }

    @FunctionName("startSession")
    public HttpResponseMessage start(
            @HttpTrigger(name = "request", methods = {HttpMethod.POST}, route = "api/sessions",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return api.handle(request, context, call -> {
            StartSession start = call.body(StartSession.class);
            return broker.start(call.principal(), start).map(grant -> "created".equals(grant.status())
                    ? ApiResult.created("/api/apps/" + start.appId() + "/chats/" + grant.chatId(), grant) : ApiResult.ok(grant));
        });
    }

    @FunctionName("listChats")
    public HttpResponseMessage list(
            @HttpTrigger(name = "request", methods = {HttpMethod.GET}, route = "api/apps/{app_id}/chats",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            @BindingName("app_id") String appId, ExecutionContext context) {
        return api.handle(request, context, call -> broker.recent(call.principal(), appId, call.page()).map(ApiResult::ok));
    }

    @FunctionName("getChat")
    public HttpResponseMessage get(
            @HttpTrigger(name = "request", methods = {HttpMethod.GET}, route = "api/apps/{app_id}/chats/{chat_id}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            @BindingName("app_id") String appId, @BindingName("chat_id") String chatId, ExecutionContext context) {
        return api.handle(request, context, call -> broker.chat(call.principal(), appId, chatId).map(ApiResult::ok));
    }
}

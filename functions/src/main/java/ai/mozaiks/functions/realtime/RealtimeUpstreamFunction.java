package ai.mozaiks.functions.realtime;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.functions.http.Api;
import ai.mozaiks.functions.http.ApiResult;
import ai.mozaiks.functions.http.HttpResponses;
import ai.mozaiks.http.Problem;
import ai.mozaiks.realtime.ChatEvents;
import ai.mozaiks.realtime.UpstreamAuth;
import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import java.util.Map;
import java.util.Optional;
import reactor.core.publisher.Mono;

/**
 * Azure Web PubSub's event handler for the chat hub (CloudEvents over HTTP): the abuse-protection handshake,
 * {@code connect} (binds the connection to its chat; refused for a suspended or deleted app), {@code connected}/{@code disconnected}, and the user
 * events of connected clients, answered by {@link ChatEvents}. Authenticated by {@code ce-signature}.
 */
public final class RealtimeUpstreamFunction {
    private static final String CONNECT = "azure.webpubsub.sys.connect";
    private static final String SYSTEM = "azure.webpubsub.sys.";
    private static final String USER = "azure.webpubsub.user.";

    private final Api api;
    private final UpstreamAuth auth;
    private final ChatEvents events;

    public RealtimeUpstreamFunction(Api api, UpstreamAuth auth, ChatEvents events) {
        this.api = api;
        this.auth = auth;
        this.events = events;
    }

    @FunctionName("realtimeUpstream")
    public HttpResponseMessage upstream(
            @HttpTrigger(name = "request", methods = {HttpMethod.OPTIONS, HttpMethod.POST}, route = "api/realtime/upstream",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        if (request.getHttpMethod() == HttpMethod.OPTIONS) {
            return auth.allowedOrigin(Api.header(request, "WebHook-Request-Origin"))
                    .map(origin -> HttpResponses.raw(request, 200, null, null, Map.of("WebHook-Allowed-Origin", origin)))
                    .orElseGet(() -> HttpResponses.problem(request, Problem.of(400, "unknown_origin", "Bad request",
                            "WebHook-Request-Origin is not the configured Web PubSub service.")));
        }
        String type = Optional.ofNullable(Api.header(request, "ce-type")).orElse("");
        return api.handleUpstream(request, context, type.equals(CONNECT), call -> {
            if (type.equals(CONNECT)) {
                return events.admit(auth.chatOfConnect(call.header("ce-userId"), call.json()))
                        .map(chat -> new ApiResult(204, null, null, Map.of("ce-connectionState", UpstreamAuth.state(chat))));
            }
            if (type.startsWith(USER)) {
                return events.handle(call.grant(), type.substring(USER.length()), call.json()).map(ApiResult::ok);
            }
            if (type.startsWith(SYSTEM)) {
                return Mono.just(ApiResult.noContent());
            }
            return Mono.error(new ApiException(Problem.of(400, "unknown_event_type", "Bad request",
                    "ce-type " + type + " is not a Web PubSub event.")));
        });
    }
}

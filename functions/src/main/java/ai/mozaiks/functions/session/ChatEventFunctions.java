package ai.mozaiks.functions.session;

import ai.mozaiks.api.Validation;
import ai.mozaiks.functions.http.Api;
import ai.mozaiks.functions.http.ApiResult;
import ai.mozaiks.session.EventLog;
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

/** {@code GET /api/chats/{chat_id}/events?after_seq=N}: the chat's durable events after N, with its runtime token. */
public final class ChatEventFunctions {
    private final Api api;
    private final EventLog events;

    public ChatEventFunctions(Api api, EventLog events) {
        this.api = api;
        this.events = events;
    }

    @FunctionName("listChatEvents")
    public HttpResponseMessage list(
            @HttpTrigger(name = "request", methods = {HttpMethod.GET}, route = "api/chats/{chat_id}/events",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            @BindingName("chat_id") String chatId, ExecutionContext context) {
        return api.handleChat(request, context, chatId, call -> {
            long afterSeq = number(call.query("after_seq"), "after_seq", 0, Long.MAX_VALUE, 0);
            int limit = (int) number(call.query("limit"), "limit", 1, EventLog.MAX_READ, 100);
            return events.read(call.grant().appId(), chatId, afterSeq, limit).map(page -> ApiResult.ok(Map.of(
                    "items", page.events().stream().map(event -> event.envelope()).toList(),
                    "next_after_seq", page.nextAfterSeq(),
                    "more", page.more())));
        });
    }

    private static long number(String value, String field, long min, long max, long fallback) {
        if (value == null) {
            return fallback;
        }
        try {
            long parsed = Long.parseLong(value);
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        new Validation().error(field, "must be a whole number from " + min + " to " + max).check();
        return fallback;
    }
}

package ai.mozaiks.realtime;

import static ai.mozaiks.session.EventData.data;
import ai.mozaiks.api.ApiException;
import ai.mozaiks.identity.RuntimeToken;
import ai.mozaiks.engine.ChatInputs;
import ai.mozaiks.http.Problem;
import ai.mozaiks.session.ChatEvent;
import ai.mozaiks.session.ChatSessions;
import ai.mozaiks.session.EventLog;
import ai.mozaiks.tenancy.AppStates;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import reactor.core.publisher.Mono;

/**
 * What a connected client sends as Web PubSub user events, for its one chat; the same services as the HTTP
 * endpoints answer. Every reply is what the client gets back before its ack: a JSON array of envelopes, like
 * everything the platform sends it.
 * <ul>
 *   <li>{@code client.resume {last_seq}} → {@code chat_meta}, every stored event after {@code last_seq} (a page of
 *       {@value #RESUME_PAGE} at most), then {@code chat.resume_boundary} (with {@code more} when the client should ask
 *       again from its {@code last_seq}). Live events keep arriving on the group meanwhile; the client orders by seq.</li>
 *   <li>{@code user.input.submit {client_message_id, text}}, {@code ui_tool_response {tool_call_id, response}} →
 *       {@code chat.input_result}; {@code chat.cancel} → {@code chat.cancel_result}.</li>
 *   <li>A refusal (bad input, a finished chat, a turn in progress, a suspended or deleted app) is {@code chat.input_error {status, code, detail}}:
 *       the event was handled, the answer is no.</li>
 * </ul>
 */
public final class ChatEvents {
    public static final int RESUME_PAGE = 500;

    private final ChatInputs inputs;
    private final ChatSessions sessions;
    private final EventLog events;
    private final AppStates apps;

    public ChatEvents(ChatInputs inputs, ChatSessions sessions, EventLog events, AppStates apps) {
        this.inputs = inputs;
        this.sessions = sessions;
        this.events = events;
        this.apps = apps;
    }

    /** A client connecting to a chat of a suspended or deleted app is refused (409 naming the state). */
    public Mono<RuntimeToken> admit(RuntimeToken chat) {
        return apps.requireActive(chat.appId()).thenReturn(chat);
    }

    public Mono<List<Map<String, Object>>> handle(RuntimeToken chat, String event, JsonNode data) {
        JsonNode body = data == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : data;
        Mono<List<Map<String, Object>>> reply = switch (event == null ? "" : event) {
            case "client.resume" -> resume(chat, body.path("last_seq"));
            case "user.input.submit" -> inputs.submitMessage(chat.appId(), chat.userId(), chat.chatId(),
                            text(body, "client_message_id"), text(body, "text"))
                    .map(result -> one("chat.input_result", result));
            case "ui_tool_response" -> inputs.respondToUiTool(chat.appId(), chat.userId(), chat.chatId(),
                            text(body, "tool_call_id"), body.path("response"))
                    .map(result -> one("chat.input_result", result));
            case "chat.cancel" -> inputs.cancel(chat.appId(), chat.userId(), chat.chatId())
                    .map(result -> one("chat.cancel_result", result));
            default -> Mono.error(new ApiException(Problem.of(400, "unknown_event", "Bad request",
                    "Unknown event " + event + "; expected client.resume, user.input.submit, ui_tool_response or chat.cancel.")));
        };
        return Mono.defer(() -> reply).onErrorResume(ChatEvents::refusal, refused -> Mono.just(one("chat.input_error",
                problemData(((ApiException) refused).problem()))));
    }

    private Mono<List<Map<String, Object>>> resume(RuntimeToken chat, JsonNode lastSeq) {
        if (!lastSeq.isMissingNode() && !(lastSeq.canConvertToLong() && lastSeq.asLong() >= 0)) {
            return Mono.error(ApiException.invalid("last_seq", "must be a whole number, 0 or more"));
        }
        long after = lastSeq.asLong(0);
        return sessions.get(chat.appId(), chat.userId(), chat.chatId()).flatMap(session ->
                events.read(chat.appId(), chat.chatId(), after, RESUME_PAGE).map(page -> {
                    List<Map<String, Object>> reply = new ArrayList<>(page.events().size() + 2);
                    reply.add(envelope("chat_meta", data("chat_id", session.chatId(), "app_id", session.appId(),
                            "workflow_name", session.workflowName(), "status", session.status().wire(), "last_seq", session.eventSeq())));
                    page.events().stream().map(ChatEvent::envelope).forEach(reply::add);
                    reply.add(envelope("chat.resume_boundary", data("chat_id", session.chatId(), "chat_status",
                            session.status().wire(), "replayed", page.events().size(), "last_seq", page.nextAfterSeq(),
                            "more", page.more())));
                    return reply;
                }));
    }

    private static boolean refusal(Throwable error) {
        return error instanceof ApiException refused && refused.problem().status() < 500;
    }

    private static String text(JsonNode body, String field) {
        JsonNode value = body.path(field);
        return value.isTextual() ? value.asText() : null;
    }

    private static Map<String, Object> problemData(Problem problem) {
        Map<String, Object> data = data("status", problem.status(), "code", problem.code(), "detail", problem.detail());
        if (problem.errors() != null && !problem.errors().isEmpty()) {
            data.put("errors", problem.errors());
        }
        return data;
    }

    private static List<Map<String, Object>> one(String type, Object data) {
        return List.of(envelope(type, data));
    }

    private static Map<String, Object> envelope(String type, Object data) {
        Map<String, Object> envelope = new LinkedHashMap<>();
        envelope.put("type", type);
        envelope.put("data", data);
        return envelope;
    }

}

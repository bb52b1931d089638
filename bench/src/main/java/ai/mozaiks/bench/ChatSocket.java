package ai.mozaiks.bench;

import ai.mozaiks.http.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A browser's link to one chat, as the ChatUI holds it: a real WebSocket client (the JDK's) on the chat's Web PubSub
 * client URL (from {@code POST /api/sessions}, which joins the chat's group) with the JSON subprotocol. It stamps, on the
 * turn under way, when the first {@code chat.text_delta} and the agent's stored {@code chat.text} arrive, and when the
 * upstream's answer to a {@code user.input.submit} does.
 */
final class ChatSocket implements WebSocket.Listener, AutoCloseable {
    static final String SUBPROTOCOL = "json.webpubsub.azure.v1";
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final CompletableFuture<Void> connected = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    private final AtomicLong ackIds = new AtomicLong();
    private volatile LatencyBenchmark.Turn current;
    private WebSocket socket;

    private ChatSocket() {
    }

    /** Connects and waits for the service's {@code connected} message. */
    static ChatSocket connect(HttpClient http, String url) throws Exception {
        ChatSocket chat = new ChatSocket();
        chat.socket = http.newWebSocketBuilder().subprotocols(SUBPROTOCOL).connectTimeout(WAIT)
                .buildAsync(URI.create(url), chat).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        chat.connected.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        return chat;
    }

    /** The turn the next stamps belong to. */
    void turn(LatencyBenchmark.Turn turn) {
        current = turn;
    }

    /** Sends the user's message as the ChatUI does: an event to the upstream, whose answer comes back on this socket. */
    void submit(String clientMessageId, String text) {
        String event = Json.write(Map.of("type", "event", "event", "user.input.submit", "dataType", "json",
                "data", Map.of("client_message_id", clientMessageId, "text", text), "ackId", ackIds.incrementAndGet()));
        socket.sendText(event, true).join();
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        long at = System.nanoTime();
        partial.append(data);
        if (last) {
            String text = partial.toString();
            partial.setLength(0);
            try {
                handle(Json.mapper().readTree(text), at);
            } catch (IOException | RuntimeException e) {
                LatencyBenchmark.Turn turn = current;
                if (turn != null) {
                    turn.fail("unreadable message: " + e);
                }
            }
        }
        webSocket.request(1);
        return null;
    }

    private void handle(JsonNode message, long at) {
        if ("system".equals(message.path("type").asText()) && "connected".equals(message.path("event").asText())) {
            connected.complete(null);
            return;
        }
        LatencyBenchmark.Turn turn = current;
        if (turn == null || !"message".equals(message.path("type").asText())) {
            return;
        }
        for (JsonNode envelope : message.path("data")) {
            switch (envelope.path("type").asText()) {
                case "chat.text_delta" -> turn.firstDelta(at);
                case "chat.input_result" -> turn.accepted(at);
                case "chat.input_error", "chat.error" -> turn.fail(envelope.toString());
                case "chat.text" -> {
                    if (!"user".equals(envelope.path("data").path("agent").asText()) && envelope.has("seq")) {
                        turn.committed(at);
                    }
                }
                default -> {
                }
            }
        }
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        LatencyBenchmark.Turn turn = current;
        if (turn != null) {
            turn.fail("socket closed: " + statusCode + " " + reason);
        }
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        connected.completeExceptionally(error);
        LatencyBenchmark.Turn turn = current;
        if (turn != null) {
            turn.fail("socket failed: " + error);
        }
    }

    @Override
    public void close() {
        if (socket != null) {
            socket.abort();
        }
    }
}

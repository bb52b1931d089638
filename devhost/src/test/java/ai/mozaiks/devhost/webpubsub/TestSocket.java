package ai.mozaiks.devhost.webpubsub;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.mozaiks.http.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A real WebSocket client (the JDK's) speaking a Web PubSub JSON subprotocol, with a deadline on every wait. */
public final class TestSocket implements WebSocket.Listener, AutoCloseable {
    public static final String JSON = "json.webpubsub.azure.v1";
    static final String RELIABLE = "json.reliable.webpubsub.azure.v1";
    static final Duration WAIT = Duration.ofSeconds(10);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final BlockingQueue<JsonNode> messages = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    private WebSocket socket;
    private JsonNode connected;

    private TestSocket() {
    }

    /** Opens a socket offering {@code subprotocol}; fails the test if the handshake does not succeed. */
    static TestSocket open(String url, String subprotocol) {
        TestSocket client = new TestSocket();
        try {
            client.socket = HTTP.newWebSocketBuilder().subprotocols(subprotocol).connectTimeout(WAIT)
                    .buildAsync(URI.create(url), client).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("the WebSocket handshake failed: " + e, e);
        }
        return client;
    }

    /** Opens a socket and reads its {@code connected} system message. */
    public static TestSocket connect(String url, String subprotocol) {
        TestSocket client = open(url, subprotocol);
        JsonNode connected = client.next();
        assertTrue(connected.path("type").asText().equals("system") && connected.path("event").asText().equals("connected"),
                "first message: " + connected);
        client.connected = connected;
        return client;
    }

    /** The HTTP status with which the upgrade is refused; fails the test if the socket opens. */
    public static int refusal(String url, String subprotocol) {
        try {
            WebSocket opened = HTTP.newWebSocketBuilder().subprotocols(subprotocol).connectTimeout(WAIT)
                    .buildAsync(URI.create(url), new TestSocket()).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            opened.abort();
            return fail("the upgrade was accepted");
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException refused) {
                return refused.getResponse().statusCode();
            }
            throw new AssertionError("expected a refused handshake, got " + e.getCause(), e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError(e);
        }
    }

    JsonNode connected() {
        return connected;
    }

    public String connectionId() {
        return connected.path("connectionId").asText();
    }

    String subprotocol() {
        return socket.getSubprotocol();
    }

    void send(String json) {
        socket.sendText(json, true).join();
    }

    /** The next message; fails the test if none arrives in time. */
    public JsonNode next() {
        try {
            JsonNode message = messages.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertNotNull(message, "no message within " + WAIT.toSeconds() + " s");
            return message;
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** Asserts that nothing arrives for a short while (the only way to see an absence). */
    public void assertNothingWithin(Duration quiet) {
        try {
            assertNull(messages.poll(quiet.toMillis(), TimeUnit.MILLISECONDS), "unexpected message");
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** The close code the server sent; fails the test if the socket stays open. */
    public int awaitClose() {
        try {
            return closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("the socket was not closed: " + e, e);
        }
    }

    /** Cuts the connection without a close frame, as a network failure does. */
    void cut() {
        socket.abort();
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            try {
                socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(WAIT.toSeconds(), TimeUnit.SECONDS);
            } catch (Exception e) {
                socket.abort();
            }
        }
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            messages.add(Json.read(partial.toString()));
            partial.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.completeExceptionally(error instanceof CompletionException ? error.getCause() : error);
    }
}

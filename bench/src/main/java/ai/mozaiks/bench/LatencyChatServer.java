package ai.mozaiks.bench;

import ai.mozaiks.http.Json;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A model for benchmarks that must wait on one, as steps wait on a hosted model: a loopback server speaking the
 * OpenAI chat-completions streaming API ({@code POST /v1/chat/completions}, SSE) that answers every call with the
 * same short reply after a fixed latency. The engine reaches it through its real client
 * ({@code OpenAiCompatibleModel}), so a step holds its slot for the latency without holding a thread.
 */
public final class LatencyChatServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService threads;
    private final Duration latency;
    private final List<String> chunks;
    private final AtomicLong calls = new AtomicLong();
    private final Duration streamFor;
    private final Consumer<String> onCall;

    private LatencyChatServer(HttpServer server, ExecutorService threads, Duration latency, Duration streamFor, String reply,
                              Consumer<String> onCall) {
        this.server = server;
        this.threads = threads;
        this.latency = latency;
        this.streamFor = streamFor;
        this.onCall = onCall;
        int half = reply.length() / 2;
        this.chunks = List.of(
                chunk(Map.of("role", "assistant", "content", ""), null),
                chunk(Map.of("content", reply.substring(0, half)), null),
                chunk(Map.of("content", reply.substring(half)), null),
                chunk(Map.of(), "stop"),
                Json.write(Map.of("id", "chatcmpl-bench", "object", "chat.completion.chunk", "model", "bench", "choices", List.of(),
                        "usage", Map.of("prompt_tokens", 120, "completion_tokens", 12, "total_tokens", 132))));
    }

    /** Listens on 127.0.0.1, a free port; each call answers {@code reply} after {@code latency}. */
    public static LatencyChatServer start(String reply, Duration latency) throws IOException {
        return start(reply, latency, Duration.ZERO, body -> { });
    }

    /**
     * As {@link #start(String, Duration)}, but the reply's first half is sent (flushed) after {@code latency} and the rest
     * {@code streamFor} later, as a model streams; {@code onCall} is told each request's body as soon as it has arrived.
     */
    public static LatencyChatServer start(String reply, Duration latency, Duration streamFor, Consumer<String> onCall) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        // A thread per call waiting out the latency: the server stands in for a remote service, its threads are not the engine's.
        ExecutorService threads = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "latency-model");
            thread.setDaemon(true);
            return thread;
        });
        LatencyChatServer model = new LatencyChatServer(server, threads, latency, streamFor, reply, onCall);
        server.createContext("/v1/chat/completions", model::answer);
        server.setExecutor(threads);
        server.start();
        return model;
    }

    /** The API root to give {@code OpenAiCompatibleSettings.openAi}. */
    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1");
    }

    public long calls() {
        return calls.get();
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            calls.incrementAndGet();
            onCall.accept(body);
            Thread.sleep(latency.toMillis());
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            for (int i = 0; i < chunks.size(); i++) {
                out.write(("data: " + chunks.get(i) + "\n\n").getBytes(StandardCharsets.UTF_8));
                if (i == 1 && !streamFor.isZero()) {
                    out.flush();
                    Thread.sleep(streamFor.toMillis());
                }
            }
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String chunk(Map<String, Object> delta, String finishReason) {
        Map<String, Object> choice = new java.util.LinkedHashMap<>();
        choice.put("index", 0);
        choice.put("delta", delta);
        choice.put("finish_reason", finishReason);
        return Json.write(Map.of("id", "chatcmpl-bench", "object", "chat.completion.chunk", "model", "bench",
                "choices", List.of(choice)));
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}

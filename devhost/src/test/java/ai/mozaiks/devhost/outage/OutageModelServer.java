package ai.mozaiks.devhost.outage;

import ai.mozaiks.http.Json;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A model service on loopback speaking the OpenAI chat-completions streaming API ({@code POST /v1/chat/completions},
 * SSE), as the platform's own client reaches it. Until {@link #refuseFor} runs out it refuses every call, in turn with
 * 503 and {@code Retry-After: 3} and with 429 and {@code Retry-After: 2}, as a provider in an outage or over its quota
 * does; then it answers each call with a short reply, streamed in pieces {@code gap} apart.
 */
public final class OutageModelServer implements AutoCloseable {
    public static final String REPLY = "Here is the answer, after the outage.";

    private final HttpServer server;
    private final ExecutorService threads;
    private final Duration gap;
    private final AtomicLong refuseUntil = new AtomicLong();
    private final AtomicInteger answered = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicInteger received = new AtomicInteger();

    private OutageModelServer(HttpServer server, ExecutorService threads, Duration gap) {
        this.server = server;
        this.threads = threads;
        this.gap = gap;
    }

    /** @param gap the wait between the reply's streamed pieces (five of them): a slow model keeps a step in flight */
    public static OutageModelServer start(Duration gap) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        ExecutorService threads = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "outage-model");
            thread.setDaemon(true);
            return thread;
        });
        OutageModelServer model = new OutageModelServer(server, threads, gap);
        server.createContext("/v1/chat/completions", model::answer);
        server.setExecutor(threads);
        server.start();
        return model;
    }

    /** The {@code MODEL_ENDPOINT} to give the platform. */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    /** Refuses every call from now on for {@code outage}. */
    public void refuseFor(Duration outage) {
        refuseUntil.set(System.nanoTime() + outage.toNanos());
    }

    /** Calls answered with a reply (begun; a caller may leave mid-stream). */
    public int answered() {
        return answered.get();
    }

    /** Calls refused with 503 or 429. */
    public int refused() {
        return refused.get();
    }

    /** Every call received. */
    public int received() {
        return received.get();
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            received.incrementAndGet();
            if (System.nanoTime() < refuseUntil.get()) {
                boolean unavailable = refused.getAndIncrement() % 2 == 0;
                byte[] body = Json.write(Map.of("error", Map.of("message", unavailable ? "The service is temporarily unavailable."
                        : "Rate limit reached; try again later.", "type", unavailable ? "server_error" : "rate_limit_error",
                        "code", unavailable ? "service_unavailable" : "rate_limit_exceeded"))).getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.getResponseHeaders().set("Retry-After", unavailable ? "3" : "2");
                exchange.sendResponseHeaders(unavailable ? 503 : 429, body.length);
                exchange.getResponseBody().write(body);
                return;
            }
            answered.incrementAndGet();
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            int fifth = REPLY.length() / 5;
            send(out, chunk(Map.of("role", "assistant", "content", ""), null));
            for (int i = 0; i < 5; i++) {
                pause();
                send(out, chunk(Map.of("content", REPLY.substring(i * fifth, i == 4 ? REPLY.length() : (i + 1) * fifth)), null));
            }
            send(out, chunk(Map.of(), "stop"));
            send(out, Json.write(Map.of("id", "chatcmpl-outage", "object", "chat.completion.chunk", "model", "outage",
                    "choices", List.of(), "usage", Map.of("prompt_tokens", 80, "completion_tokens", 9, "total_tokens", 89))));
            send(out, "[DONE]");
        } catch (IOException e) {
            // The caller left mid-stream (its process was killed): nothing to answer.
        }
    }

    private void pause() {
        try {
            Thread.sleep(gap.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void send(OutputStream out, String data) throws IOException {
        out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static String chunk(Map<String, Object> delta, String finishReason) {
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", 0);
        choice.put("delta", delta);
        choice.put("finish_reason", finishReason);
        return Json.write(Map.of("id", "chatcmpl-outage", "object", "chat.completion.chunk", "model", "outage", "choices", List.of(choice)));
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}

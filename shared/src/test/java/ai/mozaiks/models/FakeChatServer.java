package ai.mozaiks.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * A local server that speaks the OpenAI chat-completions API from a script: each request gets the
 * next scripted reply (a stream of SSE events, an error status, or a stall) and is recorded with its
 * path, query, headers and body. Listens on 127.0.0.1 only, on a free port; over TLS when given a context.
 */
public final class FakeChatServer implements AutoCloseable {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** A scripted answer. */
    public sealed interface Reply {
    }

    /** 200 with these SSE data payloads, then {@code data: [DONE]} when {@code done}; then, when {@code stallAtEnd}, silence. */
    public record Sse(List<String> events, boolean done, boolean stallAtEnd) implements Reply {
    }

    /** An error answer. */
    public record Status(int status, Map<String, String> headers, String body) implements Reply {
    }

    /** 200 with these SSE data payloads and {@code [DONE]}, each after a pause of {@code gap}. */
    public record SlowSse(List<String> events, Duration gap) implements Reply {
    }

    /** Accepts the request and never answers. */
    public record Stall() implements Reply {
    }

    /** A request as the server saw it; header names in lower case. */
    public record Recorded(String method, String path, String query, Map<String, List<String>> headers, String body) {
        public String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        public JsonNode json() {
            try {
                return MAPPER.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("request body is not JSON: " + body, e);
            }
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "fake-chat-server");
        thread.setDaemon(true);
        return thread;
    });
    private final BlockingQueue<Reply> replies = new LinkedBlockingQueue<>();
    private final BlockingQueue<Recorded> recorded = new LinkedBlockingQueue<>();
    private volatile java.util.concurrent.CountDownLatch gate;
    private volatile boolean gateTimedOut;
    private final java.util.concurrent.CountDownLatch clientLeft = new java.util.concurrent.CountDownLatch(1);

    private FakeChatServer(HttpServer server) {
        this.server = server;
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    public static FakeChatServer http() throws IOException {
        return new FakeChatServer(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0));
    }

    public static FakeChatServer https(SSLContext tls) throws IOException {
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        return new FakeChatServer(server);
    }

    public URI baseUrl() {
        String scheme = server instanceof HttpsServer ? "https" : "http";
        return URI.create(scheme + "://127.0.0.1:" + server.getAddress().getPort());
    }

    public FakeChatServer reply(Reply reply) {
        replies.add(reply);
        return this;
    }

    public FakeChatServer stream(String... events) {
        return reply(new Sse(List.of(events), true, false));
    }

    public FakeChatServer status(int status, Map<String, String> headers, String body) {
        return reply(new Status(status, headers, body));
    }

    /**
     * Holds every answer until {@code requests} requests are in at once: a client that waited for
     * one answer before sending the next request could never get them all answered.
     */
    public FakeChatServer holdAnswersUntil(int requests) {
        gate = new java.util.concurrent.CountDownLatch(requests);
        return this;
    }

    /** Whether a client closed its connection while a slow stream was still being written, within the wait. */
    public boolean clientLeftMidStream(Duration wait) throws InterruptedException {
        return clientLeft.await(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Whether a held answer gave up waiting for the others' requests. */
    public boolean gateTimedOut() {
        return gateTimedOut;
    }

    /** The next request the server received (waits a little for it). */
    public Recorded take() throws InterruptedException {
        Recorded next = recorded.poll(10, TimeUnit.SECONDS);
        if (next == null) {
            throw new AssertionError("the server received no request");
        }
        return next;
    }

    public int received() {
        return recorded.size();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Map<String, List<String>> headers = new TreeMap<>();
        exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), List.copyOf(values)));
        recorded.add(new Recorded(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                exchange.getRequestURI().getRawQuery(), headers, body));
        Reply reply = replies.poll();
        java.util.concurrent.CountDownLatch held = gate;
        if (held != null) {
            held.countDown();
            try {
                gateTimedOut |= !held.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException closed) {
                Thread.currentThread().interrupt();
            }
        }
        try (exchange) {
            if (reply == null) {
                send(exchange, 500, Map.of(), "{\"error\":{\"message\":\"no scripted reply left\"}}");
            } else if (reply instanceof Status status) {
                send(exchange, status.status(), status.headers(), status.body());
            } else if (reply instanceof Sse sse) {
                stream(exchange, sse);
            } else if (reply instanceof SlowSse slow) {
                try {
                    slowStream(exchange, slow);
                } catch (IOException gone) {
                    clientLeft.countDown();
                }
            } else {
                stall();
            }
        }
    }

    private static void send(HttpExchange exchange, int status, Map<String, String> headers, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        headers.forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
        }
    }

    private static void stream(HttpExchange exchange, Sse sse) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        List<String> events = new ArrayList<>(sse.events());
        if (sse.done()) {
            events.add("[DONE]");
        }
        for (String event : events) {
            out.write(("data: " + event + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
        if (sse.stallAtEnd()) {
            stall();
        }
    }

    private static void slowStream(HttpExchange exchange, SlowSse slow) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        List<String> events = new ArrayList<>(slow.events());
        events.add("[DONE]");
        for (String event : events) {
            try {
                Thread.sleep(slow.gap().toMillis());
            } catch (InterruptedException closed) {
                Thread.currentThread().interrupt();
                return;
            }
            out.write(("data: " + event + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    private static void stall() {
        try {
            Thread.sleep(Duration.ofSeconds(30).toMillis());
        } catch (InterruptedException closed) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}

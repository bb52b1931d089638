package ai.mozaiks.devhost.webpubsub;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * An upstream event handler (a JDK HttpServer) that records every request, answers the abuse
 * protection handshake, and answers each event as the test says (204 by default).
 */
final class EventHandlerStub implements AutoCloseable {
    record Request(String method, String path, Headers headers, byte[] body) {
        String header(String name) {
            return headers.getFirst(name);
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    record Response(int status, String contentType, String body, Map<String, String> headers) {
        static Response empty(int status) {
            return new Response(status, null, "", Map.of());
        }

        static Response of(String contentType, String body) {
            return new Response(200, contentType, body, Map.of());
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();
    private final Map<String, Function<Request, Response>> answers = new ConcurrentHashMap<>();
    private volatile String allowedOrigin = "*";

    EventHandlerStub() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** The URL template for the emulator: one path per event. */
    String urlTemplate() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/upstream/{hub}/{event}";
    }

    /** How to answer {@code ce-eventName} (204 when not told). */
    void answer(String eventName, Function<Request, Response> answer) {
        answers.put(eventName, answer);
    }

    /** The origin the OPTIONS handshake allows ({@code null}: leave the header out). */
    void allowOrigin(String origin) {
        allowedOrigin = origin;
    }

    /** The next request; fails the test if none arrives in time. */
    Request next() throws InterruptedException {
        Request request = requests.poll(TestSocket.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(request, "no upstream request within " + TestSocket.WAIT.toSeconds() + " s");
        return request;
    }

    /** The next POSTed event named {@code eventName}, skipping others (and OPTIONS). */
    Request next(String eventName) throws InterruptedException {
        while (true) {
            Request request = next();
            if (request.method().equals("POST") && eventName.equals(request.header("ce-eventName"))) {
                return request;
            }
        }
    }

    /** The next POSTed event named {@code eventName} about {@code connectionId}, skipping others. */
    Request next(String eventName, String connectionId) throws InterruptedException {
        while (true) {
            Request request = next(eventName);
            if (connectionId.equals(request.header("ce-connectionId"))) {
                return request;
            }
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Request request = new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    exchange.getRequestHeaders(), exchange.getRequestBody().readAllBytes());
            requests.add(request);
            if (request.method().equals("OPTIONS")) {
                if (allowedOrigin != null) {
                    exchange.getResponseHeaders().set("WebHook-Allowed-Origin", allowedOrigin);
                }
                exchange.sendResponseHeaders(200, -1);
                return;
            }
            Response response = answers.getOrDefault(request.header("ce-eventName"), any -> Response.empty(204)).apply(request);
            response.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
            if (response.contentType() != null) {
                exchange.getResponseHeaders().set("Content-Type", response.contentType());
            }
            byte[] body = response.body().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(response.status(), body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                exchange.getResponseBody().write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}

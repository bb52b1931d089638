package ai.mozaiks.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A loopback HTTP proxy in front of Azurite's queue endpoint that counts the storage transactions passing through it
 * (each request is one billed queue transaction) by kind, and tells {@code onDelivered} the body of every queue message
 * a receive hands out, when the answer passes: the moment a step message reaches an instance. The platform is given a
 * connection string whose queue endpoint is the proxy's; Azurite's shared-key signatures cover the path and the headers
 * forwarded unchanged, not the port.
 */
final class QueueCountingProxy implements AutoCloseable {
    /**
     * Headers the JDK client and server set themselves (and the client refuses to be given). Not the Date header: the SDK
     * signs it.
     */
    private static final Set<String> RESTRICTED = Set.of("connection", "content-length", "expect", "host", "upgrade",
            "transfer-encoding", "keep-alive");
    private static final Pattern MESSAGE_TEXT = Pattern.compile("<MessageText>([^<]*)</MessageText>");

    private final HttpServer server;
    private final ExecutorService threads;
    private final URI target;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final BiConsumer<String, Long> onDelivered;

    private QueueCountingProxy(HttpServer server, ExecutorService threads, URI target, BiConsumer<String, Long> onDelivered) {
        this.server = server;
        this.threads = threads;
        this.target = target;
        this.onDelivered = onDelivered;
    }

    /**
     * Listens on 127.0.0.1, a free port, forwarding to {@code queuePort}; {@code onDelivered} gets each delivered message's
     * decoded text and the {@link System#nanoTime()} its answer passed at.
     */
    static QueueCountingProxy start(int queuePort, BiConsumer<String, Long> onDelivered) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        ExecutorService threads = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "queue-proxy");
            thread.setDaemon(true);
            return thread;
        });
        QueueCountingProxy proxy = new QueueCountingProxy(server, threads, URI.create("http://127.0.0.1:" + queuePort), onDelivered);
        server.createContext("/", proxy::forward);
        server.setExecutor(threads);
        server.start();
        return proxy;
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** Azurite's connection string with the queue endpoint moved to this proxy. */
    String connectionString(String azurite) {
        return azurite.replaceFirst("QueueEndpoint=http://[^/;]+/", "QueueEndpoint=http://127.0.0.1:" + port() + "/");
    }

    /** Transactions since the last take, by kind ({@code receive}, {@code send}, {@code delete}, ...), resetting them. */
    Map<String, Integer> take() {
        Map<String, Integer> taken = new TreeMap<>();
        counts.forEach((kind, count) -> {
            int n = count.getAndSet(0);
            if (n > 0) {
                taken.put(kind, n);
            }
        });
        return taken;
    }

    private void forward(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            URI uri = exchange.getRequestURI();
            byte[] body = exchange.getRequestBody().readAllBytes();
            counts.computeIfAbsent(kind(method, uri), key -> new AtomicInteger()).incrementAndGet();
            HttpRequest.Builder request = HttpRequest.newBuilder(target.resolve(uri.getRawPath()
                    + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()))).timeout(Duration.ofSeconds(60));
            exchange.getRequestHeaders().forEach((name, values) -> {
                if (!RESTRICTED.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                    values.forEach(value -> request.header(name, value));
                }
            });
            request.method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
            HttpResponse<byte[]> response;
            try {
                response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                exchange.sendResponseHeaders(502, -1);
                return;
            }
            response.headers().map().forEach((name, values) -> {
                String lower = name.toLowerCase(java.util.Locale.ROOT);
                if (!RESTRICTED.contains(lower) && !lower.equals("date") && !name.startsWith(":")) {
                    exchange.getResponseHeaders().put(name, List.copyOf(values));
                }
            });
            byte[] answer = response.body();
            if (method.equals("GET") && uri.getRawPath().endsWith("/messages") && answer.length > 0) {
                delivered(new String(answer, StandardCharsets.UTF_8), uri.getRawQuery());
            }
            boolean noBody = answer.length == 0 || method.equals("HEAD");
            exchange.sendResponseHeaders(response.statusCode(), noBody ? -1 : answer.length);
            if (!noBody) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(answer);
                }
            }
        }
    }

    /** A receive's messages (a peek hands nothing out). */
    private void delivered(String xml, String query) {
        if (query != null && query.contains("peekonly=true")) {
            return;
        }
        long at = System.nanoTime();
        Matcher texts = MESSAGE_TEXT.matcher(xml);
        while (texts.find()) {
            String text = texts.group(1);
            try {
                text = new String(Base64.getDecoder().decode(text), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException notBase64) {
                // kept as it is
            }
            onDelivered.accept(text, at);
        }
    }

    /** What a request is, as storage bills it: one transaction each. */
    private static String kind(String method, URI uri) {
        boolean messages = uri.getRawPath().endsWith("/messages") || uri.getRawPath().contains("/messages/");
        if (!messages) {
            return method + " queue";
        }
        String query = uri.getRawQuery() == null ? "" : uri.getRawQuery();
        return switch (method) {
            case "GET" -> query.contains("peekonly=true") ? "peek" : "receive";
            case "POST" -> "send";
            case "DELETE" -> uri.getRawPath().endsWith("/messages") ? "clear" : "delete";
            case "PUT" -> "update";
            default -> method + " messages";
        };
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}

package ai.mozaiks.identity;

import com.nimbusds.jose.jwk.JWKSet;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP identity provider endpoint on 127.0.0.1: an OIDC discovery document and JWKS
 * documents the test publishes, with a count of requests per path. The test can make it fail or
 * hold answers until released.
 */
final class LocalIdentityProvider implements AutoCloseable {
    static final String DISCOVERY = "/.well-known/openid-configuration";
    static final String JWKS = "/jwks";

    private final HttpServer server;
    private final Map<String, String> documents = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
    private volatile int failWith;
    private volatile CountDownLatch hold = new CountDownLatch(0);

    LocalIdentityProvider() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.createContext("/", this::answer);
        server.setExecutor(Executors.newCachedThreadPool());
        server.start();
        discovery(issuer(), jwksUri().toString());
    }

    String issuer() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    URI jwksUri() {
        return uri(JWKS);
    }

    URI uri(String path) {
        return URI.create(issuer() + path);
    }

    /** Publishes the public half of {@code keys} at {@code path}. */
    void publish(String path, JWKSet keys) {
        documents.put(path, keys.toPublicJWKSet().toString());
    }

    void publish(JWKSet keys) {
        publish(JWKS, keys);
    }

    void serve(String path, String body) {
        documents.put(path, body);
    }

    void discovery(String issuer, String jwksUri) {
        documents.put(DISCOVERY, "{\"issuer\":\"" + issuer + "\",\"jwks_uri\":\"" + jwksUri + "\"}");
    }

    /** From now on every request is answered with this status (0: answer normally). */
    void failWith(int status) {
        failWith = status;
    }

    /** Answers wait until the returned latch is counted down. */
    CountDownLatch holdAnswers() {
        CountDownLatch latch = new CountDownLatch(1);
        hold = latch;
        return latch;
    }

    int requests(String path) {
        AtomicInteger count = requests.get(path);
        return count == null ? 0 : count.get();
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            requests.computeIfAbsent(path, any -> new AtomicInteger()).incrementAndGet();
            try {
                hold.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            String body = documents.get(path);
            int status = failWith != 0 ? failWith : body == null ? 404 : 200;
            byte[] bytes = (status == 200 ? body : "{\"error\":\"" + status + "\"}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
        }
    }

    @Override
    public void close() {
        hold.countDown();
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}

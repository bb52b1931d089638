package ai.mozaiks.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The outbound client against a real HTTP server on 127.0.0.1. Host names are answered by a resolver the
 * test controls, so a name can resolve to loopback (or change its answer) without any DNS.
 */
class OutboundClientIT {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final OutboundClient.Rules PRODUCTION = rules(false, Duration.ofSeconds(10), Duration.ofSeconds(10), 1024);
    private static final OutboundClient.Rules LOCAL = rules(true, Duration.ofSeconds(10), Duration.ofSeconds(10), 1024);

    private HttpServer server;
    /** The path and Host header of every request the server got. */
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private final AtomicInteger lookups = new AtomicInteger();

    private static OutboundClient.Rules rules(boolean privateNetworks, Duration answer, Duration total, int maxBytes) {
        return new OutboundClient.Rules(privateNetworks, Duration.ofSeconds(5), answer, total, maxBytes);
    }

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/hello", exchange -> answer(exchange, 200, "hello"));
        server.createContext("/moved", exchange -> {
            exchange.getResponseHeaders().add("Location", url("/hello").toString());
            answer(exchange, 302, "");
        });
        server.createContext("/big", exchange -> answer(exchange, 200, "x".repeat(5000)));
        server.createContext("/big-chunked", exchange -> {
            record(exchange);
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream body = exchange.getResponseBody()) {
                for (int i = 0; i < 50; i++) {
                    body.write("x".repeat(100).getBytes(StandardCharsets.UTF_8));
                    body.flush();
                }
            } catch (IOException closedByClient) {
                // the client stops reading past its limit
            }
        });
        server.createContext("/trickle", exchange -> {
            record(exchange);
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream body = exchange.getResponseBody()) {
                for (int i = 0; i < 50; i++) {
                    body.write('x');
                    body.flush();
                    Thread.sleep(100);
                }
            } catch (IOException | InterruptedException closedByClient) {
                // the client gives up at its deadline
            }
        });
        server.createContext("/silent", exchange -> {
            record(exchange);
            try {
                Thread.sleep(3000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void record(HttpExchange exchange) {
        seen.add(exchange.getRequestURI().getPath() + " " + exchange.getRequestHeaders().getFirst("Host"));
    }

    private void answer(HttpExchange exchange, int status, String body) throws IOException {
        record(exchange);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
        }
        exchange.close();
    }

    private int port() {
        return server.getAddress().getPort();
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + port() + path);
    }

    /** A resolver that answers {@code first} once, then {@code later} to every further lookup. */
    private HostResolver resolving(String first, String later) {
        return host -> {
            String answer = lookups.getAndIncrement() == 0 ? first : later;
            return new InetAddress[] {InetAddress.getByName(answer)};
        };
    }

    private static OutboundClient.Response get(OutboundClient client, URI uri, OutboundClient.Rules rules) {
        return client.send(new OutboundClient.Request("GET", uri, Map.of(), null), rules).block(WAIT);
    }

    private static OutboundException refused(OutboundClient client, URI uri, OutboundClient.Rules rules) {
        return assertThrows(OutboundException.class, () -> get(client, uri, rules));
    }

    @Test
    void aNameThatResolvesToLoopbackIsRefusedBeforeAnyRequest() {
        OutboundClient client = new OutboundClient(resolving("127.0.0.1", "127.0.0.1"));

        OutboundException error = refused(client, URI.create("http://tools.example:" + port() + "/hello"), PRODUCTION);

        assertEquals(OutboundException.Reason.REFUSED, error.reason());
        assertEquals("a loopback address", error.range().orElseThrow().name());
        assertEquals(1, lookups.get());
        assertEquals(List.of(), seen);
    }

    @Test
    void oneRefusedAddressAmongSeveralRefusesTheHost() {
        OutboundClient client = new OutboundClient(host -> new InetAddress[] {
                InetAddress.getByName("8.8.8.8"), InetAddress.getByName("168.63.129.16")});

        OutboundException error = refused(client, URI.create("http://mixed.example/"), PRODUCTION);

        assertEquals("the Azure host endpoint", error.range().orElseThrow().name());
    }

    @Test
    void aLiteralAddressInTheUrlIsVettedWithoutALookup() {
        OutboundClient client = new OutboundClient(resolving("8.8.8.8", "8.8.8.8"));

        assertEquals(OutboundException.Reason.REFUSED, refused(client, url("/hello"), PRODUCTION).reason());
        assertEquals(OutboundException.Reason.REFUSED, refused(client, URI.create("http://[64:ff9b::7f00:1]:" + port() + "/"), LOCAL).reason());
        assertEquals(OutboundException.Reason.REFUSED, refused(client, URI.create("http://[::ffff:a9fe:a9fe]/"), LOCAL).reason());
        assertEquals(0, lookups.get());
        assertEquals(List.of(), seen);
    }

    @Test
    void legacyIpv4SpellingsAreJudgedByTheAddressTheyResolveTo() {
        OutboundClient client = new OutboundClient(HostResolver.system());

        OutboundException decimal = refused(client, URI.create("http://2130706433:" + port() + "/hello"), PRODUCTION);
        OutboundException shortened = refused(client, URI.create("http://127.1:" + port() + "/hello"), PRODUCTION);

        assertEquals("a loopback address", decimal.range().orElseThrow().name());
        assertEquals(OutboundException.Reason.BAD_URL, shortened.reason(), "java.net.URI finds no host in it");
        assertEquals(List.of(), seen);
    }

    @Test
    void theConnectionGoesToTheOneVettedAddressEvenIfTheNameWouldNowResolveElsewhere() {
        // Resolving again would give 127.0.0.2, where nothing listens: only a pinned connection reaches the server.
        OutboundClient client = new OutboundClient(resolving("127.0.0.1", "127.0.0.2"));

        OutboundClient.Response response = get(client, URI.create("http://tools.example:" + port() + "/hello"), LOCAL);

        assertEquals(200, response.status());
        assertEquals("hello", response.text());
        assertEquals(1, lookups.get(), "the host is resolved once");
        assertEquals(List.of("/hello tools.example:" + port()), seen, "the request names the host, not the address");
    }

    @Test
    void aRedirectComesBackToTheCallerAndIsNotFollowed() {
        OutboundClient client = new OutboundClient(HostResolver.system());

        OutboundClient.Response response = get(client, url("/moved"), LOCAL);

        assertEquals(302, response.status());
        assertEquals(List.of("/moved 127.0.0.1:" + port()), seen);
    }

    @Test
    void aTricklingBodyHitsTheWholeExchangeDeadline() {
        OutboundClient client = new OutboundClient(HostResolver.system());
        long started = System.nanoTime();

        OutboundException error = refused(client, url("/trickle"), rules(true, Duration.ofSeconds(2), Duration.ofSeconds(1), 1024));

        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertEquals(OutboundException.Reason.TIMEOUT, error.reason());
        assertTrue(took.compareTo(Duration.ofMillis(900)) >= 0 && took.compareTo(Duration.ofMillis(2500)) < 0, took.toString());
    }

    @Test
    void aSilentServerHitsTheAnswerDeadline() {
        OutboundClient client = new OutboundClient(HostResolver.system());
        long started = System.nanoTime();

        OutboundException error = refused(client, url("/silent"), rules(true, Duration.ofMillis(300), Duration.ofSeconds(10), 1024));

        assertEquals(OutboundException.Reason.TIMEOUT, error.reason());
        assertTrue(Duration.ofNanos(System.nanoTime() - started).compareTo(Duration.ofSeconds(2)) < 0);
    }

    @Test
    void anOversizedBodyIsRefusedWhetherItsLengthIsDeclaredOrNot() {
        OutboundClient client = new OutboundClient(HostResolver.system());

        assertEquals(OutboundException.Reason.TOO_LARGE, refused(client, url("/big"), LOCAL).reason());
        assertEquals(OutboundException.Reason.TOO_LARGE, refused(client, url("/big-chunked"), LOCAL).reason());
        assertEquals(5000, get(client, url("/big"), rules(true, Duration.ofSeconds(10), Duration.ofSeconds(10), 5000)).body().length);
    }

    @Test
    void anUnknownHostAndAnythingButHttpAreRefused() {
        OutboundClient client = new OutboundClient(host -> {
            throw new UnknownHostException(host);
        });

        assertEquals(OutboundException.Reason.UNKNOWN_HOST, refused(client, URI.create("http://nowhere.example/"), LOCAL).reason());
        assertEquals(OutboundException.Reason.BAD_URL, refused(client, URI.create("file:///etc/passwd"), LOCAL).reason());
        assertEquals(OutboundException.Reason.BAD_URL, refused(client, URI.create("ftp://127.0.0.1/"), LOCAL).reason());
    }
}

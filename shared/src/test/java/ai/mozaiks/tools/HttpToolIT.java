package ai.mozaiks.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.config.ToolSettings;
import ai.mozaiks.engine.ToolInvocation;
import ai.mozaiks.engine.ToolRegistry;
import ai.mozaiks.http.Json;
import ai.mozaiks.models.ToolCall;
import ai.mozaiks.outbound.AddressRanges;
import ai.mozaiks.outbound.HostResolver;
import ai.mozaiks.outbound.OutboundClient;
import ai.mozaiks.workflows.manifest.ToolImplementation;
import ai.mozaiks.workflows.manifest.ToolSpec;
import ai.mozaiks.workflows.manifest.ToolType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** HTTP tools against a real local HTTP server: what is sent, what comes back, and every way it can fail. */
class HttpToolIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ToolSettings LOCAL = new ToolSettings(Duration.ofSeconds(1), 1024, true);
    /** For calls that must succeed: room for the first request of the JVM, which loads the HTTP stack. */
    private static final ToolSettings PATIENT = new ToolSettings(Duration.ofSeconds(10), 1024, true);

    /** What the server saw of one request. */
    record Seen(String method, URI uri, Map<String, List<String>> headers, String body) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    private HttpServer server;
    private final BlockingQueue<Seen> seen = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/lookup", exchange -> answer(exchange, 200, "application/json", "{\"meaning\":\"the rise and fall of the sea\"}"));
        server.createContext("/text", exchange -> answer(exchange, 200, "text/plain", "low tide at 14:05"));
        server.createContext("/broken", exchange -> answer(exchange, 503, "text/plain", "maintenance until noon"));
        server.createContext("/moved", exchange -> {
            exchange.getResponseHeaders().add("Location", "http://169.254.169.254/latest/meta-data/");
            answer(exchange, 302, "text/plain", "");
        });
        server.createContext("/deep", exchange -> answer(exchange, 200, "application/json", "[".repeat(80) + "]".repeat(80)));
        server.createContext("/huge", exchange -> answer(exchange, 200, "application/json", "\"" + "x".repeat(5000) + "\""));
        server.createContext("/slow", exchange -> {
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

    private void record(HttpExchange exchange) throws IOException {
        seen.add(new Seen(exchange.getRequestMethod(), exchange.getRequestURI(), Map.copyOf(exchange.getRequestHeaders()),
                new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
    }

    private void answer(HttpExchange exchange, int status, String type, String body) throws IOException {
        record(exchange);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
        }
        exchange.close();
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    private static ToolInvocation invocation(ToolImplementation.Http endpoint, String argumentsJson) {
        ToolSpec spec = new ToolSpec("lookup", Optional.of("Writer"), Optional.empty(), ToolType.AGENT_TOOL, false,
                Optional.empty(), Optional.of(endpoint), Optional.empty());
        ObjectNode arguments = (ObjectNode) Json.read(argumentsJson);
        return new ToolInvocation("app_1", "chat_1", 7, "Writer", spec, new ToolCall("call_9", "lookup", arguments), 2, Map.of());
    }

    private JsonNode call(ToolSettings settings, String method, String path, String argumentsJson) {
        ToolImplementation.Http endpoint = new ToolImplementation.Http(url(path), method);
        ToolRegistry registry = ToolRegistry.of(Map.of(), new HttpTool(new OutboundClient(HostResolver.system()), settings));
        return registry.call(invocation(endpoint, argumentsJson)).block(WAIT);
    }

    private Seen next() throws InterruptedException {
        Seen request = seen.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertTrue(request != null, "the tool's server got no request");
        return request;
    }

    @Test
    void aPostSendsTheArgumentsAsJsonWithWhoCallsAndReturnsTheJsonAnswer() throws Exception {
        JsonNode result = call(PATIENT, "POST", "/lookup", "{\"word\":\"tide\",\"lang\":\"en\"}");

        assertEquals("the rise and fall of the sea", result.path("meaning").asText());
        Seen request = next();
        assertEquals("POST", request.method());
        assertEquals(Json.read("{\"word\":\"tide\",\"lang\":\"en\"}"), Json.read(request.body()));
        assertEquals("application/json", request.header("Content-Type"));
        assertEquals("app_1", request.header("X-Mozaiks-App-Id"));
        assertEquals("chat_1", request.header("X-Mozaiks-Chat-Id"));
        assertEquals("Writer", request.header("X-Mozaiks-Agent"));
        assertEquals("app_1:chat_1:7:2", request.header("Idempotency-Key"), "app, chat, step and the call's index: stable across attempts");
    }

    @Test
    void aGetSendsTheArgumentsAsQueryParametersAndATextAnswerIsText() throws Exception {
        JsonNode result = call(PATIENT, "GET", "/text", "{\"harbour\":\"St Ives & Co\",\"days\":2,\"tags\":[\"a\"]}");

        assertEquals("low tide at 14:05", result.asText());
        Seen request = next();
        assertEquals("GET", request.method());
        assertEquals("harbour=St+Ives+%26+Co&days=2&tags=%5B%22a%22%5D", request.uri().getRawQuery());
        assertEquals("", request.body());
    }

    @Test
    void jsonNestedPastTheReadersLimitIsAnErrorNotText() {
        JsonNode result = call(PATIENT, "POST", "/deep", "{}");

        assertEquals("the tool lookup answered JSON past the limits this platform reads (64 levels deep)", result.path("error").asText());
    }

    @Test
    void anErrorStatusBecomesAnErrorForTheModelWithTheBeginningOfTheBody() {
        JsonNode result = call(PATIENT, "POST", "/broken", "{}");

        assertEquals("the tool lookup answered HTTP 503", result.path("error").asText());
        assertEquals("maintenance until noon", result.path("detail").asText());
    }

    @Test
    void aRedirectIsNotFollowed() throws Exception {
        JsonNode result = call(PATIENT, "POST", "/moved", "{}");

        assertEquals("the tool lookup answered HTTP 302", result.path("error").asText());
        next();
        assertEquals(0, seen.size());
    }

    @Test
    void aSlowToolTimesOutAndAnOversizedAnswerIsRefused() {
        JsonNode slow = call(LOCAL, "POST", "/slow", "{}");
        JsonNode huge = call(LOCAL, "POST", "/huge", "{}");

        assertEquals("the tool lookup did not answer within 1 s", slow.path("error").asText());
        assertEquals("the tool lookup answered with more than 1 KB", huge.path("error").asText());
    }

    @Test
    void withoutPrivateNetworksALoopbackToolIsRefusedBeforeAnyRequest() {
        ToolSettings production = new ToolSettings(Duration.ofSeconds(1), 1024, false);

        JsonNode result = call(production, "POST", "/lookup", "{}");

        assertEquals("the tool's host 127.0.0.1 is on a private network, which tools may not call", result.path("error").asText());
        assertEquals(0, seen.size());
    }

    @Test
    void privateAddressesAreRecognised() throws Exception {
        for (String address : List.of("127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
                "0.0.0.0", "::1", "fd00::1", "fe80::1", "224.0.0.1")) {
            assertTrue(AddressRanges.refusal(InetAddress.getByName(address), false).isPresent(), address);
        }
        for (String address : List.of("8.8.8.8", "20.42.0.1", "100.128.0.1", "2001:4860:4860::8888")) {
            assertFalse(AddressRanges.refusal(InetAddress.getByName(address), false).isPresent(), address);
        }
    }
}

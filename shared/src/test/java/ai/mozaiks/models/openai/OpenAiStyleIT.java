package ai.mozaiks.models.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.models.ChatMessage;
import ai.mozaiks.models.ChatModel;
import ai.mozaiks.models.ChatModelScenarios;
import ai.mozaiks.models.Chunks;
import ai.mozaiks.models.FakeChatServer;
import ai.mozaiks.models.ModelException;
import ai.mozaiks.models.ModelRequest;
import ai.mozaiks.models.ModelResponse;
import ai.mozaiks.models.ToolCall;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The REST provider in OpenAI style: {@code /v1/chat/completions} with a bearer key. */
class OpenAiStyleIT extends ChatModelScenarios {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-01-01T00:00:00Z"), ZoneOffset.UTC);

    @Override
    protected FakeChatServer startServer() throws IOException {
        return FakeChatServer.http();
    }

    @Override
    protected ChatModel model(Duration readTimeout) {
        OpenAiCompatibleSettings settings = new OpenAiCompatibleSettings(URI.create(server.baseUrl() + "/v1"),
                OpenAiCompatibleSettings.ApiStyle.OPENAI, "sk-test-key", null, Duration.ofSeconds(5), readTimeout);
        return new OpenAiCompatibleModel(settings, HttpClient.newHttpClient(), CLOCK);
    }

    @Override
    protected String modelName() {
        return "gpt-4o";
    }

    @Override
    protected void assertRouted(FakeChatServer.Recorded request, String requestId) {
        assertEquals("/v1/chat/completions", request.path());
        assertNull(request.query());
        assertEquals("Bearer sk-test-key", request.header("authorization"));
        assertNull(request.header("api-key"));
        assertEquals(requestId, request.header("x-client-request-id"));
        assertEquals("text/event-stream", request.header("accept"));
        assertEquals("gpt-4o", request.json().get("model").asText());
    }

    @Test
    void aLocalServerWithoutKeyGetsNoAuthorizationAndTheDefaultVersionPath() throws Exception {
        server.stream(Chunks.text("ok"), Chunks.finish("stop"));
        ChatModel local = new OpenAiCompatibleModel(OpenAiCompatibleSettings.openAi(server.baseUrl(), null));

        ModelResponse response = local.complete(simple("req-local")).block(Duration.ofSeconds(20));

        assertEquals("ok", response.message().content());
        FakeChatServer.Recorded sent = server.take();
        assertEquals("/v1/chat/completions", sent.path());
        assertNull(sent.header("authorization"));
    }

    @Test
    void anUnreachableServerIsUnavailable() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        ChatModel nowhere = new OpenAiCompatibleModel(OpenAiCompatibleSettings.openAi(
                URI.create("http://127.0.0.1:" + closedPort + "/v1"), null));

        ModelException failure = failure(nowhere, simple("req-refused"));

        assertEquals(ModelException.Kind.UNAVAILABLE, failure.kind());
        assertEquals(0, failure.status());
    }

    @Test
    void retryAfterMayBeAnHttpDateOrMilliseconds() {
        server.status(429, Map.of("Retry-After", "Wed, 01 Jan 2025 00:00:30 GMT"), Chunks.error(429, "rate_limit_exceeded", "x"));
        server.status(429, Map.of("Retry-After", "9", "retry-after-ms", "1500"), Chunks.error(429, "rate_limit_exceeded", "x"));
        server.status(503, Map.of("Retry-After", "4"), "");

        assertEquals(Duration.ofSeconds(30), failure(model(NORMAL), simple("a")).retryAfter().orElseThrow());
        assertEquals(Duration.ofMillis(1500), failure(model(NORMAL), simple("b")).retryAfter().orElseThrow());
        ModelException unavailable = failure(model(NORMAL), simple("c"));
        assertEquals(ModelException.Kind.UNAVAILABLE, unavailable.kind());
        assertEquals(Duration.ofSeconds(4), unavailable.retryAfter().orElseThrow());
    }

    @Test
    void aStreamEventThatIsNotJsonIsAnInvalidResponse() {
        server.stream(Chunks.text("a"), "{not json", Chunks.finish("stop"));

        assertEquals(ModelException.Kind.INVALID_RESPONSE, failure(model(NORMAL), simple("req-bad-chunk")).kind());
    }

    @Test
    void toolArgumentsThatAreNotJsonAreInvalidUnlessTheTokenLimitCutThem() {
        server.stream(Chunks.toolStart(0, "call_1", "get_weather"), Chunks.toolArguments(0, "{\"city\": Par"),
                Chunks.finish("tool_calls"));
        server.stream(Chunks.toolStart(0, "call_1", "get_weather"), Chunks.toolArguments(0, "{\"city\": \"Par"),
                Chunks.finish("length"));
        ModelRequest request = ModelRequest.builder("gpt-4o").requestId("req-args")
                .message(ChatMessage.user("Weather?")).tool(weatherTool()).build();

        assertEquals(ModelException.Kind.INVALID_RESPONSE, failure(model(NORMAL), request).kind());
        ModelException cut = failure(model(NORMAL), request);
        assertEquals(ModelException.Kind.BAD_REQUEST, cut.kind());
        assertTrue(cut.getMessage().contains("token limit"), cut.getMessage());
    }

    @Test
    void anErrorInsideTheStreamIsReportedByItsKind() {
        server.stream(Chunks.text("a"), "{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}");
        server.stream("{\"error\":{\"message\":\"too many tokens\",\"code\":\"rate_limit_exceeded\"}}");

        assertEquals(ModelException.Kind.UNAVAILABLE, failure(model(NORMAL), simple("s1")).kind());
        assertEquals(ModelException.Kind.RATE_LIMITED, failure(model(NORMAL), simple("s2")).kind());
    }

    @Test
    void wholeToolCallsWithoutIndexAreTakenInOrder() {
        // As some local servers send them: each call complete in one piece, no index.
        server.stream(
                "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\","
                        + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Oslo\\\"}\"}}]}}]}",
                "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"id\":\"c2\",\"type\":\"function\","
                        + "\"function\":{\"name\":\"get_weather\",\"arguments\":{}}}]},\"finish_reason\":\"tool_calls\"}]}");
        ModelRequest request = ModelRequest.builder("llama3.2").requestId("req-ollama")
                .message(ChatMessage.user("Weather?")).tool(weatherTool()).build();

        ModelResponse response = completed(run(model(NORMAL), request));

        assertEquals(List.of(new ToolCall("c1", "get_weather", object("{\"city\":\"Oslo\"}")),
                new ToolCall("c2", "get_weather", object("{}"))), response.message().toolCalls());
        assertEquals("llama3.2", response.model());
    }
}

package ai.mozaiks.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The streaming, tool-call, structured-output and failure scenarios every real provider must pass
 * against the local chat-completions server; subclasses say how the provider is built and how its
 * requests are addressed and authenticated.
 */
public abstract class ChatModelScenarios {
    protected static final ObjectMapper MAPPER = new ObjectMapper();
    protected static final Duration NORMAL = Duration.ofSeconds(10);

    protected FakeChatServer server;

    protected abstract FakeChatServer startServer() throws Exception;

    protected abstract ChatModel model(Duration readTimeout);

    /** The model or deployment name requests use. */
    protected abstract String modelName();

    /** Path, query and authentication headers as the provider's style requires. */
    protected abstract void assertRouted(FakeChatServer.Recorded request, String requestId);

    /** Azure style: the deployment path, api-version, api-key header, no bearer, no model in the body. */
    protected static void assertAzureRouted(FakeChatServer.Recorded request, String requestId, String apiVersion, String key) {
        assertEquals("/openai/deployments/my-deployment/chat/completions", request.path());
        assertEquals("api-version=" + apiVersion, request.query());
        assertEquals(key, request.header("api-key"));
        assertNull(request.header("authorization"));
        assertEquals(requestId, request.header("x-ms-client-request-id"));
        assertFalse(request.json().has("model"));
    }

    @BeforeEach
    void startServerUnderTest() throws Exception {
        server = startServer();
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void streamsTextDeltasThenTheAssembledReplyWithUsage() throws Exception {
        server.stream(Chunks.role(), Chunks.text("Hel"), Chunks.text("lo, "), Chunks.text("wörld"),
                Chunks.finish("stop"), Chunks.usage(12, 3, 4));
        ModelRequest request = ModelRequest.builder(modelName())
                .requestId("req-text-1")
                .agent("greeter")
                .message(ChatMessage.system("Be brief."))
                .message(ChatMessage.user("Say hello"))
                .temperature(0.2)
                .maxTokens(50)
                .build();

        List<ModelEvent> events = run(model(NORMAL), request);

        assertEquals(List.of(new ModelEvent.TextDelta("Hel"), new ModelEvent.TextDelta("lo, "),
                new ModelEvent.TextDelta("wörld")), events.subList(0, 3));
        assertEquals(4, events.size());
        ModelResponse response = completed(events);
        assertEquals("Hello, wörld", response.message().content());
        assertEquals("greeter", response.message().name());
        assertTrue(response.message().toolCalls().isEmpty());
        assertEquals(FinishReason.STOP, response.finishReason());
        assertEquals(Usage.reported(12, 3, 15, 4), response.usage());
        assertEquals(Chunks.MODEL, response.model());

        FakeChatServer.Recorded sent = server.take();
        assertRouted(sent, "req-text-1");
        JsonNode body = sent.json();
        assertEquals("POST", sent.method());
        assertTrue(sent.header("content-type").startsWith("application/json"), sent.header("content-type"));
        assertTrue(body.get("stream").asBoolean());
        assertTrue(body.path("stream_options").path("include_usage").asBoolean());
        assertEquals(json("[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Say hello\"}]"),
                body.get("messages"));
        assertEquals(0.2, body.get("temperature").asDouble(), 1e-9);
        assertEquals(50, body.get("max_tokens").asInt());
        assertFalse(body.has("tools"));
        assertFalse(body.has("tool_choice"));
        assertFalse(body.has("response_format"));
    }

    @Test
    void assemblesAToolCallStreamedInFragments() throws Exception {
        server.stream(Chunks.role(), Chunks.toolStart(0, "call_abc", "get_weather"),
                Chunks.toolArguments(0, "{\"ci"), Chunks.toolArguments(0, "ty\": \"Par"), Chunks.toolArguments(0, "is\"}"),
                Chunks.finish("tool_calls"), Chunks.usage(40, 18, null));
        ModelRequest request = ModelRequest.builder(modelName())
                .requestId("req-tool-1")
                .message(ChatMessage.user("Weather in Paris?"))
                .tool(weatherTool())
                .toolChoice(ToolChoice.named("get_weather"))
                .build();

        List<ModelEvent> events = run(model(NORMAL), request);

        List<ModelEvent.ToolCallDelta> deltas = events.stream()
                .filter(ModelEvent.ToolCallDelta.class::isInstance).map(ModelEvent.ToolCallDelta.class::cast).toList();
        assertEquals(4, deltas.size());
        assertEquals("call_abc", deltas.get(0).id());
        assertEquals("get_weather", deltas.get(0).name());
        assertEquals("{\"city\": \"Paris\"}", deltas.stream().map(ModelEvent.ToolCallDelta::argumentsFragment)
                .reduce("", String::concat));
        assertTrue(deltas.stream().allMatch(delta -> delta.index() == 0));
        ModelResponse response = completed(events);
        assertEquals(FinishReason.TOOL_CALLS, response.finishReason());
        assertNull(response.message().content());
        assertEquals(List.of(new ToolCall("call_abc", "get_weather", object("{\"city\":\"Paris\"}"))),
                response.message().toolCalls());
        assertEquals(Usage.reported(40, 18, 58, null), response.usage());

        JsonNode body = server.take().json();
        assertEquals(json("[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                + "\"description\":\"Current weather of a city\",\"parameters\":" + weatherTool().parameters() + "}}]"),
                body.get("tools"));
        assertEquals(json("{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}"), body.get("tool_choice"));
    }

    @Test
    void assemblesParallelToolCallsAndSendsToolHistoryBack() throws Exception {
        server.stream(Chunks.role(),
                Chunks.toolStart(0, "call_1", "get_weather"), Chunks.toolArguments(0, "{\"city\":"),
                Chunks.toolArguments(0, "\"Oslo\"}"),
                Chunks.toolStart(1, "call_2", "get_weather"), Chunks.toolArguments(1, "{\"city\":"),
                Chunks.toolArguments(1, "\"Rome\"}"),
                Chunks.finish("tool_calls"), Chunks.usage(90, 30, 64));
        ToolCall earlier = new ToolCall("call_0", "get_weather", object("{\"city\":\"Lima\"}"));
        ModelRequest request = ModelRequest.builder(modelName())
                .requestId("req-tool-2")
                .message(ChatMessage.user("Lima, then Oslo and Rome"))
                .message(ChatMessage.assistant(null, List.of(earlier)))
                .message(ChatMessage.tool("call_0", "{\"temp_c\":19}"))
                .tool(weatherTool())
                .toolChoice(ToolChoice.REQUIRED)
                .build();

        ModelResponse response = completed(run(model(NORMAL), request));

        assertEquals(List.of(new ToolCall("call_1", "get_weather", object("{\"city\":\"Oslo\"}")),
                new ToolCall("call_2", "get_weather", object("{\"city\":\"Rome\"}"))), response.message().toolCalls());
        assertEquals(Usage.reported(90, 30, 120, 64), response.usage());

        JsonNode messages = server.take().json().get("messages");
        JsonNode assistant = messages.get(1);
        assertEquals("assistant", assistant.get("role").asText());
        JsonNode call = assistant.get("tool_calls").get(0);
        assertEquals("call_0", call.get("id").asText());
        assertEquals("function", call.get("type").asText());
        assertEquals("get_weather", call.path("function").get("name").asText());
        // Arguments travel as JSON text, as the API wants.
        assertTrue(call.path("function").get("arguments").isTextual());
        assertEquals(object("{\"city\":\"Lima\"}"), json(call.path("function").get("arguments").asText()));
        assertEquals(json("{\"role\":\"tool\",\"tool_call_id\":\"call_0\",\"content\":\"{\\\"temp_c\\\":19}\"}"),
                messages.get(2));
    }

    @Test
    void asksForAJsonSchemaResponseAndReturnsTheObject() throws Exception {
        server.stream(Chunks.role(), Chunks.text("{\"title\":"), Chunks.text("\"Tides\",\"points\""),
                Chunks.text(":[\"moon\"]}"), Chunks.finish("stop"), Chunks.usage(30, 9, null));
        ObjectNode schema = object("{\"type\":\"object\",\"properties\":{\"title\":{\"type\":\"string\"},"
                + "\"points\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}},"
                + "\"required\":[\"title\",\"points\"],\"additionalProperties\":false}");
        ModelRequest request = ModelRequest.builder(modelName())
                .requestId("req-json-1")
                .message(ChatMessage.user("Summarise tides"))
                .responseFormat(new ResponseFormat("summary", schema, true))
                .build();

        ModelResponse response = model(NORMAL).complete(request).block(Duration.ofSeconds(20));

        assertEquals(object("{\"title\":\"Tides\",\"points\":[\"moon\"]}"), json(response.message().content()));
        JsonNode format = server.take().json().get("response_format");
        assertEquals("json_schema", format.get("type").asText());
        assertEquals("summary", format.path("json_schema").get("name").asText());
        assertTrue(format.path("json_schema").get("strict").asBoolean());
        assertEquals(schema, format.path("json_schema").get("schema"));
    }

    @Test
    void rateLimitIsRetryableWithTheServersRetryAfter() {
        server.status(429, Map.of("Retry-After", "7"), Chunks.error(429, "rate_limit_exceeded", "Slow down"));

        ModelException failure = failure(model(NORMAL), simple("req-429"));

        assertEquals(ModelException.Kind.RATE_LIMITED, failure.kind());
        assertEquals(429, failure.status());
        assertEquals(Duration.ofSeconds(7), failure.retryAfter().orElseThrow());
        assertTrue(failure.retryable());
        assertEquals("req-429", failure.requestId());
    }

    @Test
    void refusedCredentialsAreAnAuthFailure() {
        server.status(401, Map.of(), Chunks.error(401, "invalid_api_key", "Incorrect API key provided"));

        ModelException failure = failure(model(NORMAL), simple("req-401"));

        assertEquals(ModelException.Kind.AUTH, failure.kind());
        assertFalse(failure.retryable());
    }

    @Test
    void aRejectedRequestCarriesTheProvidersCodeAndMessage() {
        server.status(400, Map.of(), Chunks.error(400, "context_length_exceeded",
                "This model's maximum context length is 128000 tokens."));

        ModelException failure = failure(model(NORMAL), simple("req-400"));

        assertEquals(ModelException.Kind.BAD_REQUEST, failure.kind());
        assertEquals("context_length_exceeded", failure.code().orElseThrow());
        assertTrue(failure.getMessage().contains("maximum context length is 128000"), failure.getMessage());
        assertFalse(failure.retryable());
    }

    @Test
    void aServerErrorIsUnavailable() {
        server.status(500, Map.of(), "{\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\"}}");

        ModelException failure = failure(model(NORMAL), simple("req-500"));

        assertEquals(ModelException.Kind.UNAVAILABLE, failure.kind());
        assertEquals(500, failure.status());
        assertTrue(failure.retryable());
    }

    @Test
    void aServerThatNeverAnswersTimesOut() {
        server.reply(new FakeChatServer.Stall());

        ModelException failure = failure(model(Duration.ofMillis(600)), simple("req-stall"));

        assertEquals(ModelException.Kind.TIMEOUT, failure.kind());
        assertTrue(failure.retryable());
    }

    @Test
    void aStreamThatStallsMidwayTimesOut() {
        server.reply(new FakeChatServer.Sse(List.of(Chunks.role(), Chunks.text("Half a")), false, true));

        ModelException failure = failure(model(Duration.ofMillis(600)), simple("req-stall-2"));

        assertEquals(ModelException.Kind.TIMEOUT, failure.kind());
    }

    @Test
    void theReadTimeoutBoundsEachPauseNotTheWholeReply() {
        // Nine pieces 200 ms apart: 1.8 s in all, longer than the 1.5 s read timeout, never silent that long.
        server.reply(new FakeChatServer.SlowSse(List.of(Chunks.role(), Chunks.text("a"), Chunks.text("b"),
                Chunks.text("c"), Chunks.text("d"), Chunks.text("e"), Chunks.text("f"), Chunks.finish("stop")),
                Duration.ofMillis(200)));

        ModelResponse response = completed(run(model(Duration.ofMillis(1500)), simple("req-slow")));

        assertEquals("abcdef", response.message().content());
    }

    @Test
    void cancellingAStreamClosesTheConnectionSoTheProviderStopsGenerating() throws Exception {
        List<String> many = new java.util.ArrayList<>();
        for (int i = 0; i < 100; i++) {
            many.add(Chunks.text("token" + i + " "));
        }
        server.reply(new FakeChatServer.SlowSse(many, Duration.ofMillis(50)));

        List<ModelEvent> firstTwo = model(NORMAL).stream(simple("req-cancel")).take(2).collectList()
                .block(Duration.ofSeconds(20));

        assertEquals(List.of(new ModelEvent.TextDelta("token0 "), new ModelEvent.TextDelta("token1 ")), firstTwo);
        assertTrue(server.clientLeftMidStream(Duration.ofSeconds(4)), "the connection stayed open after the cancel");
    }

    @Test
    void aStreamCutBeforeTheModelFinishedIsUnavailable() {
        server.reply(new FakeChatServer.Sse(List.of(Chunks.role(), Chunks.text("Half a")), false, false));

        ModelException failure = failure(model(NORMAL), simple("req-cut"));

        assertEquals(ModelException.Kind.UNAVAILABLE, failure.kind());
    }

    @Test
    void withoutReportedUsageTheUsageIsEstimated() {
        server.stream(Chunks.role(), Chunks.text("Twelve chars"), Chunks.finish("stop"));

        ModelResponse response = completed(run(model(NORMAL), simple("req-no-usage")));

        assertTrue(response.usage().estimated());
        assertEquals(3, response.usage().completionTokens());
        assertEquals(TokenEstimate.ofPrompt(simple("req-no-usage")), response.usage().promptTokens());
    }

    @Test
    void callsWaitWithoutHoldingTheThreadThatStartedThem() {
        int calls = 12;
        server.holdAnswersUntil(calls);
        for (int i = 0; i < calls; i++) {
            server.stream(Chunks.text("ok"), Chunks.finish("stop"), Chunks.usage(1, 1, null));
        }
        ChatModel model = model(NORMAL);
        reactor.core.scheduler.Scheduler oneThread = reactor.core.scheduler.Schedulers.newSingle("one-step-thread");
        try {
            // All calls are started from one thread; each would hold it if it waited for its answer there.
            List<ModelResponse> responses = reactor.core.publisher.Flux.range(0, calls)
                    .flatMap(i -> model.complete(simple("req-many-" + i)).subscribeOn(oneThread), calls)
                    .collectList()
                    .block(Duration.ofSeconds(30));

            assertEquals(calls, responses.size());
            assertFalse(server.gateTimedOut(), "the server never had all calls open at once");
        } finally {
            oneThread.dispose();
        }
    }

    protected ModelRequest simple(String requestId) {
        return ModelRequest.builder(modelName()).requestId(requestId).message(ChatMessage.user("Hi")).build();
    }

    protected static ToolDefinition weatherTool() {
        return new ToolDefinition("get_weather", "Current weather of a city", object(
                "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}"));
    }

    protected static List<ModelEvent> run(ChatModel model, ModelRequest request) {
        return model.stream(request).collectList().block(Duration.ofSeconds(20));
    }

    protected static ModelException failure(ChatModel model, ModelRequest request) {
        return assertThrows(ModelException.class, () -> run(model, request));
    }

    protected static ModelResponse completed(List<ModelEvent> events) {
        assertInstanceOf(ModelEvent.Completed.class, events.get(events.size() - 1), "the last event is the final one");
        assertEquals(1, events.stream().filter(ModelEvent.Completed.class::isInstance).count());
        return ((ModelEvent.Completed) events.get(events.size() - 1)).response();
    }

    protected static JsonNode json(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(text, e);
        }
    }

    protected static ObjectNode object(String text) {
        return (ObjectNode) json(text);
    }
}

package ai.mozaiks.models.offline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.models.AssistantMessage;
import ai.mozaiks.models.ChatMessage;
import ai.mozaiks.models.FinishReason;
import ai.mozaiks.models.ModelEvent;
import ai.mozaiks.models.ModelException;
import ai.mozaiks.models.ModelRequest;
import ai.mozaiks.models.ModelResponse;
import ai.mozaiks.models.ResponseFormat;
import ai.mozaiks.models.ToolCall;
import ai.mozaiks.models.ToolChoice;
import ai.mozaiks.models.ToolDefinition;
import ai.mozaiks.models.Usage;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OfflineModelTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void withoutScriptItNamesTheAgentAndEchoesTheLastUserMessage() {
        ModelRequest request = request("planner")
                .message(ChatMessage.user("first"))
                .message(ChatMessage.assistant("ok"))
                .message(ChatMessage.user("  Plan a trip to Lisbon  "))
                .build();

        ModelResponse response = complete(new OfflineModel(), request);

        assertEquals("planner here (offline model). You said: \"Plan a trip to Lisbon\"", response.message().content());
        assertEquals("planner", response.message().name());
        assertEquals(FinishReason.STOP, response.finishReason());
        assertEquals("offline", response.model());
    }

    @Test
    void theReplyStreamsAsSeveralDeltasThatAddUpToIt() {
        ModelRequest request = request("planner").message(ChatMessage.user("Tell me about the tides of the Atlantic")).build();

        List<ModelEvent> events = new OfflineModel().stream(request).collectList().block(Duration.ofSeconds(5));

        List<String> deltas = events.stream().filter(ModelEvent.TextDelta.class::isInstance)
                .map(event -> ((ModelEvent.TextDelta) event).text()).toList();
        assertTrue(deltas.size() >= 3, deltas.toString());
        ModelResponse response = ((ModelEvent.Completed) events.get(events.size() - 1)).response();
        assertEquals(response.message().content(), String.join("", deltas));
    }

    @Test
    void theSameRequestAlwaysGetsTheSameEvents() {
        ModelRequest request = request("writer").message(ChatMessage.user("Write")).tool(searchTool())
                .toolChoice(ToolChoice.REQUIRED).build();

        List<ModelEvent> first = new OfflineModel().stream(request).collectList().block();
        List<ModelEvent> second = new OfflineModel().stream(request).collectList().block();

        assertEquals(first, second);
    }

    @Test
    void usageIsEstimatedFromCharacters() {
        // The prompt: "Hi" is 1 token, plus 4 for the message; the reply's 38 characters are 10 tokens.
        ModelRequest request = request("a").message(ChatMessage.user("Hi")).build();

        ModelResponse response = complete(new OfflineModel(), request);

        assertEquals(38, response.message().content().length());
        assertEquals(Usage.estimated(5, 10), response.usage());
        assertTrue(response.usage().estimated());
    }

    @Test
    void aResponseFormatGetsAnObjectValidAgainstItsSchema() throws Exception {
        ObjectNode schema = (ObjectNode) MAPPER.readTree("{\"type\":\"object\",\"properties\":{"
                + "\"verdict\":{\"type\":\"string\",\"enum\":[\"approve\",\"reject\"]},\"score\":{\"type\":\"integer\",\"minimum\":1},"
                + "\"reasons\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"minItems\":1},"
                + "\"meta\":{\"type\":\"object\",\"properties\":{\"at\":{\"type\":\"string\",\"format\":\"date\"}},"
                + "\"required\":[\"at\"],\"additionalProperties\":false}},"
                + "\"required\":[\"verdict\",\"score\",\"reasons\",\"meta\"],\"additionalProperties\":false}");
        ModelRequest request = request("judge").message(ChatMessage.user("Judge it"))
                .responseFormat(new ResponseFormat("verdict", schema, true)).build();

        ModelResponse response = complete(new OfflineModel(), request);

        JsonNode value = MAPPER.readTree(response.message().content());
        assertEquals(List.of(), MiniSchemaValidator.errors(schema, value));
        assertEquals("approve", value.get("verdict").asText());
        assertEquals(1, value.get("score").asInt());
    }

    @Test
    void requiredToolChoiceCallsTheFirstToolWithSchemaValidArguments() {
        ModelRequest request = request("researcher").message(ChatMessage.user("Find it"))
                .tool(searchTool()).tool(new ToolDefinition("other", "", object("{\"type\":\"object\"}")))
                .toolChoice(ToolChoice.REQUIRED).build();

        List<ModelEvent> events = new OfflineModel().stream(request).collectList().block();

        ModelResponse response = ((ModelEvent.Completed) events.get(events.size() - 1)).response();
        assertEquals(FinishReason.TOOL_CALLS, response.finishReason());
        assertNull(response.message().content());
        ToolCall call = response.message().toolCalls().get(0);
        assertEquals("search", call.name());
        assertEquals(object("{\"query\":\"\",\"limit\":1}"), call.arguments());
        assertEquals(List.of(), MiniSchemaValidator.errors(searchTool().parameters(), call.arguments()));
        assertTrue(call.id().startsWith("call_"));
        List<ModelEvent.ToolCallDelta> deltas = events.stream().filter(ModelEvent.ToolCallDelta.class::isInstance)
                .map(ModelEvent.ToolCallDelta.class::cast).toList();
        assertEquals(call.id(), deltas.get(0).id());
        assertEquals("search", deltas.get(0).name());
        assertEquals(call.argumentsJson(), deltas.stream().map(ModelEvent.ToolCallDelta::argumentsFragment)
                .collect(Collectors.joining()));
    }

    @Test
    void aNamedToolChoiceCallsThatTool() {
        ModelRequest request = request("researcher").message(ChatMessage.user("Find it"))
                .tool(searchTool()).tool(new ToolDefinition("notify", "", object("{\"type\":\"object\","
                        + "\"properties\":{\"to\":{\"type\":\"string\",\"format\":\"email\"}},\"required\":[\"to\"]}")))
                .toolChoice(ToolChoice.named("notify")).build();

        ToolCall call = complete(new OfflineModel(), request).message().toolCalls().get(0);

        assertEquals("notify", call.name());
        assertEquals(object("{\"to\":\"offline@example.com\"}"), call.arguments());
    }

    @Test
    void aScriptIsPlayedInOrderPerAgentByItsTurnsInTheHistory() {
        OfflineScript script = OfflineScript.parse("""
                - agent: interviewer
                  text: What should I research?
                - agent: researcher
                  tool_call: {name: search, arguments: {query: tides, limit: 3}}
                - agent: researcher
                  text: Tides come from the moon.
                - agent: summarizer
                  json: {title: Tides}
                - agent: interviewer
                  text: Anything else?
                """);
        OfflineModel model = new OfflineModel(script);

        ModelResponse interviewer = complete(model, request("interviewer").message(ChatMessage.user("Hi")).build());
        assertEquals("What should I research?", interviewer.message().content());

        ModelRequest firstResearch = request("researcher").message(ChatMessage.user("Hi"))
                .message(interviewer.message()).message(ChatMessage.user("Tides")).tool(searchTool()).build();
        AssistantMessage call = complete(model, firstResearch).message();
        assertEquals("researcher", call.name());
        assertEquals(object("{\"query\":\"tides\",\"limit\":3}"), call.toolCalls().get(0).arguments());

        ModelRequest secondResearch = request("researcher").messages(firstResearch.messages()).message(call)
                .message(ChatMessage.tool(call.toolCalls().get(0).id(), "[\"moon\"]")).tool(searchTool()).build();
        assertEquals("Tides come from the moon.", complete(model, secondResearch).message().content());

        ModelResponse summary = complete(model, request("summarizer").message(ChatMessage.user("Sum up")).build());
        assertEquals("{\"title\":\"Tides\"}", summary.message().content());

        ModelRequest again = request("interviewer").message(ChatMessage.user("Hi")).message(interviewer.message())
                .message(ChatMessage.user("More")).build();
        assertEquals("Anything else?", complete(model, again).message().content());
    }

    @Test
    void anExhaustedScriptOrAnUnscriptedAgentFallsBackToTheEcho() {
        OfflineModel model = new OfflineModel(OfflineScript.parse("- {agent: a, text: once}"));
        ModelRequest second = request("a").message(ChatMessage.user("Hi"))
                .message(new AssistantMessage("once", List.of(), "a")).message(ChatMessage.user("again")).build();

        assertEquals("a here (offline model). You said: \"again\"", complete(model, second).message().content());
        assertEquals("b here (offline model). You said: \"x\"",
                complete(model, request("b").message(ChatMessage.user("x")).build()).message().content());
    }

    @Test
    void aScriptedCallWithoutArgumentsGetsThemFromTheSchema() {
        OfflineModel model = new OfflineModel(OfflineScript.parse(
                "- agent: r\n  tool_calls: [{name: search}, {name: search, arguments: {query: b, limit: 2}}]\n"));

        AssistantMessage reply = complete(model, request("r").message(ChatMessage.user("go")).tool(searchTool()).build()).message();

        assertEquals(2, reply.toolCalls().size());
        assertEquals(object("{\"query\":\"\",\"limit\":1}"), reply.toolCalls().get(0).arguments());
        assertEquals(object("{\"query\":\"b\",\"limit\":2}"), reply.toolCalls().get(1).arguments());
        assertNotEquals(reply.toolCalls().get(0).id(), reply.toolCalls().get(1).id());
    }

    @Test
    void aScriptCallingAToolTheRequestDoesNotOfferIsABadRequest() {
        OfflineModel model = new OfflineModel(OfflineScript.parse("- {agent: r, tool_call: {name: delete_everything}}"));

        ModelException failure = assertThrows(ModelException.class,
                () -> complete(model, request("r").message(ChatMessage.user("go")).tool(searchTool()).build()));

        assertEquals(ModelException.Kind.BAD_REQUEST, failure.kind());
        assertTrue(failure.getMessage().contains("delete_everything"));
    }

    @Test
    void eachWorkflowPlaysTheScriptInItsFolderAndOthersAreAnsweredUnscripted(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("Research"));
        Files.writeString(dir.resolve("Research").resolve(OfflineScripts.FILE_NAME), "- {agent: a, text: from the file}\n");
        Files.createDirectories(dir.resolve("plain"));

        OfflineScripts scripts = OfflineScripts.inFolders(dir);
        OfflineModel model = new OfflineModel(scripts::find);

        assertEquals(1, scripts.size());
        assertEquals("from the file", complete(model, request("a").workflow("research").message(ChatMessage.user("x")).build())
                .message().content());
        assertEquals("a here (offline model). You said: \"x\"", complete(model,
                request("a").workflow("plain").message(ChatMessage.user("x")).build()).message().content());
        assertEquals("a here (offline model). You said: \"x\"", complete(model,
                request("a").message(ChatMessage.user("x")).build()).message().content());
    }

    @Test
    void aBrokenScriptIsReportedWithItsFile(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("broken"));
        Files.writeString(dir.resolve("broken").resolve(OfflineScripts.FILE_NAME), "- {agent: a}\n");

        IllegalArgumentException failure = assertThrows(IllegalArgumentException.class, () -> OfflineScripts.inFolders(dir));

        assertTrue(failure.getMessage().contains("broken") && failure.getMessage().contains(OfflineScripts.FILE_NAME),
                failure.getMessage());
    }

    @Test
    void piecesNeverSplitASurrogatePair() {
        String text = "😀😀😀😀😀";

        List<String> pieces = OfflineModel.pieces(text, 4);

        assertEquals(text, String.join("", pieces));
        pieces.forEach(piece -> assertTrue(!Character.isLowSurrogate(piece.charAt(0)), pieces.toString()));
    }

    private static ModelResponse complete(OfflineModel model, ModelRequest request) {
        return model.complete(request).block(Duration.ofSeconds(5));
    }

    private static ModelRequest.Builder request(String agent) {
        return ModelRequest.builder("offline").requestId("req-" + agent).agent(agent);
    }

    private static ToolDefinition searchTool() {
        return new ToolDefinition("search", "Search the web", object("{\"type\":\"object\",\"properties\":{"
                + "\"query\":{\"type\":\"string\"},\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":10}},"
                + "\"required\":[\"query\",\"limit\"],\"additionalProperties\":false}"));
    }

    private static ObjectNode object(String json) {
        try {
            return (ObjectNode) MAPPER.readTree(json);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}

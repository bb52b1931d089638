package ai.mozaiks.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

class ModelRequestTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ObjectNode EMPTY_SCHEMA = MAPPER.createObjectNode().put("type", "object");

    @Test
    void aToolMessageMustAnswerAnEarlierCall() {
        ModelRequest.Builder request = base().message(ChatMessage.tool("call_9", "result"));

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, request::build);
        assertTrue(error.getMessage().contains("call_9"));
    }

    @Test
    void aForcedToolChoiceNeedsItsTool() {
        assertThrows(IllegalArgumentException.class, () -> base().toolChoice(ToolChoice.REQUIRED).build());
        assertThrows(IllegalArgumentException.class, () -> base().tool(new ToolDefinition("a", "", EMPTY_SCHEMA))
                .toolChoice(ToolChoice.named("b")).build());
        assertThrows(IllegalArgumentException.class, () -> base().tool(new ToolDefinition("a", "", EMPTY_SCHEMA))
                .tool(new ToolDefinition("a", "", EMPTY_SCHEMA)).build());
    }

    @Test
    void requestIdModelAndAMessageAreRequired() {
        assertThrows(IllegalArgumentException.class, () -> ModelRequest.builder("m").message(ChatMessage.user("x")).build());
        assertThrows(IllegalArgumentException.class, () -> ModelRequest.builder(" ").requestId("r").message(ChatMessage.user("x")).build());
        assertThrows(IllegalArgumentException.class, () -> ModelRequest.builder("m").requestId("r").build());
        assertThrows(IllegalArgumentException.class, () -> base().temperature(2.5).build());
        assertThrows(IllegalArgumentException.class, () -> base().maxTokens(0).build());
    }

    @Test
    void namesGoingOnTheWireAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new ToolDefinition("has space", "", EMPTY_SCHEMA));
        assertThrows(IllegalArgumentException.class, () -> new ResponseFormat("", EMPTY_SCHEMA, true));
        assertThrows(IllegalArgumentException.class, () -> new AssistantMessage(null, List.of(), null));
        assertThrows(IllegalArgumentException.class, () -> base().agent("Research Agent").build());
    }

    @Test
    void schemasCannotBeChangedThroughTheRequest() {
        ObjectNode schema = EMPTY_SCHEMA.deepCopy();
        ToolDefinition tool = new ToolDefinition("a", "", schema);
        schema.put("type", "string");
        tool.parameters().put("type", "array");

        assertEquals("object", tool.parameters().get("type").asText());
    }

    @Test
    void finishReasonsAreReadFromTheWire() {
        assertEquals(FinishReason.STOP, FinishReason.fromWire("stop"));
        assertEquals(FinishReason.LENGTH, FinishReason.fromWire("length"));
        assertEquals(FinishReason.TOOL_CALLS, FinishReason.fromWire("tool_calls"));
        assertEquals(FinishReason.TOOL_CALLS, FinishReason.fromWire("function_call"));
        assertEquals(FinishReason.CONTENT_FILTER, FinishReason.fromWire("content_filter"));
        assertEquals(FinishReason.OTHER, FinishReason.fromWire("something_new"));
    }

    @Test
    void completeFailsWhenAStreamHasNoFinalEvent() {
        ChatModel broken = request -> Flux.just(new ModelEvent.TextDelta("half"));

        ModelException failure = assertThrows(ModelException.class, () -> broken.complete(base().build()).block(Duration.ofSeconds(5)));

        assertEquals(ModelException.Kind.INVALID_RESPONSE, failure.kind());
        assertEquals("req-1", failure.requestId());
    }

    private static ModelRequest.Builder base() {
        return ModelRequest.builder("gpt-4o").requestId("req-1").message(ChatMessage.user("hello"));
    }
}

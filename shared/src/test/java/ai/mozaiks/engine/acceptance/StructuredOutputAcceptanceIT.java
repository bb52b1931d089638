package ai.mozaiks.engine.acceptance;

import ai.mozaiks.models.FakeChatServer;
import ai.mozaiks.session.ChatEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.bson.Document;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** structured_outputs.yaml: the Summarizer of the interview example answers with its strict ResearchBrief schema. */
class StructuredOutputAcceptanceIT extends EngineAcceptance {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<String> strings(JsonNode array) {
        return JSON.convertValue(array, JSON.getTypeFactory().constructCollectionType(List.class, String.class));
    }

    @ParameterizedTest
    @EnumSource(EngineHarness.Provider.class)
    void theSummarizerIsAskedForItsStrictSchemaAndItsBriefIsStoredOnItsText(EngineHarness.Provider provider) throws Exception {
        harness = EngineHarness.start(provider);

        String chatId = InterviewExample.runToBrief(harness, InterviewExample.BRIEF);

        List<FakeChatServer.Recorded> recorded = harness.recorded();
        assertEquals(5, recorded.size());
        for (FakeChatServer.Recorded request : recorded.subList(0, 4)) {
            assertFalse(request.json().has("response_format"), "only the Summarizer has a structured output");
        }
        FakeChatServer.Recorded summarizer = recorded.get(4);
        if (provider == EngineHarness.Provider.AZURE_SDK) {
            assertEquals("/openai/deployments/" + EngineHarness.DEPLOYMENT + "/chat/completions", summarizer.path());
            assertEquals(EngineHarness.AZURE_KEY, summarizer.header("api-key"));
        } else {
            assertEquals("/v1/chat/completions", summarizer.path());
        }
        JsonNode body = summarizer.json();
        assertFalse(body.has("tools"));
        JsonNode format = body.get("response_format");
        assertEquals("json_schema", format.get("type").asText());
        assertEquals("ResearchBrief", format.at("/json_schema/name").asText());
        assertTrue(format.at("/json_schema/strict").asBoolean());
        JsonNode schema = format.at("/json_schema/schema");
        assertEquals("object", schema.get("type").asText());
        assertEquals(List.of("headline", "key_findings", "open_questions", "confidence", "sources"), strings(schema.get("required")));
        assertFalse(schema.get("additionalProperties").asBoolean());
        assertEquals(List.of("low", "medium", "high"), strings(schema.at("/properties/confidence/enum")));
        assertEquals("null", schema.at("/properties/open_questions/anyOf/1/type").asText(), "optional_list is nullable");
        JsonNode source = schema.at("/properties/sources/items");
        assertEquals(List.of("title", "url"), strings(source.get("required")), "the Source model is inlined");
        assertFalse(source.get("additionalProperties").asBoolean());

        List<ChatEvent> texts = harness.events(chatId, "chat.text");
        ChatEvent brief = texts.get(texts.size() - 1);
        assertEquals("Summarizer", brief.data().get("agent"));
        assertEquals(InterviewExample.BRIEF, brief.data().get("content"), "the raw reply stays the content");
        assertEquals("ResearchBrief", brief.data().get("structured_schema"));
        Document parsed = (Document) brief.data().get("structured_output");
        assertEquals("Tides are driven mainly by the moon.", parsed.getString("headline"));
        assertEquals(List.of("The moon's pull raises two bulges of water.", "Spring tides follow full and new moons."),
                parsed.getList("key_findings", String.class));
        assertEquals("high", parsed.getString("confidence"));
        assertNull(parsed.get("open_questions"));
        assertEquals("An oceanography textbook", parsed.getList("sources", Document.class).get(0).getString("title"));
        for (ChatEvent other : texts.subList(0, texts.size() - 1)) {
            assertFalse(other.data().containsKey("structured_output"), "agents without a model have no structured output");
        }

        assertEquals("completed", harness.status(chatId), "the brief ends the run");
        List<String> types = harness.types(chatId);
        assertEquals(List.of("chat.select_speaker", "chat.text", "chat.usage_delta", "chat.run_complete"),
                types.subList(types.size() - 4, types.size()));
        assertEquals("terminate", harness.events(chatId, "chat.run_complete").get(0).data().get("reason"));
    }
}

package ai.mozaiks.engine.acceptance;

import ai.mozaiks.engine.ChatInputs;
import ai.mozaiks.engine.StepMessage;
import ai.mozaiks.engine.StepOutcome;
import ai.mozaiks.engine.ToolInvocation;
import ai.mozaiks.session.ChatEvent;
import ai.mozaiks.session.ChatStatus;
import com.fasterxml.jackson.databind.JsonNode;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

import static ai.mozaiks.engine.acceptance.EngineHarness.APP;
import static ai.mozaiks.engine.acceptance.EngineHarness.Provider.OPENAI_COMPATIBLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** tools.yaml through the repository's tool_demo example: a Java Agent_Tool, and a UI_Tool round trip. */
class ToolsAcceptanceIT extends EngineAcceptance {
    private static final String TOOL_DEMO = "tool_demo";
    private static final String CHOOSE = "{\"question\":\"Which colour?\",\"options\":[\"red\",\"blue\"]}";

    private static JsonNode fromEnd(JsonNode request, int back) {
        JsonNode messages = request.get("messages");
        return messages.get(messages.size() - 1 - back);
    }

    /** Opens a tool_demo chat (user-driven: it waits for the first message) and sends that message. */
    private String openAndAsk(String text) {
        String chatId = harness.startChat(TOOL_DEMO);
        assertEquals(List.of(new StepOutcome.AwaitingInput("user_driven")), harness.deliverAll());
        assertEquals(List.of("chat.run_start", "chat.input_request"), harness.types(chatId));
        assertEquals(0, harness.requests().size(), "no model call before the user speaks");
        harness.say(chatId, "m-1", text);
        return chatId;
    }

    @ParameterizedTest
    @EnumSource(EngineHarness.Provider.class)
    void aJavaToolCallStreamedAsDeltasRunsOnceAndItsResultIsSentBackToTheModel(EngineHarness.Provider provider) {
        harness = EngineHarness.start(provider);
        harness.callsTool("call_time_1", "current_time", "{\"timezone\":\"Europe/Paris\"}").replies("It is 01:00 in Paris.");
        String chatId = openAndAsk("What time is it in Paris?");

        assertEquals(List.of(new StepOutcome.Next(2), new StepOutcome.AwaitingInput("handoff")), harness.deliverAll());

        List<ChatEvent> events = harness.events(chatId);
        assertEquals(List.of("chat.text", "chat.input_ack", "chat.select_speaker", "chat.usage_delta", "chat.tool_call",
                "chat.tool_response", "chat.select_speaker", "chat.text", "chat.usage_delta", "chat.input_request"),
                typesAfter(events, 2));
        ChatEvent call = harness.events(chatId, "chat.tool_call").get(0);
        assertEquals("Helper", call.data().get("agent"));
        assertEquals("current_time", call.data().get("tool_name"));
        assertEquals("call_time_1", call.data().get("call_id"));
        assertEquals(new Document("timezone", "Europe/Paris"), call.data().get("arguments"));
        ChatEvent response = harness.events(chatId, "chat.tool_response").get(0);
        assertEquals("call_time_1", response.data().get("call_id"));
        String result = (String) response.data().get("content");
        assertTrue(result.contains("\"iso\":\"2025-01-01T01:00+01:00\""), result);

        List<ToolInvocation> invocations = harness.toolInvocations();
        assertEquals(1, invocations.size());
        assertEquals("Helper", invocations.get(0).agent());
        assertEquals(APP.value(), invocations.get(0).appId());
        assertEquals(chatId, invocations.get(0).chatId());
        assertEquals("Europe/Paris", invocations.get(0).call().arguments().get("timezone").asText());
        assertEquals(1, harness.storedToolResults(), "the result is recorded, so a redelivery never calls the tool again");

        List<JsonNode> requests = harness.requests();
        assertEquals(2, requests.size());
        JsonNode first = requests.get(0);
        assertEquals(List.of("current_time", "choose_option"),
                first.get("tools").findValues("name").stream().map(JsonNode::asText).toList());
        assertEquals("auto", first.get("tool_choice").asText());
        assertEquals(EngineHarness.json("[\"question\",\"options\"]"), first.at("/tools/1/function/parameters/required"),
                "the UI tool's parameters schema from tools.yaml");
        assertEquals(EngineHarness.json("{\"type\":\"object\",\"properties\":{}}"), first.at("/tools/0/function/parameters"),
                "a tool without parameters gets an empty object schema");
        assertEquals("What time is it in Paris?", fromEnd(first, 0).get("content").asText());
        JsonNode second = requests.get(1);
        JsonNode assistant = fromEnd(second, 1);
        assertEquals("call_time_1", assistant.at("/tool_calls/0/id").asText());
        assertEquals("current_time", assistant.at("/tool_calls/0/function/name").asText());
        assertEquals(EngineHarness.json("{\"timezone\":\"Europe/Paris\"}"),
                EngineHarness.json(assistant.at("/tool_calls/0/function/arguments").asText()));
        JsonNode toolMessage = fromEnd(second, 0);
        assertEquals("tool", toolMessage.get("role").asText());
        assertEquals("call_time_1", toolMessage.get("tool_call_id").asText());
        assertEquals(result, toolMessage.get("content").asText());
        assertEquals("awaiting_input", harness.status(chatId));
    }

    @ParameterizedTest
    @EnumSource(EngineHarness.Provider.class)
    void aUiToolWaitsForTheUsersAnswerThenTheRunResumesWithItAndTheUiResponseTriggerFires(EngineHarness.Provider provider) {
        harness = EngineHarness.start(provider);
        harness.callsTool("call_ui_1", "choose_option", CHOOSE);
        String chatId = openAndAsk("Help me pick a colour.");

        assertEquals(List.of(new StepOutcome.AwaitingInput("ui_tool")), harness.deliverAll());

        List<String> types = harness.types(chatId);
        assertEquals(List.of("chat.select_speaker", "chat.usage_delta", "chat.tool_call"), types.subList(types.size() - 3, types.size()),
                "the UI tool call is the last event: no tool_response until the user answers");
        ChatEvent call = harness.events(chatId, "chat.tool_call").get(0);
        assertEquals(true, call.data().get("awaiting_response"));
        assertEquals("OptionPicker", call.data().get("component_type"));
        assertEquals("Which colour?", ((Document) call.data().get("arguments")).getString("question"));
        assertEquals("awaiting_input", harness.status(chatId));
        assertTrue(harness.queued().isEmpty(), "nothing runs while the UI tool waits");
        assertTrue(harness.toolInvocations().isEmpty(), "a UI tool runs in the browser, not on the server");

        harness.replies("Blue it is.");
        ChatInputs.InputResult answered = harness.answerUiTool(chatId, "call_ui_1", EngineHarness.json("{\"selection\":\"blue\"}"));

        assertEquals(ChatStatus.RUNNING, answered.status());
        assertEquals(List.of(new StepMessage(APP, chatId, 2)), harness.queued());
        assertEquals("blue", harness.conversation(chatId).variables().get("chosen_option"), "ui_response trigger, response_key selection");
        assertEquals(List.of(new StepOutcome.AwaitingInput("handoff")), harness.deliverAll());

        ChatEvent response = harness.events(chatId, "chat.tool_response").get(0);
        assertEquals(answered.seq(), response.seq());
        assertEquals("call_ui_1", response.data().get("call_id"));
        assertEquals(new Document("selection", "blue"), response.data().get("ui_response"));
        types = harness.types(chatId);
        assertEquals(List.of("chat.tool_call", "chat.tool_response", "chat.select_speaker", "chat.text", "chat.usage_delta",
                "chat.input_request"), types.subList(types.size() - 6, types.size()));
        List<JsonNode> requests = harness.requests();
        assertEquals(2, requests.size());
        assertTrue(requests.get(0).at("/messages/0/content").asText().endsWith("chosen_option: None"));
        JsonNode resumed = requests.get(1);
        assertTrue(resumed.at("/messages/0/content").asText().endsWith("chosen_option: blue"), "the new value is shown to the agent");
        assertEquals("call_ui_1", fromEnd(resumed, 1).at("/tool_calls/0/id").asText());
        assertEquals("call_ui_1", fromEnd(resumed, 0).get("tool_call_id").asText());
        assertEquals(EngineHarness.json("{\"selection\":\"blue\"}"), EngineHarness.json(fromEnd(resumed, 0).get("content").asText()));
        assertEquals("awaiting_input", harness.status(chatId));
    }

    @Test
    void aUiToolCallEventTellsTheUiHowToDisplayTheComponent() {
        harness = EngineHarness.start(OPENAI_COMPATIBLE);
        harness.callsTool("call_ui_1", "choose_option", CHOOSE);
        String chatId = openAndAsk("Help me pick a colour.");
        assertEquals(List.of(new StepOutcome.AwaitingInput("ui_tool")), harness.deliverAll());

        ChatEvent call = harness.events(chatId, "chat.tool_call").get(0);

        assertEquals("OptionPicker", call.data().get("component_type"));
        assertEquals("inline", call.data().get("display"), "reference §2.7/§5.1: inline or artifact, from ui.mode");
    }

    @Test
    void aUiAnswerWithoutTheResponseKeyLeavesTheVariableUnset() {
        harness = EngineHarness.start(OPENAI_COMPATIBLE);
        harness.callsTool("call_ui_1", "choose_option", CHOOSE);
        String chatId = openAndAsk("Help me pick a colour.");
        assertEquals(List.of(new StepOutcome.AwaitingInput("ui_tool")), harness.deliverAll());

        harness.answerUiTool(chatId, "call_ui_1", EngineHarness.json("{\"dismissed\":true}"));

        assertNull(harness.conversation(chatId).variables().get("chosen_option"),
                "response_key selection is absent: chosen_option (a string) must not become the whole answer object");
    }
}

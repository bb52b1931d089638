package ai.mozaiks.engine.acceptance;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.engine.StepExecutor;
import ai.mozaiks.engine.StepOutcome;
import ai.mozaiks.http.InputLimits;
import ai.mozaiks.session.ChatEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static ai.mozaiks.engine.acceptance.EngineHarness.Provider.OPENAI_COMPATIBLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Model output and UI tool answers beyond the {@link InputLimits}: an over-deep or oversize tool call or structured
 * output is a recorded step error (nothing of it stored, no tool run); an over-deep or oversize UI answer is refused
 * before anything is written. The store keeps serving the next chat.
 */
class InputLimitsAcceptanceIT extends EngineAcceptance {
    private static final int[] TOO_DEEP = {InputLimits.MAX_DEPTH + 1, 400, 1_000, 10_000};

    /** {@code {"timezone": [[[...]]]}}: {@code depth} levels of objects and arrays in all. */
    private static String nested(int depth) {
        return "{\"timezone\":" + "[".repeat(depth - 1) + "]".repeat(depth - 1) + "}";
    }

    /** Opens a tool_demo chat and has the user ask, so the next step calls the model. */
    private String openAndAsk() {
        String chatId = harness.startChat("tool_demo");
        assertEquals(List.of(new StepOutcome.AwaitingInput("user_driven")), harness.deliverAll());
        harness.say(chatId, "m-1", "What time is it in Paris?");
        return chatId;
    }

    /** The step failed with a visible chat.error, and nothing of the model's output reached the log or a tool. */
    private void failedWithoutTrace(String chatId, List<StepOutcome> outcomes, String reason) {
        assertEquals(1, outcomes.size(), outcomes.toString());
        StepOutcome.Failed failed = assertInstanceOf(StepOutcome.Failed.class, outcomes.get(0));
        assertTrue(failed.reason().contains(reason), failed.reason());
        assertEquals("failed", harness.status(chatId));
        List<ChatEvent> errors = harness.events(chatId, "chat.error");
        assertEquals(1, errors.size(), "one recorded step error: " + harness.types(chatId));
        assertEquals(StepExecutor.STEP_FAILED, errors.get(0).data().get("error_code"));
        assertTrue(String.valueOf(errors.get(0).data().get("message")).contains(reason), errors.get(0).data().toString());
        assertEquals(List.of(), harness.events(chatId, "chat.tool_call"), "the call is not stored");
        assertEquals(List.of(), harness.toolInvocations(), "no tool runs");
        assertEquals(0, harness.storedToolResults());
        assertEquals(1, harness.requests().size(), "an over-limit reply is not asked again: the same tokens would be spent");
    }

    /** The store still serves: a new chat runs a tool call within the limits end to end. */
    private void storeStillServes() {
        harness.callsTool("call_ok", "current_time", "{\"timezone\":\"Europe/Paris\"}").replies("It is 01:00 in Paris.");
        String next = openAndAsk();
        assertEquals(List.of(new StepOutcome.Next(2), new StepOutcome.AwaitingInput("handoff")), harness.deliverAll());
        assertEquals(new Document("timezone", "Europe/Paris"), harness.events(next, "chat.tool_call").get(0).data().get("arguments"));
        assertEquals(1, harness.toolInvocations().size());
    }

    @ParameterizedTest
    @EnumSource(EngineHarness.Provider.class)
    void toolCallArgumentsNestedTooDeepAreARecordedStepErrorAndNoToolRuns(EngineHarness.Provider provider) {
        for (int depth : TOO_DEEP) {
            harness = EngineHarness.start(provider);
            harness.callsTool("call_deep", "current_time", nested(depth));
            String chatId = openAndAsk();

            failedWithoutTrace(chatId, harness.deliverAll(), "nested deeper than " + InputLimits.MAX_DEPTH + " levels");

            storeStillServes();
            everyQueryCarriedAppId();
            harness = null;
        }
    }

    @Test
    void argumentsAtTheDepthLimitAreStoredAsTheyCame() {
        harness = EngineHarness.start(OPENAI_COMPATIBLE);
        harness.callsTool("call_edge", "current_time", nested(InputLimits.MAX_DEPTH)).replies("Done.");
        String chatId = openAndAsk();

        assertEquals(List.of(new StepOutcome.Next(2), new StepOutcome.AwaitingInput("handoff")), harness.deliverAll());
        Document arguments = (Document) harness.events(chatId, "chat.tool_call").get(0).data().get("arguments");
        assertTrue(arguments.containsKey("timezone"), arguments.toJson());
    }

    @Test
    void oversizeToolCallArgumentsAreARecordedStepError() {
        harness = EngineHarness.start(OPENAI_COMPATIBLE);
        harness.callsTool("call_big", "current_time", "{\"timezone\":\"" + "x".repeat(InputLimits.MAX_MODEL_JSON_CHARS) + "\"}");
        String chatId = openAndAsk();

        failedWithoutTrace(chatId, harness.deliverAll(), "exceed " + InputLimits.MAX_MODEL_JSON_CHARS + " characters");
        storeStillServes();
    }

    @Test
    void aReplyLargerThanTheReplyLimitIsARecordedStepError() {
        harness = EngineHarness.start(OPENAI_COMPATIBLE);
        harness.replies("y".repeat(InputLimits.MAX_MODEL_REPLY_CHARS + 1));
        String chatId = openAndAsk();

        failedWithoutTrace(chatId, harness.deliverAll(), "exceed " + InputLimits.MAX_MODEL_REPLY_CHARS + " characters");
        storeStillServes();
    }

    @ParameterizedTest
    @ValueSource(ints = {65, 400, 1_000, 10_000})
    void aStructuredOutputNestedTooDeepIsARecordedStepErrorAndNotStored(int depth) {
        harness = EngineHarness.start(OPENAI_COMPATIBLE);
        String deep = "{\"headline\":" + "[".repeat(depth - 1) + "]".repeat(depth - 1) + "}";

        harness.replies("Hello! What would you like researched?");
        String chatId = harness.startChat(InterviewExample.WORKFLOW);
        assertEquals(List.of(new StepOutcome.AwaitingInput("handoff")), harness.deliverAll());
        harness.replies(InterviewExample.SENTINEL).replies(InterviewExample.NOTES).replies(deep);
        harness.say(chatId, "m-1", "Ocean tides, for a school talk.");

        List<StepOutcome> outcomes = harness.deliverAll();

        assertEquals(List.of(new StepOutcome.Next(2), new StepOutcome.Next(3)), outcomes.subList(0, 2), outcomes.toString());
        assertInstanceOf(StepOutcome.Failed.class, outcomes.get(2), outcomes.toString());
        assertEquals(3, outcomes.size(), outcomes.toString());
        assertEquals("failed", harness.status(chatId));
        List<ChatEvent> errors = harness.events(chatId, "chat.error");
        assertEquals(1, errors.size(), harness.types(chatId).toString());
        assertTrue(String.valueOf(errors.get(0).data().get("message")).contains("structured output is nested deeper than 64 levels"),
                errors.get(0).data().toString());
        for (ChatEvent text : harness.events(chatId, "chat.text")) {
            assertFalse(text.data().containsKey("structured_output"), "nothing of the output is stored: " + text.data().keySet());
            assertFalse(deep.equals(text.data().get("content")), "nor its text");
        }
        storeStillServes();
    }

    // ---- UI tool answers ----

    private static final String CHOOSE = "{\"question\":\"Which colour?\",\"options\":[\"red\",\"blue\"]}";

    /** {@code {"selection": [[...]]}} built as a tree (no parser would hand over one this deep). */
    private static JsonNode deepAnswer(int depth) {
        JsonNode inner = JsonNodeFactory.instance.arrayNode();
        for (int level = 2; level < depth; level++) {
            ArrayNode outer = JsonNodeFactory.instance.arrayNode();
            outer.add(inner);
            inner = outer;
        }
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        answer.set("selection", inner);
        return answer;
    }

    @Test
    void aUiAnswerNestedTooDeepOrTooLargeIsRefusedAndNothingIsWritten() {
        harness = EngineHarness.start(OPENAI_COMPATIBLE);
        harness.callsTool("call_ui_1", "choose_option", CHOOSE);
        String chatId = openAndAsk();
        assertEquals(List.of(new StepOutcome.AwaitingInput("ui_tool")), harness.deliverAll());
        List<ChatEvent> before = harness.events(chatId);
        Document chatBefore = harness.chat(chatId);

        for (int depth : TOO_DEEP) {
            JsonNode answer = deepAnswer(depth);
            assertEquals(depth, InputLimits.depth(answer));
            ApiException refused = assertThrows(ApiException.class, () -> harness.answerUiTool(chatId, "call_ui_1", answer));
            assertEquals(400, refused.problem().status(), "depth " + depth);
            assertEquals("response", refused.problem().errors().get(0).field());
        }
        ObjectNode large = JsonNodeFactory.instance.objectNode().put("selection", "x".repeat(InputLimits.MAX_UI_RESPONSE_CHARS));
        ApiException tooLarge = assertThrows(ApiException.class, () -> harness.answerUiTool(chatId, "call_ui_1", large));
        assertEquals(413, tooLarge.problem().status());
        assertEquals("payload_too_large", tooLarge.problem().code());

        assertEquals(before.size(), harness.events(chatId).size(), "the log is unchanged");
        assertEquals(chatBefore, harness.chat(chatId), "the chat is unchanged");
        assertEquals(List.of(), harness.queued(), "no step is enqueued");

        harness.replies("Blue it is.");
        harness.answerUiTool(chatId, "call_ui_1", deepAnswer(InputLimits.MAX_DEPTH));
        assertEquals(List.of(new StepOutcome.AwaitingInput("handoff")), harness.deliverAll(), "an answer at the limit is taken");
    }
}

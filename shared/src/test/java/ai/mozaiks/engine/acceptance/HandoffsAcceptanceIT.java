package ai.mozaiks.engine.acceptance;

import ai.mozaiks.engine.StepMessage;
import ai.mozaiks.engine.StepOutcome;
import ai.mozaiks.session.ChatEvent;
import ai.mozaiks.workflows.Manifests;
import ai.mozaiks.workflows.Workflow;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static ai.mozaiks.engine.acceptance.EngineHarness.APP;
import static ai.mozaiks.engine.acceptance.EngineHarness.Provider.OPENAI_COMPATIBLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** handoffs.yaml under DefaultPattern: after_work, expression conditions (after the turn and pre), string_llm transfers. */
class HandoffsAcceptanceIT extends EngineAcceptance {
    private static final String SEEDED = "max_turns: 10\nhuman_in_the_loop: true\ninitial_message: Write about tides.\n";

    private static String system(JsonNode request) {
        return request.at("/messages/0/content").asText();
    }

    private static JsonNode fromEnd(JsonNode request, int back) {
        JsonNode messages = request.get("messages");
        return messages.get(messages.size() - 1 - back);
    }

    @Test
    void anAfterWorkToAnAgentGivesItTheNextTurnAndAnAfterWorkToTerminateEndsTheChat() {
        Workflow flow = Manifests.threeAgents("after_work_chain", SEEDED, "handoffs.yaml", """
                handoff_rules:
                - {source_agent: Writer, target_agent: Reviewer, handoff_type: after_work, transition_target: AgentTarget}
                - {source_agent: Reviewer, target_agent: terminate, handoff_type: after_work, transition_target: TerminateTarget}
                """);
        harness = EngineHarness.start(OPENAI_COMPATIBLE, flow);
        harness.replies("Draft.").replies("Reviewed.");
        String chatId = harness.startChat("after_work_chain");

        assertEquals(List.of(new StepOutcome.Next(1), new StepOutcome.Completed("terminate")), harness.deliverAll());

        assertEquals(List.of("Writer", "Reviewer"), harness.speakers(chatId));
        List<ChatEvent> events = harness.events(chatId);
        ChatEvent last = events.get(events.size() - 1);
        assertEquals("chat.run_complete", last.type());
        assertEquals("completed", last.data().get("status"));
        assertEquals("completed", harness.status(chatId));
        assertTrue(harness.events(chatId, "chat.input_request").isEmpty(), "human in the loop, but no rule handed to the user");
        assertEquals(List.of(Manifests.WRITER_PROMPT, Manifests.REVIEWER_PROMPT),
                harness.requests().stream().map(HandoffsAcceptanceIT::system).toList());
    }

    @Test
    void anAfterWorkToTheUserWaitsWithAnInputRequestFromThatAgent() {
        Workflow flow = Manifests.threeAgents("after_work_user", SEEDED, "handoffs.yaml", """
                handoff_rules:
                - {source_agent: Writer, target_agent: user, handoff_type: after_work, transition_target: RevertToUserTarget}
                """);
        harness = EngineHarness.start(OPENAI_COMPATIBLE, flow);
        harness.replies("What angle should I take?");
        String chatId = harness.startChat("after_work_user");

        assertEquals(List.of(new StepOutcome.AwaitingInput("handoff")), harness.deliverAll());

        assertEquals(List.of("chat.run_start", "chat.text", "chat.select_speaker", "chat.text", "chat.usage_delta",
                "chat.input_request"), harness.types(chatId));
        ChatEvent request = harness.events(chatId, "chat.input_request").get(0);
        assertEquals("Writer", request.data().get("agent"));
        assertEquals("awaiting_input", harness.status(chatId));
        assertTrue(harness.queued().isEmpty());
        assertEquals(1, harness.requests().size());
    }

    @Test
    void whenAnAgentHasSeveralAfterWorkRulesTheLastOneWins() {
        Workflow flow = Manifests.threeAgents("after_work_last", SEEDED, "handoffs.yaml", """
                handoff_rules:
                - {source_agent: Writer, target_agent: user, handoff_type: after_work}
                - {source_agent: Writer, target_agent: Reviewer, handoff_type: after_work}
                - {source_agent: Reviewer, target_agent: terminate, handoff_type: after_work}
                """);
        harness = EngineHarness.start(OPENAI_COMPATIBLE, flow);
        harness.replies("Draft.").replies("Reviewed.");
        String chatId = harness.startChat("after_work_last");

        assertEquals(List.of(new StepOutcome.Next(1), new StepOutcome.Completed("terminate")), harness.deliverAll());
        assertEquals(List.of("Writer", "Reviewer"), harness.speakers(chatId));
        assertTrue(harness.events(chatId, "chat.input_request").isEmpty());
    }

    @Test
    void expressionConditionsAreCheckedAfterTheTurnInDeclarationOrderBeforeTheAfterWork() {
        Workflow flow = Manifests.threeAgents("expression_after", SEEDED,
                "context_variables.yaml", """
                        definitions:
                        - name: draft_ready
                          type: boolean
                          source:
                            type: state
                            default: false
                            triggers:
                            - {type: agent_text, agent: Writer, match: {contains: DONE}}
                        """,
                "handoffs.yaml", """
                        handoff_rules:
                        - {source_agent: Writer, target_agent: Editor, handoff_type: condition, condition_type: expression,
                           condition: '${draft_ready}'}
                        - {source_agent: Writer, target_agent: Reviewer, handoff_type: condition, condition_type: expression,
                           condition: '${draft_ready} == True'}
                        - {source_agent: Writer, target_agent: user, handoff_type: after_work}
                        - {source_agent: Editor, target_agent: terminate, handoff_type: after_work}
                        """);
        harness = EngineHarness.start(OPENAI_COMPATIBLE, flow);
        harness.replies("Still drafting.").replies("Final draft. DONE").replies("Edited.");
        String chatId = harness.startChat("expression_after");

        assertEquals(List.of(new StepOutcome.AwaitingInput("handoff")), harness.deliverAll(), "false condition: the after_work");
        harness.say(chatId, "m-1", "Finish it.");
        assertEquals(List.of(new StepOutcome.Next(2), new StepOutcome.Completed("terminate")), harness.deliverAll());

        assertEquals(List.of("Writer", "Writer", "Editor"), harness.speakers(chatId),
                "both conditions held; the first declared won, and the after_work was not used");
        assertEquals(List.of(Manifests.WRITER_PROMPT, Manifests.WRITER_PROMPT, Manifests.EDITOR_PROMPT),
                harness.requests().stream().map(HandoffsAcceptanceIT::system).toList());
        assertEquals(true, harness.conversation(chatId).variables().get("draft_ready"));
        assertEquals("completed", harness.status(chatId));
    }

    @Test
    void aPreConditionHandsOffBeforeTheAgentCallsItsModel() {
        Workflow flow = Manifests.threeAgents("expression_pre", "max_turns: 10\ninitial_message: Write about tides.\n",
                "context_variables.yaml", """
                        definitions:
                        - name: urgent
                          type: boolean
                          source:
                            type: state
                            default: false
                            triggers:
                            - {type: agent_text, agent: Writer, match: {contains: URGENT}}
                        """,
                "handoffs.yaml", """
                        handoff_rules:
                        - {source_agent: Writer, target_agent: Reviewer, handoff_type: after_work}
                        - {source_agent: Reviewer, target_agent: Editor, handoff_type: condition, condition_type: expression,
                           condition_scope: pre, condition: '${urgent}'}
                        - {source_agent: Reviewer, target_agent: terminate, handoff_type: after_work}
                        - {source_agent: Editor, target_agent: terminate, handoff_type: after_work}
                        """);
        harness = EngineHarness.start(OPENAI_COMPATIBLE, flow);
        harness.replies("URGENT: publish tonight.").replies("Edited for tonight.");
        String urgent = harness.startChat("expression_pre");
        assertEquals(List.of(new StepOutcome.Next(1), new StepOutcome.Completed("terminate")), harness.deliverAll());

        harness.replies("A calm draft.").replies("Reviewed at leisure.");
        String calm = harness.startChat("expression_pre");
        assertEquals(List.of(new StepOutcome.Next(1), new StepOutcome.Completed("terminate")), harness.deliverAll());

        assertEquals(List.of("Writer", "Editor"), harness.speakers(urgent), "the Reviewer's pre condition skipped it");
        ChatEvent editor = harness.events(urgent, "chat.select_speaker").get(1);
        assertEquals(List.of("Reviewer"), editor.data().get("handed_off_by"));
        assertEquals(List.of("Writer", "Reviewer"), harness.speakers(calm), "without the condition the Reviewer speaks");
        assertEquals(List.of(), harness.events(calm, "chat.select_speaker").get(1).data().get("handed_off_by"));
        assertEquals(List.of(Manifests.WRITER_PROMPT, Manifests.EDITOR_PROMPT, Manifests.WRITER_PROMPT, Manifests.REVIEWER_PROMPT),
                harness.requests().stream().map(HandoffsAcceptanceIT::system).toList(),
                "the Reviewer's model was never called in the urgent chat");
    }

    private static final String TRANSFERS = """
            handoff_rules:
            - {source_agent: Writer, target_agent: Reviewer, handoff_type: condition, condition_type: string_llm,
               condition: When the draft is complete and needs a review, transition_target: AgentTarget}
            - {source_agent: Writer, target_agent: user, handoff_type: condition,
               condition: When you need more facts from the user, transition_target: RevertToUserTarget}
            - {source_agent: Writer, target_agent: terminate, handoff_type: condition, condition_type: string_llm,
               condition: When the user asks to stop, transition_target: TerminateTarget}
            - {source_agent: Reviewer, target_agent: terminate, handoff_type: after_work}
            """;

    @Test
    void aStringLlmConditionIsATransferToolAndTheModelsCallOfItHandsOff() {
        harness = EngineHarness.start(OPENAI_COMPATIBLE, Manifests.threeAgents("transfers", SEEDED, "handoffs.yaml", TRANSFERS));
        harness.callsTool("call_t1", "transfer_to_Reviewer", "{}").replies("Reviewed.");
        String chatId = harness.startChat("transfers");

        assertEquals(List.of(new StepOutcome.Next(1), new StepOutcome.Completed("terminate")), harness.deliverAll());

        assertEquals(List.of("chat.run_start", "chat.text", "chat.select_speaker", "chat.usage_delta", "chat.tool_call",
                "chat.tool_response", "chat.select_speaker", "chat.text", "chat.usage_delta", "chat.run_complete"),
                harness.types(chatId));
        ChatEvent call = harness.events(chatId, "chat.tool_call").get(0);
        assertEquals("transfer_to_Reviewer", call.data().get("tool_name"));
        assertEquals("call_t1", call.data().get("call_id"));
        assertEquals("Transferring to Reviewer", harness.events(chatId, "chat.tool_response").get(0).data().get("content"));
        assertEquals(List.of("Writer", "Reviewer"), harness.speakers(chatId));
        assertTrue(harness.toolInvocations().isEmpty(), "a transfer runs no tool");

        List<JsonNode> requests = harness.requests();
        assertEquals(2, requests.size());
        JsonNode writer = requests.get(0);
        JsonNode tools = writer.get("tools");
        assertEquals(3, tools.size());
        assertEquals("transfer_to_Reviewer", tools.at("/0/function/name").asText());
        assertEquals("Transfer to Reviewer when: When the draft is complete and needs a review",
                tools.at("/0/function/description").asText());
        assertEquals("object", tools.at("/0/function/parameters/type").asText());
        assertEquals("transfer_to_user", tools.at("/1/function/name").asText(), "condition_type inferred: no ${ means string_llm");
        assertEquals("transfer_to_terminate", tools.at("/2/function/name").asText());
        assertEquals("auto", writer.get("tool_choice").asText(), "the model decides whether to transfer");

        JsonNode reviewer = requests.get(1);
        assertFalse(reviewer.has("tools"), "the Reviewer has no transfer rules");
        JsonNode assistant = fromEnd(reviewer, 1);
        assertEquals("Writer", assistant.get("name").asText());
        assertEquals("transfer_to_Reviewer", assistant.at("/tool_calls/0/function/name").asText());
        JsonNode answer = fromEnd(reviewer, 0);
        assertEquals("tool", answer.get("role").asText());
        assertEquals("call_t1", answer.get("tool_call_id").asText());
        assertEquals("Transferring to Reviewer", answer.get("content").asText());
    }

    @ParameterizedTest(name = "transfer_to_{0} leaves the chat {1}")
    @CsvSource({"user, awaiting_input, chat.input_request", "terminate, completed, chat.run_complete"})
    void aTransferToTheUserWaitsAndATransferToTerminateEnds(String target, String status, String lastEvent) {
        harness = EngineHarness.start(OPENAI_COMPATIBLE, Manifests.threeAgents("transfers", SEEDED, "handoffs.yaml", TRANSFERS));
        harness.callsTool("call_t2", "transfer_to_" + target, "{}");
        String chatId = harness.startChat("transfers");

        StepOutcome outcome = harness.deliverAll().get(0);

        assertEquals("user".equals(target) ? new StepOutcome.AwaitingInput("handoff") : new StepOutcome.Completed("terminate"), outcome);
        assertEquals(status, harness.status(chatId));
        List<String> types = harness.types(chatId);
        assertEquals(List.of("chat.tool_call", "chat.tool_response", lastEvent), types.subList(types.size() - 3, types.size()));
        assertEquals(List.of("Writer"), harness.speakers(chatId));
        assertEquals(1, harness.requests().size());
        assertTrue(harness.queued().isEmpty());
        if ("user".equals(target)) {
            harness.replies("Thanks, drafting now.");
            harness.say(chatId, "m-1", "Tides are caused by the moon.");
            assertEquals(List.of(new StepMessage(APP, chatId, 1)), harness.queued());
            harness.deliverNext();
            assertEquals(List.of("Writer", "Writer"), harness.speakers(chatId), "the user's answer goes back to the agent");
        }
    }
}

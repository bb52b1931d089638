package ai.mozaiks.engine.acceptance;

import ai.mozaiks.engine.StepOutcome;
import ai.mozaiks.session.ChatEvent;
import ai.mozaiks.workflows.Manifests;
import ai.mozaiks.workflows.Workflow;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static ai.mozaiks.engine.acceptance.EngineHarness.Provider.OPENAI_COMPATIBLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** context_variables.yaml: agent_text triggers (equals, contains, regex), ui_hidden, and what each agent is shown. */
class ContextAcceptanceIT extends EngineAcceptance {

    private static String system(JsonNode request) {
        return request.at("/messages/0/content").asText();
    }

    private static ChatEvent textOf(List<ChatEvent> texts, String content) {
        return texts.stream().filter(e -> content.equals(e.data().get("content"))).findFirst()
                .orElseThrow(() -> new AssertionError("no chat.text " + content));
    }

    @Test
    void theInterviewExampleMovesOnItsTriggersHidesTheSentinelAndShowsEachAgentOnlyItsVariables() {
        harness = EngineHarness.start(OPENAI_COMPATIBLE, Map.of("MOZAIKS_RESEARCH_DEPTH", "deep"));

        String chatId = InterviewExample.runToBrief(harness, InterviewExample.BRIEF);

        assertEquals(List.of("Interviewer", "Interviewer", "Interviewer", "Researcher", "Summarizer"), harness.speakers(chatId));
        List<ChatEvent> texts = harness.events(chatId, "chat.text");
        ChatEvent seed = textOf(texts, InterviewExample.SEED);
        assertEquals(true, seed.data().get("hidden"), "an AgentDriven seed is not shown");
        assertEquals(false, textOf(texts, InterviewExample.NEAR_MISS).data().get("hidden"), "equals needs the whole message");
        ChatEvent sentinel = textOf(texts, InterviewExample.SENTINEL);
        assertEquals(true, sentinel.data().get("hidden"), "ui_hidden: the sentinel is kept from the UI");
        assertEquals("Interviewer", sentinel.data().get("agent"));
        assertEquals(false, textOf(texts, InterviewExample.NOTES).data().get("hidden"), "the regex trigger has ui_hidden: false");
        List<Object> visible = texts.stream().filter(e -> !Boolean.TRUE.equals(e.data().get("hidden")))
                .map(e -> e.data().get("content")).toList();
        assertFalse(visible.contains(InterviewExample.SENTINEL));
        assertEquals(6, visible.size(), visible.toString());

        Map<String, Object> variables = harness.conversation(chatId).variables();
        assertEquals(true, variables.get("interview_complete"));
        assertEquals(true, variables.get("research_complete"));
        assertEquals("deep", variables.get("research_depth"));

        List<JsonNode> requests = harness.requests();
        assertEquals(5, requests.size());
        String interviewer = system(requests.get(0));
        assertTrue(interviewer.startsWith("[ROLE]\nYou scope a research request"), interviewer);
        assertTrue(interviewer.endsWith("[CONTEXT VARIABLES]\ninterview_complete: False"), interviewer);
        assertTrue(system(requests.get(2)).endsWith("interview_complete: False"), "the near miss set nothing");
        String researcher = system(requests.get(3));
        assertTrue(researcher.endsWith("[CONTEXT VARIABLES]\nresearch_depth: deep"), researcher);
        assertFalse(researcher.contains("interview_complete"), "each agent sees only the variables exposed to it");
        String summarizer = system(requests.get(4));
        assertFalse(summarizer.contains("[CONTEXT VARIABLES]"), summarizer);
        JsonNode history = requests.get(3).get("messages");
        JsonNode last = history.get(history.size() - 1);
        assertEquals("Interviewer", last.get("name").asText());
        assertEquals(InterviewExample.SENTINEL, last.get("content").asText(), "hidden from the UI, still sent to the model");
    }

    @Test
    void aContainsTriggerFiresOnlyOnItsAgentsMessagesAndTheNewValueIsShownOnTheNextTurn() {
        Workflow flow = Manifests.threeAgents("contains_trigger", "max_turns: 10\ninitial_message: Write about tides.\n",
                "context_variables.yaml", """
                        definitions:
                        - name: approved
                          type: boolean
                          source:
                            type: state
                            default: false
                            triggers:
                            - {type: agent_text, agent: Reviewer, match: {contains: APPROVED}}
                        agents:
                        - {agent_name: Writer, variables: [approved]}
                        """,
                "handoffs.yaml", """
                        handoff_rules:
                        - {source_agent: Writer, target_agent: Reviewer, handoff_type: after_work}
                        - {source_agent: Reviewer, target_agent: terminate, handoff_type: condition, condition_type: expression,
                           condition: '${approved} == True'}
                        - {source_agent: Reviewer, target_agent: Writer, handoff_type: after_work}
                        """);
        harness = EngineHarness.start(OPENAI_COMPATIBLE, flow);
        harness.replies("Draft 1, surely APPROVED soon.")
                .replies("Not yet: add a source.")
                .replies("Draft 2, with a source.")
                .replies("APPROVED, well done.")
                .replies("Never asked for.");
        String chatId = harness.startChat("contains_trigger");

        assertEquals(List.of(new StepOutcome.Next(1), new StepOutcome.Next(2), new StepOutcome.Next(3),
                new StepOutcome.Completed("terminate")), harness.deliverAll());

        assertEquals(List.of("Writer", "Reviewer", "Writer", "Reviewer"), harness.speakers(chatId),
                "the Writer's own APPROVED did not count: the trigger is the Reviewer's");
        assertEquals(true, harness.conversation(chatId).variables().get("approved"));
        assertTrue(harness.events(chatId, "chat.text").stream().noneMatch(e -> Boolean.TRUE.equals(e.data().get("hidden"))
                && !Boolean.TRUE.equals(e.data().get("seed"))), "no ui_hidden trigger here");
        List<JsonNode> requests = harness.requests();
        assertEquals(4, requests.size());
        assertTrue(system(requests.get(0)).endsWith("[CONTEXT VARIABLES]\napproved: False"));
        assertTrue(system(requests.get(2)).endsWith("[CONTEXT VARIABLES]\napproved: False"));
        assertEquals(Manifests.REVIEWER_PROMPT, system(requests.get(1)), "the variable is exposed to the Writer only");
        assertEquals("completed", harness.status(chatId));
    }
}

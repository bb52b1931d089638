package ai.mozaiks.engine.acceptance;

import ai.mozaiks.engine.StepMessage;
import ai.mozaiks.engine.StepOutcome;
import ai.mozaiks.session.ChatEvent;
import ai.mozaiks.workflows.Manifests;
import ai.mozaiks.workflows.Workflow;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static ai.mozaiks.engine.acceptance.EngineHarness.APP;
import static ai.mozaiks.engine.acceptance.EngineHarness.Provider.OPENAI_COMPATIBLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The four orchestration patterns, each through the real OpenAI-compatible client. */
class PatternsAcceptanceIT extends EngineAcceptance {
    /** Under DefaultPattern this rule would end the chat after the Writer: the other patterns must ignore it. */
    private static final String WRITER_TERMINATES = """
            handoff_rules:
            - {source_agent: Writer, target_agent: terminate, handoff_type: after_work}
            """;
    private static final Map<String, String> PROMPTS = Map.of("Writer", Manifests.WRITER_PROMPT,
            "Reviewer", Manifests.REVIEWER_PROMPT, "Editor", Manifests.EDITOR_PROMPT);

    private static String system(JsonNode request) {
        JsonNode first = request.at("/messages/0");
        assertEquals("system", first.get("role").asText());
        return first.get("content").asText();
    }

    private static JsonNode lastMessage(JsonNode request) {
        JsonNode messages = request.get("messages");
        return messages.get(messages.size() - 1);
    }

    @Test
    void defaultPatternFollowsTheAfterWorkRuleAndTerminatesWhenTheAgentHasNoRule() {
        Workflow flow = Manifests.threeAgents("pattern_default", "max_turns: 10\ninitial_message: Write about tides.\n",
                "handoffs.yaml", """
                        handoff_rules:
                        - {source_agent: Writer, target_agent: Reviewer, handoff_type: after_work}
                        """);
        harness = EngineHarness.start(OPENAI_COMPATIBLE, flow);
        harness.replies("A draft about tides.").replies("Looks fine to me.");
        String chatId = harness.startChat("pattern_default");

        assertEquals(List.of(new StepOutcome.Next(1), new StepOutcome.Completed("terminate")), harness.deliverAll());

        assertEquals(List.of("chat.run_start", "chat.text", "chat.select_speaker", "chat.text", "chat.usage_delta",
                "chat.select_speaker", "chat.text", "chat.usage_delta", "chat.run_complete"), harness.types(chatId));
        assertEquals(List.of("Writer", "Reviewer"), harness.speakers(chatId));
        ChatEvent end = harness.events(chatId, "chat.run_complete").get(0);
        assertEquals("completed", end.data().get("status"));
        assertEquals("terminate", end.data().get("reason"));
        assertEquals("completed", harness.status(chatId));
        assertTrue(harness.queued().isEmpty(), "a completed chat enqueues nothing");

        List<JsonNode> requests = harness.requests();
        assertEquals(2, requests.size());
        JsonNode writer = requests.get(0);
        assertEquals(EngineHarness.DEPLOYMENT, writer.get("model").asText());
        assertTrue(writer.get("stream").asBoolean());
        assertEquals(Manifests.WRITER_PROMPT, system(writer));
        assertEquals("user", lastMessage(writer).get("role").asText());
        assertEquals("Write about tides.", lastMessage(writer).get("content").asText());
        JsonNode reviewer = requests.get(1);
        assertEquals(Manifests.REVIEWER_PROMPT, system(reviewer));
        assertEquals("assistant", lastMessage(reviewer).get("role").asText());
        assertEquals("Writer", lastMessage(reviewer).get("name").asText());
        assertEquals("A draft about tides.", lastMessage(reviewer).get("content").asText());
    }

    @Test
    void autoPatternAsksTheModelWhoSpeaksNextAndGivesThatAgentTheTurn() {
        Workflow flow = Manifests.threeAgents("pattern_auto",
                "max_turns: 3\norchestration_pattern: AutoPattern\ninitial_message: Write about tides.\n",
                "handoffs.yaml", WRITER_TERMINATES);
        harness = EngineHarness.start(OPENAI_COMPATIBLE, flow);
        harness.replies("Draft one.")
                .replies("Reviewer")
                .replies("Needs a source.")
                .replies("I would pick Writer next.")
                .replies("Draft two, with a source.");
        String chatId = harness.startChat("pattern_auto");

        assertEquals(List.of(new StepOutcome.Next(1), new StepOutcome.Next(2), new StepOutcome.Completed("max_turns")),
                harness.deliverAll());

        assertEquals(List.of("Writer", "Reviewer", "Writer"), harness.speakers(chatId), "the initial agent, then the model's picks");
        assertEquals(List.of("chat.run_start", "chat.text", "chat.select_speaker", "chat.text", "chat.usage_delta",
                "chat.usage_delta", "chat.select_speaker", "chat.text", "chat.usage_delta",
                "chat.usage_delta", "chat.select_speaker", "chat.text", "chat.usage_delta", "chat.run_complete"),
                harness.types(chatId));
        assertEquals(List.of("Write about tides.", "Draft one.", "Needs a source.", "Draft two, with a source."),
                harness.events(chatId, "chat.text").stream().map(e -> e.data().get("content")).toList(),
                "the manager's answers are not part of the transcript");
        assertEquals("speaker_selector", harness.events(chatId, "chat.usage_delta").get(1).data().get("agent"));

        List<JsonNode> requests = harness.requests();
        assertEquals(5, requests.size());
        JsonNode selection = requests.get(1);
        String manager = system(selection);
        assertTrue(manager.contains("Participants:\n- Writer: You write drafts.\n- Reviewer: You review drafts.\n"
                + "- Editor: You edit drafts."), manager);
        assertTrue(manager.endsWith("Answer with exactly one participant name and nothing else."), manager);
        assertFalse(manager.contains("- user:"), "no user among the candidates without human in the loop");
        assertFalse(selection.has("tools"));
        assertFalse(selection.has("response_format"));
        assertEquals("Draft one.", lastMessage(selection).get("content").asText());
        assertEquals(Manifests.REVIEWER_PROMPT, system(requests.get(2)));
        assertEquals("Needs a source.", lastMessage(requests.get(3)).get("content").asText());
        assertEquals(Manifests.WRITER_PROMPT, system(requests.get(4)));
        assertEquals("max_turns_reached", harness.status(chatId));
    }

    @Test
    void autoPatternWithHumanInTheLoopWaitsWhenTheModelPicksTheUser() {
        Workflow flow = Manifests.threeAgents("pattern_auto_hitl",
                "max_turns: 10\nhuman_in_the_loop: true\norchestration_pattern: AutoPattern\ninitial_message: Write about tides.\n");
        harness = EngineHarness.start(OPENAI_COMPATIBLE, flow);
        harness.replies("Draft one. Shall I go on?").replies("user");
        String chatId = harness.startChat("pattern_auto_hitl");

        assertEquals(List.of(new StepOutcome.Next(1), new StepOutcome.AwaitingInput("handoff")), harness.deliverAll());

        List<String> types = harness.types(chatId);
        assertEquals(List.of("chat.usage_delta", "chat.input_request"), types.subList(types.size() - 2, types.size()));
        assertEquals("awaiting_input", harness.status(chatId));
        assertTrue(harness.queued().isEmpty(), "a waiting chat holds no queued step");
        assertTrue(system(harness.requests().get(1)).contains("\n- user: the human user"));

        harness.replies("Writer").replies("A shorter draft.");
        harness.say(chatId, "m-1", "Make it shorter.");
        assertEquals(List.of(new StepMessage(APP, chatId, 2)), harness.queued());
        assertEquals(new StepOutcome.Next(3), harness.deliverNext());

        List<JsonNode> requests = harness.requests();
        assertEquals(4, requests.size());
        assertEquals("Make it shorter.", lastMessage(requests.get(2)).get("content").asText(), "the manager sees the user's message");
        assertEquals(Manifests.WRITER_PROMPT, system(requests.get(3)));
        assertEquals(List.of("Writer", "Writer"), harness.speakers(chatId));
    }

    @Test
    void roundRobinTakesTheInitialAgentFirstThenManifestOrderThenTheUser() {
        Workflow flow = Manifests.threeAgents("pattern_round_robin", """
                        max_turns: 4
                        human_in_the_loop: true
                        orchestration_pattern: RoundRobinPattern
                        initial_agent: Reviewer
                        initial_message: Review the tide draft.
                        """,
                "handoffs.yaml", WRITER_TERMINATES);
        harness = EngineHarness.start(OPENAI_COMPATIBLE, flow);
        harness.replies("Reviewed.").replies("Rewritten.").replies("Edited.").replies("Reviewed again.");
        String chatId = harness.startChat("pattern_round_robin");

        assertEquals(List.of(new StepOutcome.Next(1), new StepOutcome.Next(2), new StepOutcome.AwaitingInput("handoff")),
                harness.deliverAll());
        assertEquals(List.of("Reviewer", "Writer", "Editor"), harness.speakers(chatId));
        assertEquals("awaiting_input", harness.status(chatId));
        assertEquals("chat.input_request", harness.types(chatId).get(harness.types(chatId).size() - 1));

        harness.say(chatId, "m-1", "One more round, please.");
        assertEquals(List.of(new StepOutcome.Completed("max_turns")), harness.deliverAll());

        assertEquals(List.of("Reviewer", "Writer", "Editor", "Reviewer"), harness.speakers(chatId), "after the user: the first again");
        List<JsonNode> requests = harness.requests();
        assertEquals(List.of(Manifests.REVIEWER_PROMPT, Manifests.WRITER_PROMPT, Manifests.EDITOR_PROMPT, Manifests.REVIEWER_PROMPT),
                requests.stream().map(PatternsAcceptanceIT::system).toList());
        assertEquals("One more round, please.", lastMessage(requests.get(3)).get("content").asText());
        assertEquals("max_turns_reached", harness.status(chatId));
    }

    @Test
    void randomPatternPicksAnotherAgentEachTurnAndIgnoresHandoffRules() {
        Workflow flow = Manifests.threeAgents("pattern_random",
                "max_turns: 6\norchestration_pattern: RandomPattern\ninitial_message: Write about tides.\n",
                "handoffs.yaml", WRITER_TERMINATES);
        harness = EngineHarness.start(OPENAI_COMPATIBLE, flow);
        for (int turn = 1; turn <= 6; turn++) {
            harness.replies("Turn " + turn + ".");
        }
        String chatId = harness.startChat("pattern_random");

        List<StepOutcome> outcomes = harness.deliverAll();

        assertEquals(6, outcomes.size());
        assertEquals(new StepOutcome.Completed("max_turns"), outcomes.get(5));
        List<Object> speakers = harness.speakers(chatId);
        assertEquals(6, speakers.size());
        assertEquals("Writer", speakers.get(0), "the initial agent opens");
        for (int i = 1; i < speakers.size(); i++) {
            assertTrue(Set.of("Writer", "Reviewer", "Editor").contains(speakers.get(i)), speakers.toString());
            assertNotEquals(speakers.get(i - 1), speakers.get(i), "never the same agent twice in a row: " + speakers);
        }
        List<JsonNode> requests = harness.requests();
        for (int i = 0; i < speakers.size(); i++) {
            assertEquals(PROMPTS.get(speakers.get(i)), system(requests.get(i)), "request " + i + " is the selected agent's");
        }
        assertEquals("max_turns_reached", harness.status(chatId));
    }
}

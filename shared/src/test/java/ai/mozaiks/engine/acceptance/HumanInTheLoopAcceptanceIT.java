package ai.mozaiks.engine.acceptance;

import ai.mozaiks.engine.ChatInputs;
import ai.mozaiks.engine.StepMessage;
import ai.mozaiks.engine.StepOutcome;
import ai.mozaiks.session.ChatEvent;
import ai.mozaiks.session.ChatStatus;
import ai.mozaiks.workflows.Manifests;
import ai.mozaiks.workflows.Workflow;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static ai.mozaiks.engine.acceptance.EngineHarness.APP;
import static ai.mozaiks.engine.acceptance.EngineHarness.Provider.OPENAI_COMPATIBLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** human_in_the_loop: a chat that waits for the user holds no queued step, and a message resumes it. */
class HumanInTheLoopAcceptanceIT extends EngineAcceptance {

    @Test
    void theAssistantWaitsForEachMessageWithNoStepQueuedAndAMessageResumesIt() {
        harness = EngineHarness.start(OPENAI_COMPATIBLE);
        String chatId = harness.startChat("assistant");

        assertEquals(List.of(new StepOutcome.AwaitingInput("user_driven")), harness.deliverAll());
        assertEquals(List.of("chat.run_start", "chat.input_request"), harness.types(chatId));
        assertEquals("awaiting_input", harness.status(chatId));
        assertTrue(harness.queued().isEmpty(), "waiting costs no compute: no step is queued");
        assertEquals(0, harness.requests().size());

        harness.replies("A tide is the regular rise and fall of the sea.");
        ChatInputs.InputResult first = harness.say(chatId, "m-1", "What is a tide?");
        assertEquals(new ChatInputs.InputResult(chatId, true, 3, ChatStatus.RUNNING), first);
        assertEquals("running", harness.status(chatId));
        assertEquals(List.of(new StepMessage(APP, chatId, 1)), harness.queued(), "the message enqueued exactly the next step");
        assertEquals(List.of(new StepOutcome.AwaitingInput("handoff")), harness.deliverAll());

        List<ChatEvent> events = harness.events(chatId);
        assertEquals(List.of("chat.text", "chat.input_ack", "chat.select_speaker", "chat.text", "chat.usage_delta",
                "chat.input_request"), typesAfter(events, 2));
        assertEquals("user", events.get(2).data().get("agent"));
        assertEquals("Assistant", events.get(events.size() - 1).data().get("agent"));
        assertEquals("awaiting_input", harness.status(chatId));
        assertTrue(harness.queued().isEmpty());
        assertInstanceOf(StepOutcome.Stale.class, harness.deliver(new StepMessage(APP, chatId, 1)),
                "a redelivered step finds the chat waiting and does nothing");

        harness.replies("A spring tide is an extra-high tide at full and new moon.");
        harness.say(chatId, "m-2", "And a spring tide?");
        assertEquals(List.of(new StepMessage(APP, chatId, 2)), harness.queued());
        assertEquals(List.of(new StepOutcome.AwaitingInput("handoff")), harness.deliverAll());

        List<JsonNode> requests = harness.requests();
        assertEquals(2, requests.size(), "the stale redelivery called no model");
        String system = requests.get(0).at("/messages/0/content").asText();
        assertTrue(system.startsWith("[ROLE]\nYou are the Mozaiks assistant"), system);
        assertTrue(system.contains("\n\n[GUIDELINES]\n- Answer the question that was asked"), system);
        assertEquals(EngineHarness.json("""
                [{"role":"user","content":"What is a tide?","name":"user"},
                 {"role":"assistant","content":"A tide is the regular rise and fall of the sea.","name":"Assistant"},
                 {"role":"user","content":"And a spring tide?","name":"user"}]"""),
                withoutSystem(requests.get(1)), "the whole conversation so far, the agent's reply under its name");
    }

    private static JsonNode withoutSystem(JsonNode request) {
        com.fasterxml.jackson.databind.node.ArrayNode messages = request.get("messages").deepCopy();
        assertEquals("system", messages.get(0).get("role").asText());
        messages.remove(0);
        return messages;
    }

    @Test
    void anAgentAtItsConsecutiveReplyLimitHandsTheTurnToTheUserAndTheUsersMessageResetsIt() {
        Workflow flow = Manifests.of("max_turns: 10\nhuman_in_the_loop: true\ninitial_message: Brainstorm titles.\n")
                .named("reply_limit").with(
                "agents.yaml", """
                        agents:
                        - name: Writer
                          system_message: You write drafts.
                          max_consecutive_auto_reply: 2
                        """,
                "handoffs.yaml", """
                        handoff_rules:
                        - {source_agent: Writer, target_agent: Writer, handoff_type: after_work}
                        """).load();
        harness = EngineHarness.start(OPENAI_COMPATIBLE, flow);
        harness.replies("Title one.").replies("Title two.");
        String chatId = harness.startChat("reply_limit");

        assertEquals(List.of(new StepOutcome.Next(1), new StepOutcome.AwaitingInput("max_consecutive_auto_reply")),
                harness.deliverAll());
        assertEquals("awaiting_input", harness.status(chatId));
        ChatEvent request = harness.events(chatId, "chat.input_request").get(0);
        assertEquals("max_consecutive_auto_reply", request.data().get("reason"));

        harness.replies("Title three, shorter.");
        harness.say(chatId, "m-1", "Shorter ones.");
        assertEquals(new StepOutcome.Next(3), harness.deliverNext(), "the user spoke: the Writer may reply again");
        assertEquals(List.of("Writer", "Writer", "Writer"), harness.speakers(chatId));
        assertEquals(3, harness.requests().size());
    }

    @Test
    void theUsersStringLlmHandoffEndsTheChatWhenTheModelFindsItsConditionMet() {
        // The seed's user-driven termination: a string_llm handoff from the user to terminate.
        Workflow flow = Manifests.of("max_turns: 20\nhuman_in_the_loop: true\ninitial_message: Draft the concept.\n")
                .named("concept").with(
                "agents.yaml", """
                        agents:
                        - name: Designer
                          system_message: You refine a product concept with the user.
                        """,
                "handoffs.yaml", """
                        handoff_rules:
                        - {source_agent: Designer, target_agent: user, handoff_type: after_work}
                        - {source_agent: user, target_agent: terminate, handoff_type: condition, condition_type: string_llm,
                           condition: When the user clearly approves the refined concept}
                        """).load();
        harness = EngineHarness.start(OPENAI_COMPATIBLE, flow);
        harness.replies("A tide-clock for surfers.");
        String chatId = harness.startChat("concept");
        assertEquals(List.of(new StepOutcome.AwaitingInput("handoff")), harness.deliverAll());

        // Not approved: the model answers 0, and the turn goes back to the agent before the user.
        harness.replies("0").replies("A tide-clock with swell alerts.");
        harness.say(chatId, "m-1", "Add swell alerts.");
        assertEquals(List.of(new StepOutcome.AwaitingInput("handoff")), harness.deliverAll());
        List<JsonNode> requests = harness.requests();
        String question = requests.get(1).at("/messages/0/content").asText();
        assertTrue(question.contains("1. When the user clearly approves the refined concept"), question);
        assertEquals("Add swell alerts.", requests.get(1).at("/messages/" + (requests.get(1).get("messages").size() - 1) + "/content").asText(),
                "asked about the conversation up to the user's message");
        assertEquals("awaiting_input", harness.status(chatId));

        // Approved: the chat completes, with no agent turn.
        harness.replies("1");
        harness.say(chatId, "m-2", "Perfect, I approve it.");
        assertEquals(List.of(new StepOutcome.Completed("terminate")), harness.deliverAll());
        assertEquals("completed", harness.status(chatId));
        assertEquals(4, harness.requests().size(), "one question, no agent reply");
        List<ChatEvent> ends = harness.events(chatId, "chat.run_complete");
        assertEquals("terminate", ends.get(0).data().get("reason"));
    }
}

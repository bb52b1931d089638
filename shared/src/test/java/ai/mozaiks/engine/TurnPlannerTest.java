package ai.mozaiks.engine;

import ai.mozaiks.models.ToolCall;
import ai.mozaiks.workflows.Manifests;
import ai.mozaiks.workflows.Workflow;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TurnPlannerTest {
    private final TurnPlanner planner = new TurnPlanner();

    private static final String HANDOFFS = """
            handoff_rules:
            - {source_agent: Writer, target_agent: Reviewer, handoff_type: condition, condition_type: expression,
               condition: '${draft_ready} == True'}
            - {source_agent: Writer, target_agent: user, handoff_type: after_work}
            - {source_agent: Reviewer, target_agent: terminate, handoff_type: condition, condition_type: expression,
               condition: '${approved}'}
            - {source_agent: Reviewer, target_agent: Writer, handoff_type: condition, condition_type: expression,
               condition_scope: pre, condition: '${revisions} >= 3'}
            - {source_agent: Reviewer, target_agent: Writer, handoff_type: after_work}
            - {source_agent: user, target_agent: terminate, handoff_type: condition, condition_type: expression,
               condition: '${approved}'}
            """;
    private static final String CONTEXT = """
            definitions:
            - {name: draft_ready, type: boolean, source: {type: state, default: false}}
            - {name: approved, type: boolean, source: {type: state, default: false}}
            - {name: revisions, type: int, source: {type: state, default: 0}}
            """;

    private static Workflow defaultWorkflow() {
        return Manifests.of("max_turns: 6\nhuman_in_the_loop: true\n")
                .with("handoffs.yaml", HANDOFFS).with("context_variables.yaml", CONTEXT).load();
    }

    private static ConversationState state(Map<String, Object> overrides) {
        Map<String, Object> vars = new LinkedHashMap<>(Map.of("draft_ready", false, "approved", false, "revisions", 0));
        vars.putAll(overrides);
        return ConversationState.start(vars);
    }

    private static ConversationState spoke(ConversationState state, String agent) {
        return state.withMessages(List.of(ConversationState.Message.assistant(agent, "hi", List.of(), false)), 40)
                .afterAgentReply(agent, null);
    }

    @Test
    void theInitialAgentTakesTheFirstTurn() {
        assertEquals(new Decision.Speak("Writer"), planner.plan(defaultWorkflow(), state(Map.of()), "c1"));
    }

    @Test
    void afterReplyConditionsComeBeforeAfterWork() {
        Workflow workflow = defaultWorkflow();
        assertEquals(new Decision.AwaitInput("handoff"), planner.plan(workflow, spoke(state(Map.of()), "Writer"), "c1"));
        assertEquals(new Decision.Speak("Reviewer"),
                planner.plan(workflow, spoke(state(Map.of("draft_ready", true)), "Writer"), "c1"));
    }

    @Test
    void terminateTargetCompletesAndAfterWorkOtherwise() {
        Workflow workflow = defaultWorkflow();
        assertEquals(new Decision.Complete("terminate"), planner.plan(workflow, spoke(state(Map.of("approved", true)), "Reviewer"), "c1"));
        assertEquals(new Decision.Speak("Writer"), planner.plan(workflow, spoke(state(Map.of()), "Reviewer"), "c1"));
    }

    @Test
    void preConditionsHandOffBeforeTheAgentReplies() {
        Workflow workflow = defaultWorkflow();
        // Writer hands to Reviewer (draft ready), but Reviewer's pre condition sends the turn straight back.
        Decision decision = planner.plan(workflow, spoke(state(Map.of("draft_ready", true, "revisions", 3)), "Writer"), "c1");
        assertEquals(new Decision.Speak("Writer", List.of("Reviewer")), decision);
    }

    @Test
    void withoutARuleDefaultPatternTerminates() {
        Workflow workflow = Manifests.of("max_turns: 5\n").load();
        assertEquals(new Decision.Complete("terminate"), planner.plan(workflow, spoke(state(Map.of()), "Writer"), "c1"));
    }

    @Test
    void afterTheUserTheirRulesThenTheAgentBeforeThem() {
        Workflow workflow = defaultWorkflow();
        ConversationState afterWriter = spoke(state(Map.of()), "Writer");
        assertEquals(new Decision.Speak("Writer"), planner.plan(workflow, afterWriter.afterUserInput("more", false, 40), "c1"));
        ConversationState approved = afterWriter.withVariables(Map.of("draft_ready", false, "approved", true, "revisions", 0));
        assertEquals(new Decision.Complete("terminate"), planner.plan(workflow, approved.afterUserInput("ok", false, 40), "c1"));
    }

    @Test
    void maxTurnsCompletes() {
        Workflow workflow = defaultWorkflow();
        ConversationState state = state(Map.of());
        for (int i = 0; i < 6; i++) {
            state = spoke(state, i % 2 == 0 ? "Writer" : "Reviewer").afterUserInput("x", false, 40);
        }
        assertEquals(new Decision.Complete("max_turns"), planner.plan(workflow, state, "c1"));
    }

    @Test
    void maxConsecutiveAutoReplyGoesToTheUserOrCompletes() {
        String agents = """
                agents:
                - {name: Writer, system_message: w, max_consecutive_auto_reply: 1}
                """;
        String loop = "handoff_rules:\n- {source_agent: Writer, target_agent: Writer, handoff_type: after_work}\n";
        Workflow hitl = Manifests.of("max_turns: 9\nhuman_in_the_loop: true\n").with("agents.yaml", agents)
                .with("handoffs.yaml", loop).load();
        Workflow alone = Manifests.of("max_turns: 9\n").with("agents.yaml", agents).with("handoffs.yaml", loop).load();
        ConversationState once = spoke(ConversationState.start(Map.of()), "Writer");
        assertEquals(new Decision.AwaitInput("max_consecutive_auto_reply"), planner.plan(hitl, once, "c1"));
        assertEquals(new Decision.Complete("max_consecutive_auto_reply"), planner.plan(alone, once, "c1"));
        // The user speaking resets the count.
        assertEquals(new Decision.Speak("Writer"), planner.plan(hitl, once.afterUserInput("go on", false, 40), "c1"));
    }

    @Test
    void aToolResultReturnsTheTurnToTheCallerAndATransferWins() {
        Workflow workflow = defaultWorkflow();
        ToolCall call = new ToolCall("call_1", "lookup", JsonNodeFactory.instance.objectNode());
        ConversationState afterTool = state(Map.of())
                .withMessages(List.of(ConversationState.Message.assistant("Reviewer", null, List.of(call), false),
                        ConversationState.Message.tool("call_1", "42")), 40)
                .afterToolCalls("Reviewer", null);
        assertEquals(new Decision.Speak("Reviewer"), planner.plan(workflow, afterTool, "c1"));
        assertEquals(1, afterTool.turns(), "a tool round counts toward max_turns");
        assertEquals(Map.of(), afterTool.consecutive(), "but it is not a new reply");
        assertEquals(new Decision.AwaitInput("handoff"), planner.plan(workflow, spoke(state(Map.of()), "Reviewer").withTransfer("user"), "c1"));
    }

    @Test
    void userDrivenChatsWaitForTheFirstMessage() {
        Workflow workflow = Manifests.of("max_turns: 5\nstartup_mode: UserDriven\n").load();
        assertEquals(new Decision.AwaitInput("user_driven"), planner.plan(workflow, ConversationState.start(Map.of()), "c1"));
        ConversationState asked = ConversationState.start(Map.of()).afterUserInput("hello", false, 40);
        assertEquals(new Decision.Speak("Writer"), planner.plan(workflow,
                new ConversationState(asked.messages(), Map.of(), null, null, 0, Map.of(), null), "c1"));
    }

    @Test
    void roundRobinGoesInOrderInitialFirstUserLast() {
        Workflow workflow = Manifests.of("max_turns: 9\norchestration_pattern: RoundRobinPattern\ninitial_agent: Reviewer\nhuman_in_the_loop: true\n")
                .with("handoffs.yaml", "handoff_rules:\n- {source_agent: Reviewer, target_agent: terminate, handoff_type: after_work}\n")
                .load();
        ConversationState state = ConversationState.start(Map.of());
        assertEquals(new Decision.Speak("Reviewer"), planner.plan(workflow, state, "c1"));
        // Handoff rules are not wired for RoundRobin.
        assertEquals(new Decision.Speak("Writer"), planner.plan(workflow, spoke(state, "Reviewer"), "c1"));
        assertEquals(new Decision.AwaitInput("handoff"), planner.plan(workflow, spoke(state, "Writer"), "c1"));
        assertEquals(new Decision.Speak("Reviewer"), planner.plan(workflow, spoke(state, "Writer").afterUserInput("x", false, 40), "c1"));
    }

    @Test
    void randomIsSeededByChatAndTurnAndNeverRepeatsTheSpeaker() {
        String agents = """
                agents:
                - {name: A, system_message: a, max_consecutive_auto_reply: 99}
                - {name: B, system_message: b, max_consecutive_auto_reply: 99}
                - {name: C, system_message: c, max_consecutive_auto_reply: 99}
                """;
        Workflow workflow = Manifests.of("max_turns: 50\norchestration_pattern: RandomPattern\n").with("agents.yaml", agents).load();
        Set<String> seen = new HashSet<>();
        ConversationState state = ConversationState.start(Map.of());
        for (int i = 0; i < 20; i++) {
            Decision first = planner.plan(workflow, spoke(state, "A"), "chat-" + i);
            assertEquals(first, planner.plan(workflow, spoke(state, "A"), "chat-" + i), "deterministic");
            String agent = ((Decision.Speak) first).agent();
            assertNotEquals("A", agent);
            seen.add(agent);
        }
        assertEquals(Set.of("B", "C"), seen);
    }

    @Test
    void autoAsksTheModelAndReadsItsAnswer() {
        Workflow workflow = Manifests.of("max_turns: 9\norchestration_pattern: AutoPattern\n").load();
        Decision decision = planner.plan(workflow, spoke(ConversationState.start(Map.of()), "Writer"), "c1");
        Decision.SelectSpeaker select = assertInstanceOf(Decision.SelectSpeaker.class, decision);
        assertEquals(List.of("Writer", "Reviewer"), select.candidates());
        assertEquals("Reviewer", TurnPlanner.parseSelection(" Reviewer ", select.candidates()));
        assertEquals("Reviewer", TurnPlanner.parseSelection("I pick Reviewer, then Writer", select.candidates()));
        assertEquals("Writer", TurnPlanner.parseSelection("nobody", select.candidates()));
        assertTrue(planner.resolve(workflow, spoke(ConversationState.start(Map.of()), "Writer"), "Reviewer") instanceof Decision.Speak);
    }

    @Test
    void theUsersStringLlmHandoffsAreAskedOnlyWhenNoExpressionOfTheirsHoldsAndTheAnswerPicksTheTarget() {
        Workflow workflow = Manifests.of("max_turns: 6\nhuman_in_the_loop: true\n").with("handoffs.yaml", """
                handoff_rules:
                - {source_agent: user, target_agent: terminate, handoff_type: condition, condition_type: string_llm,
                   condition: When the user approves}
                - {source_agent: user, target_agent: Reviewer, handoff_type: condition, condition_type: string_llm,
                   condition: When the user asks for a review}
                """).with("agents.yaml", "agents:\n- {name: Writer, system_message: You write.}\n- {name: Reviewer, system_message: You review.}\n")
                .load();
        ConversationState afterUser = ConversationState.start(Map.of()).afterUserInput("Looks good.", false, 40);

        Decision.CheckConditions check = assertInstanceOf(Decision.CheckConditions.class, planner.plan(workflow, afterUser, "c1"));
        assertEquals(2, check.rules().size());
        assertEquals("Writer", check.otherwise(), "no after_work: the agent before the user, else the initial one");
        assertEquals("terminate", TurnPlanner.parseCondition("1", check));
        assertEquals("Reviewer", TurnPlanner.parseCondition(" 2.\n", check));
        assertEquals("Writer", TurnPlanner.parseCondition("None of the 2 conditions is met: 0", check), "only a bare number counts");
        assertEquals("Writer", TurnPlanner.parseCondition("0", check));
        assertEquals("Writer", TurnPlanner.parseCondition("7", check), "a number naming no condition");
        assertEquals("Writer", TurnPlanner.parseCondition("none", check));
    }
}

package ai.mozaiks.workflows;

import static ai.mozaiks.workflows.Manifests.CONTEXT;
import static ai.mozaiks.workflows.Manifests.HANDOFFS;
import static ai.mozaiks.workflows.Manifests.ORCHESTRATOR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.workflows.manifest.HandoffCondition;
import ai.mozaiks.workflows.manifest.HandoffRule;
import ai.mozaiks.workflows.manifest.HandoffTarget;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HandoffsManifestTest {
    private static final String VARIABLES = """
            definitions:
            - name: draft_ready
              type: boolean
              source: {type: state, default: false}
            - name: revisions
              type: integer
              source: {type: runtime, default: 0}
            """;

    private static Manifests handoffs(String yaml) {
        return Manifests.base().with(CONTEXT, VARIABLES).with(HANDOFFS, yaml);
    }

    @Test
    void readsEveryKindOfRule() {
        Workflow workflow = handoffs("""
                handoff_rules:
                - {source_agent: Writer, target_agent: Reviewer, handoff_type: condition, condition_type: expression,
                   condition_scope: null, condition: '${draft_ready} == True', transition_target: AgentTarget}
                - {source_agent: Writer, target_agent: Reviewer, handoff_type: condition, condition_type: expression,
                   condition_scope: pre, condition: '${revisions} >= 3'}
                - {source_agent: Writer, target_agent: user, handoff_type: after_work, transition_target: RevertToUserTarget}
                - {source_agent: Reviewer, target_agent: Writer, handoff_type: condition, condition_type: string_llm,
                   condition: The draft needs another revision.}
                - {source_agent: user, target_agent: terminate, handoff_type: condition, condition_type: string_llm,
                   condition: The user is done., transition_target: TerminateTarget}
                """).clean();

        List<HandoffRule> rules = workflow.handoffs();
        assertEquals(5, rules.size());

        HandoffRule afterTurn = rules.get(0);
        assertEquals("Writer", afterTurn.sourceAgent());
        assertEquals(new HandoffTarget.Agent("Reviewer"), afterTurn.target());
        HandoffCondition.Context context = (HandoffCondition.Context) afterTurn.condition().orElseThrow();
        assertFalse(context.beforeReply());
        assertTrue(context.expression().evaluate(Map.of("draft_ready", true)));

        HandoffCondition.Context pre = (HandoffCondition.Context) rules.get(1).condition().orElseThrow();
        assertTrue(pre.beforeReply());

        assertTrue(rules.get(2).isAfterWork());
        assertEquals(new HandoffTarget.User(), rules.get(2).target());
        assertEquals(Optional.of(new HandoffCondition.Llm("The draft needs another revision.")), rules.get(3).condition());
        assertTrue(rules.get(4).fromUser());
        assertEquals(new HandoffTarget.Terminate(), rules.get(4).target());

        assertEquals(3, workflow.handoffsFrom("Writer").size());
        assertEquals(1, workflow.handoffsFrom(HandoffRule.USER).size());
    }

    @Test
    void infersTheRuleAndConditionTypesAsTheRuntimeDoes() {
        List<HandoffRule> rules = handoffs("""
                handoff_rules:
                - {source_agent: Writer, target_agent: Reviewer, condition: '${draft_ready}'}
                - {source_agent: Reviewer, target_agent: Writer, condition: The review found problems.}
                - {source_agent: Reviewer, target_agent: user}
                """).clean().handoffs();

        assertTrue(rules.get(0).condition().orElseThrow() instanceof HandoffCondition.Context);
        assertTrue(rules.get(1).condition().orElseThrow() instanceof HandoffCondition.Llm);
        assertTrue(rules.get(2).isAfterWork());
    }

    @Test
    void acceptsTheTargetAndScopeAliases() {
        List<HandoffRule> rules = handoffs("""
                handoff_rules:
                - {source_agent: Writer, target_agent: UserProxy, handoff_type: after_work}
                - {source_agent: Reviewer, target_agent: END, handoff_type: after_work}
                - {source_agent: user_proxy, target_agent: stop, condition: Done.}
                - {source_agent: Writer, target_agent: Reviewer, condition: '${draft_ready}', condition_scope: before_reply}
                - {source_agent: Writer, target_agent: Reviewer, condition: '${draft_ready}', condition_scope: immediate}
                - {source_agent: Writer, target_agent: Reviewer, condition: '${draft_ready}', condition_scope: context_pre}
                """).clean().handoffs();

        assertEquals(new HandoffTarget.User(), rules.get(0).target());
        assertEquals(new HandoffTarget.Terminate(), rules.get(1).target());
        assertEquals(HandoffRule.USER, rules.get(2).sourceAgent());
        for (HandoffRule rule : rules.subList(3, 6)) {
            assertTrue(((HandoffCondition.Context) rule.condition().orElseThrow()).beforeReply());
        }
    }

    @Test
    void reportsUnknownAgents() {
        assertEquals(List.of(
                "handoffs.yaml: handoff_rules[0].source_agent: unknown agent \"Editor\"",
                "handoffs.yaml: handoff_rules[2].target_agent: unknown agent \"Reviewr\""),
                handoffs("""
                        handoff_rules:
                        - {source_agent: Editor, target_agent: user, handoff_type: after_work}
                        - {source_agent: Writer, target_agent: user, handoff_type: after_work}
                        - {source_agent: Writer, target_agent: Reviewr, condition: '${draft_ready}'}
                        """).errors());
    }

    @Test
    void reportsConditionProblems() {
        assertEquals(List.of(
                "handoffs.yaml: handoff_rules[0].condition: invalid expression: \"&&\" is not supported; use \"and\" or \"&\" at column 16",
                "handoffs.yaml: handoff_rules[1].condition: is required for a condition rule",
                "handoffs.yaml: handoff_rules[2].handoff_type: unknown value \"sometimes\" (expected after_work, condition)",
                "handoffs.yaml: handoff_rules[3].condition_type: unknown value \"regex\" (expected expression, string_llm)",
                "handoffs.yaml: handoff_rules[4].source_agent: \"terminate\" cannot hand off; use an agent or user",
                "handoffs.yaml: handoff_rules[5].target_agent: is required",
                "handoffs.yaml: handoff_rules[6].condition: unknown context variable \"approved\""),
                handoffs("""
                        handoff_rules:
                        - {source_agent: Writer, target_agent: Reviewer, condition: '${draft_ready} && ${revisions}'}
                        - {source_agent: Writer, target_agent: Reviewer, handoff_type: condition, condition: '  '}
                        - {source_agent: Writer, target_agent: Reviewer, handoff_type: sometimes}
                        - {source_agent: Writer, target_agent: Reviewer, condition: x, condition_type: regex}
                        - {source_agent: terminate, target_agent: Reviewer, handoff_type: after_work}
                        - {source_agent: Writer, handoff_type: after_work}
                        - {source_agent: Writer, target_agent: Reviewer, condition: '${draft_ready} and not ${approved}'}
                        """).errors());
    }

    @Test
    void reportsConditionsTooDeepOrTooLongAsLoadErrors() {
        assertEquals(List.of(
                "handoffs.yaml: handoff_rules[0].condition: invalid expression: nested more than 64 levels deep at column 257",
                "handoffs.yaml: handoff_rules[1].condition: invalid expression: longer than 4096 characters at column 4097"),
                handoffs("""
                        handoff_rules:
                        - {source_agent: Writer, target_agent: Reviewer, condition: '%s${draft_ready}'}
                        - {source_agent: Writer, target_agent: Reviewer, condition: '%s${draft_ready}'}
                        """.formatted("not ".repeat(65), "not ".repeat(15_000))).errors());
    }

    @Test
    void conditionsMayUseTheRuntimesOwnVariables() {
        handoffs("""
                handoff_rules:
                - {source_agent: Writer, target_agent: Reviewer, condition: "${workflow_name} == 'demo' and ${app_id} != None"}
                """).clean();
    }

    @Test
    void frontendVariablesAreAllowedWithAWarning() {
        assertEquals(List.of("handoffs.yaml: handoff_rules[0].condition: context variable \"ui_plan\" is not declared;"
                        + " it must come from the frontend context"),
                handoffs("""
                        handoff_rules:
                        - {source_agent: Writer, target_agent: Reviewer, condition: "${ui_plan} == 'pro'"}
                        """).warnings());
    }

    @Test
    void warnsAboutRulesTheRuntimeIgnoresOrOverrides() {
        assertEquals(List.of(
                "handoffs.yaml: handoff_rules[0].condition: ignored: an after_work rule always applies",
                "handoffs.yaml: handoff_rules[1].transition_target: \"TerminateTarget\" does not match target_agent; target_agent decides",
                "handoffs.yaml: handoff_rules[1]: replaces the after_work rule handoff_rules[0] of \"Writer\" (the last one wins)",
                "handoffs.yaml: handoff_rules[2].condition_scope: unknown scope \"later\"; the condition is checked after the agent's turn",
                "handoffs.yaml: handoff_rules[3].condition_scope: ignored: condition_scope applies to expression conditions only",
                "handoffs.yaml: handoff_rules[3].priority: unknown key (ignored)"),
                handoffs("""
                        handoff_rules:
                        - {source_agent: Writer, target_agent: user, handoff_type: after_work, condition: '${draft_ready}'}
                        - {source_agent: Writer, target_agent: Reviewer, handoff_type: after_work, transition_target: TerminateTarget}
                        - {source_agent: Writer, target_agent: Reviewer, condition: '${draft_ready}', condition_scope: later}
                        - {source_agent: Reviewer, target_agent: user, condition: Looks good., condition_scope: pre, priority: 1}
                        """).warnings().stream().sorted().toList());
    }

    @Test
    void warnsThatOnlyTheDefaultPatternUsesHandoffs() {
        assertEquals(List.of("handoffs.yaml: handoff_rules: ignored: handoff rules apply only with orchestration_pattern DefaultPattern"),
                handoffs("handoff_rules:\n- {source_agent: Writer, target_agent: user}\n")
                        .with(ORCHESTRATOR, "orchestration_pattern: AutoPattern\n").warnings());
    }
}

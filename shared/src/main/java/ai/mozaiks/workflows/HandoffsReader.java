package ai.mozaiks.workflows;

import ai.mozaiks.workflows.expression.ContextExpression;
import ai.mozaiks.workflows.expression.ExpressionSyntaxException;
import ai.mozaiks.workflows.manifest.HandoffCondition;
import ai.mozaiks.workflows.manifest.HandoffRule;
import ai.mozaiks.workflows.manifest.HandoffTarget;
import ai.mozaiks.workflows.manifest.OrchestrationPattern;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Reads {@code handoffs.yaml}, with the runtime's defaults and inferences (see each method). */
final class HandoffsReader {
    static final String FILE = "handoffs.yaml";

    private static final Set<String> RULE_KEYS = Set.of(
            "source_agent", "target_agent", "handoff_type", "condition_type", "condition_scope", "condition",
            "transition_target");
    private static final Set<String> BEFORE_REPLY_SCOPES = Set.of("pre", "before_reply", "immediate", "context_pre");
    private static final Map<String, Class<? extends HandoffTarget>> TRANSITION_TARGETS = Map.of(
            "AgentTarget", HandoffTarget.Agent.class,
            "RevertToUserTarget", HandoffTarget.User.class,
            "TerminateTarget", HandoffTarget.Terminate.class);

    private enum Kind { AFTER_WORK, CONDITION }

    private enum ConditionType { EXPRESSION, STRING_LLM }

    private HandoffsReader() {
    }

    static List<HandoffRule> read(ManifestNode root, SymbolTable symbols, OrchestrationPattern pattern) {
        root.warnUnknownKeys(Set.of("handoff_rules"));
        ManifestNode rulesNode = root.get("handoff_rules");
        List<ManifestNode> items = rulesNode.list();
        if (!items.isEmpty() && !pattern.usesHandoffRules()) {
            rulesNode.warning("ignored: handoff rules apply only with orchestration_pattern DefaultPattern");
        }
        List<HandoffRule> rules = new ArrayList<>();
        Map<String, String> afterWorkBySource = new HashMap<>();
        for (ManifestNode item : items) {
            if (!item.expectMapping()) {
                continue;
            }
            item.warnUnknownKeys(RULE_KEYS);
            rule(item, symbols).ifPresent(rule -> {
                if (rule.isAfterWork()) {
                    String previous = afterWorkBySource.put(rule.sourceAgent(), item.path());
                    if (previous != null) {
                        item.warning("replaces the after_work rule " + previous + " of \"" + rule.sourceAgent()
                                + "\" (the last one wins)");
                    }
                }
                rules.add(rule);
            });
        }
        return rules;
    }

    private static Optional<HandoffRule> rule(ManifestNode item, SymbolTable symbols) {
        Optional<String> source = source(item.get("source_agent"), symbols);
        Optional<HandoffTarget> target = target(item.get("target_agent"), symbols);
        checkTransitionTarget(item.get("transition_target"), target);

        ManifestNode conditionNode = item.get("condition");
        Optional<String> text = conditionNode.string().filter(condition -> !condition.isBlank());
        Optional<Kind> kind = item.get("handoff_type").choice(HandoffsReader::kind, List.of("after_work", "condition"));
        if (item.get("handoff_type").present() && kind.isEmpty()) {
            return Optional.empty();
        }
        // Without a handoff_type, a rule with a condition is conditional.
        Kind resolved = kind.orElse(text.isPresent() ? Kind.CONDITION : Kind.AFTER_WORK);

        Optional<HandoffCondition> condition = Optional.empty();
        if (resolved == Kind.AFTER_WORK) {
            text.ifPresent(ignored -> conditionNode.warning("ignored: an after_work rule always applies"));
        } else if (text.isEmpty()) {
            conditionNode.error("is required for a condition rule");
            return Optional.empty();
        } else {
            condition = condition(item, text.get(), symbols);
            if (condition.isEmpty()) {
                return Optional.empty();
            }
        }
        if (source.isEmpty() || target.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new HandoffRule(source.get(), target.get(), condition));
    }

    private static Optional<String> source(ManifestNode node, SymbolTable symbols) {
        return node.requiredString().flatMap(name -> {
            if (Names.isUser(name)) {
                return Optional.of(HandoffRule.USER);
            }
            if (Names.isTerminate(name)) {
                node.error("\"" + name + "\" cannot hand off; use an agent or user");
                return Optional.empty();
            }
            symbols.useAgent(node, name);
            return Optional.of(name);
        });
    }

    private static Optional<HandoffTarget> target(ManifestNode node, SymbolTable symbols) {
        return node.requiredString().map(name -> {
            if (Names.isUser(name)) {
                return new HandoffTarget.User();
            }
            if (Names.isTerminate(name)) {
                return new HandoffTarget.Terminate();
            }
            symbols.useAgent(node, name);
            return new HandoffTarget.Agent(name);
        });
    }

    /**
     * {@code condition_type} may be left out: a condition containing "${" is an expression, anything
     * else is put to the model. {@code condition_scope: pre} (or an alias) checks an expression before the
     * agent replies; otherwise after its turn.
     */
    private static Optional<HandoffCondition> condition(ManifestNode item, String text, SymbolTable symbols) {
        ManifestNode typeNode = item.get("condition_type");
        Optional<ConditionType> type = typeNode.choice(HandoffsReader::conditionType, List.of("expression", "string_llm"));
        if (typeNode.present() && type.isEmpty()) {
            return Optional.empty();
        }
        ConditionType resolved = type.orElse(text.contains("${") ? ConditionType.EXPRESSION : ConditionType.STRING_LLM);

        ManifestNode scopeNode = item.get("condition_scope");
        Optional<String> scope = scopeNode.string().filter(value -> !value.isBlank());
        boolean beforeReply = scope.filter(BEFORE_REPLY_SCOPES::contains).isPresent();
        if (scope.isPresent() && !beforeReply) {
            scopeNode.warning("unknown scope \"" + scope.get() + "\"; the condition is checked after the agent's turn");
        }

        ManifestNode conditionNode = item.get("condition");
        if (resolved == ConditionType.STRING_LLM) {
            if (beforeReply) {
                scopeNode.warning("ignored: condition_scope applies to expression conditions only");
            }
            return Optional.of(new HandoffCondition.Llm(text));
        }
        try {
            ContextExpression expression = ContextExpression.parse(text);
            expression.variables().forEach(variable -> symbols.useVariable(conditionNode, variable));
            return Optional.of(new HandoffCondition.Context(expression, beforeReply));
        } catch (ExpressionSyntaxException e) {
            conditionNode.error("invalid expression: " + e.getMessage());
            return Optional.empty();
        }
    }

    // Informational in the runtime (target_agent decides), but a mismatch is almost certainly a mistake.
    private static void checkTransitionTarget(ManifestNode node, Optional<HandoffTarget> target) {
        node.string().ifPresent(name -> {
            Class<? extends HandoffTarget> expected = TRANSITION_TARGETS.get(name);
            if (expected == null) {
                node.warning("unknown value \"" + name + "\" (expected AgentTarget, RevertToUserTarget, TerminateTarget)");
            } else if (target.isPresent() && !expected.isInstance(target.get())) {
                node.warning("\"" + name + "\" does not match target_agent; target_agent decides");
            }
        });
    }

    private static Optional<Kind> kind(String value) {
        return switch (value) {
            case "after_work" -> Optional.of(Kind.AFTER_WORK);
            case "condition" -> Optional.of(Kind.CONDITION);
            default -> Optional.empty();
        };
    }

    private static Optional<ConditionType> conditionType(String value) {
        return switch (value) {
            case "expression" -> Optional.of(ConditionType.EXPRESSION);
            case "string_llm" -> Optional.of(ConditionType.STRING_LLM);
            default -> Optional.empty();
        };
    }
}

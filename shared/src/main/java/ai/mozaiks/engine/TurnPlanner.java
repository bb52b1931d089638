package ai.mozaiks.engine;

import ai.mozaiks.workflows.Workflow;
import ai.mozaiks.workflows.manifest.AgentSpec;
import ai.mozaiks.workflows.manifest.HandoffCondition;
import ai.mozaiks.workflows.manifest.HandoffRule;
import ai.mozaiks.workflows.manifest.HandoffTarget;
import ai.mozaiks.workflows.manifest.OrchestrationPattern;
import ai.mozaiks.workflows.manifest.StartupMode;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decides who speaks next, as AG2's group patterns do ({@code group_utils.determine_next_agent}).
 * Pure: no I/O, no clock; the same workflow, state and chat id always give the same decision.
 *
 * <ol>
 *   <li>{@code max_turns} reached → {@link Decision.Complete} ({@code max_turns}).</li>
 *   <li>First turn: the initial agent; a {@code UserDriven} chat without a user message waits for one.</li>
 *   <li>A {@code transfer_to_*} tool chose a target → that target.</li>
 *   <li>The last message is a tool result → the agent that called the tool continues (no new reply counted,
 *       no {@code pre} conditions, no consecutive-reply limit).</li>
 *   <li>The user just spoke → DefaultPattern: the user's expression conditions in order; none met and the user has
 *       {@code string_llm} handoffs → ask the model which is met ({@link Decision.CheckConditions}); else the user's
 *       after_work, else the agent before the user; RoundRobin: the first agent; Random: a random
 *       agent; Auto: ask the model.</li>
 *   <li>Agent X just replied → DefaultPattern: X's after-reply condition rules in declaration order, then
 *       X's after_work (the last one wins), else terminate (the group after-work of DefaultPattern);
 *       RoundRobin: the next in the order initial agent first, then manifest order, user last (with
 *       human in the loop); Random: a random choice among the others (user included with human in the
 *       loop), seeded by chat id and turn; Auto: ask the model ({@link Decision.SelectSpeaker}).</li>
 * </ol>
 * Then {@link #resolve}: {@code user} → {@link Decision.AwaitInput}; {@code terminate} → {@link Decision.Complete};
 * an agent → its {@code pre} conditions (DefaultPattern), checked before it would reply, may hand off at once
 * (followed up to one hop per agent, so a cycle ends); finally, an agent that already gave
 * {@code max_consecutive_auto_reply} replies since the user last spoke does not reply again: the turn goes
 * to the user with human in the loop, otherwise the chat completes ({@code max_consecutive_auto_reply}).
 */
public final class TurnPlanner {
    public static final String USER = "user";
    public static final String TERMINATE = "terminate";
    /** The reason a chat that took its {@code max_turns} ends with ({@link ai.mozaiks.session.ChatStatus#MAX_TURNS_REACHED}). */
    public static final String MAX_TURNS = "max_turns";
    private static final Pattern NUMBER = Pattern.compile("(\\d{1,3})\\.?");

    public Decision plan(Workflow workflow, ConversationState state, String chatId) {
        if (state.turns() >= workflow.orchestrator().maxTurns()) {
            return new Decision.Complete(MAX_TURNS);
        }
        if (state.lastSpeaker() == null) {
            if (workflow.orchestrator().startupMode() == StartupMode.USER_DRIVEN && !state.hasUserMessage()) {
                return new Decision.AwaitInput("user_driven");
            }
            return resolve(workflow, state, workflow.initialAgent());
        }
        if (state.transferTo() != null) {
            return resolve(workflow, state, state.transferTo());
        }
        ConversationState.Message last = state.lastMessage();
        if (last != null && last.role() == ConversationState.Message.Role.TOOL && !USER.equals(state.lastSpeaker())) {
            return new Decision.Speak(state.lastSpeaker());
        }
        OrchestrationPattern pattern = workflow.orchestrator().orchestrationPattern();
        String speaker = state.lastSpeaker();
        return switch (pattern) {
            case DEFAULT -> {
                String met = conditionMet(workflow, state, speaker);
                String otherwise = afterWork(workflow, speaker);
                if (otherwise == null) {
                    otherwise = USER.equals(speaker) ? (state.lastAgent() != null ? state.lastAgent() : workflow.initialAgent())
                            : TERMINATE;
                }
                // An agent's string_llm handoffs are tools its model may call; the user has no model, so theirs are asked.
                List<HandoffRule> asked = USER.equals(speaker) && met == null ? llmRules(workflow, speaker) : List.of();
                yield asked.isEmpty() ? resolve(workflow, state, met != null ? met : otherwise)
                        : new Decision.CheckConditions(asked, otherwise);
            }
            case ROUND_ROBIN -> resolve(workflow, state, nextInOrder(workflow, speaker));
            case RANDOM -> resolve(workflow, state, random(workflow, speaker, chatId, state.turns()));
            case AUTO -> new Decision.SelectSpeaker(candidates(workflow));
        };
    }

    /** Turns a chosen target into a decision: {@code pre} handoffs, user, terminate, reply limits. */
    public Decision resolve(Workflow workflow, ConversationState state, String target) {
        List<String> hops = new ArrayList<>();
        String current = target;
        while (true) {
            if (TERMINATE.equals(current)) {
                return new Decision.Complete(TERMINATE);
            }
            if (USER.equals(current)) {
                return new Decision.AwaitInput(hops.isEmpty() ? "handoff" : "pre_condition");
            }
            if (!workflow.orchestrator().orchestrationPattern().usesHandoffRules() || hops.size() > workflow.agents().size()) {
                break;
            }
            String preTarget = preCondition(workflow, state, current);
            if (preTarget == null || hops.contains(current)) {
                break;
            }
            hops.add(current);
            current = preTarget;
        }
        AgentSpec agent = workflow.agent(current)
                .orElseThrow(() -> new IllegalStateException("handoff to unknown agent \"" + target + "\""));
        if (state.consecutive().getOrDefault(current, 0) >= agent.maxConsecutiveAutoReply()) {
            return workflow.orchestrator().humanInTheLoop()
                    ? new Decision.AwaitInput("max_consecutive_auto_reply")
                    : new Decision.Complete("max_consecutive_auto_reply");
        }
        return new Decision.Speak(current, hops);
    }

    /** The agent an AutoPattern manager's answer names: the exact name, else the first named in it, else the first candidate. */
    public static String parseSelection(String answer, List<String> candidates) {
        String text = answer == null ? "" : answer.strip();
        for (String candidate : candidates) {
            if (candidate.equals(text)) {
                return candidate;
            }
        }
        int best = Integer.MAX_VALUE;
        String chosen = null;
        for (String candidate : candidates) {
            int at = text.indexOf(candidate);
            if (at >= 0 && at < best) {
                best = at;
                chosen = candidate;
            }
        }
        return chosen != null ? chosen : candidates.get(0);
    }

    /** Who may speak under Auto/RoundRobin/Random: the agents, initial first, then the user with human in the loop. */
    public static List<String> candidates(Workflow workflow) {
        List<String> order = new ArrayList<>();
        order.add(workflow.initialAgent());
        workflow.agents().forEach(agent -> {
            if (!order.contains(agent.name())) {
                order.add(agent.name());
            }
        });
        if (workflow.orchestrator().humanInTheLoop()) {
            order.add(USER);
        }
        return order;
    }

    static String target(HandoffTarget target) {
        if (target instanceof HandoffTarget.Agent agent) {
            return agent.name();
        }
        return target instanceof HandoffTarget.User ? USER : TERMINATE;
    }

    /** The target of the first of the source's expression conditions (checked after its turn) that holds, if any. */
    private static String conditionMet(Workflow workflow, ConversationState state, String source) {
        for (HandoffRule rule : workflow.handoffsFrom(source)) {
            if (rule.condition().orElse(null) instanceof HandoffCondition.Context context && !context.beforeReply()
                    && context.expression().evaluate(state.variables())) {
                return target(rule.target());
            }
        }
        return null;
    }

    /** The source's after_work target (the last one wins), if it has one. */
    private static String afterWork(Workflow workflow, String source) {
        String afterWork = null;
        for (HandoffRule rule : workflow.handoffsFrom(source)) {
            if (rule.isAfterWork()) {
                afterWork = target(rule.target());
            }
        }
        return afterWork;
    }

    private static List<HandoffRule> llmRules(Workflow workflow, String source) {
        return workflow.handoffsFrom(source).stream().filter(rule -> rule.condition().orElse(null) instanceof HandoffCondition.Llm).toList();
    }

    /**
     * The target an answer to {@link Decision.CheckConditions} picks: the rule it names (1-based) when it is a bare number,
     * else {@code otherwise}. Anything wordier is read as no condition met: a misread must not end a chat.
     */
    public static String parseCondition(String answer, Decision.CheckConditions check) {
        Matcher number = NUMBER.matcher(answer == null ? "" : answer.strip());
        if (number.matches()) {
            int chosen = Integer.parseInt(number.group(1));
            if (chosen >= 1 && chosen <= check.rules().size()) {
                return target(check.rules().get(chosen - 1).target());
            }
        }
        return check.otherwise();
    }

    private static String preCondition(Workflow workflow, ConversationState state, String agent) {
        for (HandoffRule rule : workflow.handoffsFrom(agent)) {
            if (rule.condition().orElse(null) instanceof HandoffCondition.Context context && context.beforeReply()
                    && context.expression().evaluate(state.variables())) {
                return target(rule.target());
            }
        }
        return null;
    }

    private static String nextInOrder(Workflow workflow, String speaker) {
        List<String> order = candidates(workflow);
        int at = order.indexOf(speaker);
        return order.get((at + 1) % order.size());
    }

    private static String random(Workflow workflow, String speaker, String chatId, int turn) {
        List<String> choices = new ArrayList<>(candidates(workflow));
        if (choices.size() > 1) {
            choices.remove(speaker);
        }
        return choices.get(new Random(seed(chatId, turn)).nextInt(choices.size()));
    }

    static long seed(String chatId, int turn) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256")
                    .digest((chatId + ":" + turn).getBytes(StandardCharsets.UTF_8));
            long seed = 0;
            for (int i = 0; i < 8; i++) {
                seed = (seed << 8) | (hash[i] & 0xff);
            }
            return seed;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }


}

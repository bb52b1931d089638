package ai.mozaiks.engine;

import static ai.mozaiks.session.EventData.data;

import ai.mozaiks.persistence.AppCollection;
import ai.mozaiks.session.ChatFields;
import ai.mozaiks.session.EventKind;
import ai.mozaiks.session.InputFields;
import ai.mozaiks.workflows.Workflow;
import ai.mozaiks.workflows.manifest.StartupMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.bson.Document;
import reactor.core.publisher.Mono;

/**
 * One agent turn of a claimed step: {@link TurnPlanner} → the model ({@link AgentReplies}, its response recorded
 * before anything acts on it) → the tool calls
 * ({@link ToolRound}) → context-variable triggers and fan-outs ({@link FanOutDetector}) → the next plan (so a handoff
 * to the user or to terminate stops in the same step). It only builds up the {@link Turn}; the executor commits it.
 */
final class AgentTurn {
    /** The {@code error_code} of the {@code chat.error} of a chat whose app has used its monthly token budget. */
    static final String BUDGET_EXHAUSTED = "BUDGET_EXHAUSTED";
    static final String BUDGET_MESSAGE = "This app has used its monthly token budget. The conversation is kept: send a "
            + "message to go on once the budget is renewed next month or raised.";
    static final String CHILD_BUDGET_MESSAGE = "This app has used its monthly token budget; this part of the workflow stopped.";
    private final TurnPlanner planner;
    private final AgentReplies replies;
    private final ToolRound tools;
    private final EngineSettings settings;

    AgentTurn(TurnPlanner planner, AgentReplies replies, ToolRound tools, EngineSettings settings) {
        this.planner = planner;
        this.replies = replies;
        this.tools = tools;
        this.settings = settings;
    }

    /**
     * A new chat's variables and opening events. The app's settings are read here only, once per chat, and only
     * when the workflow declares a {@code config} variable; a secret that does not open fails the chat.
     */
    Mono<Void> start(Turn turn, Document chat, ChatWorkflows.Pinned found) {
        Workflow workflow = found.workflow();
        Set<String> keys = ContextState.configKeys(workflow);
        Mono<Map<String, String>> configured = keys.isEmpty() ? Mono.just(Map.of())
                : settings.config().values(turn.message.appId(), ChatWorkflows.PLATFORM.equals(found.ref()), keys);
        return configured.doOnNext(values -> {
            Map<String, Object> variables = ContextState.initial(workflow, turn.message.appId().value(), turn.message.chatId(),
                    chat.getString(ChatFields.USER_ID), values);
            turn.state = ConversationState.start(variables);
            turn.event(EventKind.RUN_START, data("workflow_name", workflow.name()));
            // A child's own first message (its parent chose it) is shown; the workflow's seed is hidden when agent-driven.
            String given = chat.getString(ChatFields.SEED_MESSAGE);
            Optional.ofNullable(given).or(() -> workflow.orchestrator().seedMessage()).ifPresent(seed -> {
                boolean hidden = given == null && workflow.orchestrator().startupMode() == StartupMode.AGENT_DRIVEN;
                turn.state = turn.state.withMessages(List.of(ConversationState.Message.user(seed, hidden)), settings.window());
                turn.event(EventKind.TEXT, data("agent", ConversationState.USER, "content", seed, "hidden", hidden,
                        "seed", true));
            });
        }).then();
    }

    /** Runs the turn; answers the chat's status and outcome after it. */
    Mono<StepOutcome> run(AppCollection results, Turn turn, Map<String, Document> recorded) {
        Decision decision = planner.plan(turn.workflow, turn.state, turn.message.chatId());
        Mono<Decision> chosen = decision instanceof Decision.SelectSpeaker select ? replies.selectSpeaker(turn, select)
                : decision instanceof Decision.CheckConditions check ? replies.checkConditions(turn, check)
                : Mono.just(decision);
        return chosen.flatMap(d -> d instanceof Decision.Speak speak
                        ? speak(results, turn, speak, recorded)
                        : Mono.just(settle(turn, d)))
                .onErrorResume(MonthlyBudget.Exhausted.class, exhausted -> Mono.just(outOfBudget(turn, exhausted)));
    }

    /**
     * The app's monthly token budget is used up, so no model call was made: the chat shows a {@code chat.error}
     * ({@value #BUDGET_EXHAUSTED}) and waits for its user, conversation intact, as after any turn that hands over to the
     * user; a message sent once the budget is renewed (next month) or raised goes on from there, and one sent before
     * meets the same error. A child workflow's chat has no user to wait for: it ends failed, so its fan-out can finish.
     */
    private StepOutcome outOfBudget(Turn turn, MonthlyBudget.Exhausted exhausted) {
        turn.event(EventKind.ERROR, data("message", turn.child ? CHILD_BUDGET_MESSAGE : BUDGET_MESSAGE,
                "error_code", BUDGET_EXHAUSTED, "chat_id", turn.message.chatId(), "step_seq", turn.message.stepSeq(),
                "tokens_used", exhausted.used, "monthly_token_budget", exhausted.budget));
        if (turn.child) {
            turn.event(EventKind.RUN_COMPLETE, data("status", "failed", "reason", "budget_exhausted"));
            return new StepOutcome.Failed("budget_exhausted");
        }
        turn.event(EventKind.INPUT_REQUEST, data("request_id", "step:" + turn.message.stepSeq(),
                "agent", turn.state.lastAgent() == null ? turn.workflow.initialAgent() : turn.state.lastAgent(),
                "reason", "budget_exhausted"));
        return new StepOutcome.AwaitingInput("budget_exhausted");
    }

    /** A decision that is not an agent's turn ends the step: complete, or wait for the user. */
    private StepOutcome settle(Turn turn, Decision decision) {
        if (decision instanceof Decision.Complete complete) {
            StepOutcome.Completed completed = new StepOutcome.Completed(complete.reason());
            turn.event(EventKind.RUN_COMPLETE, data("status", completed.status().wire(), "reason", complete.reason()));
            return completed;
        }
        if (decision instanceof Decision.AwaitInput await) {
            if (!turn.pending.isEmpty()) {
                // A message sent while the turn ran (the enqueue policy) answers this wait at once.
                takePending(turn);
                return new StepOutcome.Next(turn.message.stepSeq() + 1);
            }
            turn.event(EventKind.INPUT_REQUEST, data("request_id", "step:" + turn.message.stepSeq(),
                    // Before any agent spoke (a user-driven start) the agent that will answer asks.
                    "agent", turn.state.lastAgent() == null ? turn.workflow.initialAgent() : turn.state.lastAgent(),
                    "reason", await.reason()));
            return new StepOutcome.AwaitingInput(await.reason());
        }
        return new StepOutcome.Next(turn.message.stepSeq() + 1);
    }

    /** Takes the oldest pending input into the conversation, as {@link ChatInputs} does for a waiting chat. */
    void takePending(Turn turn) {
        Document first = turn.pending.get(0);
        String id = first.getString(InputFields.CLIENT_MESSAGE_ID);
        long seq = ((Number) first.get(InputFields.SEQ)).longValue();
        turn.state = turn.state.afterUserInput(first.getString(InputFields.TEXT), false, settings.window());
        turn.event(EventKind.INPUT_ACK, data(InputFields.CLIENT_MESSAGE_ID, id, "seq", seq, "pending", true));
        turn.changes.takeFirstPending(InputFields.inputKey(id), seq);
        turn.pending = List.of();
    }

    private Mono<StepOutcome> speak(AppCollection results, Turn turn, Decision.Speak speak, Map<String, Document> recorded) {
        String agent = speak.agent();
        turn.event(EventKind.SELECT_SPEAKER, data("agent", agent, "handed_off_by", speak.handedOffBy()));
        return replies.call(turn, agent).flatMap(reply -> afterReply(results, turn, agent, reply, recorded));
    }

    private Mono<StepOutcome> afterReply(AppCollection results, Turn turn, String agent, Reply reply,
                                         Map<String, Document> recorded) {
        FanOutDetector.Text text = FanOutDetector.read(turn, agent, reply.message().text());
        if (reply.usage() != null) {
            turn.event(EventKind.USAGE_DELTA, new LinkedHashMap<>(reply.usage()));
        }
        ConversationState.Message said = ConversationState.Message.assistant(agent, reply.message().content(),
                reply.message().toolCalls(), text.hidden());
        if (reply.message().toolCalls().isEmpty()) {
            turn.state = turn.state.withMessages(List.of(said), settings.window()).afterAgentReply(agent, null);
            if (text.fanOut().isPresent()) {
                // The children run as chats of their own; the commit leaves this one waiting for them, with no compute.
                turn.changes.awaitChildren(text.fanOut().get().toDocument());
                return Mono.just(new StepOutcome.AwaitingChildren(text.fanOut().get().runId()));
            }
            return Mono.just(settle(turn, nextAfterReply(turn)));
        }
        return tools.run(results, turn, agent, reply, recorded).map(round -> {
            List<ConversationState.Message> added = new ArrayList<>();
            added.add(said);
            added.addAll(round.messages());
            turn.state = turn.state.withMessages(added, settings.window());
            if (round.uiWait()) {
                turn.state = turn.state.afterToolCalls(agent, null);
                return new StepOutcome.AwaitingInput("ui_tool");
            }
            if (round.transfer() != null) {
                turn.state = turn.state.afterAgentReply(agent, round.transfer());
                return settle(turn, nextAfterReply(turn));
            }
            turn.state = turn.state.afterToolCalls(agent, null);
            return new StepOutcome.Next(turn.message.stepSeq() + 1);
        });
    }

    private Decision nextAfterReply(Turn turn) {
        Decision next = planner.plan(turn.workflow, turn.state, turn.message.chatId());
        return next instanceof Decision.Speak || next instanceof Decision.SelectSpeaker || next instanceof Decision.CheckConditions ? null : next;
    }

}

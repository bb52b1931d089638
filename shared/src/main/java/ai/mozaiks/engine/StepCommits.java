package ai.mozaiks.engine;

import static ai.mozaiks.session.EventData.data;

import ai.mozaiks.persistence.AppDatabase;
import ai.mozaiks.persistence.RuntimeCollection;
import ai.mozaiks.session.ChatStatus;
import ai.mozaiks.session.ChatStore;
import ai.mozaiks.session.EventKind;
import ai.mozaiks.session.EventRecorder;
import ai.mozaiks.session.InputFields;
import ai.mozaiks.session.NewEvent;
import ai.mozaiks.session.PendingEvents;
import ai.mozaiks.session.StepLease;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import reactor.core.publisher.Mono;

/**
 * Ends an attempt of a step: commits the turn to its chat ({@link ChatStore#commit}, which also reserves the events'
 * seqs and keeps them in the outbox), then puts the usage in its minute bucket and records the events; or gives the
 * lease back after a retryable failure.
 */
final class StepCommits {
    /** Tries of one step's commit (each miss means input moved the event counter meanwhile). */
    private static final int MAX_COMMITS = 8;

    private final EventRecorder recorder;
    private final UsageLedger ledger;
    private final StepHooks hooks;
    private final Clock clock;

    StepCommits(EventRecorder recorder, UsageLedger ledger, StepHooks hooks, Clock clock) {
        this.recorder = recorder;
        this.ledger = ledger;
        this.hooks = hooks;
        this.clock = clock;
    }

    Mono<StepOutcome> commit(Turn turn, StepOutcome outcome) {
        hooks.beforeCommit(turn.message.chatId(), turn.message.stepSeq());
        ChatStatus status = status(outcome);
        Instant stamp = now();
        List<NewEvent> out = List.copyOf(turn.out);
        UsageLedger.Totals usage = ledger.totals(out, stamp);
        turn.changes.addUsage(usage.prompt(), usage.completion(), usage.total(), usage.cached(), usage.cost(), usage.calls());
        long lastSeq = turn.eventBase + out.size();
        // The seqs after the counter as last seen are the step's, unless input took some meanwhile: then the commit
        // misses and is tried again from the counter's new value. A cancel requested during the turn makes it miss
        // too; the turn then ends as cancelled.
        return turn.chats.commit(turn.lease, turn.eventBase, status, stamp, turn.claimedConversation,
                        turn.state == null ? null : turn.state.toDocument(), out, turn.changes, outcome instanceof StepOutcome.Cancelled)
                .flatMap(before -> {
                    hooks.afterCommit(turn.message.chatId(), turn.message.stepSeq());
                    Mono<Void> recorded = out.isEmpty() ? Mono.empty() : recorded(turn, out, usage, stamp, lastSeq);
                    return recorded.then(status.terminal() ? unanswered(turn, status, ChatStore.pendingInputs(before)) : Mono.empty())
                            .thenReturn(outcome);
                })
                .switchIfEmpty(Mono.defer(() -> missed(turn, outcome)));
    }

    /** Commits the turn failed (see {@link #failing}). */
    Mono<StepOutcome> fail(Turn turn, String reason) {
        return commit(turn, failing(turn, reason));
    }

    /** Turns the step into a failure to commit: the error and run_complete events, and the outcome. */
    static StepOutcome failing(Turn turn, String reason) {
        // The turn's events are dropped, except the usage of model calls already made: those tokens were spent.
        List<Map<String, ?>> usage = turn.out.stream().filter(event -> event.kind() == EventKind.USAGE_DELTA)
                .<Map<String, ?>>map(NewEvent::data).toList();
        turn.out.clear();
        usage.forEach(data -> turn.event(EventKind.USAGE_DELTA, new LinkedHashMap<>(data)));
        turn.event(EventKind.ERROR, data("message", reason, "error_code", StepExecutor.STEP_FAILED, "step_seq", turn.message.stepSeq()));
        turn.event(EventKind.RUN_COMPLETE, data("status", "failed", "reason", reason));
        return new StepOutcome.Failed(reason);
    }

    /** Gives the chat up at once after a retryable failure, keeping the lease fields as the mark of an attempt. */
    Mono<Void> release(Turn turn) {
        return release(turn.chats, turn.lease);
    }

    Mono<Void> release(ChatStore chats, StepLease lease) {
        return chats.release(lease, now()).onErrorResume(ignored -> Mono.empty());
    }

    /** Stores a commit's events that are not in the log yet, and their usage in the minute bucket and month (once per step). */
    Mono<Void> storeMissing(AppDatabase database, StepMessage message, PendingEvents pending) {
        return recorder.storeMissing(message.appId(), message.chatId(), pending)
                .flatMap(stored -> !stored ? Mono.<Void>empty()
                        : ledger.addToMinute(database.collection(RuntimeCollection.USAGE_MINUTES),
                                database.collection(RuntimeCollection.USAGE_MONTHS), message.chatId(), pending.step(),
                                ledger.totals(pending.events(), pending.stamp())));
    }

    private static ChatStatus status(StepOutcome outcome) {
        if (outcome instanceof StepOutcome.Next) {
            return ChatStatus.RUNNING;
        } else if (outcome instanceof StepOutcome.AwaitingInput) {
            return ChatStatus.AWAITING_INPUT;
        } else if (outcome instanceof StepOutcome.AwaitingChildren) {
            return ChatStatus.AWAITING_CHILDREN;
        } else if (outcome instanceof StepOutcome.Completed completed) {
            return completed.status();
        } else if (outcome instanceof StepOutcome.Failed) {
            return ChatStatus.FAILED;
        } else if (outcome instanceof StepOutcome.Cancelled) {
            return ChatStatus.CANCELLED;
        }
        throw new IllegalStateException("not a committed outcome: " + outcome);
    }

    /**
     * Messages still waiting for a turn when the chat ended (sent during its last turn) get an answer too: a
     * {@code chat.input_ack} saying they were not taken. The commit took them out of {@code pending_inputs}; the
     * acks' keys make a repeat harmless. Rare, so it may cost an append of its own.
     */
    private Mono<Void> unanswered(Turn turn, ChatStatus status, List<Document> pending) {
        if (pending.isEmpty()) {
            return Mono.empty();
        }
        List<NewEvent> acks = new ArrayList<>();
        for (Document input : pending) {
            String id = input.getString(InputFields.CLIENT_MESSAGE_ID);
            acks.add(new NewEvent(InputFields.ackKey(id), EventKind.INPUT_ACK, data(InputFields.CLIENT_MESSAGE_ID, id,
                    "seq", input.get(InputFields.SEQ), "taken", false, "reason", "chat_" + status.wire())));
        }
        return recorder.record(turn.message.appId(), turn.message.chatId(), acks).then();
    }

    /** After the commit: usage into its minute bucket, the events into the log, then out to the chat's feed. */
    private Mono<Void> recorded(Turn turn, List<NewEvent> out, UsageLedger.Totals usage, Instant stamp, long lastSeq) {
        return ledger.addToMinute(turn.minutes, turn.months, turn.message.chatId(), turn.message.stepSeq(), usage)
                .then(recorder.recordCommitted(turn.message.appId(), turn.message.chatId(), lastSeq, out, stamp));
    }

    /**
     * A commit that missed: input appended events meanwhile (commit again after them), the user cancelled during the
     * turn (commit it cancelled), or the lease was lost (nothing to do: another attempt has the chat).
     */
    private Mono<StepOutcome> missed(Turn turn, StepOutcome outcome) {
        if (++turn.commits >= MAX_COMMITS) {
            return Mono.error(new IllegalStateException("step " + turn.message.stepSeq() + " of chat " + turn.message.chatId()
                    + " could not commit in " + MAX_COMMITS + " tries"));
        }
        return turn.chats.findLeased(turn.lease)
                .flatMap(chat -> {
                    turn.eventBase = ChatStore.eventSeq(chat);
                    if (outcome instanceof StepOutcome.Cancelled || !chat.getBoolean(InputFields.CANCEL_REQUESTED, false)) {
                        return commit(turn, outcome);
                    }
                    // The turn's events stay: what the agent said before the cancel is part of the transcript.
                    int next = turn.out.size();
                    turn.changes.clear();
                    turn.out.add(new NewEvent("step:" + turn.message.stepSeq() + ":" + next, EventKind.RUN_COMPLETE,
                            data("status", ChatStatus.CANCELLED.wire(), "reason", "cancel_requested")));
                    return commit(turn, new StepOutcome.Cancelled("cancel_requested"));
                })
                .defaultIfEmpty(new StepOutcome.Stale("the lease of step " + turn.message.stepSeq() + " was lost before the commit"));
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}

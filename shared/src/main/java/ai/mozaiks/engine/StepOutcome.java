package ai.mozaiks.engine;

import ai.mozaiks.session.ChatStatus;
import java.time.Duration;

/** What a step came to, and so what the queue trigger does next. */
public sealed interface StepOutcome {

    /** Committed; enqueue the step {@code stepSeq}. */
    record Next(long stepSeq) implements StepOutcome {
    }

    /** Committed; the chat waits for the user (human in the loop, a UI tool) with no compute. */
    record AwaitingInput(String reason) implements StepOutcome {
    }

    /** Committed; the chat waits with no compute while the child workflows of run {@code runId} run (a fan-out). */
    record AwaitingChildren(String runId) implements StepOutcome {
    }

    /** Committed; the chat is over. */
    record Completed(String reason) implements StepOutcome {
        /** The chat's status once committed: {@code max_turns_reached} when it ended by its turns, else {@code completed}. */
        public ChatStatus status() {
            return TurnPlanner.MAX_TURNS.equals(reason) ? ChatStatus.MAX_TURNS_REACHED : ChatStatus.COMPLETED;
        }
    }

    /** Committed as failed, with a {@code chat.error} event. */
    record Failed(String reason) implements StepOutcome {
    }

    /** Committed as cancelled (the user asked), with a {@code chat.run_complete} event of status cancelled. */
    record Cancelled(String reason) implements StepOutcome {
    }

    /** Another step holds the chat: make the message visible again after {@code after}. */
    record RetryLater(Duration after) implements StepOutcome {
    }

    /**
     * Not committed: the step failed transiently ({@code reason}, see {@link StepRetries}) and is back on the queue, hidden
     * for {@code after}, as its {@code attempt}-th retry.
     */
    record Retrying(int attempt, Duration after, String reason) implements StepOutcome {
    }

    /** Not run: this app is over its fair share here ({@link FairShare}); the message is back on the queue, hidden for {@code after}. */
    record Deferred(Duration after) implements StepOutcome {
    }

    /** A duplicate or stale message (the chat moved on, or is not running): acknowledge it, nothing done. */
    record Stale(String reason) implements StepOutcome {
    }
}

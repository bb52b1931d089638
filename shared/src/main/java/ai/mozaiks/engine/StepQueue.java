package ai.mozaiks.engine;

import ai.mozaiks.session.StepLease;
import java.time.Duration;
import java.util.Optional;
import org.bson.Document;
import reactor.core.publisher.Mono;

/** Where steps wait to run: one message is one unit of progress for one chat. */
public interface StepQueue {
    Mono<Void> enqueue(StepMessage message, Duration delay);

    /**
     * Enqueues {@code message} hidden for {@code delay} and answers how to take it back before it is seen (a step that
     * ran where it landed no longer needs its fallback). A queue that cannot take a message back answers {@link Held#NONE}:
     * the message is then seen and settled as any duplicate is.
     */
    default Mono<Held> hold(StepMessage message, Duration delay) {
        return enqueue(message, delay).thenReturn(Held.NONE);
    }

    /**
     * Readies {@code message}, due now, before the write that makes its step due (an input taking a waiting chat), so what
     * the queue does first overlaps that write: a step that will start in place has its slot taken and its fallback message
     * sent meanwhile ({@link InPlaceQueue}). {@link Ahead#due} follows once the write is done, {@link Ahead#cancel} when it
     * was not or the step waits after all. This default readies nothing: {@code due} enqueues.
     */
    default Ahead ahead(StepMessage message) {
        return enqueuing(this, message);
    }

    /** A step readied with nothing done ahead: {@code due} enqueues it on {@code queue}. */
    static Ahead enqueuing(StepQueue queue, StepMessage message) {
        return new Ahead() {
            @Override
            public Mono<Void> due() {
                return queue.enqueue(message, Duration.ZERO);
            }

            @Override
            public Mono<Void> cancel() {
                return Mono.empty();
            }

            @Override
            public Mono<Void> abandon() {
                return Mono.empty();
            }
        };
    }

    /** A step readied by {@link #ahead}. */
    interface Ahead {
        /** The write made the step due: it starts here or goes to the queue. */
        Mono<Void> due();

        /**
         * The lease a write that makes the step due may take for it, and how long it holds: a step started here then needs
         * no claim of its own ({@link #due(Document)}). None for a step that goes to the queue.
         */
        default Optional<Lease> lease() {
            return Optional.empty();
        }

        /** {@link #due()} after the write took {@link #lease}; {@code claimed} is the chat as that write left it. */
        default Mono<Void> due(Document claimed) {
            return due();
        }

        /** The write did not happen, or the step is not due after all: what was readied is given back. Never fails; after {@link #due}, does nothing. */
        Mono<Void> cancel();

        /**
         * It is not known whether the write happened (it failed, or was cancelled, after being sent): what holds this
         * instance is given back (and a {@link #lease} the write may have taken), but what is on the queue stays, to run the
         * step if it is due or be dropped as stale.
         * Never fails; after {@link #due} or {@link #cancel}, does nothing.
         */
        Mono<Void> abandon();
    }

    /** A step's lease, taken by the write that makes it due, for {@code duration}. */
    record Lease(StepLease lease, Duration duration) {
    }

    /** A message put on the queue hidden, that its sender may take back. */
    @FunctionalInterface
    interface Held {
        Held NONE = () -> Mono.empty();

        /** Deletes the message; one already seen (or gone) may stay: it is then settled as any duplicate. */
        Mono<Void> drop();

        /** Hides the message for {@code hiddenFor} from now, while its step still runs; never fails (it is then seen sooner). */
        default Mono<Void> extend(Duration hiddenFor) {
            return Mono.empty();
        }
    }
}

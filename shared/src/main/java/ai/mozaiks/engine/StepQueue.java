package ai.mozaiks.engine;

import java.time.Duration;
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

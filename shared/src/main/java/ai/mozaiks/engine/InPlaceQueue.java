package ai.mozaiks.engine;

import java.time.Duration;
import java.util.Objects;
import reactor.core.publisher.Mono;

/**
 * The step queue as the engine's producers see it (a user's message, a session start, a UI answer, a resumed parent, the
 * next step after a commit): a step due now starts on this instance when the runner takes it ({@link StepRunner#startHere}),
 * with its fallback message on the queue; otherwise, and for a step due later (a deferral, a retry's back-off), it goes to
 * the queue as is. Until a runner is attached every step goes to the queue.
 */
public final class InPlaceQueue implements StepQueue {
    private final StepQueue queue;
    private volatile StepRunner runner;

    public InPlaceQueue(StepQueue queue) {
        this.queue = Objects.requireNonNull(queue, "queue");
    }

    /** The runner that starts steps here; built after this queue, since it queues through it too. */
    public void attach(StepRunner runner) {
        this.runner = Objects.requireNonNull(runner, "runner");
    }

    @Override
    public Mono<Void> enqueue(StepMessage message, Duration delay) {
        StepRunner here = runner;
        if (here == null || delay.compareTo(Duration.ZERO) > 0) {
            return queue.enqueue(message, delay);
        }
        return here.startHere(message).flatMap(started -> started ? Mono.<Void>empty() : queue.enqueue(message, delay));
    }

    @Override
    public Ahead ahead(StepMessage message) {
        StepRunner here = runner;
        return here == null ? StepQueue.enqueuing(queue, message) : here.ahead(message);
    }

    @Override
    public Mono<Held> hold(StepMessage message, Duration delay) {
        return queue.hold(message, delay);
    }
}

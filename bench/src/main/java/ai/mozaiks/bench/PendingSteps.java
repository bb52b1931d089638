package ai.mozaiks.bench;

import ai.mozaiks.engine.StepMessage;
import ai.mozaiks.engine.StepQueue;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import reactor.core.publisher.Mono;

/**
 * An in-process step queue for the engine benches: pending messages in order, run by the bench itself so that only the
 * engine's own work is measured (no queue service, no polling). A delay is not kept: the bench runs what is pending.
 */
final class PendingSteps implements StepQueue {
    private final Deque<StepMessage> pending = new ArrayDeque<>();

    @Override
    public Mono<Void> enqueue(StepMessage message, Duration delay) {
        return Mono.fromRunnable(() -> {
            synchronized (this) {
                pending.addLast(message);
            }
        });
    }

    synchronized StepMessage poll() {
        return pending.pollFirst();
    }
}

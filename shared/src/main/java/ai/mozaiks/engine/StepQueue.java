package ai.mozaiks.engine;

import java.time.Duration;
import reactor.core.publisher.Mono;

/** Where steps wait to run: one message is one unit of progress for one chat. */
public interface StepQueue {
    Mono<Void> enqueue(StepMessage message, Duration delay);
}

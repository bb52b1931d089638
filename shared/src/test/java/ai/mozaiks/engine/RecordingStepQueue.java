package ai.mozaiks.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import reactor.core.publisher.Mono;

/** Keeps what was enqueued, in order, so a test can see which steps would run next (the Azure queue is tested apart). */
public final class RecordingStepQueue implements StepQueue {
    public final List<StepMessage> messages = Collections.synchronizedList(new ArrayList<>());

    @Override
    public Mono<Void> enqueue(StepMessage message, Duration delay) {
        return Mono.fromRunnable(() -> messages.add(message));
    }
}

package ai.mozaiks.engine;

import reactor.core.publisher.Mono;

/**
 * What the step queue trigger does with a message: run the step, then keep the chat moving —
 * enqueue the next step, or put this one back for later when the chat is busy. Stopping states
 * (awaiting input, completed, failed) enqueue nothing: a waiting chat costs no compute.
 */
public final class StepRunner {
    private final StepExecutor executor;
    private final StepQueue queue;

    public StepRunner(StepExecutor executor, StepQueue queue) {
        this.executor = executor;
        this.queue = queue;
    }

    public Mono<StepOutcome> run(StepMessage message) {
        return executor.run(message).flatMap(outcome -> {
            if (outcome instanceof StepOutcome.Next next) {
                return queue.enqueue(new StepMessage(message.appId(), message.chatId(), next.stepSeq()), java.time.Duration.ZERO)
                        .thenReturn(outcome);
            }
            if (outcome instanceof StepOutcome.RetryLater later) {
                return queue.enqueue(message, later.after()).thenReturn(outcome);
            }
            return Mono.just(outcome);
        });
    }
}

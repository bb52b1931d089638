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
    private final ChatInputs inputs;

    public StepRunner(StepExecutor executor, StepQueue queue, ChatInputs inputs) {
        this.executor = executor;
        this.queue = queue;
        this.inputs = inputs;
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
            if (outcome instanceof StepOutcome.AwaitingInput) {
                // A message that arrived while the turn was being committed is taken now, not left waiting.
                return inputs.drainPending(message.appId(), message.chatId()).thenReturn(outcome);
            }
            return Mono.just(outcome);
        });
    }
}

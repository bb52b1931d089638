package ai.mozaiks.functions.engine;

import ai.mozaiks.engine.AzureStepQueue;
import ai.mozaiks.engine.StepMessage;
import ai.mozaiks.engine.StepOutcome;
import ai.mozaiks.engine.StepRunner;
import ai.mozaiks.logging.InvocationLog;
import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.QueueTrigger;
import java.time.Duration;

/** Poison queue: a step the host gave up on ends its chat {@code failed}, visibly (never silently). */
public final class StepPoisonWorker {
    /** The wait for a live attempt to let the chat go, with room to commit; inside the host's function timeout. */
    private static final Duration BUDGET = StepRunner.POISON_WAIT.plusMinutes(1);

    private final StepRunner steps;

    public StepPoisonWorker(StepRunner steps) {
        this.steps = steps;
    }

    @FunctionName("failPoisonedStep")
    public void run(@QueueTrigger(name = "message", queueName = "%STEP_QUEUE%-poison", connection = "AzureWebJobsStorage") String message,
                    ExecutionContext context) {
        handle(message, context);
    }

    @FunctionName("failPoisonedBackgroundStep")
    public void runBackground(@QueueTrigger(name = "message", queueName = "%STEP_QUEUE%-background-poison",
            connection = "AzureWebJobsStorage") String message, ExecutionContext context) {
        handle(message, context);
    }

    private void handle(String message, ExecutionContext context) {
        StepMessage step = AzureStepQueue.parse(message);
        InvocationLog log = InvocationLog.of(context.getLogger(), context.getInvocationId()).withApp(step.appId()).withChat(step.chatId());
        StepOutcome outcome = steps.failPoisoned(step).block(BUDGET);
        log.info("poisoned step handled", "step_seq", step.stepSeq(), "outcome", String.valueOf(outcome));
    }
}

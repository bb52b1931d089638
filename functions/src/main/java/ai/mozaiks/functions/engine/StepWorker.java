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

/** Queues: one message is one step of one chat (usually one agent turn); child workflows' steps have their own queue. */
public final class StepWorker {
    /** Model calls stream for a while; well inside the host's ten-minute function timeout. */
    private static final Duration BUDGET = Duration.ofMinutes(8);

    private final StepRunner steps;

    public StepWorker(StepRunner steps) {
        this.steps = steps;
    }

    @FunctionName("runStep")
    public void run(@QueueTrigger(name = "message", queueName = "%STEP_QUEUE%", connection = "AzureWebJobsStorage") String message,
                    ExecutionContext context) {
        handle(message, context);
    }

    @FunctionName("runBackgroundStep")
    public void runBackground(@QueueTrigger(name = "message", queueName = "%STEP_QUEUE%-background", connection = "AzureWebJobsStorage")
                              String message, ExecutionContext context) {
        handle(message, context);
    }

    private void handle(String message, ExecutionContext context) {
        StepMessage step = AzureStepQueue.parse(message);
        InvocationLog log = InvocationLog.of(context.getLogger(), context.getInvocationId()).withApp(step.appId()).withChat(step.chatId());
        StepOutcome outcome = steps.run(step).block(BUDGET);
        log.info("step done", "step_seq", step.stepSeq(), "lane", step.lane().wire(), "outcome", String.valueOf(outcome));
    }
}

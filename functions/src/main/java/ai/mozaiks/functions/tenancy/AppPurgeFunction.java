package ai.mozaiks.functions.tenancy;

import ai.mozaiks.logging.InvocationLog;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.tenancy.AppPurger;
import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.TimerTrigger;
import java.time.Duration;

/** Timer: removes every document and blob of apps whose deletion grace period has ended. */
public final class AppPurgeFunction {
    /** Inside the host's ten-minute function timeout; an unfinished purge resumes on the next tick. */
    private static final Duration BUDGET = Duration.ofMinutes(9);

    private final AppPurger purger;

    public AppPurgeFunction(AppPurger purger) {
        this.purger = purger;
    }

    @FunctionName("purgeDeletedApps")
    public void run(@TimerTrigger(name = "timer", schedule = "%APP_PURGE_SCHEDULE%") String timer, ExecutionContext context) {
        InvocationLog log = InvocationLog.of(context.getLogger(), context.getInvocationId());
        Integer purged = purger.purgeDue((appId, what, removed) ->
                log.withApp(AppId.of(appId)).info("purge progress", "what", what, "removed", removed)).block(BUDGET);
        log.info("purge finished", "apps_purged", purged);
    }
}

package ai.mozaiks.devhost.functions;

import ai.mozaiks.devhost.http.HttpHost;
import ai.mozaiks.devhost.timer.TimerScheduler;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.logging.Level;

/** What {@code POST /admin/functions/{name}} does: runs a timer or queue function now, in the background. */
final class AdminTriggers implements HttpHost.AdminTrigger {
    private final FunctionCatalog catalog;
    private final TimerScheduler timers;
    private final FunctionInvoker invoker;
    private final ExecutorService workers;

    AdminTriggers(FunctionCatalog catalog, TimerScheduler timers, FunctionInvoker invoker, ExecutorService workers) {
        this.catalog = catalog;
        this.timers = timers;
        this.invoker = invoker;
        this.workers = workers;
    }

    @Override
    public boolean fire(String functionName, String input) {
        FunctionDescriptor function = catalog.byName(functionName).orElse(null);
        if (function instanceof FunctionDescriptor.Timer timer) {
            timers.fireNow(timer);
            return true;
        }
        if (function instanceof FunctionDescriptor.Queue queue) {
            workers.execute(() -> {
                DevExecutionContext context = new DevExecutionContext(queue.name());
                try {
                    invoker.invoke(queue, input, Map.of("QueueTrigger", input, "DequeueCount", 1L), context);
                } catch (Exception e) {
                    context.getLogger().log(Level.SEVERE, "function failed", e);
                }
            });
            return true;
        }
        return false;
    }
}

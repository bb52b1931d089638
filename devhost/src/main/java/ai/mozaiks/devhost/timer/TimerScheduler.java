package ai.mozaiks.devhost.timer;

import ai.mozaiks.devhost.functions.DevExecutionContext;
import ai.mozaiks.devhost.functions.FunctionDescriptor;
import ai.mozaiks.devhost.functions.FunctionInvoker;
import ai.mozaiks.http.Json;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

/** Fires timer functions on their NCRONTAB schedules (in UTC, the host's default zone). */
public final class TimerScheduler implements AutoCloseable {
    private final FunctionInvoker invoker;
    private final ExecutorService workers;
    private final Clock clock;
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "timers");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<String, ZonedDateTime> lastRun = new ConcurrentHashMap<>();
    private final Map<String, Object> runLocks = new ConcurrentHashMap<>();

    public TimerScheduler(FunctionInvoker invoker, ExecutorService workers, Clock clock) {
        this.invoker = invoker;
        this.workers = workers;
        this.clock = clock;
    }

    public void start(List<FunctionDescriptor.Timer> timers) {
        timers.forEach(this::scheduleNext);
    }

    /** Runs the timer now, off schedule, as the admin endpoint asks. */
    public void fireNow(FunctionDescriptor.Timer timer) {
        workers.execute(() -> run(timer));
    }

    /** Runs the timer once after {@code delay}, off schedule. */
    public void fireAfter(FunctionDescriptor.Timer timer, Duration delay) {
        ticker.schedule(() -> workers.execute(() -> run(timer)), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void scheduleNext(FunctionDescriptor.Timer timer) {
        ZonedDateTime now = ZonedDateTime.now(clock);
        ZonedDateTime next = timer.schedule().nextAfter(now);
        long delay = Math.max(0, Duration.between(now, next).toMillis());
        ticker.schedule(() -> workers.execute(() -> {
            run(timer);
            scheduleNext(timer);
        }), delay, TimeUnit.MILLISECONDS);
    }

    /** One run of a given timer at a time, as the host's singleton lock ensures. */
    private void run(FunctionDescriptor.Timer timer) {
        synchronized (runLocks.computeIfAbsent(timer.name(), name -> new Object())) {
            DevExecutionContext context = new DevExecutionContext(timer.name());
            ZonedDateTime now = ZonedDateTime.now(clock);
            try {
                invoker.invoke(timer, timerInfo(timer, now), Map.of(), context);
            } catch (Exception e) {
                context.getLogger().log(Level.SEVERE, "timer function failed", e);
            } finally {
                lastRun.put(timer.name(), now);
            }
        }
    }

    /** The TimerInfo JSON the host passes to a timer trigger. */
    private String timerInfo(FunctionDescriptor.Timer timer, ZonedDateTime now) {
        Map<String, Object> status = new LinkedHashMap<>();
        ZonedDateTime last = lastRun.get(timer.name());
        status.put("Last", last == null ? null : last.toOffsetDateTime().toString());
        status.put("Next", timer.schedule().nextAfter(now).toOffsetDateTime().toString());
        status.put("LastUpdated", now.toOffsetDateTime().toString());
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("Schedule", Map.of("AdjustForDST", true));
        info.put("ScheduleStatus", status);
        info.put("IsPastDue", false);
        return Json.write(info);
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }
}

package ai.mozaiks.functions.engine;

import ai.mozaiks.children.ChildReconciler;
import ai.mozaiks.engine.StallReaper;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.logging.InvocationLog;
import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.TimerTrigger;
import java.time.Duration;

/**
 * On the {@code STALL_REAPER_SCHEDULE} (every 15 s by default): chats that should be moving and are not get their step
 * queued again; at most once a minute, chats idle past their app's limit are closed, run slots leaked by a crash are
 * given back and queued chats take free ones ({@link StallReaper}); and fan-outs are reconciled (lost spawns,
 * unrecorded child ends, timeouts, parents never resumed).
 */
public final class StallReaperFunction {
    /** Well inside the host's function timeout; what a sweep does not reach, the next one does. */
    private static final Duration BUDGET = Duration.ofMinutes(4);

    private final StallReaper reaper;
    private final ChildReconciler children;

    public StallReaperFunction(StallReaper reaper, ChildReconciler children) {
        this.reaper = reaper;
        this.children = children;
    }

    @FunctionName("requeueStalledChats")
    public void run(@TimerTrigger(name = "timer", schedule = "%STALL_REAPER_SCHEDULE%") String timer, ExecutionContext context) {
        InvocationLog log = InvocationLog.of(context.getLogger(), context.getInvocationId());
        Integer requeued = reaper.sweep(new StallReaper.Progress() {
            @Override
            public void requeued(AppId appId, String chatId, long stepSeq) {
                log.withApp(appId).info("stalled chat requeued", "chat_id", chatId, "step_seq", stepSeq);
            }

            @Override
            public void released(AppId appId, String chatId) {
                log.withApp(appId).info("leaked run slot released", "chat_id", chatId);
            }

            @Override
            public void adopted(AppId appId, int count) {
                log.withApp(appId).info("running chats given their run slot", "count", count);
            }

            @Override
            public void promoted(AppId appId, int count) {
                log.withApp(appId).info("queued chats promoted", "count", count);
            }

            @Override
            public void closed(AppId appId, String chatId) {
                log.withApp(appId).info("idle chat closed", "chat_id", chatId);
            }

            @Override
            public void failed(AppId appId, Throwable error) {
                log.withApp(appId).error("stall sweep of the app failed", error);
            }
        }).block(BUDGET);
        Integer reconciled = children.sweep((appId, action, id) -> log.withApp(appId).info("fan-out reconciled", "action", action, "id", id))
                .block(BUDGET);
        log.info("stall sweep finished", "requeued", requeued, "fan_out_actions", reconciled);
    }
}

package ai.mozaiks.engine;

import ai.mozaiks.kernel.AppId;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Fairness between apps at step time, on one instance: one app's backlog must not starve the others, and
 * interactive steps go before background ones. Asked before each step; answers a {@link Ticket} (run now, release
 * when the step ends) or a delay (put the message back on its queue, hidden that long).
 *
 * <p>The rule, for {@code slots} S steps at once:
 * <ul>
 *   <li>At most S steps run, and the apps' shares come to S − R at most, R (a third of S) being a reserve: apps with
 *       a backlog leave it free, so in-flight work stays at or under the queue trigger's new-batch threshold (or gets
 *       back there within a step) and the trigger keeps fetching. A newly arrived app's messages are seen while
 *       another app's backlog waits, and run on the reserve.</li>
 *   <li>An app <em>wants more</em> while a step of it that was deferred here is not yet due back (plus a grace).
 *       The S − R slots are shared max-min: apps that want no more keep what they hold, the rest is split equally
 *       between the apps that want more (the asking app is one); an app at or above that share is deferred. So a
 *       lone app gets S − R, two busy apps half each, and a busy app next to many light ones the light ones' leftover.</li>
 *   <li>Background steps (child workflows) hold at most half of S together, and are deferred while interactive
 *       steps fill the S − R slots.</li>
 *   <li>A deferral is spread by the app's backlog here: its steps already waiting, divided by its share, times the
 *       mean step time, over {@link #RETURN_RATE}; at least a second (also while no step has ended yet to give a
 *       mean), at most 30, ±20 % jitter. So the app's steps come back a little faster than its slots free up, and a
 *       long backlog is not fetched and put back every second.</li>
 * </ul>
 * Per instance on purpose: a shared count would cost a database write per step. Across N instances an app holds at
 * most N × its share.
 */
public final class FairShare {
    static final Duration MIN_DELAY = Duration.ofSeconds(1);
    static final Duration MAX_DELAY = Duration.ofSeconds(30);
    /**
     * How much faster than the app's slots free up its deferred steps come back. The trigger fetches a returning step at
     * once, so one that finds the app still full goes back again: coming back faster costs more deferrals, slower leaves
     * the app's slots idle. Four times: a few deferrals per step, whatever the backlog.
     */
    static final int RETURN_RATE = 4;
    /** A deferred message is fetched a little after it is due (the trigger polls); the app keeps wanting meanwhile. */
    static final Duration GRACE = Duration.ofSeconds(2);

    /** What {@link #admit} answers. */
    public sealed interface Admission {
    }

    /** Run the step; release the ticket when it ends. */
    public record Admitted(Ticket ticket) implements Admission {
    }

    /** Put the message back, hidden for {@code after}. */
    public record Deferred(Duration after) implements Admission {
    }

    /** One admitted step's place; {@link #release()} once it ended (a second release does nothing). */
    public final class Ticket {
        private final AppLoad app;
        private final Lane lane;
        private final long admittedAt;
        private final AtomicBoolean released = new AtomicBoolean();

        private Ticket(AppLoad app, Lane lane, long admittedAt) {
            this.app = app;
            this.lane = lane;
            this.admittedAt = admittedAt;
        }

        public void release() {
            if (released.compareAndSet(false, true)) {
                released(this);
            }
        }
    }

    /** One app's steps here: in flight, and when its deferred ones are due back. */
    private static final class AppLoad {
        int inFlight;
        final PriorityQueue<Long> due = new PriorityQueue<>();
        long wantsUntil;

        /** Its deferred steps still hidden on the queue. */
        int waiting(long now) {
            while (!due.isEmpty() && due.peek() <= now) {
                due.poll();
            }
            return due.size();
        }

        boolean wantsMore(long now) {
            return now < wantsUntil;
        }
    }

    private final int slots;
    private final int reserve;
    private final int backgroundSlots;
    private final Clock clock;
    private final Map<AppId, AppLoad> apps = new HashMap<>();
    private int interactive;
    private int background;
    /** Mean time a step holds its slot (ms), moving; negative until a step has ended. */
    private double meanStepMillis = -1;
    private long deferrals;

    public FairShare(int slots, Clock clock) {
        if (slots < 1) {
            throw new IllegalArgumentException("slots must be at least 1");
        }
        this.slots = slots;
        this.reserve = Math.max(1, slots / 3);
        this.backgroundSlots = Math.max(1, slots / 2);
        this.clock = clock;
    }

    public synchronized Admission admit(StepMessage message) {
        long now = clock.millis();
        AppLoad app = apps.computeIfAbsent(message.appId(), id -> new AppLoad());
        int share = share(app, now);
        if (!fits(app, message.lane(), share)) {
            return defer(app, share, now);
        }
        return new Admitted(take(app, message.lane(), now));
    }

    /**
     * A step offered to this instance where its input landed, not fetched from the queue: admitted by the same rule as
     * {@link #admit}, but a refusal is not a deferral (nothing is put back here, the app is not marked as wanting more):
     * the caller queues the step as it would have without this instance.
     */
    public synchronized java.util.Optional<Ticket> admitHere(StepMessage message) {
        long now = clock.millis();
        AppLoad app = apps.computeIfAbsent(message.appId(), id -> new AppLoad());
        if (!fits(app, message.lane(), share(app, now))) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(take(app, message.lane(), now));
    }

    /** A free slot, the app under its share, and (interactive first) a background step not yielding. */
    private boolean fits(AppLoad app, Lane lane, int share) {
        boolean full = interactive + background >= slots;
        // Interactive first: a background step waits while interactive ones fill what apps may hold.
        boolean yields = lane == Lane.BACKGROUND && (background >= backgroundSlots || interactive >= slots - reserve);
        return !full && !yields && app.inFlight < share;
    }

    private Ticket take(AppLoad app, Lane lane, long now) {
        app.inFlight++;
        if (lane == Lane.BACKGROUND) {
            background++;
        } else {
            interactive++;
        }
        return new Ticket(app, lane, now);
    }

    /** Steps running here now, both lanes. */
    public synchronized int inFlight() {
        return interactive + background;
    }

    /** Steps deferred here since start. */
    public synchronized long deferrals() {
        return deferrals;
    }

    /**
     * What an app that wants more may hold: max-min over S − R. Apps that want no more keep what they hold when that
     * is under the level; the rest is split equally. Apps with nothing in flight that want no more are forgotten.
     */
    private int share(AppLoad asking, long now) {
        List<Integer> held = new ArrayList<>();
        int wanting = 1;
        for (Iterator<AppLoad> it = apps.values().iterator(); it.hasNext(); ) {
            AppLoad app = it.next();
            if (app == asking) {
                continue;
            }
            if (app.wantsMore(now)) {
                wanting++;
            } else if (app.inFlight > 0) {
                held.add(app.inFlight);
            } else {
                it.remove();
            }
        }
        held.sort(null);
        int capacity = slots - reserve;
        int sharing = wanting + held.size();
        for (int holds : held) {
            if ((long) holds * sharing > capacity) {
                break; // this app, and every larger one, is at the level
            }
            capacity -= holds;
            sharing--;
        }
        return Math.max(1, capacity / sharing);
    }

    private Deferred defer(AppLoad app, int share, long now) {
        double rounds = (double) app.waiting(now) / share;
        long millis = Math.round(rounds * Math.max(0, meanStepMillis) / RETURN_RATE);
        millis = Math.max(MIN_DELAY.toMillis(), Math.min(MAX_DELAY.toMillis(), millis));
        millis = Math.round(millis * ThreadLocalRandom.current().nextDouble(0.8, 1.2));
        app.due.add(now + millis);
        app.wantsUntil = Math.max(app.wantsUntil, now + millis + GRACE.toMillis());
        deferrals++;
        return new Deferred(Duration.ofMillis(millis));
    }

    private synchronized void released(Ticket ticket) {
        ticket.app.inFlight--;
        if (ticket.lane == Lane.BACKGROUND) {
            background--;
        } else {
            interactive--;
        }
        long held = Math.max(0, clock.millis() - ticket.admittedAt);
        meanStepMillis = meanStepMillis < 0 ? held : meanStepMillis + (held - meanStepMillis) / 16;
    }
}

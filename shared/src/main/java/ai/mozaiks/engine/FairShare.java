package ai.mozaiks.engine;

import ai.mozaiks.kernel.AppId;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Fairness between apps at step time, on one instance: one app's backlog must not starve the others, and
 * interactive steps go before background ones. Asked before each step; answers a {@link Ticket} (run now, release
 * when the step ends) or a delay (put the message back on its queue, hidden that long).
 *
 * <p>The instance's {@code slots} S (steps at once, {@code STEP_CONCURRENCY}) are two pools. The queue trigger's
 * steps have {@code queueSlots} Q ({@code STEP_QUEUE_CONCURRENCY}: what the trigger delivers at once); steps started
 * where their input landed ({@link #admitHere}) have the other S − Q. So steps started here never take a slot a
 * fetched step needs (it would be put back, a second at least), and the queue's pool keeps the rule below whatever
 * runs here. Both pools share their slots max-min between apps:
 * <ul>
 *   <li>Queued steps: at most Q run, and the apps' shares come to Q − R at most, R (a third of Q) being a reserve:
 *       apps with a backlog leave it free, so in-flight work stays at or under the queue trigger's new-batch threshold
 *       (or gets back there within a step) and the trigger keeps fetching. A newly arrived app's messages are seen
 *       while another app's backlog waits, and run on the reserve.</li>
 *   <li>An app <em>wants more</em> while a step of it that was deferred here is not yet due back (plus a grace), or,
 *       in the pool of steps started here, for a grace after one was refused (it went to the queue). A pool's slots
 *       (less the reserve) are shared max-min: apps that want no more keep what they hold, the rest is split equally
 *       between the apps that want more (the asking app is one); an app at or above that share is deferred (queued
 *       steps) or refused (steps here). So a lone app gets Q − R queued steps and S − Q here, two busy apps half of
 *       each, and a busy app next to many light ones the light ones' leftover.</li>
 *   <li>Background steps (child workflows) hold at most half of a pool, and queued ones are deferred while
 *       interactive steps fill the Q − R slots.</li>
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
    /**
     * A deferred message is fetched a little after it is due (the trigger polls); the app keeps wanting meanwhile. An app
     * refused here wants as long: its users' next messages are due within seconds.
     */
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
        private final Pool pool;
        private final AppLoad app;
        private final Lane lane;
        private final long admittedAt;
        private final AtomicBoolean released = new AtomicBoolean();

        private Ticket(Pool pool, AppLoad app, Lane lane, long admittedAt) {
            this.pool = pool;
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

    /** One app's steps in a pool: in flight, and when its deferred ones are due back. */
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

    /** Slots shared max-min between apps, a reserve apps that want more leave free, half at most for background steps. */
    private static final class Pool {
        final int slots;
        final int reserve;
        final int backgroundSlots;
        final Map<AppId, AppLoad> apps = new HashMap<>();
        int interactive;
        int background;

        Pool(int slots, int reserve) {
            this.slots = slots;
            this.reserve = reserve;
            this.backgroundSlots = Math.max(1, slots / 2);
        }

        AppLoad app(AppId id) {
            return apps.computeIfAbsent(id, key -> new AppLoad());
        }

        /** A free slot, the app under its share, and (interactive first) a background step not yielding. */
        boolean fits(AppLoad app, Lane lane, int share) {
            boolean full = interactive + background >= slots;
            // Interactive first: a background step waits while interactive ones fill what apps may hold.
            boolean yields = lane == Lane.BACKGROUND && (background >= backgroundSlots || interactive >= slots - reserve);
            return !full && !yields && app.inFlight < share;
        }

        void take(AppLoad app, Lane lane) {
            app.inFlight++;
            if (lane == Lane.BACKGROUND) {
                background++;
            } else {
                interactive++;
            }
        }

        void release(AppLoad app, Lane lane) {
            app.inFlight--;
            if (lane == Lane.BACKGROUND) {
                background--;
            } else {
                interactive--;
            }
        }

        /**
         * What an app that wants more may hold: max-min over the slots less the reserve. Apps that want no more keep what
         * they hold when that is under the level; the rest is split equally. Apps with nothing in flight that want no more
         * are forgotten.
         */
        int share(AppLoad asking, long now) {
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
    }

    private final Pool queued;
    /** Steps started where their input landed; empty (no slot) when the queue's steps have them all. */
    private final Pool here;
    private final Clock clock;
    /** Mean time a step holds its slot (ms), moving; negative until a step has ended. */
    private double meanStepMillis = -1;
    private long deferrals;

    /**
     * {@code slots} steps at once, of which the queue trigger's steps may hold {@code queueSlots} and steps started here
     * the rest (none when they are equal).
     */
    public FairShare(int slots, int queueSlots, Clock clock) {
        if (queueSlots < 1 || slots < queueSlots) {
            throw new IllegalArgumentException("slots must be at least 1, and at least the queue's slots");
        }
        this.queued = new Pool(queueSlots, Math.max(1, queueSlots / 3));
        this.here = new Pool(slots - queueSlots, 0);
        this.clock = clock;
    }

    public synchronized Admission admit(StepMessage message) {
        long now = clock.millis();
        AppLoad app = queued.app(message.appId());
        int share = queued.share(app, now);
        if (!queued.fits(app, message.lane(), share)) {
            return defer(app, share, now);
        }
        return new Admitted(take(queued, app, message.lane(), now));
    }

    /**
     * A step offered to this instance where its input landed, not fetched from the queue: admitted in the pool of steps
     * started here, by the same max-min rule as {@link #admit}, but a refusal is not a deferral (nothing is put back
     * here): the caller queues the step as it would have without this instance, and the app wants more here for a
     * while.
     */
    public synchronized Optional<Ticket> admitHere(StepMessage message) {
        if (here.slots == 0) {
            return Optional.empty();
        }
        long now = clock.millis();
        AppLoad app = here.app(message.appId());
        if (!here.fits(app, message.lane(), here.share(app, now))) {
            app.wantsUntil = Math.max(app.wantsUntil, now + GRACE.toMillis());
            return Optional.empty();
        }
        return Optional.of(take(here, app, message.lane(), now));
    }

    private Ticket take(Pool pool, AppLoad app, Lane lane, long now) {
        pool.take(app, lane);
        return new Ticket(pool, app, lane, now);
    }

    /** Steps running here now, both pools and lanes. */
    public synchronized int inFlight() {
        return queued.interactive + queued.background + here.interactive + here.background;
    }

    /** Steps deferred here since start. */
    public synchronized long deferrals() {
        return deferrals;
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
        ticket.pool.release(ticket.app, ticket.lane);
        long held = Math.max(0, clock.millis() - ticket.admittedAt);
        meanStepMillis = meanStepMillis < 0 ? held : meanStepMillis + (held - meanStepMillis) / 16;
    }
}

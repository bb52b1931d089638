package ai.mozaiks.engine;

import ai.mozaiks.persistence.ScopedField;
import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.exists;
import static com.mongodb.client.model.Filters.lt;
import static com.mongodb.client.model.Filters.or;

import ai.mozaiks.persistence.AppDatabases;
import ai.mozaiks.session.ChatFields;
import ai.mozaiks.persistence.RuntimeCollection;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.tenancy.LiveApps;
import com.mongodb.client.model.Sorts;
import com.mongodb.reactivestreams.client.MongoCollection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicReference;
import org.bson.Document;
import reactor.core.publisher.Mono;

/**
 * The engine's periodic sweep over every live app, each part bounded per app ({@link #PER_APP}):
 * <ol>
 *   <li><b>Stalled chats.</b> Chats that should be moving and are not: running, no live lease, and unchanged for longer
 *       than {@code stalledAfter} ({@link EngineSettings#stalledAfter()}: a step in progress renews its lease, a queued
 *       step runs long before). Each gets its current step queued again. That is always safe: a duplicate step message is
 *       stale or busy, so at worst the queue carries one message too many; a lost one (a crash between a commit and the
 *       next enqueue that no redelivery repaired) is replaced.</li>
 *   <li><b>Idle chats.</b> Chats waiting for their user longer than the app's {@code idle_close_hours} are closed
 *       ({@link IdleChats}).</li>
 *   <li><b>Leaked run slots.</b> A slot held by a chat that does not run, taken longer than {@code stalledAfter} ago (so a
 *       start in progress keeps its slot), is given back ({@link RunQueue#reconcile}); a running chat holding none gets one
 *       ({@link RunQueue#adopt}).</li>
 *   <li><b>Queued chats.</b> The app's queued chats take the free slots, oldest first ({@link RunQueue#promote}): a
 *       promotion a crash missed happens here.</li>
 * </ol>
 * The first part runs every sweep: it is what resumes a step whose instance died, within a minute. The others (the
 * slots' upkeep) cost several queries per live app and repair what is rare or slow, so they run at most once per
 * {@code upkeepEvery} on an instance (timer functions run on one instance at a time; one that moves does its upkeep once
 * more, which is harmless).
 */
public final class StallReaper {
    /** Chats requeued, and chats closed, per app and sweep at most; the rest wait for the next sweep. */
    static final int PER_APP = 200;
    /**
     * How long ago a lease must have ended for its chat to count as stalled: a step held for its retry keeps its lease
     * until a second before the retry ({@link StepExecutor#retrying}), and its message is picked up within the queue's
     * polling (≤ 2 s) after that; the reaper must not queue a second, fresh chain of the step meanwhile.
     */
    static final Duration PICK_UP = Duration.ofSeconds(5);
    /** The slots' upkeep at most once a minute: a queued chat a crash left unpromoted waits that long at most. */
    public static final Duration UPKEEP_EVERY = Duration.ofMinutes(1);

    /** What one sweep did for one app (for the log). */
    public interface Progress {
        void requeued(AppId appId, String chatId, long stepSeq);

        /** A run slot held by a chat that does not run was given back. */
        default void released(AppId appId, String chatId) {
        }

        /** Running chats that held no run slot got one. */
        default void adopted(AppId appId, int count) {
        }

        /** Queued chats went running. */
        default void promoted(AppId appId, int count) {
        }

        /** The sweep of this app failed (the others go on); the next sweep tries again. */
        default void failed(AppId appId, Throwable error) {
        }

        /** A chat idle for longer than its app allows was closed. */
        default void closed(AppId appId, String chatId) {
        }
    }

    private final MongoCollection<Document> apps;
    private final AppDatabases databases;
    private final StepQueue queue;
    private final Duration stalledAfter;
    private final Clock clock;
    private final RunQueue runs;
    private final IdleChats idle;
    private final Duration upkeepEvery;
    /** When this instance last did the upkeep (none yet: null). */
    private final AtomicReference<Instant> lastUpkeep = new AtomicReference<>();

    /** {@code upkeepEvery}: how often, at most, a sweep also does the slots' upkeep ({@link #UPKEEP_EVERY} in production). */
    public StallReaper(MongoCollection<Document> apps, AppDatabases databases, StepQueue queue, Duration stalledAfter, Clock clock,
                       RunQueue runs, IdleChats idle, Duration upkeepEvery) {
        this.upkeepEvery = upkeepEvery;
        this.apps = apps;
        this.databases = databases;
        this.queue = queue;
        this.stalledAfter = stalledAfter;
        this.clock = clock;
        this.runs = runs;
        this.idle = idle;
    }

    /** One sweep over every live app; answers how many chats got their step again. */
    public Mono<Integer> sweep(Progress progress) {
        Instant now = clock.instant();
        Date before = Date.from(now.minus(stalledAfter));
        boolean upkeep = upkeepDue(now);
        return LiveApps.ids(apps)
                .concatMap(appId -> databases.forApp(appId).flatMapMany(database -> database.collection(RuntimeCollection.CHAT_SESSIONS)
                                .find(and(eq(ChatFields.STATUS, ChatFields.RUNNING), lt(ChatFields.UPDATED_AT, before),
                                        or(exists(ChatFields.LEASE_UNTIL, false), lt(ChatFields.LEASE_UNTIL, Date.from(now.minus(PICK_UP))))),
                                        // The full key of app_status_updated: Cosmos RU sorts only on an index's exact fields.
                                        Sorts.ascending(ScopedField.APP_ID, ChatFields.STATUS, ChatFields.UPDATED_AT), PER_APP))
                        .concatMap(chat -> {
                            String chatId = chat.getString(ChatFields.CHAT_ID);
                            long stepSeq = ((Number) chat.get(ChatFields.STEP_SEQ)).longValue();
                            Lane lane = chat.containsKey(ChatFields.PARENT_CHAT_ID) ? Lane.BACKGROUND : Lane.INTERACTIVE;
                            return queue.enqueue(new StepMessage(appId, chatId, stepSeq, lane), Duration.ZERO)
                                    .then(Mono.fromRunnable(() -> progress.requeued(appId, chatId, stepSeq)))
                                    .thenReturn(1);
                        })
                        .reduce(0, Integer::sum)
                        .flatMap(requeued -> (upkeep ? slots(appId, now.minus(stalledAfter), progress) : Mono.<Void>empty())
                                .thenReturn(requeued))
                        // One app's trouble (its dedicated database away, say) must not keep the others' chats stalled.
                        .onErrorResume(error -> Mono.fromRunnable(() -> progress.failed(appId, error)).thenReturn(0)))
                .reduce(0, Integer::sum);
    }

    private boolean upkeepDue(Instant now) {
        Instant last = lastUpkeep.get();
        return (last == null || !now.isBefore(last.plus(upkeepEvery))) && lastUpkeep.compareAndSet(last, now);
    }

    /** Idle chats closed, leaked slots given back, queued chats promoted; nothing for an app whose limits are unknown. */
    private Mono<Void> slots(AppId appId, Instant takenBefore, Progress progress) {
        return runs.limits(appId).flatMap(limits -> idle.close(appId, limits.idleClose(), PER_APP)
                        .doOnNext(chatId -> progress.closed(appId, chatId))
                        .then(runs.reconcile(appId, takenBefore))
                        .doOnNext(released -> released.forEach(chatId -> progress.released(appId, chatId)))
                        .then(runs.adopt(appId, PER_APP))
                        .doOnNext(adopted -> {
                            if (adopted > 0) {
                                progress.adopted(appId, adopted);
                            }
                        })
                        .then(runs.promote(appId))
                        .doOnNext(promoted -> {
                            if (promoted > 0) {
                                progress.promoted(appId, promoted);
                            }
                        }))
                .then();
    }
}

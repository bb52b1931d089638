package ai.mozaiks.engine;

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
import org.bson.Document;
import reactor.core.publisher.Mono;

/**
 * Finds chats that should be moving and are not: running, no live lease, and unchanged for longer than
 * {@code stalledAfter} ({@link EngineSettings#stalledAfter()}: a step in progress renews its lease, a queued step runs long before).
 * Each gets its current step queued again. That is always safe: a duplicate step message is stale or busy, so at
 * worst the queue carries one message too many; a lost one (a crash between a commit and the next enqueue that no
 * redelivery repaired) is replaced.
 */
public final class StallReaper {
    /** Chats requeued per app and sweep at most; the rest wait for the next sweep. */
    static final int PER_APP = 200;

    /** What one sweep did for one app (for the log). */
    public interface Progress {
        void requeued(AppId appId, String chatId, long stepSeq);
    }

    private final MongoCollection<Document> apps;
    private final AppDatabases databases;
    private final StepQueue queue;
    private final Duration stalledAfter;
    private final Clock clock;

    public StallReaper(MongoCollection<Document> apps, AppDatabases databases, StepQueue queue, Duration stalledAfter, Clock clock) {
        this.apps = apps;
        this.databases = databases;
        this.queue = queue;
        this.stalledAfter = stalledAfter;
        this.clock = clock;
    }

    /** One sweep over every live app; answers how many chats got their step again. */
    public Mono<Integer> sweep(Progress progress) {
        Instant now = clock.instant();
        Date before = Date.from(now.minus(stalledAfter));
        return LiveApps.ids(apps)
                .concatMap(appId -> databases.forApp(appId).flatMapMany(database -> database.collection(RuntimeCollection.CHAT_SESSIONS)
                                .find(and(eq(ChatFields.STATUS, ChatFields.RUNNING), lt(ChatFields.UPDATED_AT, before),
                                        or(exists(ChatFields.LEASE_UNTIL, false), lt(ChatFields.LEASE_UNTIL, Date.from(now)))),
                                        Sorts.ascending(ChatFields.UPDATED_AT), PER_APP))
                        .concatMap(chat -> {
                            String chatId = chat.getString(ChatFields.CHAT_ID);
                            long stepSeq = ((Number) chat.get(ChatFields.STEP_SEQ)).longValue();
                            Lane lane = chat.containsKey(ChatFields.PARENT_CHAT_ID) ? Lane.BACKGROUND : Lane.INTERACTIVE;
                            return queue.enqueue(new StepMessage(appId, chatId, stepSeq, lane), Duration.ZERO)
                                    .then(Mono.fromRunnable(() -> progress.requeued(appId, chatId, stepSeq)))
                                    .thenReturn(1);
                        }))
                .reduce(0, Integer::sum);
    }
}

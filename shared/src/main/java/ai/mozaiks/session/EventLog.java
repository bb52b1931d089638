package ai.mozaiks.session;

import ai.mozaiks.api.Validation;
import ai.mozaiks.persistence.AppCollection;
import ai.mozaiks.persistence.AppDatabase;
import ai.mozaiks.persistence.AppDatabases;
import ai.mozaiks.session.ChatFields;
import ai.mozaiks.persistence.RuntimeCollection;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.kernel.LruMap;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.bson.Document;
import reactor.core.publisher.Mono;

/**
 * The durable, per-chat ordered event log ({@code chat_events}), from which transcripts are
 * rebuilt and reconnecting clients catch up.
 *
 * <ul>
 *   <li><b>Order.</b> An append reserves consecutive seqs with one atomic {@code $inc} of the chat's
 *       {@code event_seq} and inserts its events with one {@code insertMany}: two writes, no read. A writer
 *       that updates the chat anyway (a step's commit) takes its seqs in that update instead and then only
 *       inserts ({@link #store}).</li>
 *   <li><b>Idempotency.</b> Every event has a caller key; the log keeps one event per chat and key,
 *       and a repeated append answers with the stored event ({@link Appended#duplicate()}).</li>
 *   <li><b>Gaps.</b> Seqs reserved but not used (a redelivery's, a crashed append's) are filled with
 *       tombstones that readers step over: a redelivery fills its own at once, and readers fill a gap
 *       older than the grace period. {@link #read} never moves past a seq it cannot account for, so
 *       resuming from its {@code nextAfterSeq} loses and repeats nothing.</li>
 * </ul>
 */
public final class EventLog {
    public static final int MAX_BATCH = 100;
    public static final int MAX_READ = 500;
    /** Far longer than an insert takes, short enough that an abandoned gap delays readers briefly. */
    public static final Duration DEFAULT_GAP_GRACE = Duration.ofSeconds(5);
    /** Appends of displaced events: each round only happens when a reader gave seqs up under it. */
    private static final int MAX_ATTEMPTS = 4;
    /** Chats whose last stored commit this instance remembers; beyond it the oldest is forgotten (and looked up instead). */
    static final int REMEMBERED_CHATS = 4096;

    private final AppDatabases databases;
    private final Clock clock;
    private final EventWriter writer = new EventWriter();
    private final EventReader reader;
    /**
     * Per chat ({@code app_id} and {@code chat_id}), the last seq of the last commit this instance stored: the next step
     * of the chat, usually run here, then need not look its events up ({@link #storeMissing}). The least recently used chat
     * is forgotten first.
     */
    private final Map<String, Long> storedHere = Collections.synchronizedMap(new LruMap<>(REMEMBERED_CHATS));

    public EventLog(AppDatabases databases, Clock clock) {
        this(databases, clock, DEFAULT_GAP_GRACE);
    }

    public EventLog(AppDatabases databases, Clock clock, Duration gapGrace) {
        this.databases = databases;
        this.clock = clock;
        this.reader = new EventReader(new GapFiller(), clock, gapGrace);
    }

    /** Appends one event; {@code text_delta} is refused (it is never stored). */
    public Mono<Appended> append(AppId appId, String chatId, String key, EventKind kind, Map<String, ?> data) {
        return Mono.defer(() -> appendAll(appId, chatId, List.of(new NewEvent(key, kind, data)))).map(all -> all.get(0));
    }

    /** Appends a step's events with consecutive seqs, in order; answers per event, in the same order. */
    public Mono<List<Appended>> appendAll(AppId appId, String chatId, List<NewEvent> events) {
        return Mono.defer(() -> {
            checkBatch(chatId, events);
            return databases.forApp(appId).flatMap(database -> append(database, chatId, List.copyOf(events), 1));
        });
    }

    /** The stored event with this key, if the chat has one: a point read of its {@code _id}. */
    public Mono<ChatEvent> find(AppId appId, String chatId, String key) {
        return databases.forApp(appId).flatMap(database -> events(database)
                .findOne(new Document("_id", EventDocuments.id(appId.value(), chatId, key)))
                .map(EventDocuments::toEvent));
    }

    /**
     * Up to {@code limit} stored seqs after {@code afterSeq} (tombstones are counted but not
     * returned), for {@code GET /api/chats/{chat_id}/events?after_seq=N} and for catching up after
     * a disconnect. A chat that does not exist (in this app) has no events.
     */
    public Mono<EventPage> read(AppId appId, String chatId, long afterSeq, int limit) {
        return Mono.defer(() -> {
            new Validation()
                    .require(afterSeq >= 0, "after_seq", "must be 0 or more")
                    .require(limit >= 1 && limit <= MAX_READ, "limit", "must be from 1 to " + MAX_READ)
                    .check();
            return databases.forApp(appId).flatMap(database -> reader.read(events(database), chatId, afterSeq, limit));
        });
    }

    /**
     * Stores a batch in the seqs {@code lastSeq - size + 1 .. lastSeq}, which the caller took for it in its own
     * update of the chat (a step's commit moves {@code event_seq} past them), stamped {@code stamp}. Settled like {@link #appendAll}: a repeat answers the stored
     * events, and an event displaced by a reader's tombstone is appended again with new seqs.
     */
    public Mono<List<Appended>> store(AppId appId, String chatId, long lastSeq, List<NewEvent> events, Instant stamp) {
        return Mono.defer(() -> {
            checkBatch(chatId, events);
            List<NewEvent> batch = List.copyOf(events);
            SeqReservation seqs = new SeqReservation(lastSeq - batch.size() + 1, lastSeq);
            return databases.forApp(appId).flatMap(database -> writer.write(events(database), chatId, seqs, batch, stamp)
                    .flatMap(placed -> again(database, chatId, batch, placed, 1)))
                    .doOnNext(stored -> storedHere.put(remembered(appId, chatId), lastSeq));
        });
    }

    /**
     * Makes sure a commit's pending events are in the log: one lookup of the last one by its seq (the unique
     * {@code (app_id, chat_id, seq)} index answers it; a batch is stored in order, so the last one there means all
     * are). When it is missing or a reader's tombstone took its seq (the committer crashed before storing them),
     * they are appended now, with new seqs — their keys make that idempotent, and the seqs never filled are
     * tombstoned like any abandoned reservation. Answers whether anything had to be stored. A commit this instance stored
     * itself ({@link #store}, answered) is known to be there without the lookup.
     */
    public Mono<Boolean> storeMissing(AppId appId, String chatId, PendingEvents pending) {
        if (Long.valueOf(pending.lastSeq()).equals(storedHere.get(remembered(appId, chatId)))) {
            return Mono.just(false);
        }
        return databases.forApp(appId).flatMap(database -> events(database)
                .findOne(new Document(ChatFields.CHAT_ID, chatId).append(EventDocuments.SEQ, pending.lastSeq()))
                .filter(stored -> pending.lastKey().equals(stored.getString(EventDocuments.KEY)))
                .map(stored -> false)
                .switchIfEmpty(Mono.defer(() -> append(database, chatId, pending.events(), 1).thenReturn(true))));
    }

    private Mono<List<Appended>> append(AppDatabase database, String chatId, List<NewEvent> batch, int attempt) {
        return ChatStore.of(database).reserveSeqs(chatId, batch.size(), now())
                // Stamped after the reservation: readers date a gap by the events after it.
                .flatMap(seqs -> writer.write(events(database), chatId, seqs, batch, now()))
                .flatMap(placed -> again(database, chatId, batch, placed, attempt));
    }

    /** Appends the displaced events of a batch again, with new seqs; answers the whole batch in order. */
    private Mono<List<Appended>> again(AppDatabase database, String chatId, List<NewEvent> batch, List<Optional<Appended>> placed,
                                       int attempt) {
        return Mono.defer(() -> {
            List<NewEvent> displaced = new ArrayList<>();
            for (int i = 0; i < placed.size(); i++) {
                if (placed.get(i).isEmpty()) {
                    displaced.add(batch.get(i));
                }
            }
            if (displaced.isEmpty()) {
                return Mono.just(placed.stream().map(Optional::get).toList());
            }
            if (attempt >= MAX_ATTEMPTS) {
                return Mono.error(new IllegalStateException("events of chat " + chatId + " were displaced "
                        + attempt + " times in a row; giving up"));
            }
            return append(database, chatId, displaced, attempt + 1).map(again -> merge(placed, again));
        });
    }

    private static String remembered(AppId appId, String chatId) {
        return appId.value() + '/' + chatId;
    }

    private static List<Appended> merge(List<Optional<Appended>> placed, List<Appended> again) {
        List<Appended> all = new ArrayList<>(placed.size());
        int next = 0;
        for (Optional<Appended> outcome : placed) {
            all.add(outcome.isPresent() ? outcome.get() : again.get(next++));
        }
        return all;
    }

    private static void checkBatch(String chatId, List<NewEvent> events) {
        if (chatId == null || chatId.isEmpty()) {
            throw new IllegalArgumentException("chat id is required");
        }
        if (events.isEmpty() || events.size() > MAX_BATCH) {
            throw new IllegalArgumentException("a batch holds 1 to " + MAX_BATCH + " events, not " + events.size());
        }
        Set<String> keys = new HashSet<>();
        for (NewEvent event : events) {
            if (!keys.add(event.key())) {
                throw new IllegalArgumentException("event key " + event.key() + " appears twice in one batch");
            }
        }
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    private static AppCollection events(AppDatabase database) {
        return database.collection(RuntimeCollection.CHAT_EVENTS);
    }
}

package ai.mozaiks.session;

import ai.mozaiks.kernel.AppId;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import reactor.core.publisher.Mono;

/**
 * Records a chat's events: into the {@link EventLog} first, then live through the {@link ChatFeed}. The log has them
 * whatever happens to the sending (a client that missed a message catches up from the log by seq), so every writer of
 * events goes through here and none publishes on its own.
 */
public final class EventRecorder {
    private static final Logger LOG = Logger.getLogger(EventRecorder.class.getName());
    private final EventLog log;
    private final ChatFeed feed;

    public EventRecorder(EventLog log, ChatFeed feed) {
        this.log = log;
        this.feed = feed;
    }

    /** Appends the events with consecutive seqs, then sends them live; answers per event, in order. */
    public Mono<List<Appended>> record(AppId appId, String chatId, List<NewEvent> events) {
        return log.appendAll(appId, chatId, events).flatMap(appended -> publish(appId, chatId, appended).thenReturn(appended));
    }

    /**
     * {@link #record}, answering once the log has the events, their live send going on behind: for an input, whose step
     * starts next and should not wait on the realtime service (the send is best effort either way; a client that missed
     * it catches up from the log by seq).
     */
    public Mono<List<Appended>> recordSendingBehind(AppId appId, String chatId, List<NewEvent> events) {
        return log.appendAll(appId, chatId, events).doOnNext(appended -> publish(appId, chatId, appended)
                .subscribe(null, error -> LOG.log(Level.WARNING, "could not send events of chat {0} live: {1}",
                        new Object[] {chatId, error.toString()})));
    }

    /** {@link #recordSendingBehind(AppId, String, List)} of one event. */
    public Mono<Appended> recordSendingBehind(AppId appId, String chatId, String key, EventKind kind, Map<String, ?> data) {
        return recordSendingBehind(appId, chatId, List.of(new NewEvent(key, kind, data))).map(all -> all.get(0));
    }

    /** Appends one event, then sends it live. */
    public Mono<Appended> record(AppId appId, String chatId, String key, EventKind kind, Map<String, ?> data) {
        return record(appId, chatId, List.of(new NewEvent(key, kind, data))).map(all -> all.get(0));
    }

    /** Appends one event and sends it live only when it is new: a repeat (same key) stays quiet. */
    public Mono<Void> recordOnce(AppId appId, String chatId, String key, EventKind kind, Map<String, ?> data) {
        return log.append(appId, chatId, key, kind, data)
                .flatMap(appended -> appended.duplicate() ? Mono.empty() : feed.publish(appId, chatId, List.of(appended.event())));
    }

    /**
     * Stores events in the seqs {@code lastSeq - size + 1 .. lastSeq} that the chat's commit reserved for them
     * ({@link EventLog#store}), then sends them live.
     */
    public Mono<Void> recordCommitted(AppId appId, String chatId, long lastSeq, List<NewEvent> events, Instant stamp) {
        return log.store(appId, chatId, lastSeq, events, stamp).flatMap(stored -> publish(appId, chatId, stored));
    }

    /** Stores a commit's events that are not in the log yet ({@link EventLog#storeMissing}); answers whether any were. */
    public Mono<Boolean> storeMissing(AppId appId, String chatId, PendingEvents pending) {
        return log.storeMissing(appId, chatId, pending);
    }

    /** The stored event with this key, if any (nothing is written or sent). */
    public Mono<ChatEvent> stored(AppId appId, String chatId, String key) {
        return log.find(appId, chatId, key);
    }

    /** A {@code chat.text_delta} of a streaming reply: live only, never stored. */
    public Mono<Void> delta(AppId appId, String chatId, String agent, String text) {
        return feed.delta(appId, chatId, agent, text);
    }

    /** A live-only event without a seq ({@link ChatFeed#signal}): never stored, best effort. */
    public Mono<Void> signal(AppId appId, String chatId, EventKind kind, Map<String, ?> data) {
        return feed.signal(appId, chatId, kind, data);
    }

    private Mono<Void> publish(AppId appId, String chatId, List<Appended> stored) {
        return feed.publish(appId, chatId, stored.stream().map(Appended::event).toList());
    }
}

package ai.mozaiks.session;

import ai.mozaiks.session.ChatFields;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bson.Document;

/**
 * A step's events as its commit wrote them into the chat document ({@code outbox}), before they are
 * stored in the log. The commit reserves their seqs and records them in the same single-document update,
 * so a crash between the commit and the insert loses nothing: the next step of the chat (or the
 * redelivered message) finds them here and stores what is missing ({@link EventLog#storeMissing}).
 *
 * @param step    the step that produced them
 * @param stamp   their timestamp, fixed at the commit so a repeated store writes the same documents
 * @param lastSeq the seq of the last of them; they take the seqs just before it, in order
 */
public record PendingEvents(long step, Instant stamp, long lastSeq, List<NewEvent> events) {
    private static final String STEP = "step";
    private static final String STAMP = "at";
    private static final String LAST_SEQ = "last_seq";
    private static final String EVENTS = "events";
    private static final String KEY = "key";
    private static final String TYPE = "type";
    private static final String DATA = "data";

    public PendingEvents {
        events = List.copyOf(events);
    }

    public Document toDocument() {
        List<Document> list = new ArrayList<>(events.size());
        for (NewEvent event : events) {
            list.add(new Document(KEY, event.key()).append(TYPE, event.kind().type()).append(DATA, new Document(stringKeyed(event.data()))));
        }
        return new Document(STEP, step).append(STAMP, Date.from(stamp)).append(LAST_SEQ, lastSeq).append(EVENTS, list);
    }

    /** The outbox of a chat document, if it has one with events. */
    public static Optional<PendingEvents> of(Document chat) {
        Document outbox = chat.get(ChatFields.OUTBOX, Document.class);
        if (outbox == null) {
            return Optional.empty();
        }
        List<NewEvent> events = new ArrayList<>();
        for (Document event : outbox.getList(EVENTS, Document.class)) {
            EventKind kind = EventKind.fromType(event.getString(TYPE))
                    .orElseThrow(() -> new IllegalStateException("unknown event type in the outbox: " + event.getString(TYPE)));
            events.add(new NewEvent(event.getString(KEY), kind, event.get(DATA, Document.class)));
        }
        return events.isEmpty() ? Optional.empty()
                : Optional.of(new PendingEvents(((Number) outbox.get(STEP)).longValue(), outbox.getDate(STAMP).toInstant(),
                        ((Number) outbox.get(LAST_SEQ)).longValue(), events));
    }

    /** The key of the last event: the one stored in {@link #lastSeq()} once all of them are. */
    public String lastKey() {
        return events.get(events.size() - 1).key();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> stringKeyed(Map<String, ?> data) {
        return (Map<String, Object>) data;
    }
}

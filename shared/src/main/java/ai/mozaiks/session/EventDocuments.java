package ai.mozaiks.session;

import ai.mozaiks.session.ChatFields;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import org.bson.Document;

/**
 * The shape of {@code chat_events} documents.
 *
 * <p>An event's {@code _id} is {@code <app_id>/<chat_id>/<key>}, so the always-present unique
 * {@code _id} index is the per-chat uniqueness of keys (no partial index needed). A tombstone
 * fills a seq that will never hold an event; its {@code _id} ends in {@code #<seq>}, which no
 * caller key can spell. Readers step over tombstones; they exist so a gap never blocks them.
 */
final class EventDocuments {
    static final String SEQ = "seq";
    static final String TYPE = "type";
    static final String DATA = "data";
    static final String TIMESTAMP = "timestamp";
    static final String KEY = "key";
    static final String SKIPPED = "skipped";
    static final String REASON = "reason";

    /** The seq's reservation was abandoned (a crash between reserving and inserting). */
    static final String ABANDONED = "abandoned";
    /** The seq was reserved by a redelivery whose event was already in the log. */
    static final String DUPLICATE = "duplicate";
    /** The seq's event arrived after a reader had given the seq up; it was appended again later. */
    static final String DISPLACED = "displaced";

    private EventDocuments() {
    }

    static String id(String appId, String chatId, String key) {
        return appId + "/" + chatId + "/" + key;
    }

    static Document event(String appId, String chatId, long seq, NewEvent event, Instant timestamp) {
        return new Document("_id", id(appId, chatId, event.key()))
                .append(ChatFields.CHAT_ID, chatId)
                .append(SEQ, seq)
                .append(TYPE, event.kind().type())
                .append(DATA, new Document(stringKeyed(event.data())))
                .append(TIMESTAMP, Date.from(timestamp))
                .append(KEY, event.key());
    }

    static Document tombstone(String appId, String chatId, long seq, String reason, Instant timestamp) {
        return new Document("_id", appId + "/" + chatId + "/#" + seq)
                .append(ChatFields.CHAT_ID, chatId)
                .append(SEQ, seq)
                .append(SKIPPED, true)
                .append(REASON, reason)
                .append(TIMESTAMP, Date.from(timestamp));
    }

    static long seq(Document document) {
        return ((Number) document.get(SEQ)).longValue();
    }

    static boolean skipped(Document document) {
        return document.getBoolean(SKIPPED, false);
    }

    static Instant timestamp(Document document) {
        return document.getDate(TIMESTAMP).toInstant();
    }

    static ChatEvent toEvent(Document document) {
        Document data = document.get(DATA, Document.class);
        return new ChatEvent(seq(document), document.getString(TYPE), data == null ? new Document() : data,
                timestamp(document), document.getString(KEY));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> stringKeyed(Map<String, ?> data) {
        return (Map<String, Object>) data;
    }
}

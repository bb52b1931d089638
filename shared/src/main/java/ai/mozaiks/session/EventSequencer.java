package ai.mozaiks.session;

import static com.mongodb.client.model.Filters.eq;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.persistence.AppCollection;
import ai.mozaiks.persistence.ChatFields;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Updates;
import java.time.Instant;
import java.util.Date;
import reactor.core.publisher.Mono;

/**
 * Hands out per-chat seqs: one atomic {@code $inc} of {@code event_seq} on the chat document
 * reserves a run of consecutive seqs for a whole batch. Single-document atomicity is all it needs,
 * so concurrent appenders on any instances get disjoint runs and the counter never goes back.
 */
final class EventSequencer {
    private static final FindOneAndUpdateOptions NEW_VALUE = new FindOneAndUpdateOptions()
            .returnDocument(ReturnDocument.AFTER)
            .projection(Projections.include(ChatFields.EVENT_SEQ));

    /** Reserves {@code count} seqs, marking the chat active at {@code now}; 404 for an unknown chat. */
    Mono<SeqReservation> reserve(AppCollection sessions, String chatId, int count, Instant now) {
        return sessions.findOneAndUpdate(eq(ChatFields.CHAT_ID, chatId),
                        Updates.combine(Updates.inc(ChatFields.EVENT_SEQ, (long) count), Updates.set(ChatFields.UPDATED_AT, Date.from(now))),
                        NEW_VALUE)
                .switchIfEmpty(Mono.error(() -> ApiException.notFound("The chat")))
                .map(chat -> {
                    long last = ((Number) chat.get(ChatFields.EVENT_SEQ)).longValue();
                    return new SeqReservation(last - count + 1, last);
                });
    }
}

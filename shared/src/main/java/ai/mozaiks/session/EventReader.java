package ai.mozaiks.session;

import ai.mozaiks.persistence.ScopedField;
import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.gt;

import ai.mozaiks.persistence.AppCollection;
import ai.mozaiks.session.ChatFields;
import com.mongodb.client.model.Sorts;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.bson.Document;
import reactor.core.publisher.Mono;

/**
 * Reads a chat's events after a seq, in order, and never past a seq it cannot account for.
 *
 * <p>A missing seq below a stored one is a gap: an append between its {@code $inc} and its insert,
 * usually for milliseconds. The reader stops before it (the caller reads again shortly) unless
 * the gap is older than the grace period, which it knows from the first stored event after it:
 * every document is stamped after its seq was reserved, and seqs are reserved in order, so the gap
 * was reserved before that stamp. An older gap was abandoned (a crash between the two writes), and
 * the reader tombstones it and goes on.
 */
final class EventReader {
    /** Gap fills per read; a read that runs out returns what it has, with {@code more}. */
    private static final int MAX_FILL_ROUNDS = 4;

    private final GapFiller filler;
    private final Clock clock;
    private final Duration grace;

    EventReader(GapFiller filler, Clock clock, Duration grace) {
        this.filler = filler;
        this.clock = clock;
        this.grace = grace;
    }

    Mono<EventPage> read(AppCollection events, String chatId, long afterSeq, int limit) {
        return read(events, chatId, afterSeq, limit, new ArrayList<>(), 0);
    }

    private Mono<EventPage> read(AppCollection events, String chatId, long afterSeq, int limit, List<ChatEvent> collected, int fills) {
        return events.find(and(eq(ChatFields.CHAT_ID, chatId), gt(EventDocuments.SEQ, afterSeq)), Sorts.ascending(ScopedField.APP_ID, ChatFields.CHAT_ID, EventDocuments.SEQ), limit)
                .collectList()
                .flatMap(documents -> {
                    long expected = afterSeq + 1;
                    int consumed = 0;
                    for (Document document : documents) {
                        long seq = EventDocuments.seq(document);
                        if (seq != expected) {
                            Instant now = clock.instant();
                            if (fills < MAX_FILL_ROUNDS && !EventDocuments.timestamp(document).plus(grace).isAfter(now)) {
                                long resumeAfter = expected - 1;
                                int remaining = limit - consumed;
                                return filler.fill(events, chatId, expected, seq - 1, now)
                                        .then(Mono.defer(() -> read(events, chatId, resumeAfter, remaining, collected, fills + 1)));
                            }
                            return Mono.just(new EventPage(collected, expected - 1, true));
                        }
                        if (!EventDocuments.skipped(document)) {
                            collected.add(EventDocuments.toEvent(document));
                        }
                        expected = seq + 1;
                        consumed++;
                    }
                    return Mono.just(new EventPage(collected, expected - 1, documents.size() == limit));
                });
    }
}

package ai.mozaiks.session;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.gte;
import static com.mongodb.client.model.Filters.in;
import static com.mongodb.client.model.Filters.lte;
import static com.mongodb.client.model.Filters.or;

import ai.mozaiks.persistence.AppCollection;
import ai.mozaiks.persistence.DatabaseRetry;
import ai.mozaiks.session.ChatFields;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bson.Document;
import reactor.core.publisher.Mono;

/**
 * Writes a batch into its reserved seqs with one ordered {@code insertMany}. That is the whole
 * story unless a unique index objects; then it looks at what is stored and settles each event:
 * <ul>
 *   <li>stored in its own seq: written (the ordered insert got that far);</li>
 *   <li>its key already stored elsewhere: a duplicate, answered with the stored event;</li>
 *   <li>its seq still free: inserted there now;</li>
 *   <li>its seq taken by a reader's tombstone (it arrived after the reader gave the seq up):
 *       displaced, to be appended again with new seqs, and so is every event after it, so a
 *       batch keeps its order.</li>
 * </ul>
 * Every reserved seq ends up holding an event or a tombstone, so a redelivery never leaves a gap
 * for readers to wait on.
 */
final class EventWriter {

    /** Per event of the batch, in order: what was written or found, or empty when displaced. */
    Mono<List<Optional<Appended>>> write(AppCollection events, String chatId, SeqReservation seqs, List<NewEvent> batch,
                                         Instant now) {
        String appId = events.appId().value();
        List<Document> documents = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            documents.add(EventDocuments.event(appId, chatId, seqs.seq(i), batch.get(i), now));
        }
        // Tried again in place while throttled: a repeat of a batch partly written meets its own events, settled below.
        return DatabaseRetry.throttled(events.insertMany(documents))
                .then(Mono.fromSupplier(() -> documents.stream().map(d -> Optional.of(new Appended(EventDocuments.toEvent(d), false))).toList()))
                .onErrorResume(Duplicates::isDuplicate, duplicate -> settle(events, chatId, seqs, documents, now));
    }

    private Mono<List<Optional<Appended>>> settle(AppCollection events, String chatId, SeqReservation seqs, List<Document> documents,
                                                  Instant now) {
        List<Object> ids = documents.stream().map(d -> d.get("_id")).toList();
        return events.find(and(eq(ChatFields.CHAT_ID, chatId), or(in("_id", ids),
                                and(gte(EventDocuments.SEQ, seqs.first()), lte(EventDocuments.SEQ, seqs.last())))), null, 0)
                .collectList()
                .flatMap(found -> {
                    Map<Object, Document> byId = new HashMap<>();
                    Map<Long, Document> bySeq = new HashMap<>();
                    for (Document document : found) {
                        byId.put(document.get("_id"), document);
                        bySeq.put(EventDocuments.seq(document), document);
                    }
                    return new Settlement(events, chatId, seqs, documents, byId, bySeq, now).from(0, false);
                });
    }

    /** Settles the events of one batch in order; {@code displacing} once one of them was displaced. */
    private record Settlement(AppCollection events, String chatId, SeqReservation seqs, List<Document> documents,
                              Map<Object, Document> byId, Map<Long, Document> bySeq, Instant now) {

        Mono<List<Optional<Appended>>> from(int index, boolean displacing) {
            if (index == documents.size()) {
                return Mono.just(new ArrayList<>());
            }
            Document mine = documents.get(index);
            long seq = seqs.seq(index);
            Document stored = byId.get(mine.get("_id"));
            boolean free = !bySeq.containsKey(seq);
            if (stored != null && EventDocuments.seq(stored) == seq) {
                return then(Optional.of(new Appended(EventDocuments.toEvent(mine), false)), Mono.empty(), index, displacing);
            }
            if (stored != null) {
                Appended duplicate = new Appended(EventDocuments.toEvent(stored), true);
                return then(Optional.of(duplicate), free ? tombstone(seq, EventDocuments.DUPLICATE) : Mono.empty(), index, displacing);
            }
            if (displacing || !free) {
                return then(Optional.empty(), free ? tombstone(seq, EventDocuments.DISPLACED) : Mono.empty(), index, true);
            }
            return events.insertOne(mine)
                    .thenReturn(true)
                    // Taken meanwhile: by the same key appended concurrently, or by a reader's tombstone.
                    .onErrorResume(Duplicates::isDuplicate, taken -> Mono.just(false))
                    .flatMap(written -> written
                            ? then(Optional.of(new Appended(EventDocuments.toEvent(mine), false)), Mono.empty(), index, false)
                            : then(Optional.empty(), tombstone(seq, EventDocuments.DISPLACED), index, true));
        }

        private Mono<List<Optional<Appended>>> then(Optional<Appended> outcome, Mono<Void> write, int index, boolean displacing) {
            return write.then(Mono.defer(() -> from(index + 1, displacing))).map(rest -> {
                List<Optional<Appended>> all = new ArrayList<>(rest.size() + 1);
                all.add(outcome);
                all.addAll(rest);
                return all;
            });
        }

        /** Fills a reserved seq that will hold no event; a tombstone already there is just as good. */
        private Mono<Void> tombstone(long seq, String reason) {
            return events.insertOne(EventDocuments.tombstone(events.appId().value(), chatId, seq, reason, now))
                    .onErrorResume(Duplicates::isDuplicate, alreadyFilled -> Mono.empty());
        }
    }
}

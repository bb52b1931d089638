package ai.mozaiks.session;

import ai.mozaiks.persistence.AppCollection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import reactor.core.publisher.Mono;

/**
 * Gives up seqs whose append was abandoned, by writing tombstones into them. The unique seq index
 * decides each seq once: if the late event wins, it is there; if the tombstone wins, the late
 * appender's insert fails and it appends the event again with new seqs. Either way no event is
 * lost and none is read twice; timing only decides how long readers wait.
 */
final class GapFiller {
    /** Tombstones per round; a larger gap is filled over several rounds or reads. */
    static final int MAX_FILL = 1_000;

    /** Fills {@code from..to} (or its first {@link #MAX_FILL} seqs); seqs that are taken meanwhile stay as they are. */
    Mono<Void> fill(AppCollection events, String chatId, long from, long to, Instant now) {
        long last = Math.min(to, from + MAX_FILL - 1);
        List<org.bson.Document> tombstones = new ArrayList<>((int) (last - from + 1));
        for (long seq = from; seq <= last; seq++) {
            tombstones.add(EventDocuments.tombstone(events.appId().value(), chatId, seq, EventDocuments.ABANDONED, now));
        }
        // Ordered: it stops at the first seq that is taken; the reader looks again and goes on from there.
        return events.insertMany(tombstones).onErrorResume(Duplicates::isDuplicate, taken -> Mono.empty());
    }
}

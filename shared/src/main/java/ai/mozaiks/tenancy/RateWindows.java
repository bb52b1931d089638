package ai.mozaiks.tenancy;

import static com.mongodb.client.model.Filters.eq;

import ai.mozaiks.session.Duplicates;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoCollection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;
import org.bson.Document;
import reactor.core.publisher.Mono;

/**
 * Per-minute rate limits as data: a fixed one-minute window counted in the control database's {@code rate_windows}
 * (one document per limited key and minute), so a limit holds across instances. Each attempt counts itself into the
 * window's document (made if missing) with one atomic upsert by {@code _id} that answers the new count: the attempts
 * answered 1 to the limit pass, every later one is refused, so concurrent attempts cannot pass the limit and none waits
 * for another. A window only counts up until it ends, so counting the refused too changes no answer, and the write is a
 * point write by {@code _id} (which the embedded server also answers from its index, where a condition on the count
 * made it scan the collection). Who is limited, and for what, is the key's business ({@link CreateRate}, starts).
 */
public final class RateWindows {
    public static final String COLLECTION = "rate_windows";
    private static final Duration WINDOW = Duration.ofMinutes(1);
    private static final String COUNT = "count";

    private final MongoCollection<Document> windows;
    private final Clock clock;

    public RateWindows(MongoCollection<Document> windows, Clock clock) {
        this.windows = windows;
        this.clock = clock;
    }

    /**
     * Counts one attempt under {@code key} in the current minute: empty when it fits {@code perMinute}, else how long
     * until the window ends (a refused attempt takes nothing from anyone: the window is full until then).
     */
    public Mono<Optional<Duration>> take(String key, int perMinute) {
        Instant now = clock.instant();
        long window = now.getEpochSecond() / WINDOW.toSeconds();
        Instant windowEnd = Instant.ofEpochSecond((window + 1) * WINDOW.toSeconds());
        Duration retryAfter = Duration.ofSeconds(Math.max(1, Duration.between(now, windowEnd).toSeconds()));
        if (perMinute < 1) {
            return Mono.just(Optional.of(retryAfter));
        }
        String id = key + ":" + window;
        return count(id, perMinute, Date.from(windowEnd.plus(WINDOW)), true)
                .map(counted -> counted ? Optional.<Duration>empty() : Optional.of(retryAfter));
    }

    /**
     * Counts the attempt into the window and answers whether it is within the limit. Two first attempts of a window may
     * both try to create its document; the loser of that race collides on {@code _id} and counts again, into the
     * document the winner made.
     */
    private Mono<Boolean> count(String id, int perMinute, Date expiresAt, boolean again) {
        return Mono.from(windows.findOneAndUpdate(eq("_id", id),
                        Updates.combine(Updates.inc(COUNT, 1), Updates.setOnInsert("expires_at", expiresAt)),
                        new FindOneAndUpdateOptions().upsert(true).returnDocument(ReturnDocument.AFTER).projection(Projections.include(COUNT))))
                .map(window -> ((Number) window.get(COUNT)).longValue() <= perMinute)
                .onErrorResume(Duplicates::isDuplicate, collided -> again ? count(id, perMinute, expiresAt, false) : Mono.error(collided));
    }
}

package ai.mozaiks.tenancy;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.lt;

import ai.mozaiks.session.Duplicates;
import com.mongodb.client.model.UpdateOptions;
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
 * (one document per limited key and minute), so a limit holds across instances. The window's document is made if
 * missing and counted up only below the limit in one conditional upsert, so concurrent attempts cannot pass it and
 * none waits for another. Who is limited, and for what, is the key's business ({@link CreateRate}, starts).
 */
public final class RateWindows {
    public static final String COLLECTION = "rate_windows";
    private static final Duration WINDOW = Duration.ofMinutes(1);

    private final MongoCollection<Document> windows;
    private final Clock clock;

    public RateWindows(MongoCollection<Document> windows, Clock clock) {
        this.windows = windows;
        this.clock = clock;
    }

    /**
     * Counts one attempt under {@code key} in the current minute: empty when it fits {@code perMinute}, else how long
     * until the window ends (nothing is counted then).
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
     * One conditional upsert: counts up a window below the limit, or makes a missing one with a count of 1. A full
     * window does not match, so the upsert collides on {@code _id}; so does the loser of two first attempts of a
     * window, which is why a collision is tried once more before it counts as full.
     */
    private Mono<Boolean> count(String id, int perMinute, Date expiresAt, boolean again) {
        return Mono.from(windows.updateOne(and(eq("_id", id), lt("count", perMinute)),
                        Updates.combine(Updates.inc("count", 1), Updates.setOnInsert("expires_at", expiresAt)), new UpdateOptions().upsert(true)))
                .thenReturn(true)
                .onErrorResume(Duplicates::isDuplicate, collided -> again ? count(id, perMinute, expiresAt, false) : Mono.just(false));
    }
}

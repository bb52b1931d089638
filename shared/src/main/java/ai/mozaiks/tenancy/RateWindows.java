package ai.mozaiks.tenancy;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.exists;
import static com.mongodb.client.model.Filters.lt;
import static com.mongodb.client.model.Filters.or;

import com.mongodb.client.model.IndexModel;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoCollection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Per-minute rate limits as data: a fixed one-minute window counted in the control database's {@code rate_windows}
 * (one document per limited key and minute), so a limit holds across instances. The window's document is made if
 * missing, then counted up only below the limit — a conditional increment, so concurrent attempts cannot pass it and
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

    /** Old windows are removed by MongoDB itself. */
    public Mono<Void> ensureIndexes() {
        return Flux.from(windows.createIndexes(List.of(new IndexModel(Indexes.ascending("expires_at"),
                new IndexOptions().name("expire").expireAfter(0L, TimeUnit.SECONDS))))).then();
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
        return Mono.from(windows.updateOne(eq("_id", id), Updates.setOnInsert("expires_at", Date.from(windowEnd.plus(WINDOW))),
                        new UpdateOptions().upsert(true)))
                // Two first attempts of a window can race on the upsert; the loser's retry finds the winner's document.
                .retry(1)
                .then(Mono.from(windows.updateOne(and(eq("_id", id), or(exists("count", false), lt("count", perMinute))),
                        Updates.inc("count", 1))))
                .map(counted -> counted.getModifiedCount() == 1 ? Optional.<Duration>empty() : Optional.of(retryAfter));
    }
}

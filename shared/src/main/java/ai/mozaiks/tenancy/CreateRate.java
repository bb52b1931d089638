package ai.mozaiks.tenancy;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.exists;
import static com.mongodb.client.model.Filters.lt;
import static com.mongodb.client.model.Filters.or;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.http.Problem;
import ai.mozaiks.identity.Principal;
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
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * How many tenants and apps one user may create per minute: a fixed one-minute window counted in the control
 * database (one document per user and minute), so the limit holds across instances. Every valid attempt counts, a
 * create then refused for its quota or a conflict too (it is attempts that are limited); one the limit refuses does
 * not. Platform administrators are not limited.
 */
public final class CreateRate {
    public static final String COLLECTION = "create_windows";
    private static final Duration WINDOW = Duration.ofMinutes(1);

    private final MongoCollection<Document> windows;
    private final int perMinute;
    private final Clock clock;

    public CreateRate(MongoCollection<Document> windows, int perMinute, Clock clock) {
        this.windows = windows;
        this.perMinute = perMinute;
        this.clock = clock;
    }

    /** Old windows are removed by MongoDB itself. */
    public Mono<Void> ensureIndexes() {
        return Flux.from(windows.createIndexes(List.of(new IndexModel(Indexes.ascending("expires_at"),
                new IndexOptions().name("expire").expireAfter(0L, TimeUnit.SECONDS))))).then();
    }

    /** Counts one create by {@code actor}; fails with 429 and {@code Retry-After} beyond the limit. */
    public Mono<Void> take(Principal actor) {
        if (actor.isPlatformAdmin()) {
            return Mono.empty();
        }
        Instant now = clock.instant();
        long window = now.getEpochSecond() / WINDOW.toSeconds();
        Instant windowEnd = Instant.ofEpochSecond((window + 1) * WINDOW.toSeconds());
        String id = actor.userId() + ":" + window;
        // The window's document is made if missing, then counted up only below the limit: a conditional increment,
        // so concurrent creates cannot pass it (the same pattern as the tenant's app quota).
        return Mono.from(windows.updateOne(eq("_id", id), Updates.setOnInsert("expires_at", Date.from(windowEnd.plus(WINDOW))),
                        new UpdateOptions().upsert(true)))
                // Two first creates of a window can race on the upsert; the loser's retry finds the winner's document.
                .retry(1)
                .then(Mono.from(windows.updateOne(and(eq("_id", id), or(exists("count", false), lt("count", perMinute))),
                        Updates.inc("count", 1))))
                .flatMap(counted -> counted.getModifiedCount() == 1 ? Mono.<Void>empty()
                        : Mono.error(new ApiException(Problem.of(429, "rate_limited", "Too many requests",
                                "At most " + perMinute + " tenants and apps may be created per user per minute."),
                                Map.of("Retry-After", Long.toString(Math.max(1, Duration.between(now, windowEnd).toSeconds()))))));
    }
}

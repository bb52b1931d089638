package ai.mozaiks.tenancy;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.lt;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.kernel.AppId;
import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoCollection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.bson.Document;
import reactor.core.publisher.Mono;

/**
 * New runs of one app are admitted one at a time. The run limits are counted from the chats themselves, so two
 * starts counted at the same moment could both fit under a limit that only one of them may take; a short lease
 * on a per-app document ({@code admissions}, control database) puts them in line. A holder that died lets go
 * when its lease ends. Only starts wait on it, never a turn.
 */
public final class Admissions {
    public static final String COLLECTION = "admissions";
    /** Far longer than counting and inserting a chat takes; what a dead holder costs the next start at most. */
    static final Duration LEASE = Duration.ofSeconds(10);
    /** How long a start waits in line before it is told to retry. */
    static final Duration WAIT = Duration.ofSeconds(5);
    private static final long BACKOFF_MILLIS = 10;

    private final MongoCollection<Document> leases;
    private final Clock clock;

    public Admissions(MongoCollection<Document> leases, Clock clock) {
        this.leases = leases;
        this.clock = clock;
    }

    /** Runs {@code admit} while no other admission of the app runs; 503 with Retry-After when the line is too long. */
    public <T> Mono<T> oneAtATime(AppId appId, Supplier<Mono<T>> admit) {
        String holder = UUID.randomUUID().toString();
        return Mono.usingWhen(acquire(appId.value(), holder, System.nanoTime() + WAIT.toNanos()),
                held -> Mono.defer(admit),
                held -> release(appId.value(), holder));
    }

    /** Takes the app's lease: it is free when its term is over; a held one makes the upsert collide on {@code _id}. */
    private Mono<Boolean> acquire(String appId, String holder, long deadline) {
        return Mono.defer(() -> {
            Instant now = clock.instant();
            return Mono.from(leases.updateOne(and(eq("_id", appId), lt("until", Date.from(now))),
                            Updates.combine(Updates.set("holder", holder), Updates.set("until", Date.from(now.plus(LEASE)))),
                            new UpdateOptions().upsert(true)))
                    .thenReturn(true)
                    .onErrorResume(Admissions::held, held -> System.nanoTime() > deadline
                            ? Mono.error(ApiException.unavailable("admission_busy",
                                    "Many runs of this app are starting at once; retry shortly.", 1))
                            : Mono.delay(Duration.ofMillis(BACKOFF_MILLIS + ThreadLocalRandom.current().nextLong(BACKOFF_MILLIS)))
                                    .then(acquire(appId, holder, deadline)));
        });
    }

    private Mono<Void> release(String appId, String holder) {
        return Mono.from(leases.updateOne(and(eq("_id", appId), eq("holder", holder)), Updates.set("until", new Date(0))))
                .onErrorResume(ignored -> Mono.empty())
                .then();
    }

    private static boolean held(Throwable error) {
        return error instanceof MongoWriteException write && write.getError().getCategory() == ErrorCategory.DUPLICATE_KEY;
    }
}

package ai.mozaiks.api;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.lte;

import ai.mozaiks.http.Problem;
import ai.mozaiks.persistence.DatabaseRetry;
import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoCollection;
import com.mongodb.reactivestreams.client.MongoDatabase;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import org.bson.Document;
import reactor.core.publisher.Mono;

/**
 * {@code Idempotency-Key} for creating requests: the first request with a key claims it and its
 * response is kept for a day; a retry with the same key and body gets that response again, a
 * reuse with another body is refused, and a retry while the first still runs is told to wait.
 *
 * <p>A claim is a lease: a request that died while holding its key (a crash, a killed instance) leaves it
 * {@code pending}, and a retry once the lease is over takes it and runs the request again, instead of being told to
 * wait for a day — what a client would do with a new key anyway, so a request that died after its write but before its
 * answer was kept may still have written once. The lease outlasts any live request (the caller's request deadline
 * bounds those). Only the claim's holder can complete or release it, so a late answer of a request taken over is not
 * kept.
 */
public final class IdempotencyStore {
    public static final String COLLECTION = "idempotency_keys";
    public static final Duration RETENTION = Duration.ofHours(24);
    private final MongoCollection<Document> keys;
    private final Clock clock;
    private final Duration lease;

    /** {@code lease}: longer than a request may run (its deadline); what a crashed request costs a retry. */
    public IdempotencyStore(MongoDatabase control, Clock clock, Duration lease) {
        this.keys = control.getCollection(COLLECTION);
        this.clock = clock;
        this.lease = lease;
    }

    /** A response kept for replay, exactly as it was sent. */
    public record StoredResponse(int status, String contentType, String body, String location) {
    }

    /** Either this request owns the key now ({@code replay} null), or the kept response to send again. */
    public record Claim(String id, String holder, StoredResponse replay) {
        public boolean fresh() {
            return replay == null;
        }
    }

    /**
     * Claims {@code key} for the caller's request. {@code scope} separates callers and endpoints
     * (user, method, path); {@code body} is what the retry must repeat.
     */
    public Mono<Claim> claim(String scope, String key, String body) {
        String id = sha256(scope + "\n" + key);
        String requestHash = sha256(body == null ? "" : body);
        String holder = UUID.randomUUID().toString();
        Instant now = clock.instant();
        Document claim = new Document("_id", id).append("request_hash", requestHash).append("state", "pending")
                .append("holder", holder).append("lease_until", Date.from(now.plus(lease)))
                .append("created_at", Date.from(now));
        return DatabaseRetry.throttled(Mono.from(keys.insertOne(claim)))
                .thenReturn(new Claim(id, holder, null))
                .onErrorResume(IdempotencyStore::isDuplicate, duplicate -> DatabaseRetry.throttled(Mono.from(keys.find(eq("_id", id)).first()))
                        .switchIfEmpty(Mono.error(() -> inProgress(lease)))
                        .flatMap(existing -> {
                            if (!requestHash.equals(existing.getString("request_hash"))) {
                                return Mono.error(new ApiException(Problem.of(422, "idempotency_key_reused", "Idempotency key reused",
                                        "This Idempotency-Key was used for a different request; use a new key.")));
                            }
                            if ("done".equals(existing.getString("state"))) {
                                return Mono.just(new Claim(id, existing.getString("holder"), new StoredResponse(existing.getInteger("status"),
                                        existing.getString("content_type"), existing.getString("body"), existing.getString("location"))));
                            }
                            return takeOver(id, holder, now, existing);
                        }));
    }

    /**
     * A pending claim whose lease ran out belonged to a request that died: this one takes it (one conditional update, so
     * of two retries only one does). A live one is waited for.
     */
    private Mono<Claim> takeOver(String id, String holder, Instant now, Document existing) {
        Date until = existing.getDate("lease_until");
        if (until != null && until.toInstant().isAfter(now)) {
            return Mono.error(inProgress(Duration.between(now, until.toInstant())));
        }
        return Mono.from(keys.updateOne(and(eq("_id", id), eq("state", "pending"), eq("holder", existing.getString("holder")),
                                until == null ? eq("lease_until", null) : lte("lease_until", until)),
                        Updates.combine(Updates.set("holder", holder), Updates.set("lease_until", Date.from(now.plus(lease))))))
                .flatMap(taken -> taken.getModifiedCount() == 1 ? Mono.just(new Claim(id, holder, null))
                        : Mono.error(inProgress(lease)));
    }

    public Mono<Void> complete(Claim claim, StoredResponse response) {
        // Repeated while throttled: the request's work is done, and a key left pending would hold its retry for the lease.
        return DatabaseRetry.throttled(Mono.from(keys.updateOne(and(eq("_id", claim.id()), eq("holder", claim.holder())), Updates.combine(
                Updates.set("state", "done"),
                Updates.unset("lease_until"),
                Updates.set("status", response.status()), Updates.set("content_type", response.contentType()),
                Updates.set("body", response.body()),
                Updates.set("location", response.location()))))).then();
    }

    /** Gives the key back after a failure that a retry might not repeat. */
    public Mono<Void> release(Claim claim) {
        // Repeated while throttled: a key left pending answers the caller's retry 409 until its lease ends.
        return DatabaseRetry.throttled(Mono.from(keys.deleteOne(and(eq("_id", claim.id()), eq("holder", claim.holder()),
                eq("state", "pending"))))).then();
    }

    private static ApiException inProgress(Duration wait) {
        long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
        return new ApiException(Problem.of(409, "idempotency_in_progress", "Request in progress",
                "A request with this Idempotency-Key is still running; retry shortly."), Map.of("Retry-After", Long.toString(seconds)));
    }

    private static boolean isDuplicate(Throwable error) {
        return error instanceof MongoWriteException write && write.getError().getCategory() == ErrorCategory.DUPLICATE_KEY;
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

package ai.mozaiks.api;

import static com.mongodb.client.model.Filters.eq;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.model.IndexModel;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoCollection;
import com.mongodb.reactivestreams.client.MongoDatabase;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code Idempotency-Key} for creating requests: the first request with a key claims it and its
 * response is kept for a day; a retry with the same key and body gets that response again, a
 * reuse with another body is refused, and a retry while the first still runs is told to wait.
 */
public final class IdempotencyStore {
    public static final String COLLECTION = "idempotency_keys";
    static final Duration RETENTION = Duration.ofHours(24);

    private final MongoCollection<Document> keys;
    private final Clock clock;

    public IdempotencyStore(MongoDatabase control, Clock clock) {
        this.keys = control.getCollection(COLLECTION);
        this.clock = clock;
    }

    public Mono<Void> ensureIndexes() {
        return Flux.from(keys.createIndexes(List.of(new IndexModel(Indexes.ascending("created_at"),
                new IndexOptions().name("expire").expireAfter(RETENTION.toSeconds(), TimeUnit.SECONDS))))).then();
    }

    /** A response kept for replay, exactly as it was sent. */
    public record StoredResponse(int status, String contentType, String body, String location) {
    }

    /** Either this request owns the key now ({@code replay} null), or the kept response to send again. */
    public record Claim(String id, StoredResponse replay) {
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
        Document claim = new Document("_id", id).append("request_hash", requestHash).append("state", "pending")
                .append("created_at", Date.from(clock.instant()));
        return Mono.from(keys.insertOne(claim))
                .thenReturn(new Claim(id, null))
                .onErrorResume(IdempotencyStore::isDuplicate, duplicate -> Mono.from(keys.find(eq("_id", id)).first())
                        .switchIfEmpty(Mono.error(() -> inProgress()))
                        .map(existing -> {
                            if (!requestHash.equals(existing.getString("request_hash"))) {
                                throw new ApiException(ai.mozaiks.http.Problem.of(422, "idempotency_key_reused", "Idempotency key reused",
                                        "This Idempotency-Key was used for a different request; use a new key."));
                            }
                            if (!"done".equals(existing.getString("state"))) {
                                throw inProgress();
                            }
                            return new Claim(id, new StoredResponse(existing.getInteger("status"), existing.getString("content_type"),
                                    existing.getString("body"), existing.getString("location")));
                        }));
    }

    public Mono<Void> complete(Claim claim, StoredResponse response) {
        return Mono.from(keys.updateOne(eq("_id", claim.id()), Updates.combine(Updates.set("state", "done"),
                Updates.set("status", response.status()), Updates.set("content_type", response.contentType()),
                Updates.set("body", response.body()),
                Updates.set("location", response.location())))).then();
    }

    /** Gives the key back after a failure that a retry might not repeat. */
    public Mono<Void> release(Claim claim) {
        return Mono.from(keys.deleteOne(eq("_id", claim.id()))).then();
    }

    private static ApiException inProgress() {
        return new ApiException(ai.mozaiks.http.Problem.of(409, "idempotency_in_progress", "Request in progress",
                "A request with this Idempotency-Key is still running; retry shortly."), java.util.Map.of("Retry-After", "1"));
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

package ai.mozaiks.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.mongodb.MongoCommandException;
import com.mongodb.MongoTimeoutException;
import com.mongodb.ServerAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.bson.BsonDocument;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

class DatabaseRetryTest {
    private static MongoCommandException throttled(String errmsg) {
        return new MongoCommandException(BsonDocument.parse("{ok: 0, code: 16500, codeName: 'TooManyRequests', errmsg: '" + errmsg + "'}"),
                new ServerAddress());
    }

    @Test
    void waitsWhatTheServerAskedWithinBounds() {
        assertEquals(Duration.ofMillis(30), DatabaseRetry.waitBefore(throttled("Error=16500, RetryAfterMs=30"), 0));
        assertEquals(DatabaseRetry.MAX_WAIT, DatabaseRetry.waitBefore(throttled("Error=16500, RetryAfterMs=9000"), 0));
        assertEquals(DatabaseRetry.DEFAULT_WAIT, DatabaseRetry.waitBefore(throttled("Request rate is large"), 0));
        assertNull(DatabaseRetry.waitBefore(throttled("Error=16500, RetryAfterMs=30"), DatabaseRetry.MAX_RETRIES), "then it gives up");
        assertNull(DatabaseRetry.waitBefore(new MongoTimeoutException("no server"), 0), "not throttling: the caller's to handle");
    }

    @Test
    void aThrottledOperationIsRepeatedUntilItPassesOrTheRetriesAreSpent() {
        AtomicInteger tries = new AtomicInteger();
        Mono<String> twiceThrottled = Mono.defer(() -> tries.incrementAndGet() <= 2
                ? Mono.error(throttled("Error=16500, RetryAfterMs=5")) : Mono.just("done"));
        assertEquals("done", DatabaseRetry.throttled(twiceThrottled).block(Duration.ofSeconds(5)));
        assertEquals(3, tries.get());

        tries.set(0);
        MongoCommandException always = throttled("Error=16500, RetryAfterMs=5");
        MongoCommandException thrown = assertThrows(MongoCommandException.class,
                () -> DatabaseRetry.throttled(Mono.defer(() -> {
                    tries.incrementAndGet();
                    return Mono.error(always);
                })).block(Duration.ofSeconds(5)));
        assertSame(always, thrown, "the database's own error reaches the caller");
        assertEquals(1 + DatabaseRetry.MAX_RETRIES, tries.get());

        tries.set(0);
        IllegalStateException bug = new IllegalStateException("a bug");
        assertSame(bug, assertThrows(IllegalStateException.class, () -> DatabaseRetry.throttled(Mono.defer(() -> {
            tries.incrementAndGet();
            return Mono.error(bug);
        })).block(Duration.ofSeconds(5))));
        assertEquals(1, tries.get(), "anything else is not repeated");
    }

    @Test
    void resultsAreRepeatedOnlyBeforeTheFirstWasHandedOn() {
        AtomicInteger tries = new AtomicInteger();
        Flux<Integer> throttledFirst = Flux.defer(() -> tries.incrementAndGet() == 1
                ? Flux.error(throttled("Error=16500, RetryAfterMs=5")) : Flux.just(1, 2));
        assertEquals(List.of(1, 2), DatabaseRetry.throttled(throttledFirst).collectList().block(Duration.ofSeconds(5)));

        tries.set(0);
        Flux<Integer> throttledMidway = Flux.defer(() -> {
            tries.incrementAndGet();
            return Flux.just(1).concatWith(Flux.error(throttled("Error=16500, RetryAfterMs=5")));
        });
        assertThrows(MongoCommandException.class, () -> DatabaseRetry.throttled(throttledMidway).collectList().block(Duration.ofSeconds(5)));
        assertEquals(1, tries.get(), "a repeat would hand on the first result twice");
    }
}

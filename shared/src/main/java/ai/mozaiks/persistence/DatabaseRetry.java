package ai.mozaiks.persistence;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * A short wait-and-retry of one database operation that was throttled ({@link DatabaseErrors.Kind#THROTTLED}), inside
 * the caller's request or step, so a brief request-unit peak costs a few hundred milliseconds instead of a failed call.
 * Cosmos made no change for a throttled operation, so repeating it is safe. It waits what the server asked
 * ({@code RetryAfterMs}, at most {@link #MAX_WAIT}) and gives up after {@link #MAX_RETRIES}: longer throttling is the
 * caller's to handle — the HTTP edge answers 503 with {@code Retry-After}, a step goes back on the queue
 * ({@code StepRetries}). Other transient failures are left to those callers too (the driver already retries a read or a
 * write once on a network error).
 */
public final class DatabaseRetry {
    /** Retries of one operation here: four tries in all, under two seconds of waiting. */
    static final int MAX_RETRIES = 3;
    /** The longest wait between tries here, whatever the server asked. */
    static final Duration MAX_WAIT = Duration.ofMillis(500);
    /** The wait when the server did not say. */
    static final Duration DEFAULT_WAIT = Duration.ofMillis(100);

    private static final Retry THROTTLED = Retry.from(signals -> signals.concatMap(signal -> {
        Duration wait = waitBefore(signal.failure(), signal.totalRetries());
        return wait == null ? Mono.error(signal.failure()) : Mono.delay(wait);
    }));

    private DatabaseRetry() {
    }

    /** {@code operation}, tried again while it is throttled (a fresh subscription: the operation must be cold). */
    public static <T> Mono<T> throttled(Mono<T> operation) {
        return operation.retryWhen(THROTTLED);
    }

    /**
     * {@code results}, tried again while it is throttled before its first element: once results have been handed on,
     * starting over would repeat them, so a later failure is the caller's.
     */
    public static <T> Flux<T> throttled(Flux<T> results) {
        return Flux.defer(() -> {
            AtomicBoolean emitted = new AtomicBoolean();
            return results.doOnNext(ignored -> emitted.set(true))
                    .retryWhen(Retry.from(signals -> signals.concatMap(signal -> {
                        Duration wait = emitted.get() ? null : waitBefore(signal.failure(), signal.totalRetries());
                        return wait == null ? Mono.error(signal.failure()) : Mono.delay(wait);
                    })));
        });
    }

    /** The wait before retry number {@code retriesSoFar + 1} of {@code failure}, or null when it is not retried here. */
    static Duration waitBefore(Throwable failure, long retriesSoFar) {
        if (retriesSoFar >= MAX_RETRIES) {
            return null;
        }
        return DatabaseErrors.classify(failure)
                .filter(error -> error.kind() == DatabaseErrors.Kind.THROTTLED)
                .map(error -> {
                    Duration asked = error.retryAfter().orElse(DEFAULT_WAIT);
                    return asked.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : asked;
                })
                .orElse(null);
    }
}

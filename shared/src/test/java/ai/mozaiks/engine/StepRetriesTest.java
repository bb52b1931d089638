package ai.mozaiks.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.kernel.AppId;
import ai.mozaiks.models.ModelException;
import ai.mozaiks.persistence.MutableClock;
import com.mongodb.MongoCommandException;
import com.mongodb.MongoSocketOpenException;
import com.mongodb.MongoTimeoutException;
import com.mongodb.ServerAddress;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.bson.BsonDocument;
import org.junit.jupiter.api.Test;

/** Which failures wait, how long, and when waiting ends; and the retry state's way through the queue's JSON. */
class StepRetriesTest {
    private static final Instant START = Instant.parse("2026-03-01T10:00:00Z");
    private static final StepMessage FRESH = new StepMessage(AppId.of("app_r"), "chat_r", 4);

    private final MutableClock clock = new MutableClock(START);
    private final AtomicReference<Double> jitter = new AtomicReference<>(0.999);
    private final StepRetries retries = new StepRetries(Duration.ofMinutes(10), clock, jitter::get);

    private static ModelException model(ModelException.Kind kind, Duration retryAfter) {
        return new ModelException(kind, "req", "refused", 503, null, retryAfter, null);
    }

    @Test
    void transientFailuresAreNamedAndOthersAreNot() {
        assertEquals(Optional.of(StepRetries.MODEL_RATE_LIMITED), StepRetries.transientReason(model(ModelException.Kind.RATE_LIMITED, null)));
        assertEquals(Optional.of(StepRetries.MODEL_UNAVAILABLE), StepRetries.transientReason(model(ModelException.Kind.UNAVAILABLE, null)));
        assertEquals(Optional.of(StepRetries.MODEL_TIMEOUT), StepRetries.transientReason(model(ModelException.Kind.TIMEOUT, null)));
        assertEquals(Optional.of(StepRetries.DATABASE_UNAVAILABLE), StepRetries.transientReason(new MongoTimeoutException("no server")));
        assertEquals(Optional.of(StepRetries.DATABASE_UNAVAILABLE), StepRetries.transientReason(
                new IllegalStateException("wrapped", new MongoSocketOpenException("refused", new ServerAddress(), new ConnectException()))));
        // Waiting cannot help: a refused request, a bad key, a bug — and a plain I/O error outside the Azure SDK.
        assertEquals(Optional.empty(), StepRetries.transientReason(model(ModelException.Kind.BAD_REQUEST, null)));
        assertEquals(Optional.empty(), StepRetries.transientReason(model(ModelException.Kind.AUTH, null)));
        assertEquals(Optional.empty(), StepRetries.transientReason(new IllegalStateException("a bug")));
        assertEquals(Optional.empty(), StepRetries.transientReason(new IOException("not storage")));
    }

    @Test
    void backoffIsExponentialWithFullJitterAndCapped() {
        jitter.set(0.999);
        assertEquals(1998, retries.backoff(1).toMillis());
        assertEquals(3996, retries.backoff(2).toMillis());
        assertEquals(7992, retries.backoff(3).toMillis());
        assertEquals(59_940, retries.backoff(10).toMillis(), "capped at a minute");
        assertEquals(59_940, retries.backoff(500).toMillis(), "no overflow");
        jitter.set(0.0);
        assertEquals(0, retries.backoff(6).toMillis(), "full jitter reaches down to no wait");
    }

    @Test
    void theRetryStateTravelsInTheMessageAndTheDelayIsWholeSeconds() {
        jitter.set(0.5);
        StepRetries.Retry first = assertInstanceOf(StepRetries.Retry.class,
                retries.after(FRESH, model(ModelException.Kind.UNAVAILABLE, null), StepRetries.MODEL_UNAVAILABLE));
        assertEquals(FRESH.retried(1, START), first.message());
        assertEquals(Duration.ofSeconds(1), first.delay(), "half of 2 s");
        assertEquals(START.plusSeconds(1), first.retryAt());

        clock.advance(Duration.ofSeconds(30));
        StepRetries.Retry second = assertInstanceOf(StepRetries.Retry.class,
                retries.after(first.message(), new MongoTimeoutException("x"), StepRetries.DATABASE_UNAVAILABLE));
        assertEquals(FRESH.retried(2, START), second.message(), "the first failure's time is kept");
        assertEquals(Duration.ofSeconds(2), second.delay(), "half of 4 s");
        assertEquals(0, second.message().at(5).attempt(), "the next step starts fresh");
    }

    @Test
    void retryAfterIsHonouredUpToItsBound() {
        jitter.set(0.0);
        StepRetries.Retry asked = assertInstanceOf(StepRetries.Retry.class,
                retries.after(FRESH, model(ModelException.Kind.RATE_LIMITED, Duration.ofMillis(12_300)), StepRetries.MODEL_RATE_LIMITED));
        assertEquals(Duration.ofSeconds(13), asked.delay(), "never sooner than Retry-After, rounded up");
        StepRetries.Retry bounded = assertInstanceOf(StepRetries.Retry.class,
                retries.after(FRESH, model(ModelException.Kind.RATE_LIMITED, Duration.ofHours(3)), StepRetries.MODEL_RATE_LIMITED));
        assertEquals(StepRetries.MAX_RETRY_AFTER, bounded.delay());
    }

    @Test
    void aThrottledDatabaseIsWaitedForAsLongAsItAsksAndADuplicateKeyIsNot() {
        jitter.set(0.0);
        MongoCommandException throttled = new MongoCommandException(BsonDocument.parse(
                "{ok: 0, code: 16500, codeName: 'TooManyRequests', errmsg: 'Error=16500, RetryAfterMs=4200, Details=...'}"),
                new ServerAddress());
        assertEquals(Optional.of(StepRetries.DATABASE_THROTTLED), StepRetries.transientReason(new RuntimeException("step", throttled)));
        StepRetries.Retry retry = assertInstanceOf(StepRetries.Retry.class, retries.after(FRESH, throttled, StepRetries.DATABASE_THROTTLED));
        assertEquals(Duration.ofSeconds(5), retry.delay(), "never sooner than RetryAfterMs, rounded up to whole seconds");
        assertEquals(Optional.of(StepRetries.DATABASE_UNAVAILABLE), StepRetries.transientReason(new MongoCommandException(
                BsonDocument.parse("{ok: 0, code: 50, codeName: 'ExceededTimeLimit', errmsg: 'timeout'}"), new ServerAddress())));
        assertEquals(Optional.empty(), StepRetries.transientReason(new MongoCommandException(
                BsonDocument.parse("{ok: 0, code: 11000, errmsg: 'E11000 duplicate key'}"), new ServerAddress())));
    }

    @Test
    void throttlingOutlastingTheBudgetIsStillWaitedForAndNeverEndsTheChat() {
        jitter.set(0.0);
        MongoCommandException throttled = new MongoCommandException(BsonDocument.parse(
                "{ok: 0, code: 16500, codeName: 'TooManyRequests', errmsg: 'Error=16500, RetryAfterMs=3000, Details=...'}"),
                new ServerAddress());
        StepMessage failing = FRESH.retried(40, START);
        clock.advance(Duration.ofMinutes(30));
        StepRetries.Retry retry = assertInstanceOf(StepRetries.Retry.class,
                retries.after(failing, throttled, StepRetries.DATABASE_THROTTLED));
        assertTrue(retry.delay().compareTo(Duration.ofSeconds(3)) >= 0,
                "at least as long as the database asks, though the budget ended 20 minutes ago: " + retry.delay());
        assertInstanceOf(StepRetries.GiveUp.class, retries.after(failing, new MongoTimeoutException("x"), StepRetries.DATABASE_UNAVAILABLE),
                "an unreachable database still ends the chat once the budget is spent");
    }

    @Test
    void theBudgetEndsTheRetriesAndTheLastOneComesWhenItEnds() {
        jitter.set(0.999);
        StepMessage failing = FRESH.retried(7, START);
        clock.advance(Duration.ofMinutes(9).plusSeconds(50));
        StepRetries.Retry last = assertInstanceOf(StepRetries.Retry.class,
                retries.after(failing, model(ModelException.Kind.UNAVAILABLE, Duration.ofSeconds(90)), StepRetries.MODEL_UNAVAILABLE));
        assertEquals(Duration.ofSeconds(10), last.delay(), "cut to what is left of the budget");

        clock.advance(Duration.ofSeconds(10));
        StepRetries.GiveUp over = assertInstanceOf(StepRetries.GiveUp.class,
                retries.after(last.message(), model(ModelException.Kind.UNAVAILABLE, null), StepRetries.MODEL_UNAVAILABLE));
        assertEquals(StepRetries.MODEL_UNAVAILABLE, over.reason());
        assertEquals(Duration.ofMinutes(10), over.failingFor());

        StepRetries none = new StepRetries(Duration.ZERO, clock, jitter::get);
        assertInstanceOf(StepRetries.GiveUp.class, none.after(FRESH, new MongoTimeoutException("x"), StepRetries.DATABASE_UNAVAILABLE),
                "a zero budget fails at once");
    }

    @Test
    void theQueueFormatCarriesTheRetryStateAndReadsOldMessagesAsFresh() {
        assertEquals(FRESH, AzureStepQueue.parse("{\"app_id\":\"app_r\",\"chat_id\":\"chat_r\",\"step_seq\":4}"));
        assertEquals(FRESH.retried(3, START), AzureStepQueue.parse(
                "{\"app_id\":\"app_r\",\"chat_id\":\"chat_r\",\"step_seq\":4,\"attempt\":3,\"first_failed_at\":\"2026-03-01T10:00:00Z\"}"));
        for (String bad : new String[] {
                "{\"app_id\":\"a\",\"chat_id\":\"c\",\"step_seq\":0,\"attempt\":2}",
                "{\"app_id\":\"a\",\"chat_id\":\"c\",\"step_seq\":0,\"attempt\":0,\"first_failed_at\":\"2026-03-01T10:00:00Z\"}",
                "{\"app_id\":\"a\",\"chat_id\":\"c\",\"step_seq\":0,\"attempt\":\"x\",\"first_failed_at\":\"2026-03-01T10:00:00Z\"}",
                "{\"app_id\":\"a\",\"chat_id\":\"c\",\"step_seq\":0,\"attempt\":1,\"first_failed_at\":\"yesterday\"}"}) {
            assertThrows(IllegalArgumentException.class, () -> AzureStepQueue.parse(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> FRESH.retried(2, null));
        assertTrue(FRESH.retried(1, START).at(5).firstFailedAt() == null);
    }
}

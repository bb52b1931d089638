package ai.mozaiks.engine;

import ai.mozaiks.models.ModelException;
import ai.mozaiks.persistence.DatabaseErrors;
import ai.mozaiks.storage.StorageErrors;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * What a transient failure of a step comes to: the step again later, or — once the step has been failing for longer than
 * its budget — the end of the chat. Transient means a dependency that is briefly away: the model (rate limited, 5xx,
 * timed out, unreachable, a garbled answer), the database (throttled, timed out, no server, a dropped socket, a failover:
 * {@link DatabaseErrors}) or storage. The wait
 * is exponential backoff with full jitter (a random point below {@link #BASE}·2<sup>n-1</sup>, at most {@link #MAX_BACKOFF}),
 * and never shorter than the model's {@code Retry-After} or the database's {@code RetryAfterMs} (itself capped at {@link #MAX_RETRY_AFTER}). The retry state
 * travels in the {@link StepMessage}, not in the database, so it works while the database is down.
 */
public final class StepRetries {
    /** The first backoff's ceiling. */
    static final Duration BASE = Duration.ofSeconds(2);
    /** The longest backoff chosen here (a {@code Retry-After} may ask for longer, up to {@link #MAX_RETRY_AFTER}). */
    static final Duration MAX_BACKOFF = Duration.ofSeconds(60);
    /** The longest {@code Retry-After} honoured: a provider asking for more is asked again sooner. */
    static final Duration MAX_RETRY_AFTER = Duration.ofMinutes(2);
    /** How long a step may keep failing transiently before its chat fails ({@code STEP_RETRY_BUDGET_SECONDS}). */
    public static final Duration DEFAULT_BUDGET = Duration.ofMinutes(10);

    public static final String MODEL_RATE_LIMITED = "model_rate_limited";
    public static final String MODEL_UNAVAILABLE = "model_unavailable";
    public static final String MODEL_TIMEOUT = "model_timeout";
    public static final String MODEL_INVALID_RESPONSE = "model_invalid_response";
    public static final String DATABASE_UNAVAILABLE = "database_unavailable";
    /** The database refused the request for want of capacity (Cosmos 16500, {@link DatabaseErrors}). */
    public static final String DATABASE_THROTTLED = "database_throttled";
    public static final String STORAGE_UNAVAILABLE = "storage_unavailable";

    /** What to do about one transient failure. */
    public sealed interface Decision {
    }

    /** Run the step again: {@code message} (with the new retry state), visible after {@code delay}, at {@code retryAt}. */
    public record Retry(StepMessage message, Duration delay, Instant retryAt, String reason) implements Decision {
    }

    /** The step has been failing for {@code failingFor}, past its budget: the chat fails with {@code reason} named. */
    public record GiveUp(String reason, Duration failingFor) implements Decision {
    }

    private final Duration budget;
    private final Clock clock;
    private final DoubleSupplier random;

    public StepRetries(Duration budget, Clock clock) {
        this(budget, clock, () -> ThreadLocalRandom.current().nextDouble());
    }

    /** @param random a number in [0, 1) per call: the jitter */
    StepRetries(Duration budget, Clock clock, DoubleSupplier random) {
        this.budget = Objects.requireNonNull(budget, "budget");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
        if (budget.isNegative()) {
            throw new IllegalArgumentException("budget must not be negative");
        }
    }

    public Duration budget() {
        return budget;
    }

    /**
     * The reason {@code error} is transient ({@link #MODEL_RATE_LIMITED} …), found anywhere in its cause chain; empty for
     * a failure waiting cannot help (a refused request, a bug).
     */
    public static Optional<String> transientReason(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ModelException model) {
                return model.retryable() ? Optional.of(modelReason(model.kind())) : Optional.empty();
            }
            // A step is safe to run again after any of them, a timed-out write included: its commit is conditional on
            // the chat's lease and step, so a repeated step finds its work done or does it once.
            Optional<DatabaseErrors.Transient> database = DatabaseErrors.direct(t);
            if (database.isPresent()) {
                return Optional.of(database.get().kind() == DatabaseErrors.Kind.THROTTLED ? DATABASE_THROTTLED : DATABASE_UNAVAILABLE);
            }
        }
        return StorageErrors.isTransient(error) ? Optional.of(STORAGE_UNAVAILABLE) : Optional.empty();
    }

    private static String modelReason(ModelException.Kind kind) {
        return switch (kind) {
            case RATE_LIMITED -> MODEL_RATE_LIMITED;
            case TIMEOUT -> MODEL_TIMEOUT;
            case INVALID_RESPONSE -> MODEL_INVALID_RESPONSE;
            default -> MODEL_UNAVAILABLE;
        };
    }

    /** What follows {@code message}'s transient failure {@code error} (whose reason is {@code reason}). */
    public Decision after(StepMessage message, Throwable error, String reason) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        Instant firstFailedAt = message.attempt() == 0 ? now : message.firstFailedAt();
        Duration failingFor = Duration.between(firstFailedAt, now);
        Duration left = budget.minus(failingFor);
        // A throttled database is there and asks for patience: the step waits as long as it is told, budget or not, so
        // throttling never ends a chat (an unreachable one, or a model, still does once the budget is spent).
        boolean throttled = DATABASE_THROTTLED.equals(reason);
        if (!throttled && (left.isNegative() || left.isZero())) {
            return new GiveUp(reason, failingFor);
        }
        int attempt = message.attempt() + 1;
        Duration delay = backoff(attempt);
        Optional<Duration> asked = retryAfter(error);
        if (asked.isPresent()) {
            Duration bounded = asked.get().compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : asked.get();
            delay = bounded.compareTo(delay) > 0 ? bounded : delay;
        }
        // The last retry comes when the budget ends, not after it.
        delay = !throttled && delay.compareTo(left) > 0 ? left : delay;
        // Queues hide messages in whole seconds: rounded up, the step is never seen before its time.
        long seconds = (delay.toMillis() + 999) / 1000;
        delay = Duration.ofSeconds(seconds);
        return new Retry(message.retried(attempt, firstFailedAt), delay, now.plus(delay), reason);
    }

    /** Full jitter: a uniform random wait below min(MAX_BACKOFF, BASE·2^(attempt-1)). */
    Duration backoff(int attempt) {
        long ceiling = BASE.toMillis() << Math.min(attempt - 1, 20);
        ceiling = Math.min(ceiling, MAX_BACKOFF.toMillis());
        return Duration.ofMillis((long) (random.getAsDouble() * ceiling));
    }

    private static Optional<Duration> retryAfter(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ModelException model) {
                return model.retryAfter();
            }
            Optional<DatabaseErrors.Transient> database = DatabaseErrors.direct(t);
            if (database.isPresent()) {
                return database.get().retryAfter();
            }
        }
        return Optional.empty();
    }
}

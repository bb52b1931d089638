package ai.mozaiks.persistence;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoCommandException;
import com.mongodb.MongoConnectionPoolClearedException;
import com.mongodb.MongoException;
import com.mongodb.MongoNodeIsRecoveringException;
import com.mongodb.MongoNotPrimaryException;
import com.mongodb.MongoSocketException;
import com.mongodb.MongoTimeoutException;
import com.mongodb.MongoWriteException;
import com.mongodb.WriteError;
import com.mongodb.bulk.BulkWriteError;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * The one reading of a database failure that waiting may cure, used by every caller that decides what to do about one
 * (the HTTP edge, the step retries, the in-process retry of {@link DatabaseRetry}):
 * <ul>
 *   <li>{@link Kind#THROTTLED}: Cosmos DB's 16500 TooManyRequests (request units spent). Cosmos says "no changes were
 *       made" and reports when to come back as {@code RetryAfterMs=NNN} in {@code errmsg} (and, on some versions, as a
 *       field of the error document); both are read. A single-document operation may be repeated as it is.</li>
 *   <li>{@link Kind#TIMED_OUT}: 50 ExceededTimeLimit (Cosmos's 60 s limit, or server-side retry giving up). A write that
 *       got it may have happened: it is repeated only where repeating it changes nothing ({@link Transient#safeToRepeat}).</li>
 *   <li>{@link Kind#UNAVAILABLE}: no server, a dropped socket, a failover, or an error the server or driver labels
 *       {@code RetryableWriteError} / {@code TransientTransactionError}.</li>
 * </ul>
 * Anything else (a duplicate key 11000, a refused shape 2, a bug) is not transient: waiting does not help.
 * Sources: https://learn.microsoft.com/azure/cosmos-db/mongodb/error-codes-solutions and
 * https://learn.microsoft.com/azure/cosmos-db/mongodb/prevent-rate-limiting-errors .
 */
public final class DatabaseErrors {
    public static final int TOO_MANY_REQUESTS = 16500;
    public static final int EXCEEDED_TIME_LIMIT = 50;
    /** The label the server or driver puts on a write that may be retried (the driver has no constant for it). */
    static final String RETRYABLE_WRITE_ERROR = "RetryableWriteError";

    private static final Pattern RETRY_AFTER_MS = Pattern.compile("RetryAfterMs\\s*[=:]\\s*\"?(\\d{1,9})");

    public enum Kind { THROTTLED, TIMED_OUT, UNAVAILABLE }

    /** A transient database failure: what kind, and how long the server asked the caller to wait, when it said. */
    public record Transient(Kind kind, Optional<Duration> retryAfter) {
        /**
         * Whether the failed operation may simply be run again: always for a throttled or unreachable server (nothing was
         * done, or the driver could not tell), for a timed-out one only when repeating it changes nothing.
         */
        public boolean safeToRepeat(boolean idempotent) {
            return kind != Kind.TIMED_OUT || idempotent;
        }
    }

    private DatabaseErrors() {
    }

    /** The transient database failure anywhere in {@code error}'s cause chain; empty when there is none. */
    public static Optional<Transient> classify(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            Optional<Transient> found = direct(t);
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    /** The transient database failure {@code error} itself is (its causes not looked at). */
    public static Optional<Transient> direct(Throwable error) {
        if (error instanceof MongoBulkWriteException bulk) {
            return bulkWrite(bulk.getWriteErrors());
        }
        if (error instanceof MongoWriteException write) {
            return byCode(write.getError().getCode(), write.getError().getMessage(), write.getError().getDetails());
        }
        if (error instanceof MongoCommandException command) {
            Optional<Transient> byCode = byCode(command.getErrorCode(), command.getErrorMessage(), command.getResponse());
            if (byCode.isPresent()) {
                return byCode;
            }
        }
        if (error instanceof MongoException mongo && mongo.getCode() == TOO_MANY_REQUESTS) {
            return Optional.of(new Transient(Kind.THROTTLED, retryAfterIn(mongo.getMessage())));
        }
        if (error instanceof MongoException mongo && mongo.getCode() == EXCEEDED_TIME_LIMIT) {
            // MongoExecutionTimeoutException among them.
            return Optional.of(new Transient(Kind.TIMED_OUT, Optional.empty()));
        }
        if (error instanceof MongoTimeoutException || error instanceof MongoSocketException || error instanceof MongoNotPrimaryException
                || error instanceof MongoNodeIsRecoveringException || error instanceof MongoConnectionPoolClearedException
                || error instanceof MongoException mongo && (mongo.hasErrorLabel(RETRYABLE_WRITE_ERROR)
                        || mongo.hasErrorLabel(MongoException.TRANSIENT_TRANSACTION_ERROR_LABEL))) {
            return Optional.of(new Transient(Kind.UNAVAILABLE, Optional.empty()));
        }
        return Optional.empty();
    }

    /**
     * A bulk write is transient only when every write error is (a duplicate key among them is final); its longest
     * {@code RetryAfterMs} is honoured.
     */
    private static Optional<Transient> bulkWrite(List<BulkWriteError> errors) {
        Optional<Transient> result = Optional.empty();
        for (WriteError error : errors) {
            Optional<Transient> one = byCode(error.getCode(), error.getMessage(), error.getDetails());
            if (one.isEmpty()) {
                return Optional.empty();
            }
            if (result.isEmpty() || longer(one.get().retryAfter(), result.get().retryAfter())) {
                result = one;
            }
        }
        return result;
    }

    private static boolean longer(Optional<Duration> a, Optional<Duration> b) {
        return a.isPresent() && (b.isEmpty() || a.get().compareTo(b.get()) > 0);
    }

    private static Optional<Transient> byCode(int code, String message, BsonDocument document) {
        if (code == TOO_MANY_REQUESTS) {
            Optional<Duration> asked = retryAfterIn(document);
            return Optional.of(new Transient(Kind.THROTTLED, asked.isPresent() ? asked : retryAfterIn(message)));
        }
        if (code == EXCEEDED_TIME_LIMIT) {
            return Optional.of(new Transient(Kind.TIMED_OUT, Optional.empty()));
        }
        return Optional.empty();
    }

    /** {@code RetryAfterMs} as a field of the error document (a number or a numeric string). */
    static Optional<Duration> retryAfterIn(BsonDocument document) {
        if (document == null) {
            return Optional.empty();
        }
        BsonValue value = document.get("RetryAfterMs");
        if (value != null && value.isNumber()) {
            return Optional.of(Duration.ofMillis(Math.max(0, value.asNumber().longValue())));
        }
        if (value != null && value.isString()) {
            return retryAfterIn("RetryAfterMs=" + value.asString().getValue());
        }
        return Optional.empty();
    }

    /** {@code RetryAfterMs=NNN} in a message, as Cosmos writes it in {@code errmsg} ("Error=16500, RetryAfterMs=8, Details=…"). */
    static Optional<Duration> retryAfterIn(String message) {
        if (message == null) {
            return Optional.empty();
        }
        Matcher matcher = RETRY_AFTER_MS.matcher(message);
        return matcher.find() ? Optional.of(Duration.ofMillis(Long.parseLong(matcher.group(1)))) : Optional.empty();
    }
}

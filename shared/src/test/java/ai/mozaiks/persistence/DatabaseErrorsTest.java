package ai.mozaiks.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoCommandException;
import com.mongodb.MongoException;
import com.mongodb.MongoExecutionTimeoutException;
import com.mongodb.MongoNotPrimaryException;
import com.mongodb.MongoSocketReadException;
import com.mongodb.MongoTimeoutException;
import com.mongodb.MongoWriteException;
import com.mongodb.ServerAddress;
import com.mongodb.WriteError;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.bulk.BulkWriteResult;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bson.BsonDocument;
import org.junit.jupiter.api.Test;

class DatabaseErrorsTest {
    private static final ServerAddress SERVER = new ServerAddress("cosmos.example", 10255);
    /** Cosmos's errmsg for 16500, as its clients report it. */
    private static final String COSMOS_ERRMSG = "Error=16500, RetryAfterMs=8, Details='Response status code does not indicate "
            + "success: TooManyRequests (429); Substatus: 3200; Reason: (Request rate is large. More Request Units may be needed, "
            + "so no changes were made. Please retry this request later.)'";

    private static MongoCommandException command(String json) {
        return new MongoCommandException(BsonDocument.parse(json), SERVER);
    }

    private static Optional<DatabaseErrors.Transient> throttled(Duration retryAfter) {
        return Optional.of(new DatabaseErrors.Transient(DatabaseErrors.Kind.THROTTLED, Optional.ofNullable(retryAfter)));
    }

    @Test
    void cosmosThrottlingWithRetryAfterMsInTheMessage() {
        assertEquals(throttled(Duration.ofMillis(8)), DatabaseErrors.classify(command(
                "{ok: 0, code: 16500, codeName: 'TooManyRequests', errmsg: \"" + COSMOS_ERRMSG.replace("'", "\\'") + "\"}")));
    }

    @Test
    void cosmosThrottlingWithRetryAfterMsInTheErrorDocumentWins() {
        assertEquals(throttled(Duration.ofMillis(1200)), DatabaseErrors.classify(command(
                "{ok: 0, code: 16500, codeName: 'TooManyRequests', errmsg: 'Error=16500, RetryAfterMs=8', RetryAfterMs: 1200}")));
        assertEquals(throttled(Duration.ofMillis(40)), DatabaseErrors.classify(command(
                "{ok: 0, code: 16500, errmsg: 'Request rate is large', RetryAfterMs: '40'}")));
    }

    @Test
    void cosmosThrottlingWithoutRetryAfterMs() {
        // The older wording ("Message: {"Errors":["Request rate is large"]} …") names no wait.
        assertEquals(throttled(null), DatabaseErrors.classify(command(
                "{ok: 0, code: 16500, errmsg: 'Message: {\"Errors\":[\"Request rate is large\"]} ActivityId: 63ea6aa0'}")));
    }

    @Test
    void throttledWritesAndBatches() {
        MongoWriteException write = new MongoWriteException(new WriteError(16500, COSMOS_ERRMSG, new BsonDocument()), SERVER, Set.of());
        assertEquals(throttled(Duration.ofMillis(8)), DatabaseErrors.classify(write));
        MongoBulkWriteException batch = new MongoBulkWriteException(BulkWriteResult.unacknowledged(),
                List.of(new BulkWriteError(16500, "Error=16500, RetryAfterMs=8", new BsonDocument(), 0),
                        new BulkWriteError(16500, "Error=16500, RetryAfterMs=30", new BsonDocument(), 1)), null, SERVER, Set.of());
        assertEquals(throttled(Duration.ofMillis(30)), DatabaseErrors.classify(batch), "the longest wait asked");
        MongoBulkWriteException mixed = new MongoBulkWriteException(BulkWriteResult.unacknowledged(),
                List.of(new BulkWriteError(16500, COSMOS_ERRMSG, new BsonDocument(), 0),
                        new BulkWriteError(11000, "E11000 duplicate key", new BsonDocument(), 1)), null, SERVER, Set.of());
        assertEquals(Optional.empty(), DatabaseErrors.classify(mixed), "a duplicate key among them is final");
    }

    @Test
    void exceededTimeLimitIsRepeatedOnlyWhereRepeatingChangesNothing() {
        DatabaseErrors.Transient timedOut = DatabaseErrors.classify(command("{ok: 0, code: 50, codeName: 'ExceededTimeLimit', errmsg: 'timeout'}"))
                .orElseThrow();
        assertEquals(DatabaseErrors.Kind.TIMED_OUT, timedOut.kind());
        assertTrue(timedOut.safeToRepeat(true));
        assertFalse(timedOut.safeToRepeat(false), "a write that timed out may have happened");
        assertEquals(DatabaseErrors.Kind.TIMED_OUT, DatabaseErrors.classify(new MongoExecutionTimeoutException(50, "operation exceeded time limit"))
                .orElseThrow().kind());
        assertTrue(throttled(null).orElseThrow().safeToRepeat(false), "nothing was written for a throttled write");
    }

    @Test
    void unreachableServersAndTransientLabels() {
        MongoException labelled = new MongoException("write failed");
        labelled.addLabel("RetryableWriteError");
        MongoException transaction = command("{ok: 0, code: 251, errmsg: 'no such transaction'}");
        transaction.addLabel(MongoException.TRANSIENT_TRANSACTION_ERROR_LABEL);
        for (Throwable error : List.of(new MongoTimeoutException("no server"), new MongoSocketReadException("reset", SERVER),
                new MongoNotPrimaryException(BsonDocument.parse("{ok: 0, code: 10107}"), SERVER), labelled, transaction,
                new RuntimeException("wrapped", new MongoTimeoutException("no server")))) {
            assertEquals(Optional.of(new DatabaseErrors.Transient(DatabaseErrors.Kind.UNAVAILABLE, Optional.empty())),
                    DatabaseErrors.classify(error), error.toString());
        }
    }

    @Test
    void finalErrorsStayFinal() {
        assertEquals(Optional.empty(), DatabaseErrors.classify(command("{ok: 0, code: 11000, errmsg: 'E11000 duplicate key'}")));
        assertEquals(Optional.empty(), DatabaseErrors.classify(new MongoWriteException(
                new WriteError(11000, "E11000 duplicate key", new BsonDocument()), SERVER, Set.of())));
        assertEquals(Optional.empty(), DatabaseErrors.classify(command(
                "{ok: 0, code: 2, codeName: 'BadValue', errmsg: 'The index path corresponding to the specified order-by item is excluded.'}")));
        assertEquals(Optional.empty(), DatabaseErrors.classify(new IllegalStateException("a bug")));
        assertEquals(Optional.empty(), DatabaseErrors.classify(null));
    }
}

package ai.mozaiks.session;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoWriteException;

/** Recognises a unique-index collision, the signal every idempotent write here relies on. */
public final class Duplicates {
    private Duplicates() {
    }

    public static boolean isDuplicate(Throwable error) {
        if (error instanceof MongoWriteException write) {
            return write.getError().getCategory() == ErrorCategory.DUPLICATE_KEY;
        }
        if (error instanceof MongoBulkWriteException bulk) {
            return !bulk.getWriteErrors().isEmpty() && bulk.getWriteErrors().stream()
                    .allMatch(e -> ErrorCategory.fromErrorCode(e.getCode()) == ErrorCategory.DUPLICATE_KEY)
                    && bulk.getWriteConcernError() == null;
        }
        return false;
    }
}

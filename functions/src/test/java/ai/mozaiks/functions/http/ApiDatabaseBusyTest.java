package ai.mozaiks.functions.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.api.ApiException;
import com.mongodb.MongoCommandException;
import com.mongodb.MongoTimeoutException;
import com.mongodb.ServerAddress;
import java.util.Map;
import org.bson.BsonDocument;
import org.junit.jupiter.api.Test;

/** A database failure waiting cures answers 503 with Retry-After at the HTTP edge; any other stays a failure (500). */
class ApiDatabaseBusyTest {
    private static MongoCommandException command(String json) {
        return new MongoCommandException(BsonDocument.parse(json), new ServerAddress());
    }

    @Test
    void throttlingAnswers503WithTheWaitCosmosAskedInWholeSeconds() {
        ApiException busy = Api.databaseBusy(new RuntimeException(command(
                "{ok: 0, code: 16500, codeName: 'TooManyRequests', errmsg: 'Error=16500, RetryAfterMs=1500, Details=...'}"))).orElseThrow();
        assertEquals(503, busy.problem().status());
        assertEquals("database_throttled", busy.problem().code());
        assertEquals(Map.of("Retry-After", "2"), busy.headers());
        assertEquals(Map.of("Retry-After", "1"), Api.databaseBusy(command("{ok: 0, code: 16500, errmsg: 'Request rate is large'}"))
                .orElseThrow().headers(), "at least a second when Cosmos names no wait");
    }

    @Test
    void anUnreachableOrTimedOutDatabaseAnswers503AndADuplicateKeyDoesNot() {
        ApiException away = Api.databaseBusy(new MongoTimeoutException("no server")).orElseThrow();
        assertEquals("database_unavailable", away.problem().code());
        assertEquals(Map.of("Retry-After", Long.toString(Api.DATABASE_RETRY_AFTER.toSeconds())), away.headers());
        assertEquals("database_unavailable", Api.databaseBusy(command("{ok: 0, code: 50, codeName: 'ExceededTimeLimit', errmsg: 'timeout'}"))
                .orElseThrow().problem().code());
        assertTrue(Api.databaseBusy(command("{ok: 0, code: 11000, errmsg: 'E11000 duplicate key'}")).isEmpty());
        assertTrue(Api.databaseBusy(new IllegalStateException("a bug")).isEmpty());
    }
}

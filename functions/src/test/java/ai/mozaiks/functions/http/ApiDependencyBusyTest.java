package ai.mozaiks.functions.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.persistence.SchemaNotInPlace;
import ai.mozaiks.persistence.SchemaReport;
import ai.mozaiks.persistence.StorageLocation;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.mongodb.MongoCommandException;
import com.mongodb.MongoTimeoutException;
import com.mongodb.ServerAddress;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.util.List;
import java.util.Map;
import org.bson.BsonDocument;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** A dependency failure waiting cures answers 503 with Retry-After at the HTTP edge; any other stays a failure (500). */
class ApiDependencyBusyTest {
    private static MongoCommandException command(String json) {
        return new MongoCommandException(BsonDocument.parse(json), new ServerAddress());
    }

    @Test
    void throttlingAnswers503WithTheWaitCosmosAskedInWholeSeconds() {
        ApiException busy = Api.dependencyBusy(new RuntimeException(command(
                "{ok: 0, code: 16500, codeName: 'TooManyRequests', errmsg: 'Error=16500, RetryAfterMs=1500, Details=...'}"))).orElseThrow();
        assertEquals(503, busy.problem().status());
        assertEquals("database_throttled", busy.problem().code());
        assertEquals(Map.of("Retry-After", "2"), busy.headers());
        assertEquals(Map.of("Retry-After", "1"), Api.dependencyBusy(command("{ok: 0, code: 16500, errmsg: 'Request rate is large'}"))
                .orElseThrow().headers(), "at least a second when Cosmos names no wait");
    }

    @Test
    void anUnreachableOrTimedOutDatabaseAnswers503AndADuplicateKeyDoesNot() {
        ApiException away = Api.dependencyBusy(new MongoTimeoutException("no server")).orElseThrow();
        assertEquals("database_unavailable", away.problem().code());
        assertEquals(Map.of("Retry-After", Long.toString(Api.DATABASE_RETRY_AFTER.toSeconds())), away.headers());
        assertEquals("database_unavailable", Api.dependencyBusy(command("{ok: 0, code: 50, codeName: 'ExceededTimeLimit', errmsg: 'timeout'}"))
                .orElseThrow().problem().code());
        assertTrue(Api.dependencyBusy(command("{ok: 0, code: 11000, errmsg: 'E11000 duplicate key'}")).isEmpty());
        assertTrue(Api.dependencyBusy(new IllegalStateException("a bug")).isEmpty());
    }

    @Test
    void storageNotAnsweringAndRuntimeCollectionsNotMadeAnswer503AndAStorageRefusalDoesNot() {
        ApiException storage = Api.dependencyBusy(new RuntimeException(new HttpResponseException("server busy", answer(503)))).orElseThrow();
        assertEquals("storage_unavailable", storage.problem().code());
        assertEquals(Map.of("Retry-After", Long.toString(Api.DATABASE_RETRY_AFTER.toSeconds())), storage.headers());
        assertEquals("storage_unavailable", Api.dependencyBusy(new HttpResponseException("slow down", answer(429))).orElseThrow().problem().code());
        assertTrue(Api.dependencyBusy(new HttpResponseException("forbidden", answer(403))).isEmpty(), "a refusal is not waited out");

        SchemaReport refused = new SchemaReport(List.of(new SchemaReport.Entry("runtime_db", "chat_sessions", null,
                SchemaReport.Outcome.REFUSED, "not allowed")));
        ApiException schema = Api.dependencyBusy(new SchemaNotInPlace(new StorageLocation("MONGODB_CONNECTION_STRING", "runtime_db"), refused))
                .orElseThrow();
        assertEquals(503, schema.problem().status());
        assertEquals("runtime_schema_unavailable", schema.problem().code());
        assertTrue(!schema.problem().detail().contains("runtime_db"), "no database name leaves: " + schema.problem().detail());
    }

    /** An Azure SDK response with only a status: what a storage error carries. */
    private static HttpResponse answer(int status) {
        return new HttpResponse(new HttpRequest(HttpMethod.GET, "http://127.0.0.1:10000/devstoreaccount1/payloads")) {
            @Override
            public int getStatusCode() {
                return status;
            }

            @Override
            @Deprecated
            public String getHeaderValue(String name) {
                return null;
            }

            @Override
            public HttpHeaders getHeaders() {
                return new HttpHeaders();
            }

            @Override
            public Flux<ByteBuffer> getBody() {
                return Flux.empty();
            }

            @Override
            public Mono<byte[]> getBodyAsByteArray() {
                return Mono.empty();
            }

            @Override
            public Mono<String> getBodyAsString() {
                return Mono.empty();
            }

            @Override
            public Mono<String> getBodyAsString(Charset charset) {
                return Mono.empty();
            }
        };
    }
}

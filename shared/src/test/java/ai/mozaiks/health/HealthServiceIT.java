package ai.mozaiks.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.http.Json;
import ai.mozaiks.persistence.EmbeddedMongoFixture;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

class HealthServiceIT {
    private static final Duration TIMEOUT = Duration.ofMillis(200);
    private static final Duration BLOCK = Duration.ofSeconds(5);

    /** A check made of a name and a probe. */
    private static HealthCheck check(String name, Supplier<Mono<CheckResult>> probe) {
        return HealthCheck.of(name, probe);
    }

    private static HealthCheck ok(String name, long millis) {
        return check(name, () -> Mono.just(CheckResult.ok("latency_ms", millis)));
    }

    private static HealthCheck failing(String name, RuntimeException error) {
        return check(name, () -> Mono.error(error));
    }

    private static HealthReport run(HealthCheck... checks) {
        return new HealthService(List.of(checks), TIMEOUT, "1.2.3").check().block(BLOCK);
    }

    private static JsonNode json(HealthReport report) throws Exception {
        return Json.mapper().readTree(Json.write(report.toJson()));
    }

    @Test
    void allOkIsHealthyWithTheDocumentedShape() throws Exception {
        HealthReport report = run(ok("mongo", 3), ok("queues", 7));

        assertTrue(report.healthy());
        JsonNode json = json(report);
        assertEquals(Json.mapper().readTree("""
                {"status":"ok",
                 "checks":{"mongo":{"status":"ok","latency_ms":3},"queues":{"status":"ok","latency_ms":7}},
                 "version":"1.2.3"}"""), json);
        assertEquals(List.of("status", "checks", "version"), fieldNames(json));
        assertEquals(List.of("mongo", "queues"), fieldNames(json.get("checks")), "checks keep their order");
    }

    @Test
    void oneFailingCheckMakesTheReportUnhealthyAndNamesTheError() throws Exception {
        HealthReport report = run(ok("mongo", 1), failing("blobs", new IllegalStateException("container unreachable")));

        assertFalse(report.healthy());
        assertTrue(report.checks().get("mongo").ok());
        assertFalse(report.checks().get("blobs").ok());
        JsonNode json = json(report);
        assertEquals("fail", json.get("status").asText());
        assertEquals("ok", json.at("/checks/mongo/status").asText());
        assertEquals("fail", json.at("/checks/blobs/status").asText());
        assertEquals("IllegalStateException: container unreachable", json.at("/checks/blobs/error").asText());
        assertTrue(json.at("/checks/mongo/error").isMissingNode());
    }

    @Test
    void aCheckThatNeverAnswersFailsAfterTheTimeoutWhileOthersReportOk() {
        long started = System.nanoTime();
        HealthReport report = run(ok("mongo", 2), check("queues", Mono::never), ok("blobs", 4));
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertFalse(report.healthy());
        assertEquals(CheckResult.failed("no answer within 200 ms"), report.checks().get("queues"));
        assertEquals(CheckResult.ok("latency_ms", 2), report.checks().get("mongo"));
        assertEquals(CheckResult.ok("latency_ms", 4), report.checks().get("blobs"));
        assertEquals(List.of("mongo", "queues", "blobs"), List.copyOf(report.checks().keySet()));
        assertTrue(took.compareTo(TIMEOUT) >= 0, "waited for the deadline: " + took);
        assertTrue(took.compareTo(Duration.ofSeconds(2)) < 0, "checks ran at once, within the deadline: " + took);
    }

    @Test
    void secretsInErrorMessagesAreRedacted() {
        HealthReport report = run(
                failing("queues", new RuntimeException(
                        "bad: DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=abc;EndpointSuffix=core.windows.net")),
                failing("blobs", new RuntimeException("GET https://acct.blob.core.windows.net/?comp=list&sig=xyz&se=2030 failed")),
                failing("mongo", new RuntimeException("auth failed password=hunter2 for user app")));

        String queues = (String) report.checks().get("queues").details().get("error");
        String blobs = (String) report.checks().get("blobs").details().get("error");
        String mongo = (String) report.checks().get("mongo").details().get("error");
        assertEquals("RuntimeException: bad: DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=***;EndpointSuffix=core.windows.net",
                queues);
        assertEquals("RuntimeException: GET https://acct.blob.core.windows.net/?comp=list&sig=***&se=2030 failed", blobs);
        assertEquals("RuntimeException: auth failed password=*** for user app", mongo);
    }

    @Test
    void errorsAreShortenedToOneLineOfAtMost200Characters() {
        HealthReport report = run(
                failing("multi", new RuntimeException("first line\n\tat Secret.stack(Trace.java:1)")),
                failing("long", new RuntimeException("x".repeat(500))),
                failing("bare", new RuntimeException()));

        assertEquals("RuntimeException: first line", report.checks().get("multi").details().get("error"));
        String longError = (String) report.checks().get("long").details().get("error");
        assertEquals(203, longError.length());
        assertTrue(longError.endsWith("..."), longError);
        assertEquals("RuntimeException", report.checks().get("bare").details().get("error"));
    }

    @Test
    void mongoHealthCheckPingsTheEmbeddedServer() throws Exception {
        try (EmbeddedMongoFixture fixture = EmbeddedMongoFixture.start()) {
            MongoHealthCheck mongo = new MongoHealthCheck(fixture.connections().controlDatabase());
            assertEquals("mongo", mongo.name());

            CheckResult result = mongo.probe().block(BLOCK);
            assertTrue(result.ok());
            Object ping = result.details().get("ping_ms");
            assertTrue(ping instanceof Long && (Long) ping >= 0, "ping_ms: " + ping);
            assertEquals(1, fixture.commands().observed().stream().filter(o -> o.command().equals("ping")).count());

            HealthReport report = new HealthService(List.of(mongo), Duration.ofSeconds(2), "1.2.3").check().block(BLOCK);
            assertTrue(report.healthy());
            JsonNode json = json(report);
            assertEquals("ok", json.at("/checks/mongo/status").asText());
            assertTrue(json.at("/checks/mongo/ping_ms").isIntegralNumber(), json.toString());
        }
    }

    @Test
    void mongoHealthCheckReadsAControlCollectionAfterItsPing() {
        try (EmbeddedMongoFixture fixture = EmbeddedMongoFixture.start()) {
            MongoHealthCheck mongo = new MongoHealthCheck(fixture.connections().controlDatabase());

            CheckResult result = mongo.probe().block(BLOCK);

            assertTrue(result.ok());
            Object read = result.details().get("read_ms");
            assertTrue(read instanceof Long && (Long) read >= 0, "read_ms: " + read);
            assertEquals(List.of("ping", "find"), fixture.commands().observed().stream().map(o -> o.command())
                    .filter(command -> command.equals("ping") || command.equals("find")).toList(), "a ping, then one read");
        }
    }

    @Test
    void mongoHealthCheckReportsAnOutageWithinTheTimeout() {
        try (EmbeddedMongoFixture fixture = EmbeddedMongoFixture.start()) {
            fixture.stopServer();
            MongoHealthCheck mongo = new MongoHealthCheck(fixture.connections().controlDatabase());

            HealthReport report = new HealthService(List.of(mongo, ok("blobs", 1)), TIMEOUT, "1.2.3").check().block(BLOCK);

            assertFalse(report.healthy());
            CheckResult result = report.checks().get("mongo");
            assertFalse(result.ok());
            // Depending on whether the driver has already seen the refused connection, the probe
            // either fails fast with the socket error or runs into the deadline.
            String error = (String) result.details().get("error");
            assertTrue(error.equals("no answer within 200 ms") || error.startsWith("MongoSocketOpenException: "), error);
            assertFalse(error.contains(fixture.connectionString()), error);
            assertTrue(report.checks().get("blobs").ok());
        }
    }

    @Test
    void aCheckThatCompletesEmptyIsReportedAsFailed() {
        HealthReport report = run(ok("mongo", 1), check("queues", Mono::empty));

        assertFalse(report.healthy());
        assertFalse(report.checks().get("queues").ok());
    }

    @Test
    void aCheckThatThrowsIsReportedAsFailed() {
        HealthReport report = run(ok("mongo", 1), check("queues", () -> {
            throw new IllegalStateException("not built");
        }));

        assertFalse(report.healthy());
        assertEquals("IllegalStateException: not built", report.checks().get("queues").details().get("error"));
        assertTrue(report.checks().get("mongo").ok());
    }

    @Test
    void aPasswordInsideAConnectionUriIsRedacted() {
        HealthReport report = run(failing("mongo", new RuntimeException("Timed out connecting to mongodb://admin:hunter2@db:27017")));

        String error = (String) report.checks().get("mongo").details().get("error");
        assertFalse(error.contains("hunter2"), error);
        assertTrue(error.contains("mongodb://***@db:27017"), error);
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}

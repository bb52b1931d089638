package ai.mozaiks.devhost.functions;

import ai.mozaiks.persistence.CosmosRuBackend;
import ai.mozaiks.persistence.StrictProfileExtension;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.config.Settings;
import ai.mozaiks.devhost.DeployStep;
import ai.mozaiks.devhost.TestEmulators;
import ai.mozaiks.devhost.emulators.Ports;
import ai.mozaiks.devhost.fixtures.FixtureFunctions;
import ai.mozaiks.devhost.fixtures.FixtureFunctions.Delivery;
import ai.mozaiks.devhost.fixtures.Recorder;
import ai.mozaiks.devhost.http.HttpHost;
import ai.mozaiks.functions.FunctionFactory;
import ai.mozaiks.functions.PlatformFunctionInjector;
import ai.mozaiks.http.Json;
import ai.mozaiks.platform.BuildInfo;
import ai.mozaiks.platform.Platform;
import com.azure.storage.queue.QueueClient;
import com.azure.storage.queue.QueueClientBuilder;
import com.azure.storage.queue.QueueMessageEncoding;
import com.azure.storage.queue.models.PeekedMessageItem;
import com.azure.storage.queue.models.QueueStorageException;
import com.fasterxml.jackson.databind.JsonNode;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.exception.MongoServerError;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The devhost's function host against real emulators: fixture functions plus the app's own
 * functions, served over real HTTP, fed by a real Azurite queue, built by the real injector.
 */
class FunctionHostIT {
    private static final String RUN = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    private static final String QUEUE = "fixture-" + RUN;
    private static final String POISON_QUEUE = "fixture-poison-" + RUN;
    private static final String ENCODING_QUEUE = "fixture-encoding-" + RUN;
    private static final Duration QUICK = Duration.ofSeconds(15);

    private static Map<String, String> settings;
    private static Platform platform;
    private static FunctionHost host;
    private static HttpClient http;

    @BeforeAll
    static void startHost() throws IOException {
        Map<String, String> map = new HashMap<>();
        map.put("MONGODB_CONNECTION_STRING", TestEmulators.mongo().connectionString());
        map.put("AzureWebJobsStorage", TestEmulators.azurite().connectionString());
        map.put("MOZAIKS_ENVIRONMENT", "development");
        map.put("AUTH_PLATFORM_ISSUER", "http://127.0.0.1/dev");
        map.put("AUTH_PLATFORM_AUDIENCE", "mozaiks-test");
        map.put("WEBPUBSUB_CONNECTION_STRING", "Endpoint=http://127.0.0.1:1;AccessKey=dGVzdC1ydW50aW1lLXRva2VuLWtleS0zMi1ieXRlcyEh;Version=1.0;");
        map.put("RUNTIME_TOKEN_KEY", "dGVzdC1ydW50aW1lLXRva2VuLWtleS0zMi1ieXRlcyEh");
        map.put("APP_SETTINGS_KEY", "dGVzdC1hcHAtc2V0dGluZ3Mta2V5LW9mLTMyLWJ5dGU=");
        map.put("MODEL_PROVIDER", "offline");
        map.putAll(StrictProfileExtension.SETTINGS);
        map.put("STEP_QUEUE", "steps-" + Long.toHexString(System.nanoTime()));
        map.put("APP_PURGE_SCHEDULE", "0 0 0 1 1 *");
        map.put("STALL_REAPER_SCHEDULE", "0 0 0 1 1 *");
        map.put("MIGRATION_QUEUE", "migrations-" + RUN);
        map.put(FixtureFunctions.QUEUE_SETTING, QUEUE);
        map.put(FixtureFunctions.POISON_QUEUE_SETTING, POISON_QUEUE);
        map.put(FixtureFunctions.ENCODING_QUEUE_SETTING, ENCODING_QUEUE);
        settings = Map.copyOf(map);
        platform = Platform.start(Settings.from(settings));
        DeployStep.ensureSchema(platform);
        host = FunctionHost.start(HttpHost.bind("127.0.0.1", 0), appAnd(FixtureFunctions.class),
                new PlatformFunctionInjector(platform), settings, HostJson.load());
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stopHost() throws InterruptedException {
        if (host != null) {
            host.close();
        }
        if (platform != null) {
            platform.close();
        }
    }

    // ---- HTTP triggers ---------------------------------------------------------------------------

    @Test
    void httpFunctionAnswersGetAndPostAtItsAnnotatedRoute() throws Exception {
        HttpResponse<String> get = send(request(host, "/api/fixtures/echo/alice?q=one").GET());
        assertEquals(200, get.statusCode(), get.body());
        assertEquals("application/json", get.headers().firstValue("Content-Type").orElse(null));
        assertEquals("echo", get.headers().firstValue("X-Fixture").orElse(null));
        JsonNode got = json(get);
        assertEquals("fixtureEcho", got.path("function").asText());
        assertEquals("GET", got.path("method").asText());
        assertEquals("alice", got.path("name").asText());
        assertEquals("one", got.path("q").asText());
        assertFalse(got.hasNonNull("body"), "a GET without a body reaches the function as Optional.empty()");

        HttpResponse<String> post = send(request(host, "/api/fixtures/echo/bob?q=two")
                .POST(HttpRequest.BodyPublishers.ofString("{\"hello\":\"wörld\"}")));
        assertEquals(200, post.statusCode(), post.body());
        JsonNode posted = json(post);
        assertEquals("POST", posted.path("method").asText());
        assertEquals("bob", posted.path("name").asText());
        assertEquals("two", posted.path("q").asText());
        assertEquals("{\"hello\":\"wörld\"}", posted.path("body").asText());
    }

    @Test
    void methodsTheFunctionDoesNotDeclareAre405WithAllow() throws Exception {
        HttpResponse<String> put = send(request(host, "/api/fixtures/echo/alice").PUT(HttpRequest.BodyPublishers.ofString("x")));
        assertProblem(put, 405, "method_not_allowed");
        assertEquals("GET, POST", put.headers().firstValue("Allow").orElse(null));

        HttpResponse<String> delete = send(request(host, "/api/fixtures/echo/alice").DELETE());
        assertProblem(delete, 405, "method_not_allowed");
        assertEquals("GET, POST", delete.headers().firstValue("Allow").orElse(null));

        HttpResponse<String> postItem = send(request(host, "/api/fixtures/items/42").POST(HttpRequest.BodyPublishers.noBody()));
        assertProblem(postItem, 405, "method_not_allowed");
        assertEquals("GET", postItem.headers().firstValue("Allow").orElse(null));
    }

    @Test
    void unknownPathIs404Problem() throws Exception {
        HttpResponse<String> unknown = send(request(host, "/api/fixtures/nothing-here").GET());
        assertProblem(unknown, 404, "not_found");
        assertTrue(json(unknown).path("detail").asText().contains("/api/fixtures/nothing-here"), unknown.body());

        assertProblem(send(request(host, "/").GET()), 404, "not_found");
        // One segment too many for the echo route.
        assertProblem(send(request(host, "/api/fixtures/echo/alice/extra").GET()), 404, "not_found");
    }

    @Test
    void intConstraintRejectsTextAndAcceptsNumbers() throws Exception {
        assertProblem(send(request(host, "/api/fixtures/items/abc").GET()), 404, "not_found");
        assertProblem(send(request(host, "/api/fixtures/items/4.2").GET()), 404, "not_found");

        HttpResponse<String> found = send(request(host, "/api/fixtures/items/42").GET());
        assertEquals(200, found.statusCode(), found.body());
        assertEquals("fixtureItem", json(found).path("function").asText());
        assertEquals(42, json(found).path("id").asInt());

        HttpResponse<String> negative = send(request(host, "/api/fixtures/items/-7").GET());
        assertEquals(200, negative.statusCode(), negative.body());
        assertEquals(-7, json(negative).path("id").asInt());
    }

    @Test
    void intRouteValueOutsideInt32IsNotFound() throws Exception {
        // The host's int constraint is int.TryParse: 2147483648 does not match {id:int}, so no function serves it.
        assertProblem(send(request(host, "/api/fixtures/items/2147483648").GET()), 404, "not_found");
    }

    @Test
    void bodyOverTheLimitIs413Problem() throws Exception {
        byte[] tooLarge = new byte[8 * 1024 * 1024 + 1];
        java.util.Arrays.fill(tooLarge, (byte) 'a');
        HttpResponse<String> response = send(request(host, "/api/fixtures/echo/big")
                .POST(HttpRequest.BodyPublishers.ofByteArray(tooLarge)));
        assertProblem(response, 413, "payload_too_large");

        byte[] atLimit = new byte[8 * 1024 * 1024];
        java.util.Arrays.fill(atLimit, (byte) 'b');
        HttpResponse<String> accepted = send(request(host, "/api/fixtures/echo/big")
                .POST(HttpRequest.BodyPublishers.ofByteArray(atLimit)));
        assertEquals(200, accepted.statusCode());
        assertEquals(atLimit.length, json(accepted).path("body").asText().length());
    }

    @Test
    void literalRouteWinsOverParameterRoute() throws Exception {
        HttpResponse<String> special = send(request(host, "/api/fixtures/items/special").GET());
        assertEquals(200, special.statusCode(), special.body());
        assertEquals("fixtureSpecialItem", json(special).path("function").asText());

        HttpResponse<String> upper = send(request(host, "/API/Fixtures/ITEMS/Special").GET());
        assertEquals(200, upper.statusCode(), upper.body());
        assertEquals("fixtureSpecialItem", json(upper).path("function").asText());
    }

    @Test
    void routeValuesAndQueryParametersAreUrlDecoded() throws Exception {
        HttpResponse<String> encoded = send(request(host, "/api/fixtures/echo/hello%20w%C3%B6rld?q=a%2Bb+c").GET());
        assertEquals(200, encoded.statusCode(), encoded.body());
        assertEquals("hello wörld", json(encoded).path("name").asText());
        assertEquals("a+b c", json(encoded).path("q").asText());

        // In a path, '+' is a plus, not a space; an encoded slash stays inside the one value.
        assertEquals("a+b", json(send(request(host, "/api/fixtures/echo/a+b").GET())).path("name").asText());
        assertEquals("x/y", json(send(request(host, "/api/fixtures/echo/x%2Fy").GET())).path("name").asText());
    }

    @Test
    void headerNamesArriveLowerCase() throws Exception {
        HttpResponse<String> response = send(request(host, "/api/fixtures/echo/headers")
                .header("X-Fixture-Trace", "Trace-Value-1").GET());
        assertEquals(200, response.statusCode(), response.body());
        JsonNode headers = json(response).path("headers");
        assertEquals("Trace-Value-1", headers.path("x-fixture-trace").asText());
        assertTrue(headers.size() >= 2, "expected the client's headers as well: " + headers);
        for (Iterator<String> names = headers.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            assertEquals(name.toLowerCase(Locale.ROOT), name, "header name not lower-case");
        }
    }

    @Test
    void throwingFunctionIs500ProblemWithoutStackTrace() throws Exception {
        HttpResponse<String> response = send(request(host, "/api/fixtures/boom").GET());
        assertProblem(response, 500, "internal_error");
        String body = response.body();
        assertEquals("Internal error", json(response).path("title").asText());
        assertFalse(body.contains("IllegalStateException"), body);
        assertFalse(body.contains("hunter2"), body);
        assertFalse(body.contains("ai.mozaiks"), body);
        assertFalse(body.contains("java."), body);
        assertFalse(body.contains("\tat "), body);
        assertFalse(body.matches("(?s).*\\bat [\\w$.]+\\(.*"), body);
    }

    @Test
    void routeLiteralWinsOverLongerRouteWithOptionalParameter() throws Exception {
        // The Functions host sorts routes segment by segment (a literal segment before a parameter)
        // and only then by length, so api/precedence/literal serves GET /api/precedence/literal.
        try (FunctionHost precedence = FunctionHost.start(HttpHost.bind("127.0.0.1", 0),
                List.of(FixtureFunctions.Precedence.class), new PlatformFunctionInjector(platform), settings, HostJson.load())) {
            HttpResponse<String> other = send(request(precedence, "/api/precedence/widgets").GET());
            assertEquals(200, other.statusCode(), other.body());
            assertEquals("precedenceOptional", json(other).path("function").asText());
            assertEquals("widgets", json(other).path("kind").asText());

            HttpResponse<String> literal = send(request(precedence, "/api/precedence/literal").GET());
            assertEquals(200, literal.statusCode(), literal.body());
            assertEquals("precedenceLiteral", json(literal).path("function").asText(),
                    "the literal route must win over api/precedence/{kind}/{id?}");
        }
    }

    // ---- health ------------------------------------------------------------------------------------

    @Test
    void healthIsOkWithEveryDependencyUp() throws Exception {
        FunctionDescriptor health = host.catalog().byName("health").orElseThrow();
        FunctionDescriptor.Http healthHttp = assertInstanceOf(FunctionDescriptor.Http.class, health);
        assertEquals("api/health", healthHttp.route().toString());

        HttpResponse<String> response = send(request(host, "/api/health").GET());
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("application/json", response.headers().firstValue("Content-Type").orElse(null));
        JsonNode report = json(response);
        assertEquals("ok", report.path("status").asText());
        assertEquals("ok", report.path("checks").path("mongo").path("status").asText(), response.body());
        assertEquals("ok", report.path("checks").path("queues").path("status").asText(), response.body());
        assertEquals("ok", report.path("checks").path("blobs").path("status").asText(), response.body());
        String version = report.path("version").asText();
        assertEquals(BuildInfo.load().version(), version);
        assertFalse(version.isBlank() || version.equals("unknown"), "version: " + version);
    }

    @Test
    void healthIs503NamingMongoWhenMongoIsUnreachable() throws Exception {
        Map<String, String> broken = new HashMap<>(settings);
        broken.put("MONGODB_CONNECTION_STRING", "mongodb://127.0.0.1:" + Ports.free());
        broken.put("DEPENDENCY_TIMEOUT_SECONDS", "1");
        try (Platform brokenPlatform = Platform.start(Settings.from(broken));
             FunctionHost brokenHost = FunctionHost.start(HttpHost.bind("127.0.0.1", 0), List.copyOf(FunctionFactory.functionClasses()),
                     new PlatformFunctionInjector(brokenPlatform), broken, HostJson.load())) {
            HttpResponse<String> response = send(request(brokenHost, "/api/health").GET());
            assertEquals(503, response.statusCode(), response.body());
            JsonNode report = json(response);
            assertEquals("fail", report.path("status").asText());
            JsonNode mongo = report.path("checks").path("mongo");
            assertEquals("fail", mongo.path("status").asText(), response.body());
            assertFalse(mongo.path("error").asText().isBlank(), response.body());
            assertFalse(response.body().contains("mongodb://"), "the connection string must not leak: " + response.body());
            assertEquals("ok", report.path("checks").path("queues").path("status").asText(), response.body());
            assertEquals("ok", report.path("checks").path("blobs").path("status").asText(), response.body());
        }
    }

    /**
     * A database that answers pings but cannot serve a read (as a store wedged by a bad document would): health is 503
     * naming mongo, not ok. The embedded server is real; only its {@code find} is made to fail, from a switch.
     */
    @Test
    void healthIs503NamingMongoWhenMongoAnswersPingsButCannotServeAReads() throws Exception {
        ReadFailingBackend backend = new ReadFailingBackend();
        MongoServer server = new MongoServer(backend);
        String connectionString = server.bindAndGetConnectionString();
        Map<String, String> wedged = new HashMap<>(settings);
        wedged.put("MONGODB_CONNECTION_STRING", connectionString);
        wedged.put("DEPENDENCY_TIMEOUT_SECONDS", "1");
        try (Platform wedgedPlatform = Platform.start(Settings.from(wedged));
             FunctionHost wedgedHost = FunctionHost.start(HttpHost.bind("127.0.0.1", 0), List.copyOf(FunctionFactory.functionClasses()),
                     new PlatformFunctionInjector(wedgedPlatform), wedged, HostJson.load())) {
            DeployStep.ensureSchema(wedgedPlatform);
            HttpResponse<String> healthy = send(request(wedgedHost, "/api/health").GET());
            assertEquals(200, healthy.statusCode(), healthy.body());
            JsonNode mongo = json(healthy).path("checks").path("mongo");
            assertTrue(mongo.path("ping_ms").isIntegralNumber() && mongo.path("read_ms").isIntegralNumber(), healthy.body());

            backend.failReads = true;
            HttpResponse<String> response = send(request(wedgedHost, "/api/health").GET());

            assertEquals(503, response.statusCode(), response.body());
            JsonNode report = json(response);
            assertEquals("fail", report.path("status").asText());
            assertEquals("fail", report.path("checks").path("mongo").path("status").asText(), response.body());
            assertTrue(report.path("checks").path("mongo").path("error").asText().contains("cannot serve reads"), response.body());
            assertEquals("ok", report.path("checks").path("queues").path("status").asText(), response.body());
            assertEquals("ok", report.path("checks").path("blobs").path("status").asText(), response.body());
            assertFalse(response.body().contains(connectionString), "the connection string must not leak: " + response.body());

            backend.failReads = false;
            assertEquals(200, send(request(wedgedHost, "/api/health").GET()).statusCode(), "healthy again once reads work");
        } finally {
            server.shutdownNow();
        }
    }

    /** The embedded server's backend, whose reads fail while {@link #failReads} is set (pings and writes still work). */
    private static final class ReadFailingBackend extends CosmosRuBackend {
        volatile boolean failReads;

        @Override
        public de.bwaldvogel.mongo.bson.Document handleCommand(io.netty.channel.Channel channel, String database, String command,
                                                              de.bwaldvogel.mongo.bson.Document query) {
            if (failReads && command.equalsIgnoreCase("find")) {
                throw new MongoServerError(8000, "the storage engine cannot serve reads");
            }
            return super.handleCommand(channel, database, command, query);
        }
    }

    // ---- queue triggers ----------------------------------------------------------------------------

    @Test
    void queueMessageReachesTriggerWithDequeueCountOneAndIsDeleted() {
        QueueClient queue = queueClient(QUEUE);
        queue.createIfNotExists();
        String body = "{\"hello\":\"wörld\",\"run\":\"" + RUN + "\",\"n\":" + System.nanoTime() + "}";
        queue.sendMessage(body);

        Recorder.await(() -> !deliveries(FixtureFunctions.QUEUE_CALLS, body).isEmpty(), QUICK,
                () -> "delivery of " + body + "; got " + FixtureFunctions.QUEUE_CALLS.calls());
        assertEquals(List.of(new Delivery(body, 1)), deliveries(FixtureFunctions.QUEUE_CALLS, body));

        // The approximate count includes invisible messages, so 0 means the message was deleted.
        Recorder.await(() -> queue.getProperties().getApproximateMessagesCount() == 0, QUICK,
                () -> "queue " + QUEUE + " to be empty; count " + queue.getProperties().getApproximateMessagesCount());
        assertEquals(List.of(new Delivery(body, 1)), deliveries(FixtureFunctions.QUEUE_CALLS, body));
    }

    @Test
    void failingMessageIsTriedMaxDequeueCountTimesThenMovedToPoisonQueue() {
        HostJson.QueueOptions options = HostJson.load().queues();
        assertEquals(5, options.maxDequeueCount(), "host.json maxDequeueCount");
        QueueClient queue = queueClient(POISON_QUEUE);
        QueueClient poison = queueClient(POISON_QUEUE + "-poison");
        queue.createIfNotExists();
        String body = "poison-" + RUN + "-" + System.nanoTime();
        queue.sendMessage(body);

        Recorder.await(() -> peek(poison).stream().anyMatch(m -> m.getBody().toString().equals(body)), Duration.ofSeconds(60),
                () -> "message in " + POISON_QUEUE + "-poison; attempts so far "
                        + deliveries(FixtureFunctions.POISON_ATTEMPTS, body));
        Recorder.await(() -> queue.getProperties().getApproximateMessagesCount() == 0, QUICK,
                () -> "queue " + POISON_QUEUE + " to be empty");

        List<Long> counts = deliveries(FixtureFunctions.POISON_ATTEMPTS, body).stream().map(Delivery::dequeueCount).toList();
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), counts);
        List<String> poisoned = peek(poison).stream().map(m -> m.getBody().toString()).filter(body::equals).toList();
        assertEquals(List.of(body), poisoned);
        assertEquals(0, queue.getProperties().getApproximateMessagesCount());
    }

    @Test
    void messageThatIsNotBase64GoesToPoisonQueueWithoutHoldingBackOthers() throws Exception {
        // The Functions host registers a MessageDecodingFailed handler that moves such a message to
        // <queue>-poison at once, unchanged; the messages received with it are processed as usual.
        try (FunctionHost encodingHost = FunctionHost.start(HttpHost.bind("127.0.0.1", 0),
                List.of(FixtureFunctions.Encoding.class), new PlatformFunctionInjector(platform), settings, HostJson.load())) {
            QueueClient raw = new QueueClientBuilder().connectionString(TestEmulators.azurite().connectionString())
                    .queueName(ENCODING_QUEUE).messageEncoding(QueueMessageEncoding.NONE).buildClient();
            QueueClient rawPoison = new QueueClientBuilder().connectionString(TestEmulators.azurite().connectionString())
                    .queueName(ENCODING_QUEUE + "-poison").messageEncoding(QueueMessageEncoding.NONE).buildClient();
            String notBase64 = "plain text {not base64} " + RUN;
            String good = "good-" + RUN;
            raw.createIfNotExists(); // the listener creates it too, from its own thread: no race on who is first
            raw.sendMessage(notBase64);
            queueClient(ENCODING_QUEUE).sendMessage(good);

            Recorder.await(() -> !deliveries(FixtureFunctions.ENCODING_CALLS, good).isEmpty(), QUICK,
                    () -> "the well-encoded message to be delivered next to the malformed one");
            assertEquals(List.of(new Delivery(good, 1)), deliveries(FixtureFunctions.ENCODING_CALLS, good));
            Recorder.await(() -> peek(rawPoison).stream().anyMatch(m -> m.getBody().toString().equals(notBase64)), QUICK,
                    () -> "the malformed message in " + ENCODING_QUEUE + "-poison");
            Recorder.await(() -> raw.getProperties().getApproximateMessagesCount() == 0, QUICK,
                    () -> "queue " + ENCODING_QUEUE + " to be empty");
        }
    }

    // ---- admin endpoint and timers -----------------------------------------------------------------

    @Test
    void adminEndpointRunsTimerFunctionWithTimerInfo() throws Exception {
        int before = FixtureFunctions.TIMER_CALLS.calls().size();
        Instant fired = Instant.now();
        HttpResponse<String> response = send(request(host, "/admin/functions/fixtureTimer")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"input\":\"\"}")));
        assertEquals(202, response.statusCode(), response.body());

        Recorder.await(() -> FixtureFunctions.TIMER_CALLS.calls().size() > before, QUICK, () -> "fixtureTimer to run");
        JsonNode info = Json.mapper().readTree(FixtureFunctions.TIMER_CALLS.calls().get(before));
        assertTrue(info.has("IsPastDue"), info.toString());
        assertFalse(info.path("IsPastDue").asBoolean(true), info.toString());
        JsonNode status = info.path("ScheduleStatus");
        assertTrue(status.isObject(), info.toString());
        OffsetDateTime nextNewYear = OffsetDateTime.of(OffsetDateTime.now(ZoneOffset.UTC).getYear() + 1, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);
        assertEquals(nextNewYear.toInstant(), OffsetDateTime.parse(status.path("Next").asText()).toInstant(), info.toString());
        Instant lastUpdated = OffsetDateTime.parse(status.path("LastUpdated").asText()).toInstant();
        assertFalse(lastUpdated.isBefore(fired.minusSeconds(1)), info.toString());
    }

    @Test
    void adminEndpointRunsQueueFunctionWithTheInput() throws Exception {
        String input = "admin-" + RUN + "-" + System.nanoTime();
        HttpResponse<String> response = send(request(host, "/admin/functions/FIXTUREQUEUE")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(Map.of("input", input)))));
        assertEquals(202, response.statusCode(), response.body());
        Recorder.await(() -> !deliveries(FixtureFunctions.QUEUE_CALLS, input).isEmpty(), QUICK, () -> "fixtureQueue to run");
        assertEquals(List.of(new Delivery(input, 1)), deliveries(FixtureFunctions.QUEUE_CALLS, input));
    }

    @Test
    void adminEndpointRefusesUnknownFunctionsAndOtherMethods() throws Exception {
        HttpResponse<String> unknown = send(request(host, "/admin/functions/nope")
                .POST(HttpRequest.BodyPublishers.ofString("{\"input\":\"\"}")));
        assertProblem(unknown, 404, "not_found");
        assertTrue(json(unknown).path("detail").asText().contains("nope"), unknown.body());

        HttpResponse<String> get = send(request(host, "/admin/functions/x").GET());
        assertProblem(get, 405, "method_not_allowed");
        assertEquals("POST", get.headers().firstValue("Allow").orElse(null));

        HttpResponse<String> notJson = send(request(host, "/admin/functions/fixtureTimer")
                .POST(HttpRequest.BodyPublishers.ofString("not json")));
        assertProblem(notJson, 400, "validation_failed");
    }

    @Test
    void timersOfDifferentFunctionsDoNotWaitForEachOther() throws Exception {
        // TimerScheduler promises "one run at a time per function": a long run of one timer must
        // not hold back another timer function.
        CountDownLatch gate = new CountDownLatch(1);
        FixtureFunctions.slowTimerGate = gate;
        int slowBefore = FixtureFunctions.SLOW_TIMER_STARTS.calls().size();
        int before = FixtureFunctions.TIMER_CALLS.calls().size();
        try {
            assertEquals(202, send(request(host, "/admin/functions/fixtureSlowTimer")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"input\":\"\"}"))).statusCode());
            Recorder.await(() -> FixtureFunctions.SLOW_TIMER_STARTS.calls().size() > slowBefore, QUICK, () -> "fixtureSlowTimer to start");

            assertEquals(202, send(request(host, "/admin/functions/fixtureTimer")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"input\":\"\"}"))).statusCode());
            Recorder.await(() -> FixtureFunctions.TIMER_CALLS.calls().size() > before, Duration.ofSeconds(5),
                    () -> "fixtureTimer to run while fixtureSlowTimer is still running");
        } finally {
            gate.countDown();
            // Let a held-back run finish here, not in another test.
            Recorder.await(() -> FixtureFunctions.TIMER_CALLS.calls().size() > before, QUICK, () -> "fixtureTimer to run eventually");
        }
    }

    // ---- catalog start-up errors -------------------------------------------------------------------

    @Test
    void catalogNamesTheFunctionWhoseSettingIsNotSet() {
        Map<String, String> missing = new HashMap<>(settings);
        missing.remove(FixtureFunctions.POISON_QUEUE_SETTING);
        IllegalStateException error = assertThrows(IllegalStateException.class,
                () -> FunctionCatalog.scan(List.of(FixtureFunctions.class), missing));
        String message = error.getMessage();
        assertTrue(message.startsWith("The function app cannot be hosted:"), message);
        assertTrue(message.contains("function fixturePoison (FixtureFunctions.poison)"), message);
        assertTrue(message.contains("%FIXTURE_POISON_QUEUE% names app setting FIXTURE_POISON_QUEUE, which is not set"), message);
        assertFalse(message.contains("fixtureQueue"), "only the function with the missing setting is named: " + message);

        Map<String, String> blank = new HashMap<>(settings);
        blank.put(FixtureFunctions.QUEUE_SETTING, " ");
        String blankMessage = assertThrows(IllegalStateException.class,
                () -> FunctionCatalog.scan(List.of(FixtureFunctions.class), blank)).getMessage();
        assertTrue(blankMessage.contains("function fixtureQueue"), blankMessage);
        assertTrue(blankMessage.contains("FIXTURE_QUEUE, which is not set"), blankMessage);
    }

    @Test
    void catalogRefusesTwoFunctionsWithOneName() {
        IllegalStateException error = assertThrows(IllegalStateException.class,
                () -> FunctionCatalog.scan(List.of(FixtureFunctions.class, FixtureFunctions.DuplicateName.class), settings));
        assertTrue(error.getMessage().contains("function fixtureEcho: the name is used twice"), error.getMessage());
    }

    @Test
    void catalogResolvesSettingsAndReadsEveryTrigger() {
        FunctionCatalog catalog = FunctionCatalog.scan(appAnd(FixtureFunctions.class), settings);
        FunctionDescriptor.Queue queue = assertInstanceOf(FunctionDescriptor.Queue.class, catalog.byName("fixtureQueue").orElseThrow());
        assertEquals(QUEUE, queue.queueName());
        assertEquals("AzureWebJobsStorage", queue.connectionSetting());
        FunctionDescriptor.Http echo = assertInstanceOf(FunctionDescriptor.Http.class, catalog.byName("FIXTUREECHO").orElseThrow());
        assertEquals(List.of("GET", "POST"), List.copyOf(echo.methods()));
        assertInstanceOf(FunctionDescriptor.Timer.class, catalog.byName("fixtureTimer").orElseThrow());
        assertNotNull(catalog.byName("health").orElse(null));
        long appFunctions = FunctionFactory.functionClasses().stream().flatMap(type -> java.util.Arrays.stream(type.getMethods()))
                .filter(method -> method.isAnnotationPresent(com.microsoft.azure.functions.annotation.FunctionName.class)).count();
        assertEquals(8 + appFunctions, catalog.all().size(), "the fixture's eight functions and the app's");
    }

    // ---- helpers -----------------------------------------------------------------------------------

    private static Collection<Class<?>> appAnd(Class<?>... fixtures) {
        List<Class<?>> classes = new ArrayList<>(List.of(fixtures));
        classes.addAll(FunctionFactory.functionClasses());
        return classes;
    }

    private static HttpRequest.Builder request(FunctionHost target, String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + target.port() + pathAndQuery)).timeout(Duration.ofSeconds(30));
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        return Json.mapper().readTree(response.body());
    }

    private static void assertProblem(HttpResponse<String> response, int status, String code) throws IOException {
        assertEquals(status, response.statusCode(), response.body());
        assertEquals("application/problem+json", response.headers().firstValue("Content-Type").orElse(null));
        JsonNode problem = json(response);
        assertEquals(status, problem.path("status").asInt(), response.body());
        assertEquals(code, problem.path("code").asText(), response.body());
        assertEquals("https://mozaiks.ai/problems/" + code, problem.path("type").asText(), response.body());
    }

    private static List<Delivery> deliveries(Recorder<Delivery> recorder, String body) {
        return recorder.matching(delivery -> delivery.message().equals(body));
    }

    private static QueueClient queueClient(String name) {
        return new QueueClientBuilder()
                .connectionString(TestEmulators.azurite().connectionString())
                .queueName(name)
                .messageEncoding(QueueMessageEncoding.BASE64)
                .buildClient();
    }

    private static List<PeekedMessageItem> peek(QueueClient queue) {
        try {
            return queue.peekMessages(32, null, null).stream().toList();
        } catch (QueueStorageException e) {
            if (e.getStatusCode() == 404) {
                return List.of();
            }
            throw e;
        }
    }

}

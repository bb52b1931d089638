package ai.mozaiks.devhost.controlplane;

import static ai.mozaiks.devhost.controlplane.ControlPlane.json;
import static ai.mozaiks.devhost.controlplane.ControlPlane.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.mozaiks.devhost.controlplane.ControlPlane.Response;
import ai.mozaiks.devhost.controlplane.ControlPlane.User;
import ai.mozaiks.devhost.controlplane.TransientOutageIT.Host;
import ai.mozaiks.devhost.outage.OutageModelServer;
import ai.mozaiks.devhost.outage.ThrottlingMongo;
import ai.mozaiks.http.Problem;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Cosmos DB throttling on the local host, end to end: the real platform, queue trigger (Azurite), model client and
 * driver against a database that answers a fifth of its data commands with 16500 TooManyRequests
 * ({@link ThrottlingMongo}) for a while ({@code -Dmozaiks.throttle.seconds}, 20 by default; the share
 * {@code -Dmozaiks.throttle.share}), and three in five mid-step for 15 s. Chats are started and
 * watched through the HTTP API meanwhile. No answer is a 500: a call the database refused past the brief in-process retry
 * answers 503 problem+json with {@code Retry-After}, and the client repeats it after that; no chat fails, no step
 * message is poisoned, and every chat completes.
 */
class DatabaseThrottlingIT {
    private static final ControlPlane cp = ControlPlane.get();
    private static final Duration WINDOW = Duration.ofSeconds(Long.getLong("mozaiks.throttle.seconds", 20));
    private static final double SHARE = Double.parseDouble(System.getProperty("mozaiks.throttle.share", "0.2"));
    private static final int CHATS = 6;
    private static final String WORKFLOW = "market_scan";
    private static final String AGENT = "Market";

    /** A client of the host's API that repeats a call answered 503 after its {@code Retry-After}, and counts the answers. */
    private static final class Client {
        private final URI base;
        private final Map<Integer, AtomicInteger> answers = new ConcurrentHashMap<>();
        private final List<String> unexpected = new ArrayList<>();

        Client(int port) {
            this.base = URI.create("http://127.0.0.1:" + port);
        }

        Response call(String method, String path, User user, Object body, String... headers) {
            for (int attempt = 1; attempt <= 30; attempt++) {
                HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve(path)).timeout(ControlPlane.TIMEOUT)
                        .header("Authorization", "Bearer " + user.token());
                for (int i = 0; i < headers.length; i += 2) {
                    builder.header(headers[i], headers[i + 1]);
                }
                builder.header("Content-Type", "application/json").method(method, body == null
                        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json(body)));
                Response response = cp.send(builder.build());
                answers.computeIfAbsent(response.status(), status -> new AtomicInteger()).incrementAndGet();
                if (response.status() != 503) {
                    if (response.status() >= 500) {
                        synchronized (unexpected) {
                            unexpected.add(method + " " + path + " -> " + response);
                        }
                    }
                    return response;
                }
                assertEquals(Problem.CONTENT_TYPE, response.contentType(), method + " " + path + ": " + response);
                assertEquals("database_throttled", response.code(), method + " " + path + ": " + response);
                String retryAfter = response.header("Retry-After");
                assertNotNull(retryAfter, "a 503 says when to come back: " + response);
                int seconds = Integer.parseInt(retryAfter);
                assertTrue(seconds >= 1 && seconds <= 60, "Retry-After " + retryAfter);
                sleep(Duration.ofSeconds(seconds));
            }
            fail(method + " " + path + " answered 503 thirty times");
            return null;
        }

        Response expect(int status, Response response, String what) {
            return ControlPlane.expect(status, response, what);
        }

        int count(int status) {
            AtomicInteger count = answers.get(status);
            return count == null ? 0 : count.get();
        }
    }

    /** What one run saw: HTTP answers, commands throttled, steps re-queued for throttling, deliveries failed. */
    private record Seen(Client client, long commands, long throttled, long stepRetries, long failedDeliveries) {
    }

    @Test
    void aFifthOfTheDatabaseCommandsThrottledFailsNoChatAndNoCallWith500() throws Exception {
        Seen seen = run(SHARE, WINDOW, true);
        assertTrue(seen.client().count(503) > 0, "the database refused some calls past the in-process retry: " + seen.client().answers);
        assertEquals(0, seen.failedDeliveries(), "no step delivery failed: the dequeue count was never spent");
    }

    /**
     * Throttling heavy enough (four commands in five) that the brief in-process retry often gives up: steps in flight
     * when it starts go back on the queue as {@code database_throttled}, waiting what the database asked, and complete
     * once it eases; none is poisoned. (At three in five, a command gave up after its four tries about one time in eight,
     * and a run of six chats had its steps all through without a re-queue now and then.)
     */
    @Test
    void heavyThrottlingMidStepRequeuesTheStepsAndFailsNone() throws Exception {
        Seen seen = run(0.8, Duration.ofSeconds(15), false);
        assertTrue(seen.stepRetries() > 0, "steps went back on the queue for throttling");
    }

    /**
     * Starts {@link #CHATS} chats on a host of its own whose database throttles {@code share} of the data commands for
     * {@code window} (from before the chats start when {@code startInWindow}, else once every step is calling the model),
     * reads every chat meanwhile, waits for them to end, and checks what must hold whatever the share: every chat
     * completed with one reply and no error, no answer a 5xx other than 503, no step poisoned.
     */
    private Seen run(double share, Duration window, boolean startInWindow) throws Exception {
        try (ThrottlingMongo mongo = ThrottlingMongo.start(share, Duration.ofMillis(100));
             OutageModelServer model = OutageModelServer.start(Duration.ofMillis(startInWindow ? 60 : 400))) {
            Map<String, String> settings = new HashMap<>(Map.of("MODEL_PROVIDER", "openai", "MODEL_ENDPOINT", model.endpoint(),
                    "MODEL_NAME", "gpt-4o", "MODEL_API_KEY", "sk-throttle-test"));
            settings.put("MONGODB_CONNECTION_STRING", mongo.connectionString());
            try (Host host = Host.start(settings); HostLog hostLog = new HostLog()) {
                Client client = new Client(host.functions().port());
                User owner = cp.user("throttled");
                String tenant = client.expect(201, client.call("POST", "/api/tenants", owner, obj("name", ControlPlane.unique("tenant"))),
                        "create tenant").json().path("id").asText();
                client.expect(200, client.call("PUT", "/api/admin/tenants/" + tenant + "/entitlement", cp.platformAdmin(),
                        obj("max_tier", "enterprise")), "entitle");
                String app = client.expect(201, client.call("POST", "/api/tenants/" + tenant + "/apps", owner,
                        obj("name", ControlPlane.unique("app"), "tier", "enterprise")), "create app").json().path("id").asText();

                if (startInWindow) {
                    mongo.throttleFor(window);
                }
                long started = System.nanoTime();
                List<JsonNode> chats = new ArrayList<>();
                // The chats started one after another, then every chat's state read until the window ends, as a client would.
                for (int i = 0; i < CHATS; i++) {
                    chats.add(client.expect(201, client.call("POST", "/api/sessions", owner,
                            obj("app_id", app, "workflow_name", WORKFLOW), "Idempotency-Key", UUID.randomUUID().toString()),
                            "start " + WORKFLOW).json());
                }
                if (!startInWindow) {
                    // Every step is in flight (streaming its reply) when the throttling starts.
                    ControlPlane.await("every step to call the model", Duration.ofSeconds(30), () -> model.received() >= CHATS);
                    mongo.throttleFor(window);
                    started = System.nanoTime();
                }
                long end = started + window.toNanos();
                while (System.nanoTime() < end) {
                    for (JsonNode chat : chats) {
                        client.expect(200, client.call("GET", "/api/apps/" + app + "/chats/" + chat.path("chat_id").asText(), owner, null),
                                "read chat");
                    }
                    sleep(Duration.ofMillis(200));
                }
                long throttled = mongo.throttled();
                long commands = mongo.commands();
                for (JsonNode chat : chats) {
                    String id = chat.path("chat_id").asText();
                    ControlPlane.await("chat " + id + " to end", Duration.ofMinutes(3), () -> Set.of("completed", "failed", "cancelled")
                            .contains(status(client, owner, app, id)));
                }
                long stepRetries = hostLog.lines().stream().filter(line -> line.contains("step done")
                        && line.contains("database_throttled") && line.contains("Retrying[")).count();
                Seen seen = new Seen(client, commands, throttled, stepRetries, hostLog.failedDeliveries());
                System.out.printf("throttling %.0f %% for %d s: %d of %d data commands answered 16500; HTTP answers %s "
                                + "(503 with Retry-After: %d); steps re-queued for throttling: %d; failed deliveries: %d; "
                                + "%d chats completed %.1f s after the throttling began%n",
                        share * 100, window.toSeconds(), throttled, commands, client.answers, client.count(503),
                        stepRetries, seen.failedDeliveries(), CHATS, (System.nanoTime() - started) / 1e9);

                assertTrue(client.unexpected.isEmpty(), "no 5xx but 503: " + client.unexpected);
                assertTrue(throttled > 0, "the database throttled");
                assertTrue(hostLog.lines().stream().noneMatch(line -> line.contains("poisoned step handled")), "no step message was poisoned");
                for (JsonNode chat : chats) {
                    String id = chat.path("chat_id").asText();
                    assertEquals("completed", status(client, owner, app, id), "chat " + id);
                    // A step's events go to the log after its commit; one whose write was throttled past the in-place retry is
                    // stored by the step's retried message, so a reader may have to read again ("more") for a moment.
                    List<JsonNode> events = new ArrayList<>();
                    User runtime = new User("runtime", "", chat.path("runtime_token").asText());
                    ControlPlane.await("the events of chat " + id, Duration.ofSeconds(60), () -> {
                        events.clear();
                        client.expect(200, client.call("GET", "/api/chats/" + id + "/events?after_seq=0&limit=500", runtime, null),
                                "events of " + id).json().path("items").forEach(events::add);
                        return events.stream().anyMatch(e -> e.path("type").asText().equals("chat.run_complete"));
                    });
                    List<String> types = events.stream().map(e -> e.path("type").asText()).toList();
                    assertFalse(types.contains("chat.error"), "no error: " + types);
                    assertEquals(1, events.stream().filter(e -> e.path("type").asText().equals("chat.text")
                            && AGENT.equals(e.path("data").path("agent").asText())).count(), "one reply: " + types);
                }
                return seen;
            }
        }
    }

    private static String status(Client client, User owner, String app, String chat) {
        return client.call("GET", "/api/apps/" + app + "/chats/" + chat, owner, null).json().path("status").asText();
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

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
 * ({@link ThrottlingMongo}) for a while ({@code -Dmozaiks.throttle.seconds}, 20 by default). Chats are started and
 * watched through the HTTP API meanwhile. No answer is a 500: a call the database refused past the brief in-process retry
 * answers 503 problem+json with {@code Retry-After}, and the client repeats it after that; no chat fails, no step
 * message is poisoned, and every chat completes.
 */
class DatabaseThrottlingIT {
    private static final ControlPlane cp = ControlPlane.get();
    private static final Duration WINDOW = Duration.ofSeconds(Long.getLong("mozaiks.throttle.seconds", 20));
    private static final double SHARE = 0.2;
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

    @Test
    void aFifthOfTheDatabaseCommandsThrottledFailsNoChatAndNoCallWith500() throws Exception {
        try (ThrottlingMongo mongo = ThrottlingMongo.start(SHARE, Duration.ofMillis(100));
             OutageModelServer model = OutageModelServer.start(Duration.ofMillis(300))) {
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

                mongo.throttleFor(WINDOW);
                long started = System.nanoTime();
                long end = started + WINDOW.toNanos();
                List<JsonNode> chats = new ArrayList<>();
                // Throughout the window: chats started one after another, and every chat's state read, as a client would.
                while (System.nanoTime() < end) {
                    if (chats.size() < CHATS) {
                        chats.add(client.expect(201, client.call("POST", "/api/sessions", owner,
                                obj("app_id", app, "workflow_name", WORKFLOW), "Idempotency-Key", UUID.randomUUID().toString()),
                                "start " + WORKFLOW).json());
                    }
                    for (JsonNode chat : chats) {
                        client.expect(200, client.call("GET", "/api/apps/" + app + "/chats/" + chat.path("chat_id").asText(), owner, null),
                                "read chat");
                    }
                    sleep(Duration.ofMillis(200));
                }
                long throttledInWindow = mongo.throttled();
                long commandsInWindow = mongo.commands();
                assertEquals(CHATS, chats.size(), "every chat was started within the window");
                for (JsonNode chat : chats) {
                    String id = chat.path("chat_id").asText();
                    ControlPlane.await("chat " + id + " to end", Duration.ofMinutes(3), () -> Set.of("completed", "failed", "cancelled")
                            .contains(status(client, owner, app, id)));
                }
                long stepRetries = hostLog.lines().stream().filter(line -> line.contains("step done")
                        && line.contains("database_throttled") && line.contains("Retrying[")).count();
                System.out.printf("throttling %.0f %% for %d s: %d of %d data commands answered 16500; HTTP answers %s "
                                + "(503 with Retry-After: %d); steps re-queued for throttling: %d; failed deliveries: %d; "
                                + "%d chats completed %.1f s after the window opened%n",
                        SHARE * 100, WINDOW.toSeconds(), throttledInWindow, commandsInWindow, client.answers, client.count(503),
                        stepRetries, hostLog.failedDeliveries(), CHATS, (System.nanoTime() - started) / 1e9);

                assertTrue(client.unexpected.isEmpty(), "no 5xx but 503: " + client.unexpected);
                assertTrue(client.count(503) > 0, "the database refused some calls past the in-process retry: " + client.answers);
                assertTrue(throttledInWindow > 0, "the database throttled");
                assertTrue(hostLog.lines().stream().noneMatch(line -> line.contains("poisoned step handled")), "no step message was poisoned");
                for (JsonNode chat : chats) {
                    String id = chat.path("chat_id").asText();
                    assertEquals("completed", status(client, owner, app, id), "chat " + id);
                    List<JsonNode> events = new ArrayList<>();
                    client.call("GET", "/api/chats/" + id + "/events?after_seq=0&limit=500",
                            new User("runtime", "", chat.path("runtime_token").asText()), null).json().path("items").forEach(events::add);
                    List<String> types = events.stream().map(e -> e.path("type").asText()).toList();
                    assertFalse(types.contains("chat.error"), "no error: " + types);
                    assertEquals(1, events.stream().filter(e -> e.path("type").asText().equals("chat.text")
                            && AGENT.equals(e.path("data").path("agent").asText())).count(), "one reply: " + types);
                }
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

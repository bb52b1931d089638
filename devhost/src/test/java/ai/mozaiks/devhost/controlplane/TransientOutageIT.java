package ai.mozaiks.devhost.controlplane;

import ai.mozaiks.persistence.StrictProfileExtension;
import static ai.mozaiks.devhost.controlplane.ControlPlane.expect;
import static ai.mozaiks.devhost.controlplane.ControlPlane.json;
import static ai.mozaiks.devhost.controlplane.ControlPlane.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.config.Settings;
import ai.mozaiks.devhost.TestEmulators;
import ai.mozaiks.devhost.DeployStep;
import ai.mozaiks.devhost.controlplane.ControlPlane.User;
import ai.mozaiks.devhost.functions.FunctionHost;
import ai.mozaiks.devhost.functions.HostJson;
import ai.mozaiks.devhost.http.HttpHost;
import ai.mozaiks.devhost.outage.DroppingProxy;
import ai.mozaiks.devhost.outage.OutageModelServer;
import ai.mozaiks.functions.FunctionFactory;
import ai.mozaiks.functions.PlatformFunctionInjector;
import ai.mozaiks.platform.Platform;
import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.ConnectionString;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Transient outages on the local host, end to end: the real platform, queue trigger (Azurite) and model client, with
 * the model service or the database briefly away. Every chat waits the outage out and completes; none fails. The step
 * queue's dequeue count (host.json: 5 × 5 s) would have poisoned each of them within half a minute.
 */
class TransientOutageIT {
    private static final ControlPlane cp = ControlPlane.get();
    private static final int CHATS = 4;
    /** The workflow: one agent turn, then the run completes. */
    private static final String WORKFLOW = "market_scan";
    private static final String AGENT = "Market";

    /** A platform and function host of this test's own: the control plane's settings with {@code overrides}. */
    record Host(Platform platform, FunctionHost functions) implements AutoCloseable {
        static Host start(Map<String, String> overrides) throws IOException {
            Map<String, String> settings = new HashMap<>(ControlPlane.baseSettings(cp.idp));
            settings.putAll(overrides);
            // Only the retries move these chats: no sweep requeues them.
            settings.put("STALL_REAPER_SCHEDULE", "0 0 0 1 1 *");
            Platform platform = Platform.start(Settings.from(settings));
            // As the devhost starts: the deploy step first (here it finds everything made and creates nothing).
            DeployStep.ensureSchema(platform);
            return new Host(platform, FunctionHost.start(HttpHost.bind("127.0.0.1", 0), FunctionFactory.functionClasses(),
                    new PlatformFunctionInjector(platform), settings, HostJson.load()));
        }

        /** Starts a chat through this host (its step goes to this host's queue); answers {chat_id, runtime_token}. */
        JsonNode startChat(User user, String app) {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + functions.port() + "/api/sessions"))
                    .timeout(ControlPlane.TIMEOUT).header("Authorization", "Bearer " + user.token())
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json(obj("app_id", app, "workflow_name", WORKFLOW)))).build();
            return expect(201, cp.send(request), "start " + WORKFLOW).json();
        }

        @Override
        public void close() throws InterruptedException {
            functions.close();
            platform.close();
        }
    }

    private static Map<String, String> model(OutageModelServer model) {
        return Map.of("MODEL_PROVIDER", "openai", "MODEL_ENDPOINT", model.endpoint(), "MODEL_NAME", "gpt-4o",
                "MODEL_API_KEY", "sk-outage-test");
    }

    private static String status(User owner, String app, String chat) {
        return cp.get("/api/apps/" + app + "/chats/" + chat, owner).json().path("status").asText();
    }

    @Test
    void aModelRefusingEveryCallForAMinuteDelaysTheChatsAndFailsNone() throws Exception {
        try (OutageModelServer model = OutageModelServer.start(Duration.ZERO); Host host = Host.start(model(model));
             HostLog hostLog = new HostLog()) {
            User owner = cp.user("outage-model");
            String app = cp.createApp(owner, cp.createTenant(owner), "enterprise");
            model.refuseFor(Duration.ofSeconds(60));
            long started = System.nanoTime();
            List<JsonNode> chats = new ArrayList<>();
            for (int i = 0; i < CHATS; i++) {
                chats.add(host.startChat(owner, app));
            }
            for (JsonNode chat : chats) {
                String id = chat.path("chat_id").asText();
                ControlPlane.await("chat " + id + " to end", Duration.ofMinutes(4), () -> Set.of("completed", "failed", "cancelled")
                        .contains(status(owner, app, id)));
            }
            System.out.printf("model outage of 60 s: %d chats completed %.1f s after they started; model calls %d = %d turns + %d refused%n",
                    CHATS, (System.nanoTime() - started) / 1e9, model.received(), model.answered(), model.refused());

            for (JsonNode chat : chats) {
                String id = chat.path("chat_id").asText();
                assertEquals("completed", status(owner, app, id), "chat " + id);
                List<JsonNode> events = cp.events(id, chat.path("runtime_token").asText());
                assertFalse(types(events).contains("chat.error"), "no error: " + types(events));
                assertEquals(1, events.stream().filter(e -> e.path("type").asText().equals("chat.text")
                        && AGENT.equals(e.path("data").path("agent").asText())).count(), "one reply: " + types(events));
                List<JsonNode> retries = events.stream().filter(e -> e.path("type").asText().equals("chat.retrying")).toList();
                assertFalse(retries.isEmpty(), "the chat was told it waits: " + types(events));
                for (int i = 0; i < retries.size(); i++) {
                    JsonNode data = retries.get(i).path("data");
                    assertEquals(i + 1, data.path("attempt").asInt(), "attempts in order: " + retries);
                    assertTrue(Set.of("model_unavailable", "model_rate_limited").contains(data.path("reason").asText()), data.toString());
                    assertFalse(data.path("retry_at").asText().isEmpty(), data.toString());
                }
            }
            for (JsonNode chat : chats) {
                List<String> outcomes = hostLog.outcomes(chat.path("chat_id").asText());
                // The first attempt may run where the chat started (not a queue delivery); its retries come through the queue.
                assertTrue(outcomes.stream().anyMatch(o -> o.startsWith("Retrying[attempt=")), "retried through the queue: " + outcomes);
            }
            assertEquals(0, hostLog.failedDeliveries(), "no delivery failed: the dequeue count was never spent");
            assertEquals(CHATS, model.answered(), "one answered call per turn: a refused call is asked again, an answered one never");
            assertEquals(model.answered() + model.refused(), model.received(), "model calls = turns + the refused ones");
            assertTrue(model.refused() >= CHATS, "every chat met the outage: " + model.refused());
        }
    }

    @Test
    void theDatabaseAwayForThirtySecondsMidStepDelaysTheChatsAndFailsNone() throws Exception {
        ConnectionString direct = new ConnectionString(TestEmulators.mongo().connectionString());
        String[] hostPort = direct.getHosts().get(0).split(":");
        try (OutageModelServer model = OutageModelServer.start(Duration.ofMillis(600));
             DroppingProxy proxy = DroppingProxy.start(hostPort[0], Integer.parseInt(hostPort[1]))) {
            Map<String, String> settings = new HashMap<>(model(model));
            settings.put("MONGODB_CONNECTION_STRING", "mongodb://127.0.0.1:" + proxy.port());
            settings.putAll(StrictProfileExtension.SETTINGS);
            try (Host host = Host.start(settings); HostLog hostLog = new HostLog()) {
                User owner = cp.user("outage-db");
                String app = cp.createApp(owner, cp.createTenant(owner), "enterprise");
                List<JsonNode> chats = new ArrayList<>();
                for (int i = 0; i < CHATS; i++) {
                    chats.add(host.startChat(owner, app));
                }
                // Every step is in flight (streaming its reply) when the database goes.
                ControlPlane.await("every step to call the model", Duration.ofSeconds(30), () -> model.received() >= CHATS);
                proxy.down();
                long down = System.nanoTime();
                Thread.sleep(30_000);
                proxy.up();
                long up = System.nanoTime();
                for (JsonNode chat : chats) {
                    String id = chat.path("chat_id").asText();
                    ControlPlane.await("chat " + id + " to end", Duration.ofMinutes(3), () -> Set.of("completed", "failed", "cancelled")
                            .contains(status(owner, app, id)));
                }
                assertEquals(0, hostLog.failedDeliveries(), "no delivery failed: the dequeue count was never spent");
                System.out.printf("database away %.1f s: %d chats completed %.1f s after it was back; model calls %d for %d turns%n",
                        (up - down) / 1e9, CHATS, (System.nanoTime() - up) / 1e9, model.received(), CHATS);
                for (JsonNode chat : chats) {
                    String id = chat.path("chat_id").asText();
                    assertEquals("completed", status(owner, app, id), "chat " + id);
                    List<JsonNode> events = cp.events(id, chat.path("runtime_token").asText());
                    assertFalse(types(events).contains("chat.error"), "no error: " + types(events));
                    assertEquals(1, events.stream().filter(e -> e.path("type").asText().equals("chat.text")
                            && AGENT.equals(e.path("data").path("agent").asText())).count(), "one reply, recorded once: " + types(events));
                    List<String> outcomes = hostLog.outcomes(id);
                    assertTrue(outcomes.stream().anyMatch(o -> o.startsWith("Retrying[") && o.contains("database_unavailable")),
                            "retried through the queue while the database was away: " + outcomes);
                    List<Long> seqs = events.stream().map(e -> e.path("seq").asLong()).toList();
                    for (int i = 0; i < seqs.size(); i++) {
                        assertEquals(i + 1, seqs.get(i), "events 1..n without a gap: " + seqs);
                    }
                }
            }
        }
    }

    private static List<String> types(List<JsonNode> events) {
        return events.stream().map(e -> e.path("type").asText()).toList();
    }
}

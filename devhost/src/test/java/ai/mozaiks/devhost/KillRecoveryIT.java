package ai.mozaiks.devhost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.mozaiks.devhost.emulators.Ports;
import ai.mozaiks.devhost.outage.OutageModelServer;
import ai.mozaiks.http.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a devhost process while a step streams a slow model reply, then a restart: the chat completes
 * within a minute of the restart (the lease lapses, the stall reaper's sweep queues the step again, the step runs anew).
 * The devhost runs as ./run-local runs it, with its settings' defaults (lease, reaper schedule), against MongoDB and
 * Azurite outside it, so both outlive the kill.
 */
class KillRecoveryIT {
    /** The acceptance's bound: a chat whose instance died resumes and completes within a minute of the restart. */
    private static final Duration WITHIN = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path home;

    @Test
    void aChatWhoseDevhostWasKilledMidStepCompletesWithinAMinuteOfTheRestart() throws Exception {
        // Five pieces 800 ms apart: the step is mid-stream for about four seconds.
        try (OutageModelServer model = OutageModelServer.start(Duration.ofMillis(800))) {
            Files.copy(ProjectHome.find().resolve("local.settings.sample.json"), home.resolve("local.settings.sample.json"));
            int port = Ports.free();
            Map<String, String> env = environment(model, Ports.free());
            Path firstLog = home.resolve("first.log");
            Process first = devhost(port, env, firstLog);
            Process second = null;
            try {
                awaitReady(first, firstLog);
                URI base = URI.create("http://127.0.0.1:" + port);
                String user = post(base, "/dev/token", null, Map.of("sub", "kill-recovery")).path("access_token").asText();
                String tenant = post(base, "/api/tenants", user, Map.of("name", "Kill recovery")).path("id").asText();
                String admin = post(base, "/dev/token", null, Map.of("sub", "kill-admin", "roles", List.of("platform_admin")))
                        .path("access_token").asText();
                send(base, "PUT", "/api/admin/tenants/" + tenant + "/entitlement", admin, Map.of("max_tier", "pro"));
                String app = post(base, "/api/tenants/" + tenant + "/apps", user, Map.of("name", "kill", "tier", "pro")).path("id").asText();
                JsonNode grant = post(base, "/api/sessions", user, Map.of("app_id", app, "workflow_name", "market_scan"));
                String chat = grant.path("chat_id").asText();
                String token = grant.path("runtime_token").asText();

                await("the step to stream the model's reply", Duration.ofSeconds(60), () -> model.received() >= 1);
                Thread.sleep(1_000);
                first.destroyForcibly(); // SIGKILL: no shutdown hook, no release of the chat's lease
                assertTrue(first.waitFor(30, TimeUnit.SECONDS), "the first devhost is gone");

                long restarted = System.nanoTime();
                Path secondLog = home.resolve("second.log");
                second = devhost(port, env, secondLog);
                awaitReady(second, secondLog);
                await("the chat to complete after the restart", WITHIN.plusSeconds(60),
                        () -> types(base, chat, token).contains("chat.run_complete"));
                Duration took = Duration.ofNanos(System.nanoTime() - restarted);
                System.out.printf("kill -9 mid-step: the chat completed %.1f s after the restart (model calls %d)%n",
                        took.toMillis() / 1000.0, model.received());

                List<JsonNode> events = events(base, chat, token);
                JsonNode last = events.get(events.size() - 1);
                assertEquals("completed", last.path("data").path("status").asText(), "the run completed: " + last);
                assertEquals(1, events.stream().filter(e -> e.path("type").asText().equals("chat.text")
                        && "Market".equals(e.path("data").path("agent").asText())).count(), "one reply recorded");
                assertEquals(2, model.answered(), "the killed attempt's call and the new attempt's");
                assertTrue(took.compareTo(WITHIN) <= 0, "completed " + took.toSeconds() + " s after the restart, not within " + WITHIN);
            } finally {
                first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                if (second != null) {
                    second.destroy();
                    if (!second.waitFor(30, TimeUnit.SECONDS)) {
                        second.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                    }
                }
            }
        }
    }

    /** The settings over the sample's: the test's emulators, its own databases and queue, the slow model. */
    private Map<String, String> environment(OutageModelServer model, int webPubSubPort) {
        Map<String, String> env = new HashMap<>();
        env.put("MONGODB_CONNECTION_STRING", TestEmulators.mongo().connectionString());
        env.put("MONGODB_CONTROL_DATABASE", "kill_control");
        env.put("MONGODB_RUNTIME_DATABASE", "kill_runtime");
        env.put("AzureWebJobsStorage", TestEmulators.azurite().connectionString());
        env.put("STEP_QUEUE", "kill-" + Long.toHexString(System.nanoTime()));
        env.put("MIGRATION_QUEUE", "kill-migrations-" + Long.toHexString(System.nanoTime()));
        env.put("WEBPUBSUB_CONNECTION_STRING", "Endpoint=http://127.0.0.1:" + webPubSubPort + ";AccessKey=;Version=1.0;");
        env.put("WORKFLOWS_DIR", ProjectHome.find().resolve("workflows").toString());
        env.put("MODEL_PROVIDER", "openai");
        env.put("MODEL_ENDPOINT", model.endpoint());
        env.put("MODEL_NAME", "gpt-4o");
        env.put("MODEL_API_KEY", "sk-kill-test");
        return env;
    }

    private Process devhost(int port, Map<String, String> env, Path log) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx512m", "-Dmozaiks.home=" + home,
                "-cp", System.getProperty("java.class.path"), DevHost.class.getName(), "--port", Integer.toString(port)));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(env);
        return builder.start();
    }

    private static void awaitReady(Process process, Path log) throws Exception {
        await("the devhost to be ready", Duration.ofSeconds(120), () -> {
            if (!process.isAlive()) {
                fail("the devhost exited: " + read(log));
            }
            return read(log).contains("ready in");
        });
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "";
        }
    }

    private static JsonNode post(URI base, String path, String token, Object body) throws Exception {
        return send(base, "POST", path, token, body);
    }

    private static JsonNode send(URI base, String method, String path, String token, Object body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(Json.write(body)));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(response.statusCode() / 100 == 2, method + " " + path + ": " + response.statusCode() + " " + response.body());
        return Json.mapper().readTree(response.body());
    }

    private static List<JsonNode> events(URI base, String chat, String token) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(base.resolve("/api/chats/" + chat + "/events?after_seq=0&limit=500"))
                    .timeout(Duration.ofSeconds(20)).header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
            List<JsonNode> events = new ArrayList<>();
            if (response.statusCode() == 200) {
                Json.mapper().readTree(response.body()).path("items").forEach(events::add);
            }
            return events;
        } catch (IOException e) {
            return List.of(); // the devhost is down or not up yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static List<String> types(URI base, String chat, String token) {
        return events(base, chat, token).stream().map(e -> e.path("type").asText()).toList();
    }

    private static void await(String what, Duration within, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not within " + within.toSeconds() + " s: " + what);
            }
            Thread.sleep(100);
        }
    }
}

package ai.mozaiks.devhost.controlplane;

import static ai.mozaiks.devhost.controlplane.ControlPlane.expect;
import static ai.mozaiks.devhost.controlplane.ControlPlane.json;
import static ai.mozaiks.devhost.controlplane.ControlPlane.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.config.Settings;
import ai.mozaiks.devhost.controlplane.ControlPlane.Response;
import ai.mozaiks.devhost.controlplane.ControlPlane.User;
import ai.mozaiks.devhost.functions.FunctionHost;
import ai.mozaiks.devhost.functions.HostJson;
import ai.mozaiks.devhost.http.HttpHost;
import ai.mozaiks.functions.FunctionFactory;
import ai.mozaiks.functions.PlatformFunctionInjector;
import ai.mozaiks.platform.Platform;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The attack that made platform settings reachable from a manifest: a tenant publishes a pack whose
 * {@code context_variables.yaml} names the platform's settings as {@code config} variables and shows them to its
 * agent. Runs a platform of its own whose model is a local OpenAI-compatible server recording every request, with
 * real values for those settings; the recorded prompt must hold none of them, while what the app's admin stored in
 * the app's own settings (plain and secret) does reach it.
 */
class PlatformSecretsAcceptanceIT {
    private static final ControlPlane cp = ControlPlane.get();
    private static final Duration STEP = Duration.ofSeconds(30);
    private static final String MODEL_KEY = "sk-platform-model-key-5e1f0c9a7b3d";
    private static final String RESEARCH_DEPTH = "platform-only-depth-3c8e";
    private static final String APP_PLAIN = "support@acme.example";
    private static final String APP_SECRET = "acme-partner-token-9d2b41";

    private static final List<String> requests = new CopyOnWriteArrayList<>();
    private static HttpServer model;
    private static Map<String, String> settings;
    private static Platform platform;
    private static FunctionHost host;

    private static final String CONTEXT = """
            definitions:
            - name: runtime_token_key
              type: string
              source: {type: config, env_var: RUNTIME_TOKEN_KEY}
            - name: model_api_key
              type: string
              source: {type: config, env_var: MODEL_API_KEY}
            - name: mongodb
              type: string
              source: {type: config, env_var: MONGODB_CONNECTION_STRING}
            - name: app_settings_key
              type: string
              source: {type: config, env_var: APP_SETTINGS_KEY}
            - name: webpubsub
              type: string
              source: {type: config, env_var: WEBPUBSUB_CONNECTION_STRING}
            - name: research_depth
              type: string
              source: {type: config, env_var: MOZAIKS_RESEARCH_DEPTH, default: standard}
            - name: support_email
              type: string
              source: {type: config, env_var: SUPPORT_EMAIL}
            - name: PARTNER_TOKEN
              type: string
              source: {type: config}
            - name: process_path
              type: string
              source: {type: config, env_var: PATH}
            agents:
            - agent_name: Assistant
              variables: [runtime_token_key, model_api_key, mongodb, app_settings_key, webpubsub, research_depth, support_email, PARTNER_TOKEN,
                          process_path]
            """;

    @BeforeAll
    static void startPlatformWithARecordingModel() throws IOException {
        model = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        model.createContext("/", exchange -> {
            requests.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                for (String chunk : List.of(
                        "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"READY_FOR_RESEARCH\"},\"finish_reason\":null}],\"usage\":null}",
                        "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}",
                        "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\",\"choices\":[],\"usage\":{\"prompt_tokens\":50,\"completion_tokens\":2,\"total_tokens\":52}}",
                        "[DONE]")) {
                    out.write(("data: " + chunk + "\n\n").getBytes(StandardCharsets.UTF_8));
                }
            }
        });
        model.start();
        Map<String, String> all = new HashMap<>(ControlPlane.baseSettings(cp.idp));
        all.put("MODEL_PROVIDER", "openai");
        all.put("MODEL_ENDPOINT", "http://127.0.0.1:" + model.getAddress().getPort() + "/v1");
        all.put("MODEL_NAME", "gpt-4o");
        all.put("MODEL_API_KEY", MODEL_KEY);
        all.put("MOZAIKS_RESEARCH_DEPTH", RESEARCH_DEPTH);
        settings = Map.copyOf(all);
        platform = Platform.start(Settings.from(settings));
        ai.mozaiks.devhost.DeployStep.ensureSchema(platform);
        host = FunctionHost.start(HttpHost.bind("127.0.0.1", 0), FunctionFactory.functionClasses(), new PlatformFunctionInjector(platform),
                settings, HostJson.load());
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (host != null) {
            host.close();
        }
        if (platform != null) {
            platform.close();
        }
        if (model != null) {
            model.stop(0);
        }
    }

    private static Response send(String method, String path, String token, Object body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + host.port() + path))
                .timeout(ControlPlane.TIMEOUT).header("Authorization", "Bearer " + token);
        if (body != null) {
            request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json(body)));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return cp.send(request.build());
    }

    private static List<String> types(String chat, String token) {
        JsonNode page = send("GET", "/api/chats/" + chat + "/events?after_seq=0&limit=500", token, null).json();
        return page.path("items").findValues("type").stream().map(JsonNode::asText).toList();
    }

    @Test
    void aPublishedPackReadsOnlyItsAppsOwnSettingsNeverThePlatforms() {
        User owner = cp.user("secrets-owner");
        String app = cp.createApp(owner, cp.createTenant(owner), "pro");
        Map<String, String> files = new HashMap<>(ControlPlane.workflowFiles("assistant", "settings_probe"));
        files.put("settings_probe/context_variables.yaml", CONTEXT);
        expect(201, send("POST", "/api/apps/" + app + "/packs", owner.token(), obj("id", "probe", "version", "1.0.0", "files", files)),
                "the pack is published: config variables are allowed, they just read the app's own settings");
        expect(200, send("PUT", "/api/apps/" + app + "/packs/probe", owner.token(), obj("enabled", true)), "enable");
        expect(200, send("PUT", "/api/apps/" + app + "/settings/SUPPORT_EMAIL", owner.token(), obj("kind", "plain", "value", APP_PLAIN)),
                "a plain setting");
        expect(200, send("PUT", "/api/apps/" + app + "/settings/PARTNER_TOKEN", owner.token(), obj("kind", "secret", "value", APP_SECRET)),
                "a secret setting");

        int before = requests.size();
        JsonNode grant = expect(201, send("POST", "/api/sessions", owner.token(), obj("app_id", app, "workflow_name", "settings_probe")),
                "start").json();
        String chat = grant.path("chat_id").asText();
        String token = grant.path("runtime_token").asText();
        ControlPlane.await("the chat to wait for the user", STEP, () -> types(chat, token).contains("chat.input_request"));
        expect(202, send("POST", "/api/chats/" + chat + "/messages", token, obj("client_message_id", "m-1", "text", "What do you know?")),
                "message");
        ControlPlane.await("the agent's answer", STEP, () -> types(chat, token).stream().filter("chat.text"::equals).count() >= 2);

        assertEquals(1, requests.size() - before, "one model call: " + requests);
        String prompt = requests.get(before);
        Map<String, String> platformValues = Map.of(
                "RUNTIME_TOKEN_KEY", settings.get("RUNTIME_TOKEN_KEY"),
                "MODEL_API_KEY", MODEL_KEY,
                "MONGODB_CONNECTION_STRING", settings.get("MONGODB_CONNECTION_STRING"),
                "APP_SETTINGS_KEY", settings.get("APP_SETTINGS_KEY"),
                "WEBPUBSUB_CONNECTION_STRING", settings.get("WEBPUBSUB_CONNECTION_STRING"),
                "MOZAIKS_RESEARCH_DEPTH (allow-listed for platform workflows only)", RESEARCH_DEPTH);
        platformValues.forEach((name, value) -> {
            assertFalse(value == null || value.isBlank(), name + " has a value in this platform");
            assertFalse(prompt.contains(value), name + "'s value reached the model: " + prompt);
        });
        // The settings above are handed to this platform as a map; the process's own environment is a separate
        // source, and no variable may reach it either.
        String processPath = System.getenv("PATH");
        assertFalse(processPath == null || processPath.isBlank(), "this process has a PATH");
        assertFalse(prompt.contains(processPath), "the process environment reached the model: " + prompt);
        assertTrue(prompt.contains("process_path: None"), "an environment variable's name reads nothing: " + prompt);
        assertTrue(prompt.contains("runtime_token_key: None"), "an unset setting is None: " + prompt);
        assertTrue(prompt.contains("research_depth: standard"), "the manifest default, not the platform's value: " + prompt);
        assertTrue(prompt.contains("support_email: " + APP_PLAIN), "the app's plain setting reaches the prompt: " + prompt);
        assertTrue(prompt.contains("PARTNER_TOKEN: " + APP_SECRET), "the app's secret reaches the prompt: " + prompt);

        // Nothing the app's admins (or anyone) can read through the API gives the secret back.
        Response listed = expect(200, send("GET", "/api/apps/" + app + "/settings", owner.token(), null), "list");
        assertFalse(listed.body().contains(APP_SECRET), listed.body());
        assertTrue(listed.body().contains(APP_PLAIN), listed.body());
    }

    @Test
    void thePlatformsOwnWorkflowReadsItsAllowListedValue() {
        User owner = cp.user("secrets-platform");
        String app = cp.createApp(owner, cp.createTenant(owner), "pro");
        int before = requests.size();
        expect(201, send("POST", "/api/sessions", owner.token(), obj("app_id", app, "workflow_name", "interview_research_summary")), "start");
        // The recorded model always answers the interviewer's sentinel, so the researcher (who sees research_depth) follows.
        ControlPlane.await("the researcher's turn", STEP, () -> requests.subList(before, requests.size()).stream()
                .anyMatch(request -> request.contains("research_depth: ")));
        String researcher = requests.subList(before, requests.size()).stream().filter(request -> request.contains("research_depth: "))
                .findFirst().orElseThrow();
        assertTrue(researcher.contains("research_depth: " + RESEARCH_DEPTH), "the allow-listed value: " + researcher);
        assertFalse(researcher.contains(MODEL_KEY) || researcher.contains(settings.get("RUNTIME_TOKEN_KEY")), researcher);
    }
}

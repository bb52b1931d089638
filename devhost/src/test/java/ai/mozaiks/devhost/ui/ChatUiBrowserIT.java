package ai.mozaiks.devhost.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.mozaiks.devhost.NodeScript;
import ai.mozaiks.devhost.ProjectHome;
import ai.mozaiks.http.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ChatUI end to end in Debian's Chromium, driven by playwright-core ({@code src/test/js/chatui-browser.mjs}),
 * against the local platform with the Web PubSub emulator. Each test leaves a screenshot in
 * {@code devhost/target/chatui/} (the path is printed).
 */
class ChatUiBrowserIT {
    private static final Path SCRIPT = Path.of("src/test/js/chatui-browser.mjs");
    private static final Path ARTIFACTS = Path.of("target/chatui");
    private static final long NODE_DEADLINE_SECONDS = 180;
    private static final long BUILD_DEADLINE_MINUTES = 10;
    private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(20);
    /** What the user writes in the chats of the assistant; the offline model echoes each. */
    private static final List<String> MESSAGES = List.of("Hello from the browser", "And a second message");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static Path home;
    private static Path chromium;
    private static ChatUiStack stack;

    @TempDir
    Path temp;

    @BeforeAll
    static void start() throws IOException, InterruptedException {
        chromium = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
        if (!Files.isExecutable(chromium)) {
            return; // each test says why it is skipped
        }
        home = ProjectHome.find();
        if (!Files.isDirectory(home.resolve("node_modules/playwright-core"))) {
            run("npm", "ci", "--no-audit", "--no-fund");
        }
        // The ChatUI as its sources say (a no-op when web/dist is up to date, as after .ci/run).
        run("bash", "web/build-if-stale");
        Files.createDirectories(ARTIFACTS);
        stack = ChatUiStack.start(home);
    }

    @BeforeEach
    void needsChromium() {
        assumeTrue(Files.isExecutable(chromium), "no Chromium at " + chromium
                + ": the browser test needs one (apt-get install chromium, as .ci/run does, or set CHROMIUM)");
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aReplyStreamsAndAReloadMidRunKeepsTheTranscriptCompleteAndInOrder() throws Exception {
        Browsed run = browse("assistant");
        JsonNode result = run.result();
        assertEquals("Connected", result.path("connection").asText(), "the connection state after the reload");
        String firstReply = result.path("firstReply").asText();
        List<String> streamed = strings(result.path("streamed"));
        assertFalse(streamed.isEmpty(), "the reply streamed into the page before its stored text replaced it");
        assertTrue(streamed.stream().allMatch(piece -> !piece.isEmpty() && firstReply.startsWith(piece)),
                "every streamed state is a beginning of the reply " + firstReply + ": " + streamed);
        assertEquals(0, result.path("leftInOutbox").asInt(), "every message sent reached the chat's log");
        assertEquals(echoedConversation(), conversation(run.shown()), "each message and each reply once, in order");
    }

    @Test
    void afterANetworkDropTheChatGoesOnWhereItWasAndAMessageWrittenOfflineIsSent() throws Exception {
        Browsed run = browse("drop");
        List<String> states = strings(run.result().path("states"));
        assertEquals("connected", states.get(0), states.toString());
        assertTrue(states.contains("offline"), "the page showed it was offline: " + states);
        assertEquals("connected", states.get(states.size() - 1), states.toString());
        assertEquals(0, run.result().path("leftInOutbox").asInt(), "the message written offline reached the chat's log");
        // Whether the first message left before the network went decides whether the second arrives
        // while the first is answered (then the chat queues it) or after; either way each once, in causal order.
        List<String> conversation = conversation(run.shown());
        List<String> expected = echoedConversation();
        assertEquals(expected.stream().sorted().toList(), conversation.stream().sorted().toList(), "each message and each reply once");
        String you1 = expected.get(0);
        String reply1 = expected.get(1);
        String you2 = expected.get(2);
        String reply2 = expected.get(3);
        for (List<String> order : List.of(List.of(you1, reply1), List.of(you1, you2), List.of(you2, reply2), List.of(reply1, reply2))) {
            assertTrue(conversation.indexOf(order.get(0)) < conversation.indexOf(order.get(1)), order + " in that order: " + conversation);
        }
    }

    @Test
    void toolCallsAndAUiToolPromptAreShownThePromptIsAnsweredAndTheRunCancelled() throws Exception {
        Browsed run = browse("tools");
        JsonNode result = run.result();
        assertEquals(List.of("chat.tool_call", "chat.tool_response", "chat.tool_call", "chat.tool_response"),
                run.shown().stream().map(item -> item.path("type").asText()).filter(type -> type.startsWith("chat.tool_")).toList());
        JsonNode answered = run.log().stream()
                .filter(event -> event.path("data").path("tool_name").asText().equals("choose_option")
                        && event.path("type").asText().equals("chat.tool_response"))
                .findFirst().orElseThrow();
        assertEquals("Tomorrow morning", answered.path("data").path("ui_response").path("selection").asText(),
                "the button answered the prompt with its option: " + answered);
        assertEquals("Helper: Noted. I will remind you at the time you chose.", conversation(run.shown()).get(1));
        JsonNode last = run.log().get(run.log().size() - 1);
        assertEquals("chat.run_complete", last.path("type").asText());
        assertEquals("cancelled", last.path("data").path("status").asText());
        assertTrue(result.path("composerDisabled").asBoolean(), "a cancelled chat takes no more messages");
    }

    /** One scenario's run: what the script reported, the page's transcript, and the chat's log from the API. */
    private record Browsed(JsonNode result, List<JsonNode> shown, List<JsonNode> log) {
    }

    /**
     * Runs a scenario of the browser script as a new user, prints where its screenshot is, and checks what
     * every scenario must end with: the page shows every event of the chat's log once, in seq order.
     */
    private Browsed browse(String scenario) throws IOException, InterruptedException {
        String user = "ui-" + scenario + "-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        Path screenshot = ARTIFACTS.toAbsolutePath().resolve(scenario + ".png");
        Files.deleteIfExists(screenshot);
        JsonNode result = runBrowser(Map.of("scenario", scenario, "baseUrl", stack.base.toString(), "chromium", chromium.toString(),
                "user", user, "messages", MESSAGES, "screenshot", screenshot.toString()));
        System.out.println("ChatUI screenshot (" + scenario + "): " + screenshot);
        assertTrue(Files.size(screenshot) > 0, "a screenshot at " + screenshot);

        List<JsonNode> shown = list(result.path("transcript"));
        List<JsonNode> log = events(user, result.path("appId").asText(), result.path("workflow").asText(), result.path("chatId").asText());
        // The log may step over a seq it gave up (a tombstone), so the page's seqs are compared with the log's.
        List<Long> seqs = shown.stream().map(item -> item.path("seq").asLong()).toList();
        assertEquals(log.stream().map(event -> event.path("seq").asLong()).toList(), seqs,
                "the page shows every event of the chat's log once, in seq order");
        for (int i = 1; i < seqs.size(); i++) {
            assertTrue(seqs.get(i - 1) < seqs.get(i), "in increasing seq order: " + seqs);
        }
        assertEquals(log.stream().map(event -> event.path("type").asText()).toList(),
                shown.stream().map(item -> item.path("type").asText()).toList(), "the same kinds of event in the same order");
        return new Browsed(result, shown, log);
    }

    /** The chat's log as the API serves it, read with a runtime token the same user gets for the chat. */
    private static List<JsonNode> events(String user, String appId, String workflow, String chatId) throws IOException, InterruptedException {
        String token = post(stack.base.resolve("/dev/token"), null, Map.of("sub", user)).path("access_token").asText();
        JsonNode grant = post(stack.base.resolve("/api/sessions"), token, Map.of("app_id", appId, "workflow_name", workflow,
                "chat_id", chatId));
        HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(stack.base.resolve("/api/chats/" + chatId + "/events?after_seq=0&limit=500"))
                .header("Authorization", "Bearer " + grant.path("runtime_token").asText()).timeout(HTTP_TIMEOUT).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode(), page.body());
        JsonNode body = Json.read(page.body());
        assertFalse(body.path("more").asBoolean(), "one page holds these short chats");
        return list(body.path("items"));
    }

    /** The assistant chat both messages make: each followed by the offline model's echo. */
    private static List<String> echoedConversation() {
        List<String> lines = new ArrayList<>();
        for (String message : MESSAGES) {
            lines.add("You: " + message);
            lines.add("Assistant: Assistant here (offline model). You said: \"" + message + "\"");
        }
        return lines;
    }

    /** "agent: content" of every text the page shows, in order. */
    private static List<String> conversation(List<JsonNode> shown) {
        List<String> lines = new ArrayList<>();
        for (JsonNode item : shown) {
            if (item.path("type").asText().equals("chat.text") && !item.path("content").isNull()) {
                lines.add(item.path("agent").asText() + ": " + item.path("content").asText());
            }
        }
        return lines;
    }

    private static JsonNode post(URI uri, String token, Object body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(HTTP_TIMEOUT).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body), StandardCharsets.UTF_8));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(response.statusCode() / 100 == 2, "POST " + uri + ": " + response.statusCode() + " " + response.body());
        return Json.read(response.body());
    }

    private JsonNode runBrowser(Map<String, Object> config) throws IOException, InterruptedException {
        Path out = temp.resolve("browser.out");
        Path err = temp.resolve("browser.err");
        Process node = new ProcessBuilder("node", SCRIPT.toAbsolutePath().toString(), Json.write(config))
                .directory(home.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!node.waitFor(NODE_DEADLINE_SECONDS, TimeUnit.SECONDS)) {
            node.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            throw new AssertionError("the browser run did not finish within " + NODE_DEADLINE_SECONDS + " s; stderr: " + Files.readString(err));
        }
        List<String> lines = Files.readAllLines(out);
        String report = "exit " + node.exitValue() + "\nstdout: " + String.join("\n", lines) + "\nstderr: " + Files.readString(err)
                + "\n(screenshots in " + ARTIFACTS.toAbsolutePath() + ")";
        assertFalse(lines.isEmpty(), report);
        JsonNode result = Json.read(lines.get(lines.size() - 1));
        assertTrue(result.path("ok").asBoolean() && node.exitValue() == 0, report);
        return result;
    }

    private static void run(String... command) throws IOException, InterruptedException {
        NodeScript.command(home, Duration.ofMinutes(BUILD_DEADLINE_MINUTES), command);
    }

    private static List<JsonNode> list(JsonNode array) {
        List<JsonNode> items = new ArrayList<>();
        array.forEach(items::add);
        return items;
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asText()));
        return values;
    }
}

package ai.mozaiks.devhost.controlplane;

import static ai.mozaiks.devhost.controlplane.ControlPlane.expect;
import static ai.mozaiks.devhost.controlplane.ControlPlane.json;
import static ai.mozaiks.devhost.controlplane.ControlPlane.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.config.Settings;
import ai.mozaiks.devhost.DeployStep;
import ai.mozaiks.devhost.controlplane.ControlPlane.Response;
import ai.mozaiks.devhost.controlplane.ControlPlane.User;
import ai.mozaiks.devhost.functions.FunctionHost;
import ai.mozaiks.devhost.functions.HostJson;
import ai.mozaiks.devhost.http.HttpHost;
import ai.mozaiks.functions.FunctionFactory;
import ai.mozaiks.functions.PlatformFunctionInjector;
import ai.mozaiks.http.InputLimits;
import ai.mozaiks.platform.Platform;
import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.model.Filters;
import com.mongodb.reactivestreams.client.MongoDatabase;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/**
 * Large payloads in one chat, through the HTTP API of a running host: an agent's ten calls of an HTTP tool each answer
 * 256 KB, and the user answers a UI tool with 3 MB (after an answer over the 4 MiB limit was refused). The chat's
 * documents keep previews; the whole results and the whole answer are blobs in Azurite, read back byte for byte through
 * the chat's payload endpoint. Afterwards every document of the control and runtime databases, read with the real
 * driver, is under Cosmos DB's 2 MB item limit, and the chat completed.
 */
class LargePayloadsIT {
    private static final ControlPlane cp = ControlPlane.get();
    private static final Duration STEP = Duration.ofSeconds(60);
    private static final String WORKFLOW = "big_payloads";
    private static final int CALLS = 10;
    /** A workflow whose 128 context variables (a pack's most) are all set by its UI tools' answers. */
    private static final String MANY = "many_variables";
    private static final int VARIABLES = 128;
    private static final int RESULT_BYTES = 256 * 1024;
    /** Cosmos DB for MongoDB (RU): the largest item without the 16 MB capability. */
    private static final int ITEM_LIMIT = 2 * 1024 * 1024;

    private static HttpServer tool;
    private static Platform platform;
    private static FunctionHost functions;
    private static final AtomicInteger toolCalls = new AtomicInteger();
    /** What the tool answered, whole, by call. */
    private static final Map<Integer, String> pages = new java.util.concurrent.ConcurrentHashMap<>();

    @BeforeAll
    static void aHostWithTheWorkflow() throws IOException {
        tool = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        tool.setExecutor(Executors.newCachedThreadPool());
        tool.createContext("/page", LargePayloadsIT::page);
        tool.start();
        Path workflows = Files.createTempDirectory("mozaiks-large-payloads-");
        writeWorkflow(workflows.resolve(WORKFLOW), tool.getAddress().getPort());
        writeManyVariables(workflows.resolve(MANY));

        Map<String, String> settings = new HashMap<>(ControlPlane.baseSettings(cp.idp));
        settings.put("WORKFLOWS_DIR", workflows.toString());
        settings.put("HTTP_TOOLS_ALLOW_PRIVATE_NETWORKS", "true");
        // A 256 KB answer in a JSON envelope is a little over 256 KB.
        settings.put("HTTP_TOOL_MAX_RESPONSE_KB", "512");
        platform = Platform.start(Settings.from(settings));
        DeployStep.ensureSchema(platform); // as the devhost starts: the deploy step first
        functions = FunctionHost.start(HttpHost.bind("127.0.0.1", 0), FunctionFactory.functionClasses(),
                new PlatformFunctionInjector(platform), settings, HostJson.load());
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (functions != null) {
            functions.close();
        }
        if (platform != null) {
            platform.close();
        }
        if (tool != null) {
            tool.stop(0);
        }
    }

    /** The HTTP tool: a page of 256 KB of text (non-ASCII too), different for every call. */
    private static void page(HttpExchange exchange) throws IOException {
        exchange.getRequestBody().readAllBytes();
        int call = toolCalls.incrementAndGet();
        StringBuilder text = new StringBuilder(RESULT_BYTES);
        String line = "page " + call + ": the tide tables of Saint-Malo, été " + call + "; ";
        while (text.length() + line.length() < RESULT_BYTES - 100) {
            text.append(line);
        }
        String page = json(obj("page", call, "text", text.toString()));
        pages.put(call, page);
        byte[] body = page.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    private static void writeWorkflow(Path folder, int toolPort) throws IOException {
        Files.createDirectories(folder);
        Files.writeString(folder.resolve("orchestrator.yaml"), """
                workflow_name: big_payloads
                max_turns: 20
                human_in_the_loop: true
                startup_mode: AgentDriven
                orchestration_pattern: DefaultPattern
                initial_agent: Reader
                initial_message: Read the ten pages, then ask me which one matters.
                """);
        Files.writeString(folder.resolve("agents.yaml"), """
                agents:
                - name: Reader
                  prompt_sections:
                  - id: role
                    heading: '[ROLE]'
                    content: You read pages with fetch_page and ask the user to choose with choose_page.
                  max_consecutive_auto_reply: 5
                  auto_tool_mode: false
                  structured_outputs_required: false
                """);
        Files.writeString(folder.resolve("handoffs.yaml"), """
                handoff_rules:
                - source_agent: Reader
                  target_agent: terminate
                  handoff_type: after_work
                  transition_target: TerminateTarget
                """);
        Files.writeString(folder.resolve("ui_config.yaml"), """
                visual_agents:
                - Reader
                - user
                display_name: Big payloads
                description: Large tool results and a large UI answer.
                icon: wrench
                category: examples
                """);
        Files.writeString(folder.resolve("tools.yaml"), """
                tools:
                - agent: Reader
                  function: fetch_page
                  description: Fetch one page of text.
                  tool_type: Agent_Tool
                  auto_invoke: false
                  implementation: {type: http, url: 'http://127.0.0.1:%d/page', method: POST}
                  parameters:
                    type: object
                    properties: {page: {type: integer}}
                    required: [page]
                - agent: Reader
                  function: choose_page
                  description: Ask the user which page matters, with their notes.
                  tool_type: UI_Tool
                  auto_invoke: true
                  ui:
                    component: PagePicker
                    mode: inline
                  parameters:
                    type: object
                    properties: {question: {type: string}}
                    required: [question]
                lifecycle_tools: []
                """.formatted(toolPort));
        StringBuilder calls = new StringBuilder();
        for (int i = 1; i <= CALLS; i++) {
            calls.append("  - {name: fetch_page, arguments: {page: ").append(i).append("}}\n");
        }
        Files.writeString(folder.resolve("offline_script.yaml"), """
                - agent: Reader
                  tool_calls:
                %s- agent: Reader
                  tool_call: {name: choose_page, arguments: {question: 'Which page matters?'}}
                - agent: Reader
                  text: Noted. Page three it is.
                """.formatted(calls));
    }

    /**
     * Two UI tools: every variable is the whole answer of {@code ask_small}, and one key of the answer of
     * {@code ask_large}.
     */
    private static void writeManyVariables(Path folder) throws IOException {
        Files.createDirectories(folder);
        Files.writeString(folder.resolve("orchestrator.yaml"), """
                workflow_name: many_variables
                max_turns: 20
                human_in_the_loop: true
                startup_mode: AgentDriven
                orchestration_pattern: DefaultPattern
                initial_agent: Asker
                initial_message: Ask me twice.
                """);
        Files.writeString(folder.resolve("agents.yaml"), """
                agents:
                - name: Asker
                  prompt_sections:
                  - id: role
                    heading: '[ROLE]'
                    content: You ask the user with ask_small, then with ask_large.
                  max_consecutive_auto_reply: 5
                  auto_tool_mode: false
                  structured_outputs_required: false
                """);
        Files.writeString(folder.resolve("handoffs.yaml"), """
                handoff_rules:
                - source_agent: Asker
                  target_agent: terminate
                  handoff_type: after_work
                  transition_target: TerminateTarget
                """);
        Files.writeString(folder.resolve("ui_config.yaml"), """
                visual_agents:
                - Asker
                - user
                display_name: Many variables
                description: UI answers that set many context variables.
                icon: wrench
                category: examples
                """);
        StringBuilder tools = new StringBuilder("tools:\n");
        for (String name : List.of("ask_small", "ask_large")) {
            tools.append("""
                    - agent: Asker
                      function: %s
                      description: Ask the user.
                      tool_type: UI_Tool
                      auto_invoke: true
                      ui: {component: Form, mode: inline}
                      parameters: {type: object, properties: {question: {type: string}}, required: [question]}
                    """.formatted(name));
        }
        Files.writeString(folder.resolve("tools.yaml"), tools + "lifecycle_tools: []\n");
        StringBuilder variables = new StringBuilder("definitions:\n");
        for (int i = 0; i < VARIABLES; i++) {
            variables.append("""
                    - name: v%d
                      type: object
                      source:
                        type: state
                        triggers:
                        - {type: ui_response, tool: ask_small}
                        - {type: ui_response, tool: ask_large, response_key: k%d}
                    """.formatted(i, i));
        }
        Files.writeString(folder.resolve("context_variables.yaml"), variables.toString());
        Files.writeString(folder.resolve("offline_script.yaml"), """
                - agent: Asker
                  tool_call: {name: ask_small, arguments: {question: 'First?'}}
                - agent: Asker
                  tool_call: {name: ask_large, arguments: {question: 'Second?'}}
                - agent: Asker
                  text: Noted, twice.
                """);
    }

    private static Response send(String method, String path, String token, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + functions.port() + path))
                .timeout(ControlPlane.TIMEOUT).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json");
        return cp.send(request.method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build());
    }

    private static Response payload(String chat, String token, String payloadId) {
        return cp.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + functions.port() + "/api/chats/" + chat
                + "/payloads/" + payloadId)).timeout(ControlPlane.TIMEOUT).header("Authorization", "Bearer " + token).GET().build());
    }

    private static List<JsonNode> events(String chat, String token) {
        JsonNode page = cp.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + functions.port()
                + "/api/chats/" + chat + "/events?after_seq=0&limit=500")).timeout(ControlPlane.TIMEOUT)
                .header("Authorization", "Bearer " + token).GET().build()).json();
        List<JsonNode> events = new java.util.ArrayList<>();
        page.path("items").forEach(events::add);
        return events;
    }

    private static Document chatDocument(String chat) {
        return cp.findOne(cp.runtime(), "chat_sessions", Filters.eq("chat_id", chat));
    }

    /** The largest document found: where, and its BSON size. */
    private record Largest(String where, int bytes) {
    }

    /** Every document of the database, read as raw BSON: the largest one, after checking each is under the item limit. */
    private static Largest scan(MongoDatabase database, Largest largest) {
        for (String collection : Flux.from(database.listCollectionNames()).collectList().block(ControlPlane.TIMEOUT)) {
            for (RawBsonDocument document : Flux.from(database.getCollection(collection, RawBsonDocument.class).find())
                    .collectList().block(ControlPlane.TIMEOUT)) {
                int bytes = document.getByteBuffer().remaining();
                String where = database.getName() + "." + collection + " " + document.get("_id");
                assertTrue(bytes < ITEM_LIMIT, where + " is " + bytes + " bytes");
                if (bytes > largest.bytes()) {
                    largest = new Largest(where, bytes);
                }
            }
        }
        return largest;
    }

    @Test
    void tenLargeToolResultsAndA3MbUiAnswerLeaveNoDocumentOver2MbAndTheChatCompletes() {
        User owner = cp.user("large-owner");
        String app = cp.createApp(owner, cp.createTenant(owner), "pro");
        JsonNode grant = expect(201, send("POST", "/api/sessions", owner.token(), json(obj("app_id", app, "workflow_name", WORKFLOW))),
                "start").json();
        String chat = grant.path("chat_id").asText();
        String token = grant.path("runtime_token").asText();

        ControlPlane.await("the ten pages read and the UI tool asked", STEP, () -> events(chat, token).stream()
                .anyMatch(event -> event.at("/data/awaiting_response").asBoolean(false)));
        assertEquals(CALLS, toolCalls.get());
        List<JsonNode> responses = events(chat, token).stream()
                .filter(event -> event.path("type").asText().equals("chat.tool_response")).toList();
        assertEquals(CALLS, responses.size());
        java.util.Set<String> readBack = new java.util.HashSet<>();
        for (JsonNode response : responses) {
            // The event shows a preview, says how long the result is and where the whole of it is kept.
            assertTrue(response.at("/data/truncated").asBoolean(false), response.toString().substring(0, 200));
            assertTrue(response.at("/data/content_chars").asInt() > RESULT_BYTES - 200);
            assertTrue(response.at("/data/content").asText().length() <= 16 * 1024);
            Response whole = expect(200, payload(chat, token, response.at("/data/payload_id").asText()), "a tool result");
            String content = whole.json().path("content").asText();
            assertEquals(response.at("/data/content_chars").asInt(), content.length());
            assertTrue(pages.containsValue(content), "the whole result, as the tool answered it");
            readBack.add(content);
        }
        assertEquals(CALLS, readBack.size(), "ten different results");
        // The step's records keep what the conversation keeps, and where the whole result is.
        assertEquals(CALLS, cp.count(cp.runtime(), "tool_results", Filters.eq("app_id", app)));
        Document stored = cp.findOne(cp.runtime(), "tool_results", Filters.eq("app_id", app));
        assertTrue(stored.getString("result").length() <= 64 * 1024, "a bounded head is recorded");
        assertTrue(stored.getInteger("result_chars") > RESULT_BYTES - 200, "with the whole result's size");
        assertTrue(pages.containsValue(payload(chat, token, stored.getString("payload_id")).json().path("content").asText()));

        String callId = events(chat, token).stream().filter(event -> event.at("/data/awaiting_response").asBoolean(false))
                .findFirst().orElseThrow().at("/data/call_id").asText();
        Document waiting = chatDocument(chat);

        // Over the API's documented limit for a UI tool's answer (still under the body limit): a clear 413, and the chat
        // still waits as it was.
        String tooLarge = "n".repeat(InputLimits.MAX_UI_RESPONSE_CHARS);
        Response refused = send("POST", "/api/chats/" + chat + "/ui-responses", token,
                json(obj("tool_call_id", callId, "response", obj("page", 3, "notes", tooLarge))));
        assertEquals(413, refused.status(), refused.body());
        assertEquals("application/problem+json", refused.contentType());
        assertEquals("payload_too_large", refused.code(), refused.body());
        assertTrue(refused.json().path("detail").asText().contains(String.valueOf(InputLimits.MAX_UI_RESPONSE_CHARS)), refused.body());
        assertEquals(waiting, chatDocument(chat), "nothing was written");

        // 3 MB is taken whole, and the chat goes on to its end.
        String answer = json(obj("page", 3, "notes", "n".repeat(3 * 1024 * 1024)));
        String body = "{\"tool_call_id\":\"" + callId + "\",\"response\":" + answer + "}";
        long seq = expect(202, send("POST", "/api/chats/" + chat + "/ui-responses", token, body), "the 3 MB answer").json().path("seq").asLong();
        // A retry is answered as the first time; another large answer to the same call is refused.
        assertEquals(seq, expect(202, send("POST", "/api/chats/" + chat + "/ui-responses", token, body), "the retry").json().path("seq").asLong());
        Response changed = send("POST", "/api/chats/" + chat + "/ui-responses", token, body.replace("\"page\":3", "\"page\":4"));
        assertEquals(409, changed.status(), changed.body());
        assertEquals("ui_tool_already_answered", changed.code(), changed.body());
        ControlPlane.await("the chat completed", STEP, () -> "completed".equals(chatDocument(chat).getString("status")));
        // The commit comes first; its events reach the log right after.
        ControlPlane.await("the agent's answer after the UI tool", STEP, () -> events(chat, token).stream()
                .anyMatch(event -> event.path("type").asText().equals("chat.text")
                        && event.at("/data/content").asText().contains("Page three")));

        // The answer's event carries a preview and where the whole answer is; read back, it is the answer byte for byte.
        JsonNode answered = events(chat, token).stream().filter(event -> event.path("type").asText().equals("chat.tool_response")
                && event.at("/data/call_id").asText().equals(callId)).findFirst().orElseThrow();
        assertTrue(answered.at("/data/content").asText().length() <= 16 * 1024, "a preview");
        assertEquals(answer.length(), answered.at("/data/content_chars").asInt());
        String answerId = answered.at("/data/payload_id").asText();
        Response whole = expect(200, payload(chat, token, answerId), "the whole answer");
        assertEquals("application/json", whole.contentType().split(";")[0]);
        assertEquals(answer, whole.json().path("content").asText(), "the answer, read back whole");
        // What the model was given: the head of the answer and a note of its full size.
        String shown = chatDocument(chat).get("conversation", Document.class).getList("messages", Document.class).stream()
                .filter(message -> callId.equals(message.getString("id"))).findFirst().orElseThrow().getString("c");
        assertTrue(shown.length() <= 16 * 1024 && shown.endsWith("of " + answer.length() + " characters]"), shown.substring(shown.length() - 100));

        // Another chat's token reads none of this chat's payloads, nor does a made-up id find one.
        JsonNode other = expect(201, send("POST", "/api/sessions", owner.token(), json(obj("app_id", app, "workflow_name", WORKFLOW))),
                "another chat").json();
        Response foreign = payload(other.path("chat_id").asText(), other.path("runtime_token").asText(), answerId);
        assertEquals(404, foreign.status(), foreign.body());
        assertEquals("application/problem+json", foreign.contentType());
        assertEquals(404, payload(chat, other.path("runtime_token").asText(), answerId).status(), "a token for another chat");
        assertEquals(404, payload(chat, token, answerId.substring(0, answerId.length() - 1) + "0").status(), "no such payload");
        assertEquals(404, payload(chat, token, "..%2F..%2Fsecret").status(), "not a payload id");

        Largest largest = scan(cp.runtime(), scan(cp.control(), new Largest("none", 0)));
        int chatBytes = new RawBsonDocument(chatDocument(chat), new org.bson.codecs.DocumentCodec()).getByteBuffer().remaining();
        System.out.println("largest document: " + largest.where() + " " + largest.bytes() + " bytes; the chat document "
                + chatBytes + " bytes");
        assertTrue(largest.bytes() < ITEM_LIMIT / 2, "the largest, " + largest + ", is far from the limit");
    }

    /** The chat document's BSON size, as the driver would write it. */
    private static int bsonSize(Document document) {
        return new RawBsonDocument(document, new org.bson.codecs.DocumentCodec()).getByteBuffer().remaining();
    }

    /** The UI tool call the chat waits on, once it waits on one other than {@code answered}. */
    private static String awaitUiCall(String chat, String token, String answered) {
        ControlPlane.await("a UI tool asked", STEP, () -> events(chat, token).stream()
                .anyMatch(event -> event.at("/data/awaiting_response").asBoolean(false)
                        && !event.at("/data/call_id").asText().equals(answered)));
        return events(chat, token).stream().filter(event -> event.at("/data/awaiting_response").asBoolean(false)
                && !event.at("/data/call_id").asText().equals(answered)).findFirst().orElseThrow().at("/data/call_id").asText();
    }

    @Test
    void uiAnswersSettingManyLargeVariablesLeaveTheChatDocumentBoundedAndTheChatCompletes() {
        User owner = cp.user("many-variables-owner");
        String app = cp.createApp(owner, cp.createTenant(owner), "pro");
        JsonNode grant = expect(201, send("POST", "/api/sessions", owner.token(), json(obj("app_id", app, "workflow_name", MANY))),
                "start").json();
        String chat = grant.path("chat_id").asText();
        String token = grant.path("runtime_token").asText();
        int bound = 512 * 1024;

        // An answer under the inline bound that each of the 128 variables maps whole: 2 MB of variables unbounded.
        String small = awaitUiCall(chat, token, "");
        String smallAnswer = json(obj("notes", "s".repeat(16_000)));
        assertTrue(smallAnswer.length() <= 16 * 1024);
        expect(202, send("POST", "/api/chats/" + chat + "/ui-responses", token,
                "{\"tool_call_id\":\"" + small + "\",\"response\":" + smallAnswer + "}"), "the small answer");
        int afterSmall = bsonSize(chatDocument(chat));
        assertTrue(afterSmall < bound, "the chat document is " + afterSmall + " bytes");
        Document variables = chatDocument(chat).get("conversation", Document.class).get("variables", Document.class);
        long summaries = java.util.stream.IntStream.range(0, VARIABLES).filter(i -> variables.get("v" + i) instanceof Document summary
                && summary.containsKey("payload_id")).count();
        assertTrue(summaries > 0 && summaries < VARIABLES, summaries + " summaries: the largest first, the rest kept whole");
        Document summary = java.util.stream.IntStream.range(0, VARIABLES).mapToObj(i -> variables.get("v" + i, Document.class))
                .filter(value -> value.containsKey("payload_id")).findFirst().orElseThrow();
        assertEquals(true, summary.getBoolean("truncated"));
        assertTrue(summary.getInteger("chars") >= 16_000, summary.toJson().substring(0, 200));
        assertEquals(smallAnswer, expect(200, payload(chat, token, summary.getString("payload_id")), "the answer a summary names")
                .json().path("content").asText(), "a small answer is kept whole when a variable refers to it");

        // A 2 MB answer whose 128 keys of ~16,000 characters each are one variable each.
        String large = awaitUiCall(chat, token, small);
        Map<String, Object> keys = new java.util.LinkedHashMap<>();
        for (int i = 0; i < VARIABLES; i++) {
            keys.put("k" + i, String.valueOf((char) ('a' + i % 26)).repeat(16_000));
        }
        String largeAnswer = json(keys);
        expect(202, send("POST", "/api/chats/" + chat + "/ui-responses", token,
                "{\"tool_call_id\":\"" + large + "\",\"response\":" + largeAnswer + "}"), "the large answer");
        int afterLarge = bsonSize(chatDocument(chat));
        assertTrue(afterLarge < bound, "the chat document is " + afterLarge + " bytes");
        Document kept = chatDocument(chat).get("conversation", Document.class).get("variables", Document.class);
        String answerId = events(chat, token).stream().filter(event -> event.path("type").asText().equals("chat.tool_response")
                && event.at("/data/call_id").asText().equals(large)).findFirst().orElseThrow().at("/data/payload_id").asText();
        List<Document> named = java.util.stream.IntStream.range(0, VARIABLES).mapToObj(i -> kept.get("v" + i))
                .filter(value -> value instanceof Document).map(Document.class::cast).toList();
        assertTrue(!named.isEmpty() && named.stream().allMatch(value -> answerId.equals(value.getString("payload_id"))),
                "the summarised variables name the large answer's payload");
        assertTrue(named.size() < VARIABLES, "the rest are kept whole");

        ControlPlane.await("the chat completed", STEP, () -> "completed".equals(chatDocument(chat).getString("status")));
        int done = bsonSize(chatDocument(chat));
        System.out.println("many variables: the chat document is " + afterSmall + " bytes after the small answer, " + afterLarge
                + " after the large one, " + done + " at the end");
        assertTrue(done < bound, "the chat document is " + done + " bytes");
    }
}

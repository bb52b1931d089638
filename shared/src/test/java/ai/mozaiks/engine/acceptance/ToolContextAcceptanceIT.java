package ai.mozaiks.engine.acceptance;

import static ai.mozaiks.engine.acceptance.EngineHarness.APP;
import static ai.mozaiks.engine.acceptance.EngineHarness.Provider.OPENAI_COMPATIBLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.engine.StepOutcome;
import ai.mozaiks.session.ChatEvent;
import ai.mozaiks.workflows.Manifests;
import ai.mozaiks.workflows.Workflow;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An HTTP tool reads the context variables it names and sets others through its answer's {@code context_updates}, and a
 * handoff routes on them: what the seed's generator workflows do with a tool that flips a variable their handoffs test.
 */
class ToolContextAcceptanceIT extends EngineAcceptance {
    private static final String ANSWER = """
            {"status": "built",
             "context_updates": {"build_ready": true, "build_id": "b-7", "app_id": "another-app", "secret_key": "x"}}""";

    private HttpServer buildService;
    private final AtomicInteger builds = new AtomicInteger();
    private final List<String> bodies = new java.util.concurrent.CopyOnWriteArrayList<>();

    @BeforeEach
    void startBuildService() throws IOException {
        buildService = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        buildService.createContext("/builds", exchange -> {
            builds.incrementAndGet();
            bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            byte[] body = ANSWER.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        buildService.start();
    }

    @AfterEach
    void stopBuildService() {
        buildService.stop(0);
    }

    private Workflow buildRouter() {
        return Manifests.threeAgents("build_router", "max_turns: 10\ninitial_message: Build the app.\n",
                "context_variables.yaml", """
                        definitions:
                        - name: build_ready
                          type: boolean
                          source: {type: state, default: false}
                        - name: build_id
                          type: string
                          source: {type: state}
                        agents:
                        - {agent_name: Writer, variables: [build_ready, build_id]}
                        """,
                "handoffs.yaml", """
                        handoff_rules:
                        - {source_agent: Writer, target_agent: Editor, handoff_type: condition, condition_type: expression,
                           condition: '${build_ready} == True'}
                        - {source_agent: Writer, target_agent: Reviewer, handoff_type: after_work}
                        - {source_agent: Editor, target_agent: terminate, handoff_type: after_work}
                        - {source_agent: Reviewer, target_agent: terminate, handoff_type: after_work}
                        """,
                "tools.yaml", """
                        tools:
                        - agent: Writer
                          function: start_build
                          description: Starts a build of the app.
                          tool_type: Agent_Tool
                          implementation: {type: http, url: 'http://127.0.0.1:%d/builds', method: POST, context: [build_ready, chat_id]}
                        """.formatted(buildService.getAddress().getPort()));
    }

    @Test
    void aVariableTheToolSetsRoutesTheHandoffAndWhatItMayNotSetIsRefusedByName() {
        harness = EngineHarness.startWithLocalTools(OPENAI_COMPATIBLE, buildRouter());
        harness.callsTool("call_build", "start_build", "{}").replies("The build is started.").replies("Release notes written.");
        String chatId = harness.startChat("build_router");

        assertEquals(List.of(new StepOutcome.Next(1), new StepOutcome.Next(2), new StepOutcome.Completed("terminate")),
                harness.deliverAll());

        assertEquals(List.of("Writer", "Writer", "Editor"), harness.speakers(chatId), "the variable the tool set routed to the Editor");
        assertEquals(1, builds.get());
        assertEquals(EngineHarness.json("{\"arguments\": {}, \"context_variables\": {\"build_ready\": false, \"chat_id\": \"" + chatId + "\"}}"),
                EngineHarness.json(bodies.get(0)), "the tool reads the variables it names, beside its arguments");
        Map<String, Object> variables = harness.conversation(chatId).variables();
        assertEquals(true, variables.get("build_ready"));
        assertEquals("b-7", variables.get("build_id"));
        assertEquals(APP.value(), variables.get("app_id"), "the runtime's own variables are not the tool's to set");
        assertTrue(!variables.containsKey("secret_key"), "an undefined variable is not created");

        ChatEvent response = harness.events(chatId, "chat.tool_response").get(0);
        assertEquals("{\"status\":\"built\"}", response.data().get("content"), "what the tool sets is not the model's to see");
        assertEquals(new Document("build_ready", true).append("build_id", "b-7"), response.data().get("context_updates"));
        assertEquals(List.of(new Document("name", "app_id").append("reason", "is set by the runtime"),
                        new Document("name", "secret_key").append("reason", "is not defined in context_variables.yaml")),
                response.data().get("context_refused"));

        List<JsonNode> requests = harness.requests();
        assertEquals(3, requests.size());
        JsonNode messages = requests.get(1).get("messages");
        assertEquals("{\"status\":\"built\"}", messages.get(messages.size() - 1).path("content").asText());
        String writer = requests.get(1).at("/messages/0/content").asText();
        assertTrue(writer.endsWith("[CONTEXT VARIABLES]\nbuild_ready: True\nbuild_id: b-7"), writer);
        assertEquals("completed", harness.status(chatId));
    }
}

package ai.mozaiks.engine.acceptance;

import static ai.mozaiks.engine.acceptance.EngineHarness.Provider.OPENAI_COMPATIBLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

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
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP tools a pack aims at the platform's own surroundings: the Azure host endpoint, and this machine by
 * name. The refusal is the tool's recorded answer (for the model and in the chat), and nothing is sent.
 */
class HttpToolAcceptanceIT extends EngineAcceptance {
    private static final String SECRET = "goal state of the host";

    private HttpServer local;
    private final AtomicInteger localRequests = new AtomicInteger();

    @BeforeEach
    void startLocalService() throws IOException {
        local = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        local.createContext("/", exchange -> {
            localRequests.incrementAndGet();
            byte[] body = ("{\"secret\":\"" + SECRET + "\"}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        local.start();
    }

    @AfterEach
    void stopLocalService() {
        local.stop(0);
    }

    @Test
    void aToolAimedAtTheHostEndpointOrALoopbackNameGetsTheRefusalAndNoAnswerLands() {
        Workflow flow = Manifests.threeAgents("http_reach", "max_turns: 10\ninitial_message: Check the host.\n", "tools.yaml", """
                tools:
                - agent: Writer
                  function: goal_state
                  description: Reads the host's goal state.
                  tool_type: Agent_Tool
                  implementation: {type: http, url: 'http://168.63.129.16/machine?comp=goalstate', method: GET}
                - agent: Writer
                  function: local_secret
                  description: Reads a service on this machine.
                  tool_type: Agent_Tool
                  implementation: {type: http, url: 'http://localhost:%d/secret', method: GET}
                """.formatted(local.getAddress().getPort()));
        harness = EngineHarness.start(OPENAI_COMPATIBLE, flow);
        harness.callsTool("call_1", "goal_state", "{}").callsTool("call_2", "local_secret", "{}").replies("Nothing to report.");
        String chatId = harness.startChat("http_reach");

        List<StepOutcome> outcomes = harness.deliverAll();

        assertFalse(outcomes.isEmpty());
        List<ChatEvent> responses = harness.events(chatId, "chat.tool_response");
        assertEquals(List.of("call_1", "call_2"), responses.stream().map(event -> (String) event.data().get("call_id")).toList());
        assertEquals("{\"error\":\"the tool's host 168.63.129.16 resolves to the Azure host endpoint, which tools may not call\"}",
                responses.get(0).data().get("content"));
        assertEquals("{\"error\":\"the tool's host localhost is on a private network, which tools may not call\"}",
                responses.get(1).data().get("content"));
        assertEquals(0, localRequests.get(), "nothing was sent to this machine");
        List<JsonNode> requests = harness.requests();
        assertEquals(3, requests.size());
        JsonNode messages = requests.get(2).get("messages");
        assertEquals(responses.get(1).data().get("content"), messages.get(messages.size() - 1).path("content").asText(),
                "the model sees the refusal as the tool's answer");
        for (ChatEvent event : harness.events(chatId)) {
            assertFalse(String.valueOf(event.data()).contains(SECRET), event.type());
        }
    }
}

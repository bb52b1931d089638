package ai.mozaiks.devhost.webpubsub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.devhost.ProjectHome;
import ai.mozaiks.http.Json;
import com.azure.messaging.webpubsub.WebPubSubServiceClient;
import com.azure.messaging.webpubsub.WebPubSubServiceClientBuilder;
import com.azure.messaging.webpubsub.models.GetClientAccessTokenOptions;
import com.azure.messaging.webpubsub.models.WebPubSubContentType;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real browser client library, {@code @azure/web-pubsub-client} (run by Node from the project's
 * node_modules), against the emulator, with client URLs minted by the real Java SDK.
 */
class WebPubSubJsClientTest {
    private static final Path SCRIPT = Path.of("src/test/js/webpubsub-client-conformance.mjs");
    private static final long NODE_DEADLINE_SECONDS = 60;

    @TempDir
    Path temp;

    @Test
    void theJsClientConnectsJoinsGetsMessagesAndAcksAndRecoversAfterACut() throws Exception {
        Path home = ProjectHome.find();
        ensureClientLibrary(home);
        try (EventHandlerStub handler = new EventHandlerStub();
             WebPubSubEmulator emulator = WebPubSubEmulator.start(EmulatorOptions.withKey(TestTokens.KEY)
                     .withEventHandler("chat", new EventHandler(handler.urlTemplate(), Set.of(), "*")))) {
            WebPubSubServiceClient service = new WebPubSubServiceClientBuilder()
                    .connectionString(emulator.connectionString()).hub("chat").buildClient();
            handler.answer("echo", request -> EventHandlerStub.Response.of("text/plain", "echo:" + request.text()));
            handler.answer("rest", request -> {
                service.sendToConnection(request.header("ce-connectionId"), "pushed", WebPubSubContentType.TEXT_PLAIN);
                return EventHandlerStub.Response.empty(204);
            });
            String subscriber = service.getClientAccessToken(new GetClientAccessTokenOptions()
                    .setUserId("sub").setRoles(List.of("webpubsub.joinLeaveGroup.A"))).getUrl();
            String publisher = service.getClientAccessToken(new GetClientAccessTokenOptions()
                    .setUserId("pub").setRoles(List.of("webpubsub.sendToGroup.A"))).getUrl();

            JsonNode result = runNode(home, Json.write(Map.of("subscriberUrl", subscriber, "publisherUrl", publisher)));

            assertEquals("Forbidden", result.path("joinB").asText(), "a token for group A cannot join group B");
            assertFalse(result.path("joinA").path("isDuplicated").asBoolean());
            assertFalse(result.path("firstSend").path("isDuplicated").asBoolean());
            assertTrue(result.path("resend").path("isDuplicated").asBoolean(), "the resent ackId is acked as Duplicate");
            assertEquals(List.of("m1", "{\"n\":2}", "c1", "c2", "c3", "c4", "c5", "after"), strings(result.path("groupMessages")),
                    "every group message once, in order, the ones sent while cut included");
            assertEquals(List.of("echo:hi", "pushed"), strings(result.path("serverMessages")));
            List<String> events = strings(result.path("events"));
            assertTrue(events.indexOf("server:echo:hi") > events.indexOf("send:echo")
                    && events.indexOf("server:echo:hi") < events.indexOf("ack:echo"), "the reply comes before the ack: " + events);
            assertTrue(events.indexOf("server:pushed") < events.indexOf("ack:rest"), events.toString());
            assertEquals(1, result.path("connections").size(), "recovered, not reconnected: " + events);
            assertFalse(events.contains("disconnected"), events.toString());
        }
    }

    private JsonNode runNode(Path home, String config) throws IOException, InterruptedException {
        Path out = temp.resolve("node.out");
        Path err = temp.resolve("node.err");
        Process node = new ProcessBuilder("node", SCRIPT.toAbsolutePath().toString(), config)
                .directory(home.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!node.waitFor(NODE_DEADLINE_SECONDS, TimeUnit.SECONDS)) {
            node.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            throw new AssertionError("node did not finish within " + NODE_DEADLINE_SECONDS + " s; stderr: " + Files.readString(err));
        }
        List<String> lines = Files.readAllLines(out);
        String report = "exit " + node.exitValue() + "\nstdout: " + lines + "\nstderr: " + Files.readString(err);
        assertFalse(lines.isEmpty(), report);
        JsonNode result = Json.read(lines.get(lines.size() - 1));
        assertTrue(result.path("ok").asBoolean() && node.exitValue() == 0, report);
        return result;
    }

    /** The pinned client library; {@code npm ci} installs it (with Azurite) on a fresh checkout. */
    private static void ensureClientLibrary(Path home) throws IOException, InterruptedException {
        if (Files.isDirectory(home.resolve("node_modules/@azure/web-pubsub-client"))) {
            return;
        }
        Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(home.toFile()).inheritIO().start();
        assertTrue(npm.waitFor(10, TimeUnit.MINUTES) && npm.exitValue() == 0, "npm ci failed in " + home);
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asText()));
        return values;
    }
}

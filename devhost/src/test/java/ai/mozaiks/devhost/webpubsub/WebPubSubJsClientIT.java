package ai.mozaiks.devhost.webpubsub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.devhost.NodeScript;
import com.azure.messaging.webpubsub.WebPubSubServiceClient;
import com.azure.messaging.webpubsub.WebPubSubServiceClientBuilder;
import com.azure.messaging.webpubsub.models.GetClientAccessTokenOptions;
import com.azure.messaging.webpubsub.models.WebPubSubContentType;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real browser client library, {@code @azure/web-pubsub-client} (run by Node from the project's
 * node_modules), against the emulator, with client URLs minted by the real Java SDK.
 */
class WebPubSubJsClientIT {
    private static final Duration NODE_DEADLINE = Duration.ofSeconds(60);

    @TempDir
    Path temp;

    @Test
    void theJsClientConnectsJoinsGetsMessagesAndAcksAndRecoversAfterACut() throws Exception {
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

            JsonNode result = NodeScript.run("webpubsub-client-conformance.mjs",
                    Map.of("subscriberUrl", subscriber, "publisherUrl", publisher), NODE_DEADLINE, temp);

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

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asText()));
        return values;
    }
}

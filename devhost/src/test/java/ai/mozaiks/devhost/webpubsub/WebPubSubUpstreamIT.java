package ai.mozaiks.devhost.webpubsub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.devhost.emulators.Ports;
import ai.mozaiks.http.Json;
import com.azure.messaging.webpubsub.WebPubSubServiceClient;
import com.azure.messaging.webpubsub.WebPubSubServiceClientBuilder;
import com.azure.messaging.webpubsub.models.GetClientAccessTokenOptions;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Upstream CloudEvents, received by a real HTTP server standing in for the function app. */
class WebPubSubUpstreamIT {
    private static final String ORIGIN = "emulator.local";

    private EventHandlerStub handler;
    private WebPubSubEmulator emulator;
    private WebPubSubServiceClient service;

    @BeforeEach
    void start() throws Exception {
        handler = new EventHandlerStub();
        emulator = WebPubSubEmulator.start(EmulatorOptions.withKey(TestTokens.KEY).withSecondaryKey(TestTokens.SECONDARY_KEY)
                .withWebhookOrigin(ORIGIN)
                .withEventHandler("Chat", new EventHandler(handler.urlTemplate(), Set.of("connect", "connected", "disconnected"), "*")));
        service = new WebPubSubServiceClientBuilder().connectionString(emulator.connectionString()).hub("chat").buildClient();
    }

    @AfterEach
    void stop() {
        emulator.close();
        handler.close();
    }

    private String url(String userId, List<String> roles, List<String> groups) {
        return service.getClientAccessToken(new GetClientAccessTokenOptions().setUserId(userId).setRoles(roles).setGroups(groups)).getUrl();
    }

    private static String hmac(String key, String connectionId) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(connectionId.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void theHandlerIsValidatedOnceWithTheAbuseProtectionHandshake() throws Exception {
        try (TestSocket first = TestSocket.connect(url("u", List.of(), List.of()), TestSocket.JSON)) {
            EventHandlerStub.Request validation = handler.next();
            assertEquals("OPTIONS", validation.method());
            assertEquals(ORIGIN, validation.header("WebHook-Request-Origin"));
            assertEquals("1.0", validation.header("ce-awpsversion"));
            assertEquals("/upstream/chat/validate", validation.path());
            assertEquals("connect", handler.next().header("ce-eventName"));
            assertEquals("connected", handler.next().header("ce-eventName"));
        }
        try (TestSocket second = TestSocket.connect(url("u", List.of(), List.of()), TestSocket.JSON)) {
            EventHandlerStub.Request next = handler.next();
            while (next.header("ce-eventName") != null && next.header("ce-eventName").equals("disconnected")) {
                next = handler.next();
            }
            assertEquals("POST", next.method(), "validated once, trusted after");
            assertEquals("connect", next.header("ce-eventName"));
        }
    }

    @Test
    void connectCarriesTheClientsRequestWithCloudEventHeaders() throws Exception {
        String url = url("ann", List.of("webpubsub.joinLeaveGroup"), List.of("g0")) + "&custom=1";
        try (TestSocket client = TestSocket.connect(url, TestSocket.RELIABLE)) {
            EventHandlerStub.Request connect = handler.next("connect");
            assertEquals("/upstream/chat/connect", connect.path());
            assertTrue(connect.header("Content-Type").startsWith("application/json"));
            assertEquals("azure.webpubsub.sys.connect", connect.header("ce-type"));
            assertEquals("1.0", connect.header("ce-specversion"));
            assertEquals("1.0", connect.header("ce-awpsversion"));
            assertEquals("chat", connect.header("ce-hub"));
            assertEquals("ann", connect.header("ce-userId"));
            assertEquals(client.connectionId(), connect.header("ce-connectionId"));
            assertEquals("/hubs/chat/client/" + client.connectionId(), connect.header("ce-source"));
            assertEquals(ORIGIN, connect.header("WebHook-Request-Origin"));
            assertFalse(connect.header("ce-id").isBlank());
            Instant.parse(connect.header("ce-time"));

            JsonNode body = Json.read(connect.text());
            assertEquals("ann", body.path("claims").path("sub").get(0).asText());
            assertEquals("webpubsub.joinLeaveGroup", body.path("claims").path("role").get(0).asText());
            assertEquals("1", body.path("query").path("custom").get(0).asText());
            assertTrue(body.path("query").path("access_token").isMissingNode(), "the token is not forwarded");
            assertTrue(body.path("headers").path("Authorization").isMissingNode());
            assertTrue(body.path("headers").has("Host") || body.path("headers").has("host"), body.path("headers").toString());
            assertEquals(TestSocket.RELIABLE, body.path("subprotocols").get(0).asText());
            assertTrue(body.path("clientCertificates").isArray());
        }
    }

    @Test
    void theSignatureCoversEveryAccessKey() throws Exception {
        try (TestSocket client = TestSocket.connect(url("sig", List.of(), List.of()), TestSocket.JSON)) {
            EventHandlerStub.Request connect = handler.next("connect");
            String expected = "sha256=" + hmac(TestTokens.KEY, client.connectionId())
                    + ",sha256=" + hmac(TestTokens.SECONDARY_KEY, client.connectionId());
            assertEquals(expected, connect.header("ce-signature"));
            assertEquals(expected, handler.next("connected").header("ce-signature"));
        }
    }

    @Test
    void theConnectAnswerSetsUserGroupsRolesAndState() throws Exception {
        handler.answer("connect", request -> new EventHandlerStub.Response(200, "application/json",
                "{\"userId\":\"renamed\",\"groups\":[\"given\"],\"roles\":[\"webpubsub.sendToGroup.given\"]}",
                Map.of("ce-connectionState", "c3RhdGU=")));
        try (TestSocket client = TestSocket.connect(url("original", List.of("webpubsub.joinLeaveGroup"), List.of("fromToken")),
                TestSocket.JSON)) {
            assertEquals("renamed", client.connected().path("userId").asText());
            assertTrue(service.groupExistsWithResponse("given", null).getValue());
            assertFalse(service.groupExistsWithResponse("fromToken", null).getValue(), "the answer's groups replace the token's");
            assertTrue(service.userExistsWithResponse("renamed", null).getValue());

            client.send("{\"type\":\"sendToGroup\",\"group\":\"given\",\"dataType\":\"text\",\"data\":\"hi\",\"ackId\":1}");
            assertEquals("hi", client.next().path("data").asText(), "the answer's role allows sending");
            assertTrue(client.next().path("success").asBoolean());
            client.send("{\"type\":\"joinGroup\",\"group\":\"any\",\"ackId\":2}");
            assertEquals("Forbidden", client.next().path("error").path("name").asText(), "the answer's roles replace the token's");

            EventHandlerStub.Request connected = handler.next("connected");
            assertEquals("renamed", connected.header("ce-userId"));
            assertEquals("c3RhdGU=", connected.header("ce-connectionState"));
            assertEquals("{}", connected.text());
        }
    }

    @Test
    void aRefusedConnectRefusesTheUpgradeWithTheHandlersStatus() {
        handler.answer("connect", request -> EventHandlerStub.Response.empty(401));
        assertEquals(401, TestSocket.refusal(url("no", List.of(), List.of()), TestSocket.JSON));
        handler.answer("connect", request -> EventHandlerStub.Response.empty(403));
        assertEquals(403, TestSocket.refusal(url("no", List.of(), List.of()), TestSocket.JSON));
        handler.answer("connect", request -> EventHandlerStub.Response.empty(500));
        assertEquals(500, TestSocket.refusal(url("no", List.of(), List.of()), TestSocket.JSON));
        assertFalse(service.userExistsWithResponse("no", null).getValue());
    }

    @Test
    void aHandlerThatFailsAbuseProtectionOrIsDownRefusesConnections() throws Exception {
        handler.allowOrigin("somewhere.else");
        assertEquals(500, TestSocket.refusal(url("x", List.of(), List.of()), TestSocket.JSON));
        assertEquals("OPTIONS", handler.next().method());
        handler.allowOrigin(ORIGIN);
        try (TestSocket client = TestSocket.connect(url("x", List.of(), List.of()), TestSocket.JSON)) {
            assertEquals("OPTIONS", handler.next().method(), "a failed validation is retried with the next event");
        }

        String nobody = "http://127.0.0.1:" + Ports.free() + "/{event}";
        try (WebPubSubEmulator orphan = WebPubSubEmulator.start(EmulatorOptions.withKey(TestTokens.KEY)
                .withEventHandler("chat", new EventHandler(nobody, Set.of("connect"), "")))) {
            String url = new WebPubSubServiceClientBuilder().connectionString(orphan.connectionString()).hub("chat").buildClient()
                    .getClientAccessToken(new GetClientAccessTokenOptions()).getUrl();
            assertEquals(500, TestSocket.refusal(url, TestSocket.JSON));
        }
    }

    @Test
    void connectedAndDisconnectedArriveInOrder() throws Exception {
        TestSocket client = TestSocket.connect(url("dan", List.of(), List.of()), TestSocket.JSON);
        handler.next("connect");
        EventHandlerStub.Request connected = handler.next("connected");
        assertEquals("azure.webpubsub.sys.connected", connected.header("ce-type"));
        assertEquals(TestSocket.JSON, connected.header("ce-subprotocol"));
        client.close();
        EventHandlerStub.Request disconnected = handler.next("disconnected");
        assertEquals("azure.webpubsub.sys.disconnected", disconnected.header("ce-type"));
        assertEquals(client.connectionId(), disconnected.header("ce-connectionId"));
        assertFalse(Json.read(disconnected.text()).path("reason").asText().isBlank());
    }

    @Test
    void aUserEventsReplyReachesTheClientBeforeTheAck() throws Exception {
        handler.answer("echo", request -> EventHandlerStub.Response.of("application/json; charset=utf-8",
                "{\"got\":\"" + request.text() + "\"}"));
        try (TestSocket client = TestSocket.connect(url("eve", List.of(), List.of()), TestSocket.RELIABLE)) {
            client.send("{\"type\":\"event\",\"event\":\"echo\",\"dataType\":\"text\",\"data\":\"hello\",\"ackId\":1}");
            JsonNode reply = client.next();
            assertEquals("server", reply.path("from").asText(), reply.toString());
            assertEquals("json", reply.path("dataType").asText());
            assertEquals("hello", reply.path("data").path("got").asText());
            assertEquals(1, reply.path("sequenceId").asLong());
            JsonNode ack = client.next();
            assertEquals("ack", ack.path("type").asText());
            assertTrue(ack.path("success").asBoolean());

            EventHandlerStub.Request event = handler.next("echo");
            assertEquals("azure.webpubsub.user.echo", event.header("ce-type"));
            assertEquals("text/plain", event.header("Content-Type"));
            assertEquals("hello", event.text());
            assertEquals("eve", event.header("ce-userId"));
            assertEquals(TestSocket.RELIABLE, event.header("ce-subprotocol"));
        }
    }

    @Test
    void userEventPayloadsKeepTheirType() throws Exception {
        try (TestSocket client = TestSocket.connect(url("pat", List.of(), List.of()), TestSocket.JSON)) {
            client.send("{\"type\":\"event\",\"event\":\"json\",\"data\":{\"a\":[1,2]},\"ackId\":1}");
            client.send("{\"type\":\"event\",\"event\":\"bin\",\"dataType\":\"binary\",\"data\":\"AQID\",\"ackId\":2}");
            assertTrue(client.next().path("success").asBoolean(), "204: no reply, just the ack");
            assertTrue(client.next().path("success").asBoolean());

            EventHandlerStub.Request json = handler.next("json");
            assertEquals("application/json", json.header("Content-Type"));
            assertEquals(Json.read("{\"a\":[1,2]}"), Json.read(json.text()));
            EventHandlerStub.Request binary = handler.next("bin");
            assertEquals("application/octet-stream", binary.header("Content-Type"));
            assertArrayEquals(new byte[] {1, 2, 3}, binary.body());
        }
    }

    @Test
    void aFailingUserEventIsAnErrorAckAndTheConnectionLives() throws Exception {
        handler.answer("boom", request -> EventHandlerStub.Response.empty(500));
        try (TestSocket client = TestSocket.connect(url("fay", List.of(), List.of()), TestSocket.JSON)) {
            client.send("{\"type\":\"event\",\"event\":\"boom\",\"data\":1,\"ackId\":9}");
            JsonNode ack = client.next();
            assertEquals(9, ack.path("ackId").asLong());
            assertFalse(ack.path("success").asBoolean());
            assertEquals("InternalServerError", ack.path("error").path("name").asText());
            client.send("{\"type\":\"ping\"}");
            assertEquals("pong", client.next().path("type").asText());
        }
    }

    @Test
    void eventsWithoutAHandlerAreAckedAndSkipped() throws Exception {
        try (WebPubSubEmulator quiet = WebPubSubEmulator.start(EmulatorOptions.withKey(TestTokens.KEY))) {
            String url = new WebPubSubServiceClientBuilder().connectionString(quiet.connectionString()).hub("chat").buildClient()
                    .getClientAccessToken(new GetClientAccessTokenOptions()).getUrl();
            try (TestSocket client = TestSocket.connect(url, TestSocket.JSON)) {
                assertNull(client.connected().get("userId"), "anonymous: no userId");
                client.send("{\"type\":\"event\",\"event\":\"anything\",\"data\":1,\"ackId\":1}");
                assertTrue(client.next().path("success").asBoolean());
            }
        }
    }
}

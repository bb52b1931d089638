package ai.mozaiks.devhost.webpubsub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.messaging.webpubsub.WebPubSubServiceClient;
import com.azure.messaging.webpubsub.WebPubSubServiceClientBuilder;
import com.azure.messaging.webpubsub.models.GetClientAccessTokenOptions;
import com.azure.messaging.webpubsub.models.WebPubSubContentType;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The JSON subprotocols as a client sees them, through a real WebSocket client. */
class WebPubSubClientProtocolIT {
    private static final Duration SHORT_RECOVERY = Duration.ofMillis(500);

    private static EventHandlerStub handler;
    private static WebPubSubEmulator emulator;
    private static WebPubSubServiceClient service;

    @BeforeAll
    static void start() throws IOException, InterruptedException {
        handler = new EventHandlerStub();
        // Only disconnected goes upstream: the tests await it to know a connection has ended.
        emulator = WebPubSubEmulator.start(EmulatorOptions.withKey(TestTokens.KEY).withSecondaryKey(TestTokens.SECONDARY_KEY)
                .withRecoveryWindow(SHORT_RECOVERY)
                .withEventHandler("proto", new EventHandler(handler.urlTemplate(), Set.of("disconnected"), "")));
        service = new WebPubSubServiceClientBuilder().connectionString(emulator.connectionString()).hub("proto").buildClient();
    }

    @AfterAll
    static void stop() {
        emulator.close();
        handler.close();
    }

    private static String url(String userId, List<String> roles, List<String> groups) {
        return service.getClientAccessToken(new GetClientAccessTokenOptions().setUserId(userId).setRoles(roles).setGroups(groups)).getUrl();
    }

    private static String clientUrl(String hub) {
        return "ws://localhost:" + emulator.port() + "/client/hubs/" + hub;
    }

    private static String audience(String hub) {
        return "http://localhost:" + emulator.port() + "/client/hubs/" + hub;
    }

    private static String recovery(String url, TestSocket client) {
        return url + "&awps_connection_id=" + client.connectionId() + "&awps_reconnection_token="
                + URLEncoder.encode(client.connected().path("reconnectionToken").asText(), StandardCharsets.UTF_8);
    }

    private static void assertAck(JsonNode ack, long ackId, String error) {
        assertEquals("ack", ack.path("type").asText(), ack.toString());
        assertEquals(ackId, ack.path("ackId").asLong(), ack.toString());
        assertEquals(error == null, ack.path("success").asBoolean(), ack.toString());
        if (error != null) {
            assertEquals(error, ack.path("error").path("name").asText(), ack.toString());
            assertFalse(ack.path("error").path("message").asText().isBlank(), ack.toString());
        }
        assertTrue(ack.path("sequenceId").isMissingNode(), "acks are not numbered: " + ack);
    }

    @Test
    void groupPermissionsComeFromTheTokensRoles() {
        try (TestSocket client = TestSocket.connect(url("a", List.of("webpubsub.joinLeaveGroup.A"), List.of()), TestSocket.JSON)) {
            client.send("{\"type\":\"joinGroup\",\"group\":\"A\",\"ackId\":1}");
            assertAck(client.next(), 1, null);
            client.send("{\"type\":\"joinGroup\",\"group\":\"B\",\"ackId\":2}");
            assertAck(client.next(), 2, "Forbidden");
            client.send("{\"type\":\"sendToGroup\",\"group\":\"A\",\"data\":\"x\",\"ackId\":3}");
            assertAck(client.next(), 3, "Forbidden");
            client.send("{\"type\":\"leaveGroup\",\"group\":\"A\",\"ackId\":4}");
            assertAck(client.next(), 4, null);
            client.send("{\"type\":\"joinGroup\",\"ackId\":5}");
            assertAck(client.next(), 5, "BadRequest");
        }
    }

    @Test
    void aReusedAckIdIsADuplicateWithoutASecondEffect() {
        try (TestSocket sender = TestSocket.connect(url("s", List.of("webpubsub.sendToGroup"), List.of()), TestSocket.JSON);
             TestSocket member = TestSocket.connect(url("m", List.of(), List.of("dup")), TestSocket.JSON)) {
            String send = "{\"type\":\"sendToGroup\",\"group\":\"dup\",\"dataType\":\"text\",\"data\":\"once\",\"ackId\":7}";
            sender.send(send);
            assertAck(sender.next(), 7, null);
            sender.send(send);
            JsonNode duplicate = sender.next();
            assertAck(duplicate, 7, "Duplicate");
            assertTrue(duplicate.path("error").path("message").asText().contains("7"), duplicate.toString());

            service.sendToGroup("dup", "marker", WebPubSubContentType.TEXT_PLAIN);
            JsonNode first = member.next();
            assertEquals("once", first.path("data").asText());
            assertEquals("s", first.path("fromUserId").asText());
            assertEquals("marker", member.next().path("data").asText(), "the duplicate was not published again");
        }
    }

    @Test
    void sendToGroupEchoesUnlessNoEcho() {
        try (TestSocket sender = TestSocket.connect(url("e", List.of("webpubsub.sendToGroup.echo"), List.of("echo")), TestSocket.RELIABLE);
             TestSocket other = TestSocket.connect(url("f", List.of(), List.of("echo")), TestSocket.JSON)) {
            sender.send("{\"type\":\"sendToGroup\",\"group\":\"echo\",\"data\":{\"n\":1}}");
            JsonNode echoed = sender.next();
            assertEquals("group", echoed.path("from").asText());
            assertEquals(1, echoed.path("data").path("n").asInt());
            assertEquals("json", echoed.path("dataType").asText(), "json is the default dataType");
            assertEquals(1, echoed.path("sequenceId").asLong());
            assertEquals(1, other.next().path("data").path("n").asInt());

            sender.send("{\"type\":\"sendToGroup\",\"group\":\"echo\",\"noEcho\":true,\"dataType\":\"binary\",\"data\":\"AQID\"}");
            sender.send("{\"type\":\"ping\"}");
            assertEquals("pong", sender.next().path("type").asText(), "no echo before the pong");
            JsonNode binary = other.next();
            assertEquals("binary", binary.path("dataType").asText());
            assertEquals("AQID", binary.path("data").asText());
        }
    }

    @Test
    void reliableMessagesAreNumberedAndSystemMessagesAreNot() {
        try (TestSocket client = TestSocket.connect(url("r", List.of(), List.of()), TestSocket.RELIABLE)) {
            assertTrue(client.connected().path("sequenceId").isMissingNode());
            for (int i = 1; i <= 3; i++) {
                service.sendToConnection(client.connectionId(), "m" + i, WebPubSubContentType.TEXT_PLAIN);
            }
            for (int i = 1; i <= 3; i++) {
                JsonNode message = client.next();
                assertEquals("m" + i, message.path("data").asText());
                assertEquals(i, message.path("sequenceId").asLong());
            }
        }
    }

    @Test
    void aCutReliableConnectionRecoversWithWhatItHadNotAcknowledgedInOrder() {
        String url = url("rec", List.of(), List.of("live"));
        TestSocket first = TestSocket.connect(url, TestSocket.RELIABLE);
        service.sendToGroup("live", "one", WebPubSubContentType.TEXT_PLAIN);
        service.sendToGroup("live", "two", WebPubSubContentType.TEXT_PLAIN);
        assertEquals(1, first.next().path("sequenceId").asLong());
        assertEquals(2, first.next().path("sequenceId").asLong());
        first.send("{\"type\":\"sequenceAck\",\"sequenceId\":1}");
        first.send("{\"type\":\"ping\"}");
        assertEquals("pong", first.next().path("type").asText(), "the ack is processed before the cut");
        first.cut();

        service.sendToGroup("live", "three", WebPubSubContentType.TEXT_PLAIN);
        service.sendToGroup("live", "four", WebPubSubContentType.TEXT_PLAIN);
        assertTrue(service.connectionExistsWithResponse(first.connectionId(), null).getValue(), "kept for recovery");

        try (TestSocket recovered = TestSocket.open(recovery(url, first), TestSocket.RELIABLE)) {
            assertEquals(TestSocket.RELIABLE, recovered.subprotocol());
            for (String expected : List.of("two", "three", "four")) {
                JsonNode message = recovered.next();
                assertEquals(expected, message.path("data").asText(), message.toString());
            }
            service.sendToGroup("live", "five", WebPubSubContentType.TEXT_PLAIN);
            JsonNode live = recovered.next();
            assertEquals("five", live.path("data").asText());
            assertEquals(5, live.path("sequenceId").asLong(), "numbering goes on across the recovery");
        }
    }

    @Test
    void aConnectionNotRecoveredInTimeIsGoneAndRecoveryIsRefusedWith1008() throws InterruptedException {
        String url = url("late", List.of(), List.of());
        TestSocket first = TestSocket.connect(url, TestSocket.RELIABLE);
        first.cut();
        EventHandlerStub.Request disconnected = handler.next("disconnected", first.connectionId());
        assertTrue(disconnected.text().contains("not recovered"), disconnected.text());

        try (TestSocket refused = TestSocket.open(recovery(url, first), TestSocket.RELIABLE)) {
            assertEquals(1008, refused.awaitClose());
        }
    }

    @Test
    void recoveryNeedsTheRightTokenAReliableConnectionAndNoCleanClose() throws InterruptedException {
        String url = url("wrong", List.of(), List.of());
        TestSocket first = TestSocket.connect(url, TestSocket.RELIABLE);
        first.cut();
        try (TestSocket refused = TestSocket.open(url + "&awps_connection_id=" + first.connectionId() + "&awps_reconnection_token=forged",
                TestSocket.RELIABLE)) {
            assertEquals(1008, refused.awaitClose());
        }

        TestSocket plain = TestSocket.connect(url, TestSocket.JSON);
        plain.cut();
        assertTrue(handler.next("disconnected", plain.connectionId()).text().contains("dropped"), "a JSON connection ends when cut");

        TestSocket leaving = TestSocket.connect(url, TestSocket.RELIABLE);
        leaving.close();
        assertTrue(handler.next("disconnected", leaving.connectionId()).text().contains("client closed"));
        try (TestSocket refused = TestSocket.open(recovery(url, leaving), TestSocket.RELIABLE)) {
            assertEquals(1008, refused.awaitClose(), "a clean close is final");
        }
    }

    @Test
    void aConnectionClosedByTheServiceCannotBeRecovered() throws InterruptedException {
        String url = url("closed", List.of(), List.of());
        TestSocket client = TestSocket.connect(url, TestSocket.RELIABLE);
        service.closeConnectionWithResponse(client.connectionId(), null);
        assertEquals("disconnected", client.next().path("event").asText());
        assertEquals(1000, client.awaitClose());
        handler.next("disconnected", client.connectionId());
        try (TestSocket refused = TestSocket.open(recovery(url, client), TestSocket.RELIABLE)) {
            assertEquals(1008, refused.awaitClose());
        }
    }

    @Test
    void aReliableClientThatNeverAcknowledgesIsClosedWhenItsBufferIsFull() {
        try (TestSocket receiver = TestSocket.connect(url("slow", List.of(), List.of("flood")), TestSocket.RELIABLE);
             TestSocket sender = TestSocket.connect(url("fast", List.of("webpubsub.sendToGroup.flood"), List.of()), TestSocket.JSON)) {
            for (int i = 1; i <= 1001; i++) {
                sender.send("{\"type\":\"sendToGroup\",\"group\":\"flood\",\"data\":" + i + "}");
            }
            for (int i = 1; i <= 1000; i++) {
                assertEquals(i, receiver.next().path("sequenceId").asLong());
            }
            JsonNode disconnected = receiver.next();
            assertEquals("disconnected", disconnected.path("event").asText(), disconnected.toString());
            assertEquals(1008, receiver.awaitClose(), "a connection that lost messages cannot be recovered");
        }
    }

    @Test
    void tokensAreCheckedForKeyAudienceAndExpiry() {
        String hub = clientUrl("proto") + "?access_token=";
        assertEquals(401, TestSocket.refusal(clientUrl("proto"), TestSocket.JSON), "no token");
        assertEquals(401, TestSocket.refusal(hub + TestTokens.sign(TestTokens.OTHER_KEY, audience("proto"), Duration.ofMinutes(5),
                Map.of()), TestSocket.JSON), "another service's key");
        assertEquals(401, TestSocket.refusal(hub + TestTokens.sign(TestTokens.KEY, audience("proto"), Duration.ofMinutes(-1), Map.of()),
                TestSocket.JSON), "expired");
        assertEquals(401, TestSocket.refusal(hub + TestTokens.sign(TestTokens.KEY, audience("other"), Duration.ofMinutes(5), Map.of()),
                TestSocket.JSON), "a token for another hub");

        String secondary = TestTokens.sign(TestTokens.SECONDARY_KEY, audience("proto"), Duration.ofMinutes(5), Map.of("sub", "second"));
        try (TestSocket client = TestSocket.connect(hub + secondary, TestSocket.JSON)) {
            assertEquals("second", client.connected().path("userId").asText(), "the secondary key signs valid tokens");
        }
    }

    @Test
    void roleAndGroupClaimsMayBeSingleStrings() {
        String token = TestTokens.sign(TestTokens.KEY, audience("proto"), Duration.ofMinutes(5),
                Map.of("sub", "single", "role", "webpubsub.joinLeaveGroup.solo", "webpubsub.group", "auto"));
        try (TestSocket client = TestSocket.connect(clientUrl("proto") + "?access_token=" + token, TestSocket.JSON)) {
            assertTrue(service.groupExistsWithResponse("auto", null).getValue(), "joined the token's group");
            client.send("{\"type\":\"joinGroup\",\"group\":\"solo\",\"ackId\":1}");
            assertAck(client.next(), 1, null);
        }
    }

    @Test
    void theOtherUrlFormAndTheBearerHeaderWorkToo() {
        String token = TestTokens.sign(TestTokens.KEY, audience("proto"), Duration.ofMinutes(5), Map.of("sub", "alt"));
        try (TestSocket client = TestSocket.connect("ws://localhost:" + emulator.port() + "/client/?hub=proto&access_token=" + token,
                TestSocket.JSON)) {
            assertEquals("alt", client.connected().path("userId").asText());
        }
    }

    @Test
    void onlyTheJsonSubprotocolsAreServed() {
        assertEquals(400, TestSocket.refusal(url("p", List.of(), List.of()), "protobuf.webpubsub.azure.v1"));
    }

    @Test
    void framesTheProtocolForbidsCloseTheSocket() {
        try (TestSocket client = TestSocket.connect(url("bad", List.of(), List.of()), TestSocket.RELIABLE)) {
            client.send("{not json");
            assertEquals(1007, client.awaitClose());
        }
    }

    @Test
    void pingIsAnsweredAndUnknownMessagesAreIgnored() {
        try (TestSocket client = TestSocket.connect(url("ping", List.of(), List.of()), TestSocket.JSON)) {
            client.send("{\"type\":\"somethingNew\",\"ackId\":1}");
            client.send("{\"type\":\"ping\"}");
            assertEquals("{\"type\":\"pong\"}", client.next().toString());
        }
    }
}

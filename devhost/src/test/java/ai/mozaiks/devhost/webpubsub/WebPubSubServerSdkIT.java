package ai.mozaiks.devhost.webpubsub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.http.Json;
import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.exception.ResourceNotFoundException;
import com.azure.core.http.rest.RequestOptions;
import com.azure.core.util.BinaryData;
import com.azure.messaging.webpubsub.WebPubSubServiceAsyncClient;
import com.azure.messaging.webpubsub.WebPubSubServiceClient;
import com.azure.messaging.webpubsub.WebPubSubServiceClientBuilder;
import com.azure.messaging.webpubsub.models.GetClientAccessTokenOptions;
import com.azure.messaging.webpubsub.models.WebPubSubContentType;
import com.azure.messaging.webpubsub.models.WebPubSubPermission;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real Java server SDK (azure-messaging-webpubsub 1.4.0) against the emulator, seen from real WebSocket clients. */
class WebPubSubServerSdkIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static WebPubSubEmulator emulator;
    private static WebPubSubServiceClient service;

    @BeforeAll
    static void start() throws InterruptedException {
        emulator = WebPubSubEmulator.start(EmulatorOptions.withKey(TestTokens.KEY));
        service = builder(emulator.connectionString()).buildClient();
    }

    @AfterAll
    static void stop() {
        emulator.close();
    }

    private static WebPubSubServiceClientBuilder builder(String connectionString) {
        return new WebPubSubServiceClientBuilder().connectionString(connectionString).hub("sdk");
    }

    private static TestSocket client(String subprotocol, String userId, List<String> roles, List<String> groups) {
        String url = service.getClientAccessToken(new GetClientAccessTokenOptions()
                .setUserId(userId).setRoles(roles).setGroups(groups)).getUrl();
        return TestSocket.connect(url, subprotocol);
    }

    /** A server message every client gets; what a client receives before it was sent, it got first. */
    private static void marker(String text) {
        service.sendToAll(text, WebPubSubContentType.TEXT_PLAIN);
    }

    private static boolean groupExists(String group) {
        return service.groupExistsWithResponse(group, null).getValue();
    }

    private static boolean userExists(String userId) {
        return service.userExistsWithResponse(userId, null).getValue();
    }

    private static boolean connectionExists(String connectionId) {
        return service.connectionExistsWithResponse(connectionId, null).getValue();
    }

    private static void assertServerText(String text, JsonNode message) {
        assertEquals("message", message.path("type").asText(), message.toString());
        assertEquals("server", message.path("from").asText(), message.toString());
        assertEquals("text", message.path("dataType").asText(), message.toString());
        assertEquals(text, message.path("data").asText(), message.toString());
    }

    @Test
    void theSdksClientUrlConnectsWithTheSubprotocolEchoed() {
        String url = service.getClientAccessToken(new GetClientAccessTokenOptions().setUserId("alice")).getUrl();
        assertTrue(url.startsWith("ws://localhost:" + emulator.port() + "/client/hubs/sdk?access_token="), url);

        try (TestSocket reliable = TestSocket.connect(url, TestSocket.RELIABLE);
             TestSocket plain = TestSocket.connect(url, TestSocket.JSON)) {
            assertEquals(TestSocket.RELIABLE, reliable.subprotocol());
            assertEquals("alice", reliable.connected().path("userId").asText());
            assertFalse(reliable.connectionId().isBlank());
            assertFalse(reliable.connected().path("reconnectionToken").asText().isBlank(), "reliable clients can recover");

            assertEquals(TestSocket.JSON, plain.subprotocol());
            assertTrue(plain.connected().path("reconnectionToken").isMissingNode(), plain.connected().toString());
            assertFalse(plain.connectionId().equals(reliable.connectionId()));
        }
    }

    @Test
    void sendToAllCarriesTextAndJsonAndHonoursExcluded() {
        try (TestSocket first = client(TestSocket.JSON, "u1", List.of(), List.of());
             TestSocket second = client(TestSocket.RELIABLE, "u2", List.of(), List.of())) {
            service.sendToAll("hello", WebPubSubContentType.TEXT_PLAIN);
            service.sendToAll("{\"n\":1,\"s\":\"x\"}", WebPubSubContentType.APPLICATION_JSON);

            assertServerText("hello", first.next());
            JsonNode json = first.next();
            assertEquals("json", json.path("dataType").asText());
            assertEquals(Json.read("{\"n\":1,\"s\":\"x\"}"), json.path("data"));
            assertTrue(json.path("sequenceId").isMissingNode(), "no sequence ids without the reliable subprotocol");

            JsonNode reliableText = second.next();
            assertServerText("hello", reliableText);
            assertEquals(1, reliableText.path("sequenceId").asLong());
            assertEquals(2, second.next().path("sequenceId").asLong());

            BinaryData text = BinaryData.fromString("not for the first");
            service.sendToAllWithResponse(text, WebPubSubContentType.TEXT_PLAIN, text.getLength(),
                    new RequestOptions().addQueryParam("excluded", first.connectionId()));
            marker("after");
            assertServerText("not for the first", second.next());
            assertServerText("after", first.next());
        }
    }

    @Test
    void sendToGroupReachesItsMembersOnly() {
        try (TestSocket member = client(TestSocket.JSON, "m", List.of(), List.of("room"));
             TestSocket outsider = client(TestSocket.JSON, "o", List.of(), List.of())) {
            service.sendToGroup("room", "{\"t\":\"hi\"}", WebPubSubContentType.APPLICATION_JSON);
            marker("after");

            JsonNode message = member.next();
            assertEquals("group", message.path("from").asText(), message.toString());
            assertEquals("room", message.path("group").asText());
            assertEquals("json", message.path("dataType").asText());
            assertEquals("hi", message.path("data").path("t").asText());
            assertTrue(message.path("fromUserId").isMissingNode(), "a REST send has no sender");
            assertServerText("after", outsider.next());
        }
    }

    @Test
    void sendToUserAndToConnectionReachExactlyThoseConnections() {
        try (TestSocket carolPhone = client(TestSocket.JSON, "carol", List.of(), List.of());
             TestSocket carolLaptop = client(TestSocket.JSON, "carol", List.of(), List.of());
             TestSocket dave = client(TestSocket.JSON, "dave", List.of(), List.of())) {
            service.sendToUser("carol", "for carol", WebPubSubContentType.TEXT_PLAIN);
            service.sendToConnection(carolLaptop.connectionId(), "for the laptop", WebPubSubContentType.TEXT_PLAIN);
            marker("after");

            assertServerText("for carol", carolPhone.next());
            assertServerText("after", carolPhone.next());
            assertServerText("for carol", carolLaptop.next());
            assertServerText("for the laptop", carolLaptop.next());
            assertServerText("after", dave.next());
        }
    }

    @Test
    void connectionsJoinAndLeaveGroupsThroughTheApi() {
        try (TestSocket client = client(TestSocket.JSON, "gina", List.of(), List.of())) {
            String id = client.connectionId();
            assertFalse(groupExists("g1"));
            assertEquals(200, service.addConnectionToGroupWithResponse("g1", id, null).getStatusCode());
            assertEquals(200, service.addConnectionToGroupWithResponse("g2", id, null).getStatusCode());
            assertTrue(groupExists("g1"));
            service.sendToGroup("g1", "in g1", WebPubSubContentType.TEXT_PLAIN);
            assertEquals("in g1", client.next().path("data").asText());

            assertEquals(204, service.removeConnectionFromGroupWithResponse("g1", id, null).getStatusCode());
            assertFalse(groupExists("g1"));
            assertTrue(groupExists("g2"));
            assertEquals(204, service.removeConnectionFromAllGroupsWithResponse(id, null).getStatusCode());
            assertFalse(groupExists("g2"));

            assertThrows(ResourceNotFoundException.class, () -> service.addConnectionToGroupWithResponse("g1", "no-such-connection", null));
        }
    }

    @Test
    void usersJoinAndLeaveGroupsWithAllTheirConnections() {
        try (TestSocket one = client(TestSocket.JSON, "hana", List.of(), List.of());
             TestSocket two = client(TestSocket.JSON, "hana", List.of(), List.of());
             TestSocket other = client(TestSocket.JSON, "ivan", List.of(), List.of())) {
            assertEquals(200, service.addUserToGroupWithResponse("ug1", "hana", null).getStatusCode());
            service.addUserToGroupWithResponse("ug2", "hana", null);
            service.sendToGroup("ug1", "to ug1", WebPubSubContentType.TEXT_PLAIN);
            marker("after");
            assertEquals("to ug1", one.next().path("data").asText());
            assertEquals("to ug1", two.next().path("data").asText());
            assertServerText("after", other.next());

            assertEquals(204, service.removeUserFromGroupWithResponse("ug1", "hana", null).getStatusCode());
            assertFalse(groupExists("ug1"));
            assertTrue(groupExists("ug2"));
            assertEquals(204, service.removeUserFromAllGroupsWithResponse("hana", null).getStatusCode());
            assertFalse(groupExists("ug2"));
        }
    }

    @Test
    void existenceChecksSeeLiveConnectionsUsersAndGroups() {
        try (TestSocket client = client(TestSocket.JSON, "jo", List.of(), List.of("jo-group"))) {
            assertTrue(connectionExists(client.connectionId()));
            assertTrue(userExists("jo"));
            assertTrue(groupExists("jo-group"));
            assertFalse(connectionExists("missing"));
            assertFalse(userExists("nobody"));
            assertFalse(groupExists("empty-group"));
        }
    }

    @Test
    void closingTellsTheClientWhyAndEndsTheConnection() {
        try (TestSocket closed = client(TestSocket.RELIABLE, "kim", List.of(), List.of());
             TestSocket inGroup = client(TestSocket.JSON, "lea", List.of(), List.of("closing"));
             TestSocket ofUser = client(TestSocket.JSON, "max", List.of(), List.of());
             TestSocket spared = client(TestSocket.JSON, "max", List.of(), List.of())) {
            service.closeConnectionWithResponse(closed.connectionId(), new RequestOptions().addQueryParam("reason", "maintenance"));
            JsonNode disconnected = closed.next();
            assertEquals("system", disconnected.path("type").asText());
            assertEquals("disconnected", disconnected.path("event").asText());
            assertEquals("maintenance", disconnected.path("message").asText());
            assertEquals(1000, closed.awaitClose());
            assertFalse(connectionExists(closed.connectionId()));

            service.closeGroupConnectionsWithResponse("closing", null);
            assertEquals("disconnected", inGroup.next().path("event").asText());
            assertEquals(1000, inGroup.awaitClose());

            service.closeUserConnectionsWithResponse("max", new RequestOptions().addQueryParam("excluded", spared.connectionId()));
            assertEquals("disconnected", ofUser.next().path("event").asText());
            assertEquals(1000, ofUser.awaitClose());
            assertTrue(connectionExists(spared.connectionId()));
        }
    }

    @Test
    void permissionsCanBeGrantedCheckedAndRevoked() {
        try (TestSocket client = client(TestSocket.JSON, "nia", List.of(), List.of())) {
            String id = client.connectionId();
            client.send("{\"type\":\"sendToGroup\",\"group\":\"p\",\"data\":1,\"ackId\":1}");
            assertEquals("Forbidden", client.next().path("error").path("name").asText());

            service.grantPermissionWithResponse(WebPubSubPermission.SEND_TO_GROUP, id,
                    new RequestOptions().addQueryParam("targetName", "p"));
            assertTrue(service.checkPermissionWithResponse(WebPubSubPermission.SEND_TO_GROUP, id,
                    new RequestOptions().addQueryParam("targetName", "p")).getValue());
            assertFalse(service.checkPermissionWithResponse(WebPubSubPermission.SEND_TO_GROUP, id,
                    new RequestOptions().addQueryParam("targetName", "q")).getValue());
            assertFalse(service.checkPermissionWithResponse(WebPubSubPermission.JOIN_LEAVE_GROUP, id, null).getValue());
            client.send("{\"type\":\"sendToGroup\",\"group\":\"p\",\"data\":1,\"ackId\":2}");
            assertTrue(client.next().path("success").asBoolean());

            service.revokePermissionWithResponse(WebPubSubPermission.SEND_TO_GROUP, id,
                    new RequestOptions().addQueryParam("targetName", "p"));
            client.send("{\"type\":\"sendToGroup\",\"group\":\"p\",\"data\":1,\"ackId\":3}");
            assertEquals("Forbidden", client.next().path("error").path("name").asText());
        }
    }

    @Test
    void theAsyncClientWorksToo() {
        WebPubSubServiceAsyncClient async = builder(emulator.connectionString()).buildAsyncClient();
        try (TestSocket client = client(TestSocket.JSON, "oli", List.of(), List.of())) {
            async.sendToUser("oli", "async", WebPubSubContentType.TEXT_PLAIN).block(TestSocket.WAIT);
            assertServerText("async", client.next());
            assertTrue(async.userExistsWithResponse("oli", null).block(TestSocket.WAIT).getValue());
        }
    }

    @Test
    void aWrongKeyIsRefusedWith401() {
        WebPubSubServiceClient impostor = builder("Endpoint=http://localhost:" + emulator.port() + ";AccessKey="
                + TestTokens.OTHER_KEY + ";Version=1.0;").buildClient();
        HttpResponseException refused = assertThrows(ClientAuthenticationException.class,
                () -> impostor.sendToAll("x", WebPubSubContentType.TEXT_PLAIN));
        assertEquals(401, refused.getResponse().getStatusCode());
    }

    @Test
    void missingExpiredOrMisaddressedBearerTokensAre401WithAJsonError() throws Exception {
        String url = "http://localhost:" + emulator.port() + "/api/hubs/sdk/:send?api-version=2024-01-01";
        HttpResponse<String> none = post(url, null, "text/plain", "x");
        assertEquals(401, none.statusCode());
        assertEquals("Unauthorized", Json.read(none.body()).path("code").asText());

        String expired = TestTokens.sign(TestTokens.KEY, url, Duration.ofMinutes(-1), Map.of());
        HttpResponse<String> late = post(url, expired, "text/plain", "x");
        assertEquals(401, late.statusCode());
        assertTrue(Json.read(late.body()).path("message").asText().contains("expired"), late.body());

        String elsewhere = TestTokens.sign(TestTokens.KEY, "http://localhost:" + emulator.port() + "/api/hubs/other/:send",
                Duration.ofMinutes(5), Map.of());
        assertEquals(401, post(url, elsewhere, "text/plain", "x").statusCode());

        String withoutQuery = TestTokens.sign(TestTokens.KEY, url.substring(0, url.indexOf('?')), Duration.ofMinutes(5), Map.of());
        assertEquals(202, post(url, withoutQuery, "text/plain", "x").statusCode(), "aud may leave out the query");
    }

    @Test
    void generateTokenMintsATokenTheClientEndpointAccepts() throws Exception {
        String url = "http://localhost:" + emulator.port()
                + "/api/hubs/sdk/:generateToken?userId=pia&role=webpubsub.joinLeaveGroup.t1&group=t0&minutesToExpire=5"
                + "&api-version=2024-01-01";
        HttpResponse<String> response = post(url, TestTokens.sign(TestTokens.KEY, url, Duration.ofMinutes(5), Map.of()), null, "");
        assertEquals(200, response.statusCode(), response.body());
        String token = Json.read(response.body()).path("token").asText();

        String clientUrl = "ws://localhost:" + emulator.port() + "/client/hubs/sdk?access_token=" + token;
        try (TestSocket client = TestSocket.connect(clientUrl, TestSocket.JSON)) {
            assertEquals("pia", client.connected().path("userId").asText());
            assertTrue(groupExists("t0"));
            client.send("{\"type\":\"joinGroup\",\"group\":\"t1\",\"ackId\":1}");
            assertTrue(client.next().path("success").asBoolean(), "the token's role lets it join t1");
        }
    }

    @Test
    void badRequestsGetClearJsonErrors() throws Exception {
        String base = "http://localhost:" + emulator.port() + "/api/hubs/sdk";
        assertError(400, "Content-Type", postSigned(base + "/:send", "image/png", "x"));
        assertError(400, "JSON", postSigned(base + "/:send", "application/json", "{not json"));
        assertError(400, "messageTtlSeconds", postSigned(base + "/:send?messageTtlSeconds=301", "text/plain", "x"));
        assertError(501, "filter", postSigned(base + "/:send?filter=userId%20eq%20'a'", "text/plain", "x"));
        assertError(400, "permission", putSigned(base + "/permissions/everything/connections/c1"));
        assertError(404, "No API", postSigned(base + "/nowhere", "text/plain", "x"));
        assertError(405, "not allowed", putSigned(base + "/:send"));
        assertError(400, "hub", postSigned("http://localhost:" + emulator.port() + "/api/hubs/9bad/:send", "text/plain", "x"));
    }

    private static void assertError(int status, String mentioned, HttpResponse<String> response) {
        assertEquals(status, response.statusCode(), response.body());
        JsonNode error = Json.read(response.body());
        assertFalse(error.path("code").asText().isBlank(), response.body());
        assertTrue(error.path("message").asText().contains(mentioned), response.body());
        assertFalse(response.body().contains("Exception"), "no stack traces: " + response.body());
    }

    private static HttpResponse<String> postSigned(String url, String contentType, String body) throws Exception {
        return post(url, TestTokens.sign(TestTokens.KEY, url, Duration.ofMinutes(5), Map.of()), contentType, body);
    }

    private static HttpResponse<String> putSigned(String url) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).PUT(HttpRequest.BodyPublishers.noBody())
                .header("Authorization", "Bearer " + TestTokens.sign(TestTokens.KEY, url, Duration.ofMinutes(5), Map.of())).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String url, String bearer, String contentType, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}

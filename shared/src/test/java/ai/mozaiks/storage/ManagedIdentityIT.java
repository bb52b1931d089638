package ai.mozaiks.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenRequestContext;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The managed-identity path the function app takes in Azure, against a local server playing the
 * App Service identity endpoint ({@code IDENTITY_ENDPOINT} / {@code IDENTITY_HEADER}, set by the build). It proves
 * the shipped dependencies (without the developer token caches) can fetch a token.
 */
class ManagedIdentityIT {
    private HttpServer identityEndpoint;
    private final List<String> requests = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        // The build points IDENTITY_ENDPOINT at this port (see shared/pom.xml); MSAL reads the environment.
        int port = Integer.parseInt(System.getProperty("identity.test.port"));
        assertEquals("http://127.0.0.1:" + port + "/msi/token", System.getenv("IDENTITY_ENDPOINT"),
                "run through Maven, which sets IDENTITY_ENDPOINT for this test");
        identityEndpoint = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        identityEndpoint.createContext("/msi/token", exchange -> {
            requests.add(exchange.getRequestURI().getQuery() + " header=" + exchange.getRequestHeaders().getFirst("X-IDENTITY-HEADER"));
            long expiresOn = Instant.now().plus(Duration.ofHours(1)).getEpochSecond();
            byte[] body = ("{\"access_token\":\"token-from-identity-endpoint\",\"expires_on\":\"" + expiresOn
                    + "\",\"resource\":\"https://storage.azure.com\",\"token_type\":\"Bearer\"}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        identityEndpoint.start();
    }

    @AfterEach
    void stop() {
        identityEndpoint.stop(0);
    }

    @Test
    void userAssignedIdentityGetsAStorageTokenFromTheHostsEndpoint() {
        AccessToken token = StorageClients.managedIdentity("client-123")
                .getToken(new TokenRequestContext().addScopes("https://storage.azure.com/.default"))
                .block(Duration.ofSeconds(30));

        assertEquals("token-from-identity-endpoint", token.getToken());
        assertEquals(1, requests.size(), requests.toString());
        String request = requests.get(0);
        assertTrue(request.contains("resource=https://storage.azure.com"), request);
        assertTrue(request.contains("client_id=client-123"), request);
        assertTrue(request.endsWith("header=test-identity-header"), request);
    }
}

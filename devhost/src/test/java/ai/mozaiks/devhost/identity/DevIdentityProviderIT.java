package ai.mozaiks.devhost.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.config.IdentitySettings;
import ai.mozaiks.http.Json;
import ai.mozaiks.identity.AuthenticationException;
import ai.mozaiks.identity.BearerTokenValidator;
import ai.mozaiks.identity.Principal;
import ai.mozaiks.identity.TrustedIssuer;
import ai.mozaiks.outbound.HostResolver;
import ai.mozaiks.outbound.OutboundClient;
import ai.mozaiks.identity.TrustedIssuers;
import ai.mozaiks.kernel.AppId;
import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/**
 * The development identity provider over real HTTP, checked by the platform's real validator:
 * what it mints is what production validation accepts.
 */
class DevIdentityProviderIT {
    private static final String AUDIENCE = "mozaiks-local";
    private static final Map<String, String> DEVELOPMENT = Map.of("MOZAIKS_ENVIRONMENT", "development");
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final AppId SHOP = AppId.of("shop");

    @TempDir
    Path home;

    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(2))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    private final List<HttpServer> servers = new ArrayList<>();
    private final List<DevIdentityProvider> providers = new ArrayList<>();

    @AfterEach
    void stop() {
        // A new key is written in the background: waiting for it keeps that write out of the temporary home's removal.
        providers.forEach(DevIdentityProvider::jwks);
        servers.forEach(server -> server.stop(0));
    }

    /** The IdP's routes on a real server, as the devhost registers them. */
    private DevIdentityProvider serve(Path projectHome, int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 16);
        DevIdentityProvider idp = DevIdentityProvider.start(projectHome, server.getAddress().getPort(), AUDIENCE, DEVELOPMENT,
                Clock.systemUTC());
        idp.routes().forEach(server::createContext);
        server.start();
        servers.add(server);
        providers.add(idp);
        return idp;
    }

    private BearerTokenValidator validator(DevIdentityProvider idp, URI jwksUrl,
                                           TrustedIssuers apps) {
        IdentitySettings settings = new IdentitySettings(idp.issuer(), AUDIENCE, jwksUrl, Duration.ofSeconds(60), "roles", "platform_admin");
        return BearerTokenValidator.create(settings, apps, Clock.systemUTC(), new OutboundClient(HostResolver.system()), true);
    }

    private BearerTokenValidator validator(DevIdentityProvider idp) {
        return validator(idp, idp.jwksUri(), (issuer, audiences) -> Mono.just(Optional.empty()));
    }

    private HttpResponse<String> post(DevIdentityProvider idp, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(idp.tokenUri()).timeout(WAIT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(URI uri) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).timeout(WAIT).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private String mint(DevIdentityProvider idp, String body) throws Exception {
        HttpResponse<String> response = post(idp, body);
        assertEquals(200, response.statusCode(), response.body());
        JsonNode answer = Json.mapper().readTree(response.body());
        assertEquals("Bearer", answer.path("token_type").asText());
        assertEquals("no-store", response.headers().firstValue("Cache-Control").orElse(""));
        return answer.path("access_token").asText();
    }

    // ---- tokens the real validator accepts ---------------------------------------------------------

    @Test
    void mintedTokenIsAcceptedByTheRealValidator() throws Exception {
        DevIdentityProvider idp = serve(home, 0);

        String token = mint(idp, "{\"sub\":\"alice\",\"roles\":[\"builder\",\"platform_admin\"],"
                + "\"email\":\"alice@example.com\",\"name\":\"Alice\"}");
        Principal alice = validator(idp).authenticate("Bearer " + token).block(WAIT);

        assertEquals("alice", alice.userId());
        assertEquals(idp.issuer(), alice.issuer());
        assertTrue(idp.issuer().matches("http://localhost:\\d+/dev"), idp.issuer());
        assertEquals("alice@example.com", alice.email());
        assertEquals("Alice", alice.name());
        assertEquals(Set.of("builder", "platform_admin"), alice.roles());
        assertTrue(alice.isPlatformAdmin());
        assertFalse(alice.isEndUser());
    }

    @Test
    void discoveryLeadsTheValidatorToTheKeys() throws Exception {
        DevIdentityProvider idp = serve(home, 0);
        JsonNode discovery = Json.mapper().readTree(get(URI.create(idp.issuer() + "/.well-known/openid-configuration")).body());

        assertEquals(idp.issuer(), discovery.path("issuer").asText());
        assertEquals(idp.jwksUri().toString(), discovery.path("jwks_uri").asText());
        assertEquals("[\"ES256\"]", discovery.path("id_token_signing_alg_values_supported").toString());
        Principal bob = validator(idp, null, (issuer, audiences) -> Mono.just(Optional.empty()))
                .authenticate("Bearer " + mint(idp, "{\"sub\":\"bob\"}")).block(WAIT);
        assertEquals("bob", bob.userId());
        assertFalse(bob.isPlatformAdmin());
        assertNull(bob.email());
    }

    @Test
    void jwksPublishesOnlyThePublicKey() throws Exception {
        DevIdentityProvider idp = serve(home, 0);

        JsonNode keys = Json.mapper().readTree(get(idp.jwksUri()).body()).path("keys");

        assertEquals(1, keys.size());
        assertEquals("EC", keys.get(0).path("kty").asText());
        assertFalse(keys.get(0).path("kid").asText().isEmpty());
        for (String privatePart : List.of("d", "p", "q", "dp", "dq", "qi")) {
            assertTrue(keys.get(0).path(privatePart).isMissingNode(), privatePart);
        }
    }

    @Test
    void appTokenComesFromTheAppsOwnIssuer() throws Exception {
        DevIdentityProvider idp = serve(home, 0);
        String appIssuer = idp.appIssuer(SHOP);
        TrustedIssuer shop = TrustedIssuer.app(appIssuer, AUDIENCE, idp.jwksUri(), SHOP);

        String token = mint(idp, "{\"sub\":\"shopper\",\"app_id\":\"shop\",\"roles\":[\"platform_admin\"]}");
        Principal shopper = validator(idp, idp.jwksUri(), (issuer, audiences) -> Mono.just(Optional.of(shop).filter(t -> t.issuer().equals(issuer))))
                .authenticate("Bearer " + token).block(WAIT);

        assertEquals(idp.issuer() + "/apps/shop", appIssuer);
        assertEquals(appIssuer, shopper.issuer());
        assertEquals(SHOP, shopper.endUserOf());
        assertFalse(shopper.isPlatformAdmin());
        AuthenticationException untrusted = assertThrows(AuthenticationException.class,
                () -> validator(idp).authenticate("Bearer " + token).block(WAIT));
        assertEquals(AuthenticationException.Reason.UNTRUSTED_ISSUER, untrusted.reason());
        JsonNode appDiscovery = Json.mapper().readTree(get(URI.create(appIssuer + "/.well-known/openid-configuration")).body());
        assertEquals(appIssuer, appDiscovery.path("issuer").asText());
        assertEquals(idp.jwksUri().toString(), appDiscovery.path("jwks_uri").asText());
    }

    @Test
    void audienceAndLifetimeAreAsRequested() throws Exception {
        DevIdentityProvider idp = serve(home, 0);

        JWTClaimsSet byDefault = SignedJWT.parse(mint(idp, "{\"sub\":\"carol\"}")).getJWTClaimsSet();
        HttpResponse<String> shortLived = post(idp, "{\"sub\":\"carol\",\"expires_in\":60,\"aud\":\"other-api\"}");
        JWTClaimsSet custom = SignedJWT.parse(Json.mapper().readTree(shortLived.body()).path("access_token").asText()).getJWTClaimsSet();

        assertEquals(List.of(AUDIENCE), byDefault.getAudience());
        assertEquals(3600, (byDefault.getExpirationTime().getTime() - byDefault.getIssueTime().getTime()) / 1000);
        assertEquals(List.of("other-api"), custom.getAudience());
        assertEquals(60, (custom.getExpirationTime().getTime() - custom.getIssueTime().getTime()) / 1000);
        assertEquals(60, Json.mapper().readTree(shortLived.body()).path("expires_in").asInt());
        String otherAudience = Json.mapper().readTree(shortLived.body()).path("access_token").asText();
        AuthenticationException error = assertThrows(AuthenticationException.class,
                () -> validator(idp).authenticate("Bearer " + otherAudience).block(WAIT));
        assertEquals(AuthenticationException.Reason.WRONG_AUDIENCE, error.reason());
    }

    // ---- the key ----------------------------------------------------------------------------------

    @Test
    void keySurvivesARestartSoTokensStayValid() throws Exception {
        DevIdentityProvider first = serve(home, 0);
        int port = servers.get(0).getAddress().getPort();
        String token = mint(first, "{\"sub\":\"dave\"}");
        String jwks = first.jwks();
        servers.remove(0).stop(0);

        DevIdentityProvider second = serve(home, port);

        assertEquals(first.issuer(), second.issuer());
        assertEquals(jwks, get(second.jwksUri()).body());
        assertEquals("dave", validator(second).authenticate("Bearer " + token).block(WAIT).userId());
        Path keyFile = home.resolve(DevIdentityProvider.STATE_DIRECTORY).resolve(DevSigningKey.FILE);
        if (Files.getFileStore(keyFile).supportsFileAttributeView("posix")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)));
        }
    }

    @Test
    void rsaKeyOfAnEarlierVersionIsStillUsed() throws Exception {
        Path directory = home.resolve(DevIdentityProvider.STATE_DIRECTORY);
        Files.createDirectories(directory);
        RSAKey rsa = new RSAKeyGenerator(2048).keyIDFromThumbprint(true).generate();
        Files.writeString(directory.resolve(DevSigningKey.FILE), rsa.toJSONString());

        DevIdentityProvider idp = serve(home, 0);
        String token = mint(idp, "{\"sub\":\"frank\"}");

        assertEquals(JWSAlgorithm.RS256, SignedJWT.parse(token).getHeader().getAlgorithm());
        assertEquals(rsa.toPublicJWK(), RSAKey.parse(Json.mapper().readTree(get(idp.jwksUri()).body()).path("keys").get(0).toString()));
        assertEquals("frank", validator(idp).authenticate("Bearer " + token).block(WAIT).userId());
    }

    @Test
    void anotherHomeHasAnotherKey(@TempDir Path otherHome) throws Exception {
        DevIdentityProvider first = serve(home, 0);
        DevIdentityProvider second = serve(otherHome, 0);
        String token = mint(first, "{\"sub\":\"erin\"}");

        // The first IdP's token checked against the second one's keys: its key id is not there.
        AuthenticationException error = assertThrows(AuthenticationException.class,
                () -> validator(first, second.jwksUri(), (issuer, audiences) -> Mono.just(Optional.empty())).authenticate("Bearer " + token).block(WAIT));

        assertEquals(AuthenticationException.Reason.UNKNOWN_KEY, error.reason());
        assertNotEquals(first.jwks(), second.jwks());
    }

    @Test
    void unreadableKeyFileIsRefusedWithAHint() throws Exception {
        Path directory = home.resolve(DevIdentityProvider.STATE_DIRECTORY);
        Files.createDirectories(directory);
        Files.writeString(directory.resolve(DevSigningKey.FILE), "{\"kty\":\"RSA\"}");

        IllegalStateException error = assertThrows(IllegalStateException.class,
                () -> DevIdentityProvider.start(home, 7071, AUDIENCE, DEVELOPMENT, Clock.systemUTC()));

        assertTrue(error.getMessage().contains("--fresh"), error.getMessage());
    }

    // ---- where it may run -------------------------------------------------------------------------

    @Test
    void refusesToStartInAzure() {
        for (String marker : List.of("WEBSITE_INSTANCE_ID", "WEBSITE_SITE_NAME", "CONTAINER_APP_NAME", "IDENTITY_ENDPOINT", "MSI_ENDPOINT")) {
            Map<String, String> azure = new HashMap<>(DEVELOPMENT);
            azure.put(marker, "x");

            IllegalStateException error = assertThrows(IllegalStateException.class,
                    () -> DevIdentityProvider.start(home, 7071, AUDIENCE, azure, Clock.systemUTC()));

            assertTrue(error.getMessage().contains(marker + " is set"), error.getMessage());
            assertTrue(error.getMessage().contains("Azure"), error.getMessage());
        }
        assertFalse(Files.exists(home.resolve(DevIdentityProvider.STATE_DIRECTORY)), "no key is made where it refuses to run");
    }

    @Test
    void refusesToStartOutsideDevelopment() {
        for (Map<String, String> environment : List.of(Map.<String, String>of(), Map.of("MOZAIKS_ENVIRONMENT", "production"))) {
            IllegalStateException error = assertThrows(IllegalStateException.class,
                    () -> DevIdentityProvider.start(home, 7071, AUDIENCE, environment, Clock.systemUTC()));

            assertTrue(error.getMessage().contains("MOZAIKS_ENVIRONMENT=development"), error.getMessage());
        }
    }

    // ---- bad requests -----------------------------------------------------------------------------

    private static Map<String, String> fieldErrors(HttpResponse<String> response) throws IOException {
        assertEquals(400, response.statusCode(), response.body());
        assertEquals("application/problem+json", response.headers().firstValue("Content-Type").orElse(""));
        JsonNode problem = Json.mapper().readTree(response.body());
        assertEquals("validation_failed", problem.path("code").asText());
        assertEquals(400, problem.path("status").asInt());
        Map<String, String> errors = new HashMap<>();
        problem.path("errors").forEach(error -> errors.put(error.path("field").asText(), error.path("message").asText()));
        return errors;
    }

    @Test
    void badTokenRequestsAreProblemsNamingEachField() throws Exception {
        DevIdentityProvider idp = serve(home, 0);

        assertEquals(Set.of("sub"), fieldErrors(post(idp, "{}")).keySet());
        assertEquals(Set.of("body"), fieldErrors(post(idp, "not json")).keySet());
        assertEquals(Set.of("body"), fieldErrors(post(idp, "[\"alice\"]")).keySet());
        assertEquals(Set.of("body"), fieldErrors(post(idp, "")).keySet());
        Map<String, String> everything = fieldErrors(post(idp, "{\"sub\":\" \",\"roles\":\"admin\",\"email\":\"nope\",\"name\":7,"
                + "\"aud\":\"\",\"expires_in\":86401,\"app_id\":\"bad id!\",\"scope\":\"all\"}"));
        assertEquals(Set.of("sub", "roles", "email", "name", "aud", "expires_in", "app_id", "scope"), everything.keySet());
        assertTrue(everything.get("expires_in").contains("86400"), everything.get("expires_in"));
        assertEquals(Set.of("expires_in"), fieldErrors(post(idp, "{\"sub\":\"a\",\"expires_in\":0}")).keySet());
        assertEquals(Set.of("expires_in"), fieldErrors(post(idp, "{\"sub\":\"a\",\"expires_in\":1.5}")).keySet());
        assertEquals(Set.of("roles"), fieldErrors(post(idp, "{\"sub\":\"a\",\"roles\":[\"two words\"]}")).keySet());
        assertEquals(200, post(idp, "{\"sub\":\"a\",\"expires_in\":86400}").statusCode());
    }

    @Test
    void wrongMethodsAreRefusedWithAllow() throws Exception {
        DevIdentityProvider idp = serve(home, 0);

        HttpResponse<String> getToken = get(idp.tokenUri());
        HttpResponse<String> postJwks = http.send(HttpRequest.newBuilder(idp.jwksUri()).timeout(WAIT)
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());

        assertEquals(405, getToken.statusCode());
        assertEquals("POST", getToken.headers().firstValue("Allow").orElse(""));
        assertEquals("method_not_allowed", Json.mapper().readTree(getToken.body()).path("code").asText());
        assertEquals(405, postJwks.statusCode());
        assertEquals("GET", postJwks.headers().firstValue("Allow").orElse(""));
        assertEquals(404, get(URI.create(idp.issuer() + "/userinfo")).statusCode());
        assertEquals(404, get(URI.create(idp.issuer() + "/apps/bad%20id/.well-known/openid-configuration")).statusCode());
    }
}

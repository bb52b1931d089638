package ai.mozaiks.devhost.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.config.IdentitySettings;
import ai.mozaiks.http.Json;
import ai.mozaiks.identity.BearerTokenValidator;
import ai.mozaiks.identity.Principal;
import ai.mozaiks.outbound.HostResolver;
import ai.mozaiks.outbound.OutboundClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/**
 * The authorization code flow with PKCE against the development identity provider over real HTTP, as
 * the ChatUI runs it: the authorize page, its form, the redirect with a code, and the code exchanged
 * for a token the platform's real validator accepts. Every way a code can be misused is refused.
 */
class DevIdentityProviderCodeFlowIT {
    private static final String AUDIENCE = "mozaiks-local";
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String CLIENT = "mozaiks-chatui";
    private static final String REDIRECT = "http://127.0.0.1:5173/auth/callback";

    @TempDir
    Path home;

    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(2))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    private final SettableClock clock = new SettableClock(Instant.now());
    private HttpServer server;
    private DevIdentityProvider idp;

    /** A clock the test moves, to let a code expire. */
    private static final class SettableClock extends Clock {
        private volatile Instant now;

        SettableClock(Instant now) {
            this.now = now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /** A verifier and its S256 challenge, made here as RFC 7636 says rather than with the code under test. */
    private record PkcePair(String verifier, String challenge) {
        static PkcePair random() throws Exception {
            byte[] bytes = new byte[32];
            new SecureRandom().nextBytes(bytes);
            String verifier = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return new PkcePair(verifier, Base64.getUrlEncoder().withoutPadding().encodeToString(digest));
        }
    }

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        idp = DevIdentityProvider.start(home, server.getAddress().getPort(), AUDIENCE,
                Map.of("MOZAIKS_ENVIRONMENT", "development"), clock);
        idp.routes().forEach(server::createContext);
        server.start();
    }

    @AfterEach
    void stop() {
        // A new key is written in the background: waiting for it keeps that write out of the temporary home's removal.
        idp.jwks();
        server.stop(0);
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private static String form(Map<String, String> fields) {
        return fields.entrySet().stream()
                .map(field -> URLEncoder.encode(field.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(field.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> fields = new HashMap<>();
        for (String pair : uri.getRawQuery().split("&")) {
            String[] parts = pair.split("=", 2);
            fields.put(URLDecoder.decode(parts[0], StandardCharsets.UTF_8), URLDecoder.decode(parts[1], StandardCharsets.UTF_8));
        }
        return fields;
    }

    private Map<String, String> authorization(PkcePair pkce, String redirectUri) {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("response_type", "code");
        parameters.put("client_id", CLIENT);
        parameters.put("redirect_uri", redirectUri);
        parameters.put("state", "state-123");
        parameters.put("code_challenge", pkce.challenge());
        parameters.put("code_challenge_method", "S256");
        parameters.put("scope", "openid");
        return parameters;
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> getAuthorize(Map<String, String> parameters) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(idp.authorizationUri() + "?" + form(parameters))).GET());
    }

    private HttpResponse<String> postForm(URI uri, Map<String, String> fields) throws Exception {
        return send(HttpRequest.newBuilder(uri).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(fields))));
    }

    /** Submits the authorize page's form as {@code user}; answers the redirect back to the client. */
    private URI signIn(PkcePair pkce, String user) throws Exception {
        Map<String, String> fields = new LinkedHashMap<>(authorization(pkce, REDIRECT));
        fields.put("user", user);
        fields.put("action", "sign-in");
        HttpResponse<String> response = postForm(idp.authorizationUri(), fields);
        assertEquals(303, response.statusCode(), response.body());
        return URI.create(response.headers().firstValue("Location").orElseThrow());
    }

    private String code(PkcePair pkce, String user) throws Exception {
        return query(signIn(pkce, user)).get("code");
    }

    private Map<String, String> exchange(String code, PkcePair pkce) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("grant_type", "authorization_code");
        fields.put("code", code);
        fields.put("redirect_uri", REDIRECT);
        fields.put("client_id", CLIENT);
        fields.put("code_verifier", pkce.verifier());
        return fields;
    }

    private HttpResponse<String> token(Map<String, String> fields) throws Exception {
        return postForm(idp.tokenUri(), fields);
    }

    private static void assertOAuthError(String error, String describing, HttpResponse<String> response) throws Exception {
        assertEquals(400, response.statusCode(), response.body());
        assertEquals("application/json", response.headers().firstValue("Content-Type").orElse(""));
        JsonNode body = Json.mapper().readTree(response.body());
        // Only the two OAuth fields: nothing of the provider's insides.
        assertEquals(List.of("error", "error_description"), fieldNames(body), response.body());
        assertEquals(error, body.path("error").asText(), response.body());
        assertTrue(body.path("error_description").asText().contains(describing), response.body());
    }

    private static List<String> fieldNames(JsonNode body) {
        List<String> names = new ArrayList<>();
        body.fieldNames().forEachRemaining(names::add);
        return names;
    }

    // ---- the flow ---------------------------------------------------------------------------------

    @Test
    void discoveryAdvertisesTheCodeFlowWithS256() throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(idp.issuer() + "/.well-known/openid-configuration")).GET());
        JsonNode discovery = Json.mapper().readTree(response.body());

        assertEquals(idp.authorizationUri().toString(), discovery.path("authorization_endpoint").asText());
        assertEquals(idp.tokenUri().toString(), discovery.path("token_endpoint").asText());
        assertEquals("[\"code\"]", discovery.path("response_types_supported").toString());
        assertEquals("[\"S256\"]", discovery.path("code_challenge_methods_supported").toString());
        assertEquals("[\"authorization_code\"]", discovery.path("grant_types_supported").toString());
        assertEquals("*", response.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
    }

    @Test
    void aSignInThroughThePageGetsTheTokenTheRealValidatorAccepts() throws Exception {
        PkcePair pkce = PkcePair.random();
        Map<String, String> parameters = new LinkedHashMap<>(authorization(pkce, REDIRECT));
        parameters.put("login_hint", "alice\"><script>");

        HttpResponse<String> page = getAuthorize(parameters);
        assertEquals(200, page.statusCode(), page.body());
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("default-src 'none'"));
        assertTrue(page.body().contains("<label for=\"user-id\">User id</label>"), page.body());
        assertTrue(page.body().contains("value=\"alice&quot;&gt;&lt;script&gt;\""), "the login hint prefills the field, escaped");
        assertFalse(page.body().contains("<script>"), "nothing given becomes markup");

        URI back = signIn(pkce, "alice");
        assertEquals(REDIRECT, back.getScheme() + "://" + back.getAuthority() + back.getPath());
        assertEquals("state-123", query(back).get("state"));

        HttpResponse<String> response = token(exchange(query(back).get("code"), pkce));
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("*", response.headers().firstValue("Access-Control-Allow-Origin").orElse(""), "a page on another origin reads it");
        assertEquals("no-store", response.headers().firstValue("Cache-Control").orElse(""));
        JsonNode answer = Json.mapper().readTree(response.body());
        assertEquals("Bearer", answer.path("token_type").asText());
        assertEquals(3600, answer.path("expires_in").asInt());
        String token = answer.path("access_token").asText();
        JWTClaimsSet claims = SignedJWT.parse(token).getJWTClaimsSet();
        assertEquals(List.of(AUDIENCE), claims.getAudience());

        IdentitySettings settings = new IdentitySettings(idp.issuer(), AUDIENCE, idp.jwksUri(), Duration.ofSeconds(60), "roles", "platform_admin");
        Principal alice = BearerTokenValidator.create(settings, (issuer, audiences) -> Mono.just(Optional.empty()), clock,
                new OutboundClient(HostResolver.system()), true)
                .authenticate("Bearer " + token).block(WAIT);
        assertEquals("alice", alice.userId());
        assertEquals(idp.issuer(), alice.issuer());
        assertFalse(alice.isPlatformAdmin());
    }

    @Test
    void theTokenEndpointAnswersACorsPreflight() throws Exception {
        HttpResponse<String> preflight = send(HttpRequest.newBuilder(idp.tokenUri())
                .header("Origin", "http://127.0.0.1:5173").header("Access-Control-Request-Method", "POST")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));

        assertEquals(204, preflight.statusCode());
        assertEquals("*", preflight.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
        assertTrue(preflight.headers().firstValue("Access-Control-Allow-Methods").orElse("").contains("POST"));
        assertTrue(preflight.headers().firstValue("Access-Control-Allow-Headers").orElse("").contains("Content-Type"));
    }

    @Test
    void cancellingSendsAccessDeniedBack() throws Exception {
        PkcePair pkce = PkcePair.random();
        Map<String, String> fields = new LinkedHashMap<>(authorization(pkce, REDIRECT));
        fields.put("action", "cancel");

        HttpResponse<String> response = postForm(idp.authorizationUri(), fields);

        assertEquals(303, response.statusCode());
        Map<String, String> back = query(URI.create(response.headers().firstValue("Location").orElseThrow()));
        assertEquals("access_denied", back.get("error"));
        assertEquals("state-123", back.get("state"));
        assertFalse(back.containsKey("code"));
    }

    @Test
    void aBlankUserIdShowsTheFormAgainWithTheError() throws Exception {
        Map<String, String> fields = new LinkedHashMap<>(authorization(PkcePair.random(), REDIRECT));
        fields.put("user", "two words");

        HttpResponse<String> response = postForm(idp.authorizationUri(), fields);

        assertEquals(400, response.statusCode());
        assertTrue(response.body().contains("role=\"alert\""), response.body());
        assertTrue(response.body().contains("aria-invalid=\"true\""), response.body());
    }

    // ---- misuse -----------------------------------------------------------------------------------

    @Test
    void aWrongVerifierIsRefused() throws Exception {
        PkcePair pkce = PkcePair.random();
        String code = code(pkce, "alice");

        assertOAuthError("invalid_grant", "code_verifier", token(exchange(code, PkcePair.random())));
        // The failed attempt spent the code: the right verifier comes too late.
        assertOAuthError("invalid_grant", "already used", token(exchange(code, pkce)));
    }

    @Test
    void aCodeIsRedeemedOnce() throws Exception {
        PkcePair pkce = PkcePair.random();
        String code = code(pkce, "alice");

        assertEquals(200, token(exchange(code, pkce)).statusCode());
        assertOAuthError("invalid_grant", "already used", token(exchange(code, pkce)));
    }

    @Test
    void aCodeIsBoundToItsRedirectUri() throws Exception {
        PkcePair pkce = PkcePair.random();
        Map<String, String> fields = exchange(code(pkce, "alice"), pkce);
        fields.put("redirect_uri", "http://127.0.0.1:5173/elsewhere");

        assertOAuthError("invalid_grant", "redirect_uri", token(fields));
    }

    @Test
    void aCodeIsBoundToItsClient() throws Exception {
        PkcePair pkce = PkcePair.random();
        Map<String, String> fields = exchange(code(pkce, "alice"), pkce);
        fields.put("client_id", "another-client");

        assertOAuthError("invalid_grant", "client_id", token(fields));
    }

    @Test
    void aCodeExpires() throws Exception {
        PkcePair pkce = PkcePair.random();
        String code = code(pkce, "alice");
        clock.now = clock.now.plus(AuthorizationCodes.LIFETIME).plusSeconds(1);

        assertOAuthError("invalid_grant", "expired", token(exchange(code, pkce)));
    }

    @Test
    void onlyLocalRedirectUrisAreAccepted() throws Exception {
        for (String redirect : List.of("https://example.com/auth/callback", "http://localhost.example.com/cb",
                "ftp://localhost/cb", "http://user@127.0.0.1/cb", "/auth/callback")) {
            PkcePair pkce = PkcePair.random();
            HttpResponse<String> page = getAuthorize(authorization(pkce, redirect));
            assertEquals(400, page.statusCode(), redirect);
            assertTrue(page.body().contains("development only"), page.body());
            assertFalse(page.headers().firstValue("Location").isPresent(), "no redirect to " + redirect);

            Map<String, String> fields = new LinkedHashMap<>(authorization(pkce, redirect));
            fields.put("user", "alice");
            HttpResponse<String> submitted = postForm(idp.authorizationUri(), fields);
            assertEquals(400, submitted.statusCode(), redirect);
            assertFalse(submitted.headers().firstValue("Location").isPresent(), "no code for " + redirect);
        }
        assertEquals(200, getAuthorize(authorization(PkcePair.random(), "http://localhost:7071/auth/callback?x=1")).statusCode());
        assertEquals(200, getAuthorize(authorization(PkcePair.random(), "https://127.0.0.1/cb")).statusCode());
    }

    @Test
    void badAuthorizationRequestsAreRefusedOnThePage() throws Exception {
        PkcePair pkce = PkcePair.random();
        Map<String, String> implicit = new LinkedHashMap<>(authorization(pkce, REDIRECT));
        implicit.put("response_type", "token");
        Map<String, String> plain = new LinkedHashMap<>(authorization(pkce, REDIRECT));
        plain.put("code_challenge_method", "plain");
        Map<String, String> noChallenge = new LinkedHashMap<>(authorization(pkce, REDIRECT));
        noChallenge.remove("code_challenge");
        Map<String, String> noClient = new LinkedHashMap<>(authorization(pkce, REDIRECT));
        noClient.remove("client_id");

        assertTrue(getAuthorize(implicit).body().contains("unsupported_response_type"));
        assertTrue(getAuthorize(plain).body().contains("S256"));
        assertTrue(getAuthorize(noChallenge).body().contains("code_challenge is required"));
        assertTrue(getAuthorize(noClient).body().contains("client_id is required"));
        assertEquals(400, getAuthorize(noClient).statusCode());
    }

    @Test
    void badTokenRequestsAreOAuthErrors() throws Exception {
        PkcePair pkce = PkcePair.random();
        Map<String, String> password = exchange("x", pkce);
        password.put("grant_type", "password");
        Map<String, String> noVerifier = exchange(code(pkce, "alice"), pkce);
        noVerifier.remove("code_verifier");

        assertOAuthError("unsupported_grant_type", "authorization_code", token(password));
        assertOAuthError("invalid_request", "code_verifier is required", token(noVerifier));
        assertOAuthError("invalid_grant", "unknown", token(exchange("not-a-code", pkce)));
        assertOAuthError("invalid_request", "repeated", send(HttpRequest.newBuilder(idp.tokenUri())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=authorization_code&code=a&code=b"))));
    }

    @Test
    void theRfc7636ExampleVerifierMatchesItsChallenge() {
        // RFC 7636 Appendix B.
        assertTrue(Pkce.matches("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
        assertFalse(Pkce.matches("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXl", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
        assertFalse(Pkce.matches("too-short", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
    }
}

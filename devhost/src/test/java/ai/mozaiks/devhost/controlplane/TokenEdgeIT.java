package ai.mozaiks.devhost.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import ai.mozaiks.devhost.controlplane.ControlPlane.Response;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bearer tokens the platform must refuse, sent over HTTP to a real endpoint (GET /api/tenants):
 * each gets 401, a problem body, and a WWW-Authenticate naming the reason, and nothing of the
 * token comes back.
 */
class TokenEdgeIT {
    private static final ControlPlane cp = ControlPlane.get();
    private static final String ENDPOINT = "/api/tenants";
    /** Values only a token carries: none of them may appear in an answer. */
    private static final String SUBJECT = "token-secret-subject-" + UUID.randomUUID();
    private static final String EMAIL = "token-secret-" + UUID.randomUUID() + "@example.com";

    private static ECKey devKey;
    private static ECKey strangerKey;

    @BeforeAll
    static void keys() throws Exception {
        devKey = cp.devSigningKey().toECKey();
        strangerKey = new ECKeyGenerator(Curve.P_256).keyUse(KeyUse.SIGNATURE).keyID("stranger-" + UUID.randomUUID()).generate();
    }

    /** Claims the dev IdP would mint for {@link #SUBJECT}, changed by {@code change}. */
    private static JWTClaimsSet claims(UnaryOperator<JWTClaimsSet.Builder> change) {
        Instant now = Instant.now();
        return change.apply(new JWTClaimsSet.Builder()
                .issuer(cp.idp.issuer())
                .audience(ControlPlane.AUDIENCE)
                .subject(SUBJECT)
                .claim("email", EMAIL)
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plus(Duration.ofHours(1))))
                .jwtID(UUID.randomUUID().toString())).build();
    }

    private static String sign(ECKey key, String kid, JWTClaimsSet claims) throws Exception {
        SignedJWT token = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(kid).type(JOSEObjectType.JWT).build(), claims);
        token.sign(new ECDSASigner(key));
        return token.serialize();
    }

    private static String devSigned(UnaryOperator<JWTClaimsSet.Builder> change) throws Exception {
        return sign(devKey, devKey.getKeyID(), claims(change));
    }

    interface TokenMaker {
        String make() throws Exception;
    }

    static Stream<Arguments> refusedTokens() {
        return Stream.of(
                Arguments.of("expired", "expired", (TokenMaker) () -> devSigned(c -> c
                        .issueTime(Date.from(Instant.now().minus(Duration.ofHours(3))))
                        .notBeforeTime(Date.from(Instant.now().minus(Duration.ofHours(3))))
                        .expirationTime(Date.from(Instant.now().minus(Duration.ofHours(2)))))),
                Arguments.of("not yet valid (nbf in an hour)", "not_yet_valid", (TokenMaker) () -> devSigned(c -> c
                        .notBeforeTime(Date.from(Instant.now().plus(Duration.ofHours(1))))
                        .expirationTime(Date.from(Instant.now().plus(Duration.ofHours(2)))))),
                Arguments.of("issued in the future (iat in an hour)", "not_yet_valid", (TokenMaker) () -> devSigned(c -> c
                        .issueTime(Date.from(Instant.now().plus(Duration.ofHours(1)))))),
                Arguments.of("wrong issuer, signed with the platform key", "untrusted_issuer", (TokenMaker) () -> devSigned(c -> c
                        .issuer("http://localhost:1/someone-else"))),
                Arguments.of("no issuer", "untrusted_issuer", (TokenMaker) () -> devSigned(c -> c.issuer(null))),
                Arguments.of("wrong audience, minted by the dev IdP", "wrong_audience", (TokenMaker) () -> cp.mint(
                        ControlPlane.obj("sub", SUBJECT, "email", EMAIL, "aud", "some-other-api"))),
                Arguments.of("bad signature: another key under the platform key's kid", "bad_signature", (TokenMaker) () ->
                        sign(strangerKey, devKey.getKeyID(), claims(c -> c))),
                Arguments.of("bad signature: a minted token with its claims changed", "bad_signature", (TokenMaker) () -> {
                    String[] parts = cp.mint(ControlPlane.obj("sub", SUBJECT, "email", EMAIL)).split("\\.");
                    String forged = claims(c -> c.claim("roles", List.of("platform_admin"))).toString();
                    return parts[0] + "." + Base64URL.encode(forged.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
                }),
                Arguments.of("alg none", "unsupported_algorithm", (TokenMaker) () ->
                        Base64URL.encode("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + Base64URL.encode(claims(c -> c).toString()) + "."),
                Arguments.of("HS256 keyed with the platform's public key", "unsupported_algorithm", (TokenMaker) () -> {
                    SignedJWT token = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(devKey.getKeyID()).build(),
                            claims(c -> c));
                    token.sign(new MACSigner(devKey.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8)));
                    return token.serialize();
                }),
                Arguments.of("unknown kid", "unknown_key", (TokenMaker) () -> sign(strangerKey, strangerKey.getKeyID(), claims(c -> c))),
                Arguments.of("not a JWT", "malformed_token", (TokenMaker) () -> "not-a-token"),
                Arguments.of("no exp", "malformed_token", (TokenMaker) () -> devSigned(c -> c.expirationTime(null))));
    }

    @ParameterizedTest(name = "{0} -> 401 {1}")
    @MethodSource("refusedTokens")
    void refusedWith401NamingTheReason(String what, String reason, TokenMaker maker) throws Exception {
        String token = maker.make();
        Response response = cp.send("GET", ENDPOINT, token, null);

        assertRefused(what, reason, response);
        assertNoTokenContent(what, token, response);
    }

    @Test
    void noTokenAndOtherSchemesAreMissingToken() {
        assertRefused("no Authorization header", "missing_token", cp.send("GET", ENDPOINT, null, null));
        assertRefused("Basic scheme", "missing_token", cp.send("GET", ENDPOINT, null, null, "Authorization", "Basic YWxpY2U6c2VjcmV0"));
        assertRefused("Bearer without a token", "missing_token", cp.send("GET", ENDPOINT, null, null, "Authorization", "Bearer "));
    }

    @Test
    void theSameClaimsProperlySignedAreAccepted() throws Exception {
        // The control for every refusal above: only the one thing each changes makes it fail.
        Response accepted = cp.send("GET", ENDPOINT, devSigned(c -> c), null);
        assertEquals(200, accepted.status(), accepted.body());
        assertNotNull(accepted.json().path("items"));
        Response minted = cp.send("GET", ENDPOINT, cp.mint(ControlPlane.obj("sub", SUBJECT, "email", EMAIL)), null);
        assertEquals(200, minted.status(), minted.body());
    }

    private static void assertRefused(String what, String reason, Response response) {
        assertEquals(401, response.status(), what + ": " + response.body());
        assertEquals("application/problem+json", response.contentType(), what);
        assertEquals("unauthenticated", response.code(), what + ": " + response.body());
        assertEquals(401, response.json().path("status").asInt(), what);
        // Without credentials the challenge is bare (RFC 6750 §3.1); otherwise it names the reason.
        String challenge = reason.equals("missing_token") ? "Bearer"
                : "Bearer error=\"invalid_token\", error_description=\"" + reason + "\"";
        assertEquals(challenge, response.header("WWW-Authenticate"),
                what);
    }

    private static void assertNoTokenContent(String what, String token, Response response) {
        StringBuilder answer = new StringBuilder(response.body());
        for (Map.Entry<String, List<String>> header : response.headers().map().entrySet()) {
            answer.append('\n').append(header.getKey()).append(": ").append(String.join(",", header.getValue()));
        }
        String text = answer.toString();
        for (String part : token.split("\\.")) {
            if (part.length() >= 8) {
                assertFalse(text.contains(part), what + ": the answer carries part of the token");
            }
        }
        assertFalse(text.contains(SUBJECT), what + ": the answer carries the token's subject");
        assertFalse(text.contains(EMAIL), what + ": the answer carries the token's email");
    }
}

package ai.mozaiks.identity;

import ai.mozaiks.outbound.HostResolver;
import ai.mozaiks.outbound.OutboundClient;
import ai.mozaiks.persistence.MutableClock;
import static ai.mozaiks.identity.AuthenticationException.Reason.BAD_SIGNATURE;
import static ai.mozaiks.identity.AuthenticationException.Reason.EXPIRED;
import static ai.mozaiks.identity.AuthenticationException.Reason.MALFORMED_TOKEN;
import static ai.mozaiks.identity.AuthenticationException.Reason.MISSING_TOKEN;
import static ai.mozaiks.identity.AuthenticationException.Reason.NOT_YET_VALID;
import static ai.mozaiks.identity.AuthenticationException.Reason.UNKNOWN_KEY;
import static ai.mozaiks.identity.AuthenticationException.Reason.UNSUPPORTED_ALGORITHM;
import static ai.mozaiks.identity.AuthenticationException.Reason.UNTRUSTED_ISSUER;
import static ai.mozaiks.identity.AuthenticationException.Reason.WRONG_AUDIENCE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.config.IdentitySettings;
import ai.mozaiks.kernel.AppId;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** The bearer-token path end to end: real keys, real tokens, a real JWKS endpoint on loopback. */
class BearerTokenValidatorIT {
    private static final String AUDIENCE = "mozaiks-api";
    private static final Duration SKEW = Duration.ofSeconds(60);
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final AppId SHOP = AppId.of("shop");
    private static final String APP_JWKS = "/apps/shop/jwks";
    private static final String APP_AUDIENCE = "shop-web";

    private final OutboundClient outbound = new OutboundClient(HostResolver.system());
    private final Map<String, TrustedIssuer> appIssuers = new ConcurrentHashMap<>();
    private final MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private final RSAKey rsa = Tokens.rsa("rsa-1");
    private final ECKey ec = Tokens.ec("ec-1");
    private LocalIdentityProvider idp;
    private BearerTokenValidator validator;

    @BeforeEach
    void start() throws Exception {
        idp = new LocalIdentityProvider();
        idp.publish(new JWKSet(List.of(rsa, ec)));
        validator = validator(idp.jwksUri());
    }

    @AfterEach
    void stop() {
        idp.close();
    }

    private BearerTokenValidator validator(java.net.URI jwksUrl) {
        IdentitySettings settings = new IdentitySettings(idp.issuer(), AUDIENCE, jwksUrl, SKEW, "roles", "platform_admin");
        return BearerTokenValidator.create(settings, (issuer, audiences) -> Mono.just(Optional.ofNullable(appIssuers.get(issuer))), clock, outbound, true);
    }

    private Instant now() {
        return clock.instant();
    }

    private JWTClaimsSet.Builder platformClaims() {
        return Tokens.claims(idp.issuer(), AUDIENCE, now());
    }

    private Principal accepted(String token) {
        return validator.authenticate("Bearer " + token).block(WAIT);
    }

    private AuthenticationException refused(AuthenticationException.Reason reason, String header) {
        AuthenticationException error = assertThrows(AuthenticationException.class,
                () -> validator.authenticate(header).block(WAIT));
        assertEquals(reason, error.reason(), error.getMessage());
        assertEquals(reason.code(), error.code());
        assertFalse(error.getMessage().isBlank());
        assertNothingOfTheTokenIn(error.getMessage(), header);
        return error;
    }

    private static void assertNothingOfTheTokenIn(String message, String header) {
        if (header == null) {
            return;
        }
        String token = header.replaceFirst("^\\S+\\s+", "");
        for (String part : token.split("\\.")) {
            if (part.length() >= 8) {
                assertFalse(message.contains(part), () -> "the message repeats part of the token: " + message);
            }
        }
    }

    // ---- accepted tokens ---------------------------------------------------------------------------

    @Test
    void validRs256TokenGivesThePrincipal() {
        Principal principal = accepted(Tokens.sign(rsa, platformClaims()
                .claim("email", "alice@example.com")
                .claim("email_verified", true)
                .claim("name", "Alice")
                .claim("roles", List.of("builder", "reviewer"))
                .build()));

        assertEquals("user-123", principal.userId());
        assertEquals(idp.issuer(), principal.issuer());
        assertEquals("alice@example.com", principal.email());
        assertEquals("Alice", principal.name());
        assertEquals(Set.of("builder", "reviewer"), principal.roles());
        assertFalse(principal.isPlatformAdmin());
        assertFalse(principal.isEndUser());
        assertNull(principal.endUserOf());
    }

    @Test
    void validEs256TokenGivesThePrincipal() {
        Principal principal = accepted(Tokens.sign(ec, platformClaims()
                .subject("bob")
                .claim("roles", "builder operator")
                .build()));

        assertEquals("bob", principal.userId());
        assertEquals(Set.of("builder", "operator"), principal.roles());
        assertNull(principal.email());
        assertNull(principal.name());
    }

    @Test
    void audienceAsArrayIsAcceptedWhenItContainsOurs() {
        Principal principal = accepted(Tokens.sign(rsa, platformClaims().audience(List.of("other-api", AUDIENCE)).build()));

        assertEquals("user-123", principal.userId());
    }

    @Test
    void tokenWithoutKidIsAcceptedWhenTheIssuerHasOneKeyOfItsType() {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).build(), platformClaims().build());
        sign(jwt, ec);

        assertEquals("user-123", accepted(jwt.serialize()).userId());
    }

    @Test
    void tokenWithoutKidIsUnknownKeyWhenTheIssuerHasSeveralKeysOfItsType() {
        idp.publish(new JWKSet(List.of(rsa, Tokens.rsa("rsa-2"), ec)));
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).build(), platformClaims().build());
        sign(jwt, rsa);

        refused(UNKNOWN_KEY, "Bearer " + jwt.serialize());
    }

    // ---- time --------------------------------------------------------------------------------------

    @Test
    void expiredTokenIsRefused() {
        String token = Tokens.sign(rsa, platformClaims()
                .issueTime(Date.from(now().minus(Duration.ofHours(2))))
                .notBeforeTime(Date.from(now().minus(Duration.ofHours(2))))
                .expirationTime(Date.from(now().minus(Duration.ofHours(1))))
                .build());

        refused(EXPIRED, "Bearer " + token);
    }

    @Test
    void tokenNotYetValidIsRefused() {
        String token = Tokens.sign(rsa, platformClaims().notBeforeTime(Date.from(now().plus(Duration.ofMinutes(10)))).build());

        refused(NOT_YET_VALID, "Bearer " + token);
    }

    @Test
    void tokenIssuedInTheFutureIsRefused() {
        String token = Tokens.sign(rsa, platformClaims().notBeforeTime(null).issueTime(Date.from(now().plus(Duration.ofMinutes(10)))).build());

        refused(NOT_YET_VALID, "Bearer " + token);
    }

    @Test
    void skewToleratesAnExpiryJustPassed() {
        String withinSkew = Tokens.sign(rsa, platformClaims().expirationTime(Date.from(now().minus(SKEW).plusSeconds(1))).build());
        String atTheSkew = Tokens.sign(rsa, platformClaims().expirationTime(Date.from(now().minus(SKEW))).build());

        assertEquals("user-123", accepted(withinSkew).userId());
        refused(EXPIRED, "Bearer " + atTheSkew);
    }

    @Test
    void skewToleratesANotBeforeJustAhead() {
        String withinSkew = Tokens.sign(rsa, platformClaims().notBeforeTime(Date.from(now().plus(SKEW))).build());
        String beyondSkew = Tokens.sign(rsa, platformClaims().notBeforeTime(Date.from(now().plus(SKEW).plusSeconds(1))).build());

        assertEquals("user-123", accepted(withinSkew).userId());
        refused(NOT_YET_VALID, "Bearer " + beyondSkew);
    }

    @Test
    void tokenWithoutExpiryIsRefused() {
        String token = Tokens.sign(rsa, platformClaims().expirationTime(null).build());

        refused(MALFORMED_TOKEN, "Bearer " + token);
    }

    // ---- issuer and audience -----------------------------------------------------------------------

    @Test
    void unknownIssuerIsRefusedBeforeAnyKeyIsFetched() {
        String token = Tokens.sign(rsa, Tokens.claims("https://attacker.example/issuer", AUDIENCE, now()).build());

        AuthenticationException error = refused(UNTRUSTED_ISSUER, "Bearer " + token);

        assertFalse(error.getMessage().contains("attacker.example"), error.getMessage());
        assertEquals(0, idp.requests(LocalIdentityProvider.JWKS));
    }

    @Test
    void issuerIsComparedExactly() {
        String token = Tokens.sign(rsa, Tokens.claims(idp.issuer() + "/", AUDIENCE, now()).build());

        refused(UNTRUSTED_ISSUER, "Bearer " + token);
    }

    @Test
    void wrongAudienceIsRefused() {
        String token = Tokens.sign(rsa, platformClaims().audience(List.of("other-api", "another-api")).build());

        refused(WRONG_AUDIENCE, "Bearer " + token);
    }

    // ---- signatures and algorithms -----------------------------------------------------------------

    @Test
    void tokenSignedByAnotherKeyWithTheSameKidIsRefused() {
        RSAKey impostor = Tokens.rsa(rsa.getKeyID());

        refused(BAD_SIGNATURE, "Bearer " + Tokens.sign(impostor, platformClaims().build()));
    }

    @Test
    void tamperedPayloadIsRefused() {
        String[] parts = Tokens.sign(rsa, platformClaims().build()).split("\\.");
        String forged = Base64URL.encode(platformClaims().subject("admin").build().toString()).toString();

        refused(BAD_SIGNATURE, "Bearer " + parts[0] + "." + forged + "." + parts[2]);
    }

    @Test
    void unsecuredTokenIsRefused() {
        String header = Base64URL.encode("{\"alg\":\"none\",\"typ\":\"JWT\"}").toString();
        String payload = Base64URL.encode(platformClaims().build().toString()).toString();

        refused(UNSUPPORTED_ALGORITHM, "Bearer " + header + "." + payload + ".");
        refused(UNSUPPORTED_ALGORITHM, "Bearer " + header + "." + payload + "." + payload);
    }

    @Test
    void hmacTokenKeyedWithThePublicKeyIsRefused() throws Exception {
        byte[] publicKey = rsa.toRSAPublicKey().getEncoded();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(rsa.getKeyID()).build(), platformClaims().build());
        jwt.sign(new MACSigner(publicKey));

        refused(UNSUPPORTED_ALGORITHM, "Bearer " + jwt.serialize());
    }

    @Test
    void otherAlgorithmsAreRefusedEvenWithAValidSignature() throws Exception {
        for (JWSAlgorithm algorithm : List.of(JWSAlgorithm.PS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512)) {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(algorithm).keyID(rsa.getKeyID()).build(), platformClaims().build());
            jwt.sign(new RSASSASigner(rsa));

            refused(UNSUPPORTED_ALGORITHM, "Bearer " + jwt.serialize());
        }
        String invented = Base64URL.encode("{\"alg\":\"XX999\",\"kid\":\"rsa-1\"}") + "."
                + Base64URL.encode(platformClaims().build().toString()) + ".c2lnbmF0dXJl";
        refused(UNSUPPORTED_ALGORITHM, "Bearer " + invented);
        assertEquals(0, idp.requests(LocalIdentityProvider.JWKS));
    }

    @Test
    void rs256TokenNamingAnEcKeyIsUnknownKey() {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(ec.getKeyID()).build(), platformClaims().build());
        sign(jwt, rsa);

        refused(UNKNOWN_KEY, "Bearer " + jwt.serialize());
    }

    // ---- keys --------------------------------------------------------------------------------------

    @Test
    void unknownKidRefreshesOnceAndThenNotAgainWithinTheInterval() {
        accepted(Tokens.sign(rsa, platformClaims().build()));
        assertEquals(1, idp.requests(LocalIdentityProvider.JWKS));
        clock.advance(Duration.ofSeconds(31));

        refused(UNKNOWN_KEY, "Bearer " + Tokens.sign(Tokens.rsa("forged-1"), platformClaims().build()));
        assertEquals(2, idp.requests(LocalIdentityProvider.JWKS), "one refresh for the unknown kid");

        clock.advance(Duration.ofSeconds(29));
        refused(UNKNOWN_KEY, "Bearer " + Tokens.sign(Tokens.rsa("forged-2"), platformClaims().build()));
        assertEquals(2, idp.requests(LocalIdentityProvider.JWKS), "no second refresh within 30 s");

        clock.advance(Duration.ofSeconds(2));
        refused(UNKNOWN_KEY, "Bearer " + Tokens.sign(Tokens.rsa("forged-3"), platformClaims().build()));
        assertEquals(3, idp.requests(LocalIdentityProvider.JWKS), "refreshing is allowed again after 30 s");
    }

    @Test
    void rotatedKeyIsAcceptedAfterTheRefresh() {
        accepted(Tokens.sign(rsa, platformClaims().build()));
        RSAKey next = Tokens.rsa("rsa-2");
        idp.publish(new JWKSet(List.of(rsa, next, ec)));
        clock.advance(Duration.ofMinutes(1));

        Principal principal = accepted(Tokens.sign(next, platformClaims().subject("after-rotation").build()));

        assertEquals("after-rotation", principal.userId());
        assertEquals(2, idp.requests(LocalIdentityProvider.JWKS));
        accepted(Tokens.sign(rsa, platformClaims().build()));
        assertEquals(2, idp.requests(LocalIdentityProvider.JWKS), "known keys are served from the cache");
    }

    @Test
    void keySetIsFetchedAgainAfterItsTimeToLive() {
        accepted(Tokens.sign(rsa, platformClaims().build()));
        clock.advance(JwksCache.DEFAULT_TTL.minusSeconds(1));
        accepted(Tokens.sign(rsa, platformClaims().build()));
        assertEquals(1, idp.requests(LocalIdentityProvider.JWKS));

        clock.advance(Duration.ofSeconds(2));
        accepted(Tokens.sign(rsa, platformClaims().build()));
        assertEquals(2, idp.requests(LocalIdentityProvider.JWKS));
    }

    @Test
    void unreachableKeysAreAnOutageNotARefusal() {
        idp.failWith(500);

        IdentityProviderUnavailableException error = assertThrows(IdentityProviderUnavailableException.class,
                () -> accepted(Tokens.sign(rsa, platformClaims().build())));

        assertTrue(error.getMessage().contains("HTTP 500"), error.getMessage());
    }

    @Test
    void discoveryFindsTheKeysWhenNoJwksUrlIsConfigured() {
        idp.publish(LocalIdentityProvider.JWKS, new JWKSet());
        idp.publish("/discovered/jwks", new JWKSet(rsa));
        idp.discovery(idp.issuer(), idp.uri("/discovered/jwks").toString());
        validator = validator(null);

        assertEquals("user-123", accepted(Tokens.sign(rsa, platformClaims().build())).userId());
        accepted(Tokens.sign(rsa, platformClaims().build()));

        assertEquals(1, idp.requests(LocalIdentityProvider.DISCOVERY), "discovery is remembered");
        assertEquals(1, idp.requests("/discovered/jwks"));
        assertEquals(0, idp.requests(LocalIdentityProvider.JWKS));
    }

    // ---- app issuers and administrators ------------------------------------------------------------

    @Test
    void appIssuerTokenMakesAnEndUserOfThatApp() {
        ECKey appKey = Tokens.ec("shop-key");
        idp.publish(APP_JWKS, new JWKSet(appKey));
        String appIssuer = idp.issuer() + "/apps/shop";
        appIssuers.put(appIssuer, TrustedIssuer.app(appIssuer, APP_AUDIENCE, idp.uri(APP_JWKS), SHOP));

        Principal principal = accepted(Tokens.sign(appKey, Tokens.claims(appIssuer, APP_AUDIENCE, now()).subject("shopper").build()));

        assertEquals("shopper", principal.userId());
        assertEquals(appIssuer, principal.issuer());
        assertTrue(principal.isEndUser());
        assertEquals(SHOP, principal.endUserOf());
        // The app's issuer is trusted only together with the app's own audience (the platform's is not it),
        // and the platform's keys do not sign for the app.
        refused(UNTRUSTED_ISSUER, "Bearer " + Tokens.sign(appKey, Tokens.claims(appIssuer, AUDIENCE, now()).build()));
        refused(UNKNOWN_KEY, "Bearer " + Tokens.sign(rsa, Tokens.claims(appIssuer, APP_AUDIENCE, now()).build()));
    }

    @Test
    void platformAdminIsRecognisedOnlyFromThePlatformIssuer() {
        ECKey appKey = Tokens.ec("shop-key");
        idp.publish(APP_JWKS, new JWKSet(appKey));
        String appIssuer = idp.issuer() + "/apps/shop";
        appIssuers.put(appIssuer, TrustedIssuer.app(appIssuer, APP_AUDIENCE, idp.uri(APP_JWKS), SHOP));

        Principal admin = accepted(Tokens.sign(rsa, platformClaims().claim("roles", List.of("builder", "platform_admin")).build()));
        Principal builder = accepted(Tokens.sign(rsa, platformClaims().claim("roles", List.of("builder")).build()));
        Principal appUser = accepted(Tokens.sign(appKey, Tokens.claims(appIssuer, APP_AUDIENCE, now())
                .claim("roles", List.of("platform_admin")).build()));

        assertTrue(admin.isPlatformAdmin());
        assertFalse(builder.isPlatformAdmin());
        assertFalse(appUser.isPlatformAdmin());
        assertEquals(Set.of("platform_admin"), appUser.roles());
        assertEquals(SHOP, appUser.endUserOf());
    }

    @Test
    void outsideDevelopmentAnAppsKeysOnAHostThatResolvesToLoopbackAreNeverFetched() {
        ECKey appKey = Tokens.ec("shop-key");
        idp.publish(APP_JWKS, new JWKSet(appKey));
        String appIssuer = "https://id.shop.example";
        URI jwks = URI.create("http://keys.shop.example:" + idp.jwksUri().getPort() + APP_JWKS);
        appIssuers.put(appIssuer, TrustedIssuer.app(appIssuer, APP_AUDIENCE, jwks, SHOP));
        HostResolver toLoopback = host -> new InetAddress[] {InetAddress.getByName("127.0.0.1")};
        IdentitySettings settings = new IdentitySettings(idp.issuer(), AUDIENCE, idp.jwksUri(), SKEW, "roles", "platform_admin");
        BearerTokenValidator production = BearerTokenValidator.create(settings,
                (issuer, audiences) -> Mono.just(Optional.ofNullable(appIssuers.get(issuer))), clock, new OutboundClient(toLoopback), false);
        String appToken = Tokens.sign(appKey, Tokens.claims(appIssuer, APP_AUDIENCE, now()).subject("shopper").build());

        IdentityProviderUnavailableException error = assertThrows(IdentityProviderUnavailableException.class,
                () -> production.authenticate("Bearer " + appToken).block(WAIT));

        assertTrue(error.getMessage().contains("resolves to a loopback address"), error.getMessage());
        assertEquals(0, idp.requests(APP_JWKS));
        // The platform's issuer is the operator's configuration: its keys on loopback still serve.
        assertEquals("user-123", production.authenticate("Bearer " + Tokens.sign(rsa, platformClaims().build())).block(WAIT).userId());
    }

    // ---- the header itself -------------------------------------------------------------------------

    @Test
    void otherSchemesAreMissingToken() {
        String token = Tokens.sign(rsa, platformClaims().build());

        refused(MISSING_TOKEN, "Basic dXNlcjpwYXNzd29yZA==");
        refused(MISSING_TOKEN, "Token " + token);
        refused(MISSING_TOKEN, token);
        assertEquals("user-123", validator.authenticate("bearer " + token).block(WAIT).userId(), "the scheme is case-insensitive");
    }

    @Test
    void absentOrEmptyHeaderIsMissingToken() {
        refused(MISSING_TOKEN, null);
        refused(MISSING_TOKEN, "");
        refused(MISSING_TOKEN, "   ");
        refused(MISSING_TOKEN, "Bearer");
        refused(MISSING_TOKEN, "Bearer    ");
    }

    @Test
    void garbageIsMalformedToken() {
        refused(MALFORMED_TOKEN, "Bearer not-a-jwt");
        refused(MALFORMED_TOKEN, "Bearer %%%.%%%.%%%");
        refused(MALFORMED_TOKEN, "Bearer " + Base64URL.encode("not json") + ".e30.c2ln");
        refused(MALFORMED_TOKEN, "Bearer " + Base64URL.encode("{\"typ\":\"JWT\"}") + ".e30.c2ln");
        refused(MALFORMED_TOKEN, "Bearer " + Base64URL.encode("{\"alg\":\"RS256\"}") + ".bm90IGpzb24.c2ln");
        refused(MALFORMED_TOKEN, "Bearer " + Base64URL.encode("{\"alg\":\"RS256\"}") + "." + Base64URL.encode("{\"exp\":\"soon\"}") + ".c2ln");
        refused(MALFORMED_TOKEN, "Bearer two tokens");
    }

    @Test
    void oversizedTokenIsMalformedToken() {
        String token = Tokens.sign(rsa, platformClaims().claim("padding", "x".repeat(BearerTokenValidator.MAX_TOKEN_CHARS)).build());

        refused(MALFORMED_TOKEN, "Bearer " + token);
        assertEquals(0, idp.requests(LocalIdentityProvider.JWKS));
    }

    @Test
    void messagesNeverRepeatTheTokenOrItsClaims() {
        String secretSubject = "subject-that-must-not-leak";
        String token = Tokens.sign(Tokens.rsa(rsa.getKeyID()), platformClaims().subject(secretSubject).build());
        List<String> headers = List.of(
                "Bearer " + token,
                "Bearer " + token + "x",
                "Bearer " + token.replace('.', '!'),
                "Bearer " + Tokens.sign(rsa, Tokens.claims("https://" + secretSubject, AUDIENCE, now()).build()),
                "Bearer " + Tokens.sign(rsa, platformClaims().audience(secretSubject).build()));

        for (String header : headers) {
            AuthenticationException error = assertThrows(AuthenticationException.class, () -> validator.authenticate(header).block(WAIT));
            assertFalse(error.getMessage().contains(secretSubject), error.getMessage());
            assertNothingOfTheTokenIn(error.getMessage(), header);
        }
    }

    private static void sign(SignedJWT jwt, com.nimbusds.jose.jwk.JWK key) {
        try {
            jwt.sign(key instanceof RSAKey r ? new RSASSASigner(r) : new com.nimbusds.jose.crypto.ECDSASigner((ECKey) key));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}

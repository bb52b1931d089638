package ai.mozaiks.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.identity.RuntimeToken;
import ai.mozaiks.persistence.MutableClock;
import ai.mozaiks.kernel.AppId;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.junit.jupiter.api.Test;

class RuntimeTokensTest {
    private static final byte[] KEY = "a-runtime-token-key-of-32-bytes!".getBytes(StandardCharsets.UTF_8);
    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    private final RuntimeTokens tokens = new RuntimeTokens(KEY, Duration.ofMinutes(15), clock);
    private final AppId app = AppId.of("app-1");

    @Test
    void aTokenGrantsItsChatForFifteenMinutes() {
        RuntimeToken grant = tokens.grant(app, "alice", "chat-1");
        String token = tokens.issue(grant);

        RuntimeToken verified = tokens.verify("Bearer " + token, "chat-1");
        assertEquals(new RuntimeToken(app, "alice", "chat-1", Instant.parse("2030-01-01T00:15:00Z")), verified);

        clock.advance(Duration.ofMinutes(15));
        assertEquals("expired", reason(() -> tokens.verify("Bearer " + token, "chat-1")));
    }

    @Test
    void aTokenForAnotherChatLooksLikeAChatThatDoesNotExist() {
        String token = tokens.issue(tokens.grant(app, "alice", "chat-1"));
        ApiException refused = assertThrows(ApiException.class, () -> tokens.verify("Bearer " + token, "chat-2"));
        assertEquals(404, refused.problem().status());
    }

    @Test
    void forgedOrForeignTokensAreRefused() {
        String token = tokens.issue(tokens.grant(app, "alice", "chat-1"));
        RuntimeTokens otherKey = new RuntimeTokens("another-key-with-thirty-two-byte".getBytes(StandardCharsets.UTF_8),
                Duration.ofMinutes(15), clock);
        assertEquals("bad_signature", reason(() -> otherKey.verify("Bearer " + token, "chat-1")));
        assertEquals("missing_token", reason(() -> tokens.verify(null, "chat-1")));
        assertEquals("missing_token", reason(() -> tokens.verify("Basic abc", "chat-1")));
        assertEquals("malformed_token", reason(() -> tokens.verify("Bearer not.a.jwt", "chat-1")));
        assertEquals("wrong_audience", reason(() -> tokens.verify("Bearer " + signed("someone-else"), "chat-1")));
        String unsigned = token.substring(0, token.lastIndexOf('.') + 1);
        assertFalse(unsigned.isEmpty());
        assertEquals("malformed_token", reason(() -> tokens.verify("Bearer " + unsigned, "chat-1")));
    }

    private String signed(String audience) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder()
                    .issuer(audience).audience(audience).subject("alice").claim("app_id", "app-1").claim("chat_id", "chat-1")
                    .expirationTime(Date.from(clock.instant().plusSeconds(60))).build());
            jwt.sign(new MACSigner(KEY));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String reason(org.junit.jupiter.api.function.Executable call) {
        ApiException refused = assertThrows(ApiException.class, call);
        assertEquals(401, refused.problem().status());
        String challenge = refused.headers().get("WWW-Authenticate");
        return challenge.substring(challenge.indexOf("error_description=\"") + 19, challenge.length() - 1);
    }
}

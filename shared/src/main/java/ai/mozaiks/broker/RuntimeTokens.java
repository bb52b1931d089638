package ai.mozaiks.broker;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.http.Problem;
import ai.mozaiks.identity.RuntimeToken;
import ai.mozaiks.kernel.AppId;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.UUID;

/**
 * Short-lived tokens the session broker issues for one {@code {app_id, user_id, chat_id}}; the
 * runtime's own endpoints accept nothing else. Only this platform signs and checks them, so a
 * symmetric key (from Key Vault in Azure) is enough, and the audience keeps them apart from any
 * IdP's tokens.
 */
public final class RuntimeTokens {
    static final String ISSUER = "mozaiks-runtime";
    static final String AUDIENCE = "mozaiks-runtime";
    private static final int MAX_TOKEN_CHARS = 4096;

    private final MACSigner signer;
    private final MACVerifier verifier;
    private final Duration lifetime;
    private final Clock clock;

    public RuntimeTokens(byte[] key, Duration lifetime, Clock clock) {
        try {
            this.signer = new MACSigner(key);
            this.verifier = new MACVerifier(key);
        } catch (JOSEException e) {
            throw new IllegalArgumentException("runtime token key must be at least 32 bytes", e);
        }
        this.lifetime = lifetime;
        this.clock = clock;
    }

    public String issue(RuntimeToken grant) {
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(ISSUER).audience(AUDIENCE).subject(grant.userId())
                .claim("app_id", grant.appId().value()).claim("chat_id", grant.chatId())
                .issueTime(Date.from(clock.instant())).expirationTime(Date.from(grant.expiresAt()))
                .jwtID(UUID.randomUUID().toString())
                .build();
        SignedJWT token = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        try {
            token.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("runtime token cannot be signed", e);
        }
        return token.serialize();
    }

    public RuntimeToken grant(AppId appId, String userId, String chatId) {
        return new RuntimeToken(appId, userId, chatId, clock.instant().plus(lifetime));
    }

    /** The grant of a valid token for {@code chatId}; 401 otherwise, naming no token content. */
    public RuntimeToken verify(String authorization, String chatId) {
        String token = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).trim() : null;
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_CHARS) {
            throw refused("missing_token", "A runtime token from POST /api/sessions is required.");
        }
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm()) || !jwt.verify(verifier)) {
                throw refused("bad_signature", "The runtime token is not valid.");
            }
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            Instant now = clock.instant();
            if (!ISSUER.equals(claims.getIssuer()) || claims.getAudience() == null || !claims.getAudience().contains(AUDIENCE)) {
                throw refused("wrong_audience", "The token is not a runtime token.");
            }
            if (claims.getExpirationTime() == null || !claims.getExpirationTime().toInstant().isAfter(now)) {
                throw refused("expired", "The runtime token has expired; start or resume the session again.");
            }
            if (!chatId.equals(claims.getStringClaim("chat_id"))) {
                // Same answer as for a chat that does not exist: a token shows nothing about other chats.
                throw ApiException.notFound("The chat");
            }
            return new RuntimeToken(AppId.of(claims.getStringClaim("app_id")), claims.getSubject(), chatId,
                    claims.getExpirationTime().toInstant());
        } catch (ParseException | JOSEException | IllegalArgumentException e) {
            throw refused("malformed_token", "The runtime token is not valid.");
        }
    }

    private static ApiException refused(String reason, String detail) {
        return new ApiException(Problem.of(401, "unauthenticated", "Unauthenticated", detail),
                Map.of("WWW-Authenticate", "Bearer error=\"invalid_token\", error_description=\"" + reason + "\""));
    }
}

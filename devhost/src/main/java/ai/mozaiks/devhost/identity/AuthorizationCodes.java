package ai.mozaiks.devhost.identity;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The codes the authorize page hands out, each redeemable once, for a short while, by the client and
 * redirect URI it was issued to and the holder of the PKCE verifier. Kept in memory: a code outlives
 * no restart, and needs not to.
 */
final class AuthorizationCodes {
    /** Long enough for a browser to come back and post it; RFC 6749 §4.1.2 recommends at most ten minutes. */
    static final Duration LIFETIME = Duration.ofSeconds(60);
    private static final int CODE_BYTES = 32;

    private record Grant(String subject, String clientId, String redirectUri, String codeChallenge, Instant expiresAt) {
    }

    private final Map<String, Grant> pending = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final Clock clock;

    AuthorizationCodes(Clock clock) {
        this.clock = clock;
    }

    /** A new code for {@code subject}, signed in through {@code request}. */
    String issue(AuthorizationRequest request, String subject) {
        Instant now = clock.instant();
        // Codes nobody came back for go here, so the map holds at most a minute's worth.
        pending.values().removeIf(grant -> !grant.expiresAt().isAfter(now));
        byte[] bytes = new byte[CODE_BYTES];
        random.nextBytes(bytes);
        String code = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        pending.put(code, new Grant(subject, request.clientId(), request.redirectUri().toString(), request.codeChallenge(),
                now.plus(LIFETIME)));
        return code;
    }

    /**
     * The subject the code was issued for. The code is spent by any attempt, right or wrong, so a
     * guessed verifier gets one try and a leaked code is worth nothing once used.
     */
    String redeem(String code, String clientId, String redirectUri, String verifier) throws OAuthError {
        Grant grant = pending.remove(code);
        if (grant == null) {
            throw OAuthError.invalidGrant("the code is unknown, already used or expired; sign in again for a new one");
        }
        if (!grant.expiresAt().isAfter(clock.instant())) {
            throw OAuthError.invalidGrant("the code expired (codes live " + LIFETIME.toSeconds() + " s); sign in again");
        }
        if (!grant.clientId().equals(clientId)) {
            throw OAuthError.invalidGrant("the code was issued to another client_id");
        }
        if (!grant.redirectUri().equals(redirectUri)) {
            throw OAuthError.invalidGrant("redirect_uri is not the one the code was issued for");
        }
        if (!Pkce.matches(verifier, grant.codeChallenge())) {
            throw OAuthError.invalidGrant("code_verifier does not match the code_challenge of the authorization request");
        }
        return grant.subject();
    }
}

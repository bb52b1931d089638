package ai.mozaiks.devhost.webpubsub;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HS256 JWTs keyed with the access keys, as the service uses them: client access tokens
 * ({@code aud} = the hub's client URL) and REST bearer tokens ({@code aud} = the request URL).
 */
final class AccessKeyTokens {
    /** Why a token is refused, in words a developer can act on. */
    static final class Rejected extends RuntimeException {
        Rejected(String message) {
            super(message, null, false, false);
        }
    }

    private final List<MACVerifier> verifiers = new ArrayList<>();
    private final MACSigner signer;
    private final Clock clock;

    AccessKeyTokens(List<String> accessKeys, Clock clock) {
        this.clock = clock;
        try {
            for (String key : accessKeys) {
                verifiers.add(new MACVerifier(key.getBytes(StandardCharsets.UTF_8)));
            }
            this.signer = new MACSigner(accessKeys.get(0).getBytes(StandardCharsets.UTF_8));
        } catch (JOSEException e) {
            throw new IllegalArgumentException("an access key cannot key HS256", e);
        }
    }

    /** The token's claims (JSON values), if it is signed with an access key, current, and for one of the audiences. */
    Map<String, Object> verify(String token, Collection<String> audiences) {
        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(token);
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw new Rejected("the token is not a JWT");
        }
        if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm())) {
            throw new Rejected("the token is not signed with HS256");
        }
        if (verifiers.stream().noneMatch(verifier -> verifies(jwt, verifier))) {
            throw new Rejected("the token is not signed with an access key of this service");
        }
        Instant now = clock.instant();
        Date expires = claims.getExpirationTime();
        if (expires == null || !now.isBefore(expires.toInstant())) {
            throw new Rejected(expires == null ? "the token has no exp" : "the token expired at " + expires.toInstant());
        }
        Date notBefore = claims.getNotBeforeTime();
        if (notBefore != null && now.isBefore(notBefore.toInstant())) {
            throw new Rejected("the token is not valid before " + notBefore.toInstant());
        }
        List<String> wanted = audiences.stream().map(AccessKeyTokens::comparable).toList();
        if (claims.getAudience().stream().map(AccessKeyTokens::comparable).noneMatch(wanted::contains)) {
            throw new Rejected("the token's aud " + claims.getAudience() + " is not " + audiences.iterator().next());
        }
        return claims.toJSONObject();
    }

    /** A client access token, as the service's {@code :generateToken} makes it. */
    String mintClientToken(String audience, String userId, List<String> roles, List<String> groups, Duration lifetime) {
        Instant now = clock.instant();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .audience(audience)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(lifetime)));
        if (userId != null) {
            claims.subject(userId);
        }
        if (!roles.isEmpty()) {
            claims.claim("role", roles);
        }
        if (!groups.isEmpty()) {
            claims.claim("webpubsub.group", groups);
        }
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims.build());
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("HS256 signing failed", e);
        }
        return jwt.serialize();
    }

    private static boolean verifies(SignedJWT jwt, MACVerifier verifier) {
        try {
            return jwt.verify(verifier);
        } catch (JOSEException e) {
            return false;
        }
    }

    /** Audiences compare case-insensitively and without a trailing slash, as the service does. */
    private static String comparable(String audience) {
        String lower = audience.toLowerCase(Locale.ROOT);
        return lower.endsWith("/") ? lower.substring(0, lower.length() - 1) : lower;
    }
}

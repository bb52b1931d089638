package ai.mozaiks.identity;

import static ai.mozaiks.identity.AuthenticationException.Reason.BAD_SIGNATURE;
import static ai.mozaiks.identity.AuthenticationException.Reason.EXPIRED;
import static ai.mozaiks.identity.AuthenticationException.Reason.MALFORMED_TOKEN;
import static ai.mozaiks.identity.AuthenticationException.Reason.MISSING_TOKEN;
import static ai.mozaiks.identity.AuthenticationException.Reason.NOT_YET_VALID;
import static ai.mozaiks.identity.AuthenticationException.Reason.UNKNOWN_KEY;
import static ai.mozaiks.identity.AuthenticationException.Reason.UNSUPPORTED_ALGORITHM;
import static ai.mozaiks.identity.AuthenticationException.Reason.UNTRUSTED_ISSUER;
import static ai.mozaiks.identity.AuthenticationException.Reason.WRONG_AUDIENCE;

import ai.mozaiks.config.IdentitySettings;
import ai.mozaiks.outbound.OutboundClient;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import reactor.core.publisher.Mono;

/**
 * Authenticates an {@code Authorization: Bearer <JWT>} header value: the issuer must be trusted
 * before anything is verified, the key comes from that issuer's JWKS by {@code kid}, only RS256 and
 * ES256 signatures count, and the audience and validity window are checked with a bounded clock
 * skew. Refusals are {@link AuthenticationException}s with a stable reason; an identity provider
 * that cannot be reached is an {@link IdentityProviderUnavailableException}.
 */
public final class BearerTokenValidator {
    public static final int MAX_TOKEN_CHARS = 16 * 1024;
    private static final int MAX_ISSUER_CHARS = 2048;
    private static final int MIN_RSA_BITS = 2048;
    // Only asymmetric algorithms: HS* would let anyone holding the public key forge tokens, none signs nothing.
    private static final Set<JWSAlgorithm> ACCEPTED = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256);

    private final TrustedIssuers issuers;
    private final JwksCache keys;
    private final PrincipalMapper principals;
    private final Duration clockSkew;
    private final Clock clock;

    public BearerTokenValidator(TrustedIssuers issuers, JwksCache keys, PrincipalMapper principals, Duration clockSkew, Clock clock) {
        this.issuers = issuers;
        this.keys = keys;
        this.principals = principals;
        this.clockSkew = clockSkew;
        this.clock = clock;
    }

    /**
     * The validator the platform runs with: the platform issuer from {@code settings}, then the
     * apps' issuers from {@code appIssuers}. Apps' keys are fetched only from public addresses unless
     * {@code appPrivateNetworks} (development).
     */
    public static BearerTokenValidator create(IdentitySettings settings,
                                              TrustedIssuers appIssuers,
                                              Clock clock, OutboundClient outbound, boolean appPrivateNetworks) {
        TrustedIssuers trusted = TrustedIssuers.of(new PlatformIssuer(settings, outbound, JwksCache.DEFAULT_FETCH_TIMEOUT), appIssuers);
        return new BearerTokenValidator(trusted, JwksCache.withDefaults(outbound, appPrivateNetworks, clock),
                new PrincipalMapper(settings.adminClaim(), settings.adminValue()), settings.clockSkew(), clock);
    }

    /** The principal of a valid token; fails with {@link AuthenticationException} otherwise. */
    public Mono<Principal> authenticate(String authorizationHeaderValue) {
        SignedJWT token;
        JWTClaimsSet claims;
        try {
            token = parse(bearerToken(authorizationHeaderValue));
            claims = claims(token);
        } catch (AuthenticationException e) {
            return Mono.error(e);
        }
        String issuer = claims.getIssuer();
        if (issuer == null || issuer.length() > MAX_ISSUER_CHARS) {
            return Mono.error(refused(UNTRUSTED_ISSUER, "The token names no trusted issuer (iss)."));
        }
        return issuers.find(issuer, claims.getAudience())
                .defaultIfEmpty(Optional.empty())
                .flatMap(trusted -> trusted
                        .map(found -> verify(token, claims, found))
                        .orElseGet(() -> Mono.error(refused(UNTRUSTED_ISSUER, "The token's issuer is not trusted."))));
    }

    private static String bearerToken(String header) {
        String value = header == null ? "" : header.strip();
        int space = indexOfWhitespace(value);
        if (space < 0 || !value.substring(0, space).equalsIgnoreCase("Bearer")) {
            throw refused(MISSING_TOKEN, "An Authorization header with a Bearer token is required.");
        }
        String token = value.substring(space + 1).strip();
        if (token.isEmpty()) {
            throw refused(MISSING_TOKEN, "An Authorization header with a Bearer token is required.");
        }
        if (token.length() > MAX_TOKEN_CHARS) {
            throw refused(MALFORMED_TOKEN, "The token is larger than " + MAX_TOKEN_CHARS + " characters.");
        }
        if (indexOfWhitespace(token) >= 0) {
            throw refused(MALFORMED_TOKEN, "The token is not a compact JWS.");
        }
        return token;
    }

    private static int indexOfWhitespace(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (Character.isWhitespace(value.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    /** Reads the algorithm from the raw header first, so unsecured and encrypted tokens are named for what they are. */
    private static SignedJWT parse(String token) {
        int dot = token.indexOf('.');
        if (dot <= 0) {
            throw refused(MALFORMED_TOKEN, "The token is not a compact JWS.");
        }
        Object algorithm;
        try {
            algorithm = JSONObjectUtils.parse(new Base64URL(token.substring(0, dot)).decodeToString()).get("alg");
        } catch (ParseException | RuntimeException e) {
            throw refused(MALFORMED_TOKEN, "The token header is not valid base64url JSON.");
        }
        if (!(algorithm instanceof String name)) {
            throw refused(MALFORMED_TOKEN, "The token header names no algorithm (alg).");
        }
        if (!ACCEPTED.contains(JWSAlgorithm.parse(name))) {
            throw refused(UNSUPPORTED_ALGORITHM, "Only RS256 and ES256 signed tokens are accepted.");
        }
        try {
            return SignedJWT.parse(token);
        } catch (ParseException e) {
            throw refused(MALFORMED_TOKEN, "The token is not a valid JWS.");
        }
    }

    private static JWTClaimsSet claims(SignedJWT token) {
        try {
            return token.getJWTClaimsSet();
        } catch (ParseException e) {
            throw refused(MALFORMED_TOKEN, "The token's claims are not a valid JWT claims set.");
        }
    }

    private Mono<Principal> verify(SignedJWT token, JWTClaimsSet claims, TrustedIssuer issuer) {
        JWSHeader header = token.getHeader();
        return keys.find(issuer, key -> fits(key, header)).map(candidates -> {
            // Without a kid the key must be unambiguous (OIDC allows omitting kid only with one key).
            if (candidates.size() != 1) {
                throw refused(UNKNOWN_KEY, "The issuer publishes no single " + header.getAlgorithm() + " key matching the token's key id.");
            }
            checkSignature(token, candidates.get(0));
            checkAudience(claims, issuer);
            checkValidity(claims);
            return principals.map(claims, issuer);
        });
    }

    /** The key named by the token's kid, of the type its algorithm needs; JWK alg and use are honoured when present. */
    private static boolean fits(JWK key, JWSHeader header) {
        JWSAlgorithm algorithm = header.getAlgorithm();
        if (header.getKeyID() != null && !header.getKeyID().equals(key.getKeyID())) {
            return false;
        }
        if (key.getKeyUse() != null && !KeyUse.SIGNATURE.equals(key.getKeyUse())) {
            return false;
        }
        if (key.getAlgorithm() != null && !algorithm.equals(key.getAlgorithm())) {
            return false;
        }
        if (JWSAlgorithm.RS256.equals(algorithm)) {
            return key instanceof RSAKey rsa && rsa.size() >= MIN_RSA_BITS;
        }
        return JWSAlgorithm.ES256.equals(algorithm) && key instanceof ECKey ec && Curve.P_256.equals(ec.getCurve());
    }

    private static void checkSignature(SignedJWT token, JWK key) {
        boolean valid;
        try {
            JWSVerifier verifier = key instanceof RSAKey rsa
                    ? new RSASSAVerifier(rsa.toRSAPublicKey())
                    : new ECDSAVerifier(((ECKey) key).toECPublicKey());
            // Verifiers refuse any critical header they do not understand.
            valid = token.verify(verifier);
        } catch (JOSEException e) {
            valid = false;
        }
        if (!valid) {
            throw refused(BAD_SIGNATURE, "The token's signature does not verify.");
        }
    }

    private static void checkAudience(JWTClaimsSet claims, TrustedIssuer issuer) {
        List<String> audience = claims.getAudience();
        if (!audience.contains(issuer.audience())) {
            throw refused(WRONG_AUDIENCE, "The token was not issued for this audience.");
        }
    }

    private void checkValidity(JWTClaimsSet claims) {
        Instant now = clock.instant();
        Date expires = claims.getExpirationTime();
        if (expires == null) {
            throw refused(MALFORMED_TOKEN, "The token has no expiry (exp).");
        }
        if (!now.isBefore(expires.toInstant().plus(clockSkew))) {
            throw refused(EXPIRED, "The token has expired.");
        }
        Date notBefore = claims.getNotBeforeTime();
        if (notBefore != null && now.isBefore(notBefore.toInstant().minus(clockSkew))) {
            throw refused(NOT_YET_VALID, "The token is not valid yet (nbf).");
        }
        Date issuedAt = claims.getIssueTime();
        if (issuedAt != null && now.isBefore(issuedAt.toInstant().minus(clockSkew))) {
            throw refused(NOT_YET_VALID, "The token is issued in the future (iat).");
        }
    }

    private static AuthenticationException refused(AuthenticationException.Reason reason, String message) {
        return new AuthenticationException(reason, message);
    }
}

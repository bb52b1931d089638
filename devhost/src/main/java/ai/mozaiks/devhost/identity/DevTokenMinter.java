package ai.mozaiks.devhost.identity;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;
import java.util.function.Function;

/** Signs access tokens with the development key (see {@link DevSigningKey}), shaped like those of a real OIDC provider. */
final class DevTokenMinter {
    private final JWK key;
    private final JWSAlgorithm algorithm;
    private final String jwks;
    private final JWSSigner signer;
    private final Function<TokenRequest, String> issuerOf;
    private final Clock clock;

    DevTokenMinter(JWK key, Function<TokenRequest, String> issuerOf, Clock clock) {
        this.key = key;
        this.algorithm = DevSigningKey.algorithm(key);
        this.jwks = new JWKSet(key).toPublicJWKSet().toString();
        this.issuerOf = issuerOf;
        this.clock = clock;
        try {
            this.signer = key instanceof ECKey ec ? new ECDSASigner(ec) : new RSASSASigner(key.toRSAKey());
        } catch (JOSEException e) {
            throw new IllegalStateException("the development signing key cannot sign", e);
        }
    }

    /** The algorithm every token is signed with. */
    JWSAlgorithm algorithm() {
        return algorithm;
    }

    /** The public key as a JWKS document. */
    String jwks() {
        return jwks;
    }

    String mint(TokenRequest request) {
        Instant now = clock.instant();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer(issuerOf.apply(request))
                .subject(request.subject())
                .audience(request.audience())
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plus(request.expiresIn())))
                .jwtID(UUID.randomUUID().toString());
        if (!request.roles().isEmpty()) {
            claims.claim("roles", request.roles());
        }
        if (request.email() != null) {
            // The developer vouches for the address.
            claims.claim("email", request.email()).claim("email_verified", true);
        }
        if (request.name() != null) {
            claims.claim("name", request.name());
        }
        SignedJWT token = new SignedJWT(
                new JWSHeader.Builder(algorithm).keyID(key.getKeyID()).type(JOSEObjectType.JWT).build(),
                claims.build());
        try {
            token.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("signing a development token failed", e);
        }
        return token.serialize();
    }
}

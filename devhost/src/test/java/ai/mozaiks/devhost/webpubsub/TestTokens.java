package ai.mozaiks.devhost.webpubsub;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;

/** Tokens made by hand, for what the SDK never produces: other keys, single-string claims, expired ones. */
final class TestTokens {
    static final String KEY = "emulator-test-primary-key-0123456789abcdef";
    static final String SECONDARY_KEY = "emulator-test-secondary-key-0123456789abcdef";
    static final String OTHER_KEY = "some-other-service-key-0123456789abcdefgh";

    private TestTokens() {
    }

    /** HS256 over {@code claims} plus {@code aud} and an {@code exp} {@code expiresIn} from now (negative: expired). */
    static String sign(String key, String audience, Duration expiresIn, Map<String, Object> claims) {
        JWTClaimsSet.Builder builder = new JWTClaimsSet.Builder().audience(audience)
                .expirationTime(Date.from(Instant.now().plus(expiresIn)));
        claims.forEach(builder::claim);
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), builder.build());
        try {
            jwt.sign(new MACSigner(key.getBytes(StandardCharsets.UTF_8)));
        } catch (JOSEException e) {
            throw new AssertionError(e);
        }
        return jwt.serialize();
    }
}

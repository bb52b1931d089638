package ai.mozaiks.config;

import java.net.URI;
import java.time.Duration;

/**
 * How the platform's own identity provider is trusted: its issuer and the audience tokens must be
 * minted for, where its signing keys are published (discovered from the issuer when not given),
 * the clock skew tolerated, and the claim that marks a platform administrator.
 */
public record IdentitySettings(
        String platformIssuer,
        String platformAudience,
        URI platformJwksUrl,
        Duration clockSkew,
        String adminClaim,
        String adminValue) {

    static IdentitySettings read(SettingsReader reader) {
        String issuer = reader.required("AUTH_PLATFORM_ISSUER", "the issuer (iss) of the platform's identity provider, an https URL");
        String audience = reader.required("AUTH_PLATFORM_AUDIENCE", "the audience (aud) platform tokens are minted for");
        String jwks = reader.string("AUTH_PLATFORM_JWKS_URL", null, IdentitySettings::isHttpUrl, "an http(s) URL of a JWKS document");
        String admin = reader.string("AUTH_PLATFORM_ADMIN_CLAIM", "roles:platform_admin",
                value -> value.matches("[A-Za-z0-9_.-]+:[^:\\s]+"), "claim:value, such as roles:platform_admin");
        if (issuer != null && !isHttpUrl(issuer)) {
            reader.problem("AUTH_PLATFORM_ISSUER: \"" + issuer + "\" is malformed; expected an http(s) URL");
        }
        Duration skew = reader.seconds("AUTH_CLOCK_SKEW_SECONDS", Duration.ofSeconds(60), 0, 600);
        String[] claim = admin.split(":", 2);
        return new IdentitySettings(issuer, audience, jwks == null ? null : URI.create(jwks), skew, claim[0], claim[1]);
    }

    private static boolean isHttpUrl(String value) {
        try {
            URI uri = URI.create(value);
            return ("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) && uri.getHost() != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}

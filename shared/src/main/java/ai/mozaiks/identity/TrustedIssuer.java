package ai.mozaiks.identity;

import ai.mozaiks.kernel.AppId;
import java.net.URI;
import java.util.Objects;

/**
 * An issuer whose tokens are accepted: the audience they must name and where its signing keys are
 * published. PLATFORM is the platform's own identity provider (builders and operators); APP is an
 * app's own identity provider, whose users are end users of that app only.
 */
public record TrustedIssuer(String issuer, String audience, URI jwksUri, Kind kind, AppId appId) {

    public enum Kind {
        PLATFORM,
        APP
    }

    public TrustedIssuer {
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(audience, "audience");
        Objects.requireNonNull(jwksUri, "jwksUri");
        Objects.requireNonNull(kind, "kind");
        if ((kind == Kind.APP) != (appId != null)) {
            throw new IllegalArgumentException("an APP issuer names its app; a PLATFORM issuer names none");
        }
    }

    public static TrustedIssuer platform(String issuer, String audience, URI jwksUri) {
        return new TrustedIssuer(issuer, audience, jwksUri, Kind.PLATFORM, null);
    }

    public static TrustedIssuer app(String issuer, String audience, URI jwksUri, AppId appId) {
        return new TrustedIssuer(issuer, audience, jwksUri, Kind.APP, appId);
    }
}

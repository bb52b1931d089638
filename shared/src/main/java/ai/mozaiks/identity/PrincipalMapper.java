package ai.mozaiks.identity;

import com.nimbusds.jwt.JWTClaimsSet;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns the claims of a verified token into a {@link Principal}.
 *
 * <p>Email: the {@code email} claim unless {@code email_verified} says false; only when there is no
 * {@code email} claim at all, {@code preferred_username} then {@code upn} if it looks like an address
 * (Entra ID access tokens carry the sign-in address there). An address the identity provider marks
 * unverified gives no email rather than a fallback. Either way the email is for display and
 * contact only: {@code sub} is the identity, and no decision may rest on the email.
 */
public final class PrincipalMapper {
    private final String adminClaim;
    private final String adminValue;

    /** {@code adminClaim} containing {@code adminValue} marks a platform administrator (platform tokens only). */
    public PrincipalMapper(String adminClaim, String adminValue) {
        this.adminClaim = adminClaim;
        this.adminValue = adminValue;
    }

    public Principal map(JWTClaimsSet claims, TrustedIssuer issuer) {
        String subject = claims.getSubject();
        if (subject == null || subject.isBlank()) {
            throw new AuthenticationException(AuthenticationException.Reason.MALFORMED_TOKEN, "The token names no subject (sub).");
        }
        boolean platform = issuer.kind() == TrustedIssuer.Kind.PLATFORM;
        return new Principal(
                subject,
                issuer.issuer(),
                email(claims),
                text(claims.getClaim("name")),
                values(claims.getClaim("roles")),
                platform && values(claims.getClaim(adminClaim)).contains(adminValue),
                platform ? null : issuer.appId());
    }

    private static String email(JWTClaimsSet claims) {
        Object email = claims.getClaim("email");
        if (email != null) {
            Object verified = claims.getClaim("email_verified");
            // Some providers send the flag as a string.
            boolean unverified = Boolean.FALSE.equals(verified) || "false".equalsIgnoreCase(String.valueOf(verified));
            return unverified ? null : text(email);
        }
        for (String fallback : List.of("preferred_username", "upn")) {
            String value = text(claims.getClaim(fallback));
            if (value != null && value.contains("@")) {
                return value;
            }
        }
        return null;
    }

    private static String text(Object value) {
        return value instanceof String text && !text.isBlank() ? text : null;
    }

    /** A claim as a set of values: an array's elements, or a space-separated string's words. */
    private static Set<String> values(Object claim) {
        Set<String> values = new LinkedHashSet<>();
        if (claim instanceof Collection<?> items) {
            for (Object item : items) {
                if (item instanceof String || item instanceof Boolean || item instanceof Number) {
                    values.add(item.toString());
                }
            }
        } else if (claim instanceof String text) {
            for (String word : text.trim().split("\\s+")) {
                if (!word.isEmpty()) {
                    values.add(word);
                }
            }
        } else if (claim instanceof Boolean || claim instanceof Number) {
            values.add(claim.toString());
        }
        return values;
    }
}

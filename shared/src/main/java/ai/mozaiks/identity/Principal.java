package ai.mozaiks.identity;

import ai.mozaiks.kernel.AppId;
import java.util.Objects;
import java.util.Set;

/**
 * Who made a request, from a verified bearer token.
 *
 * @param userId        the token's {@code sub}, unique within {@code issuer}
 * @param issuer        the token's {@code iss}
 * @param email         an address for display and contact, never an identity key (see {@link PrincipalMapper})
 * @param name          the display name, or null
 * @param roles         the {@code roles} claim
 * @param platformAdmin whether the platform's identity provider marks this user a platform administrator
 * @param endUserOf     the app whose own identity provider issued the token; null for platform users
 */
public record Principal(String userId, String issuer, String email, String name, Set<String> roles,
                        boolean platformAdmin, AppId endUserOf) {

    public Principal {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(issuer, "issuer");
        roles = Set.copyOf(roles);
        if (platformAdmin && endUserOf != null) {
            throw new IllegalArgumentException("an app's end user cannot be a platform administrator");
        }
    }

    public boolean isEndUser() {
        return endUserOf != null;
    }

    public boolean isPlatformAdmin() {
        return platformAdmin;
    }
}

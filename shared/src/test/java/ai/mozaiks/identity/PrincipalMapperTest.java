package ai.mozaiks.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.kernel.AppId;
import com.nimbusds.jwt.JWTClaimsSet;
import java.net.URI;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Claims to principal: the email rule, the two shapes of roles, and who can be an administrator. */
class PrincipalMapperTest {
    private static final TrustedIssuer PLATFORM = TrustedIssuer.platform("https://id.example", "api", URI.create("https://id.example/jwks"));
    private static final TrustedIssuer SHOP = TrustedIssuer.app("https://shop.example", "web", URI.create("https://shop.example/jwks"), AppId.of("shop"));

    private final PrincipalMapper mapper = new PrincipalMapper("groups", "ops-admins");

    private static JWTClaimsSet.Builder claims() {
        return new JWTClaimsSet.Builder().subject("u1");
    }

    @Test
    void emailIsTakenUnlessMarkedUnverified() {
        assertEquals("a@example.com", mapper.map(claims().claim("email", "a@example.com").build(), PLATFORM).email());
        assertEquals("a@example.com", mapper.map(claims().claim("email", "a@example.com").claim("email_verified", true).build(), PLATFORM).email());
        assertNull(mapper.map(claims().claim("email", "a@example.com").claim("email_verified", false).build(), PLATFORM).email());
        assertNull(mapper.map(claims().claim("email", "a@example.com").claim("email_verified", "false").build(), PLATFORM).email());
    }

    @Test
    void usernameStandsInOnlyWhenThereIsNoEmailClaim() {
        assertEquals("p@example.com", mapper.map(claims().claim("preferred_username", "p@example.com").claim("upn", "u@example.com").build(), PLATFORM).email());
        assertEquals("u@example.com", mapper.map(claims().claim("preferred_username", "alice").claim("upn", "u@example.com").build(), PLATFORM).email());
        assertNull(mapper.map(claims().claim("preferred_username", "alice").build(), PLATFORM).email());
        assertNull(mapper.map(claims().claim("email", "a@example.com").claim("email_verified", false)
                .claim("preferred_username", "p@example.com").build(), PLATFORM).email(), "an unverified address is not replaced");
    }

    @Test
    void rolesComeAsAnArrayOrASpaceSeparatedString() {
        assertEquals(Set.of("a", "b"), mapper.map(claims().claim("roles", List.of("a", "b")).build(), PLATFORM).roles());
        assertEquals(Set.of("a", "b"), mapper.map(claims().claim("roles", " a  b ").build(), PLATFORM).roles());
        assertEquals(Set.of(), mapper.map(claims().build(), PLATFORM).roles());
    }

    @Test
    void theConfiguredAdminClaimMarksPlatformAdministratorsOfThePlatformIssuerOnly() {
        assertTrue(mapper.map(claims().claim("groups", List.of("x", "ops-admins")).build(), PLATFORM).isPlatformAdmin());
        assertTrue(mapper.map(claims().claim("groups", "x ops-admins").build(), PLATFORM).isPlatformAdmin());
        assertFalse(mapper.map(claims().claim("groups", "ops-admins-2").build(), PLATFORM).isPlatformAdmin());
        assertFalse(mapper.map(claims().claim("roles", List.of("ops-admins")).build(), PLATFORM).isPlatformAdmin());
        Principal appUser = mapper.map(claims().claim("groups", List.of("ops-admins")).build(), SHOP);
        assertFalse(appUser.isPlatformAdmin());
        assertEquals(AppId.of("shop"), appUser.endUserOf());
    }

    @Test
    void aTokenWithoutSubjectIsMalformed() {
        AuthenticationException error = assertThrows(AuthenticationException.class, () -> mapper.map(new JWTClaimsSet.Builder().build(), PLATFORM));
        assertEquals(AuthenticationException.Reason.MALFORMED_TOKEN, error.reason());
    }

    @Test
    void anEndUserCannotBeAnAdministrator() {
        assertThrows(IllegalArgumentException.class,
                () -> new Principal("u1", "https://shop.example", null, null, Set.of(), true, AppId.of("shop")));
        assertThrows(IllegalArgumentException.class,
                () -> new TrustedIssuer("https://id.example", "api", URI.create("https://id.example/jwks"), TrustedIssuer.Kind.PLATFORM, AppId.of("shop")));
    }
}

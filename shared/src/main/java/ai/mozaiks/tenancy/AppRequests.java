package ai.mozaiks.tenancy;

import ai.mozaiks.api.Validation;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.net.URI;
import java.util.List;
import java.util.Set;

/** Request bodies of the apps API, each validating itself field by field. */
public final class AppRequests {
    static final int MAX_LISTED_USERS = 1000;

    private AppRequests() {
    }

    /** Who may start sessions in an app: its tenant's members, any user of its own IdP, or listed users. */
    public record AccessPolicy(String mode, List<String> users) {
        public static final Set<String> MODES = Set.of("members", "app_users", "listed");

        static AccessPolicy membersOnly() {
            return new AccessPolicy("members", List.of());
        }

        void validate(Validation validation, String field) {
            validation.oneOf(field + ".mode", mode, MODES, true);
            List<String> listed = users == null ? List.of() : users;
            validation.require(listed.size() <= MAX_LISTED_USERS, field + ".users", "may list at most " + MAX_LISTED_USERS + " users");
            for (int i = 0; i < Math.min(listed.size(), MAX_LISTED_USERS); i++) {
                validation.text(field + ".users[" + i + "]", listed.get(i), 256, true);
            }
            validation.require(!"listed".equals(mode) || !listed.isEmpty(), field + ".users", "must list at least one user for mode listed");
        }

        List<String> usersOrEmpty() {
            return users == null ? List.of() : List.copyOf(users);
        }
    }

    /**
     * What an end-user IdP registration is checked against: the platform's own issuer, which no app may register,
     * and whether loopback URLs are admitted ({@code development}: the devhost's IdP; never in Azure).
     */
    public record IdpRules(String platformIssuer, boolean development) {
    }

    /**
     * The app's own identity provider, which signs its end-users' tokens. Its tokens must name {@code audience}; the
     * pair (issuer, audience) is the app's alone (see {@link AppIssuers}).
     */
    public record EndUserIdp(String issuer, String audience, @JsonProperty("jwks_url") String jwksUrl) {
        /** Only https, and loopback only in development: the platform fetches these keys itself. */
        void validate(Validation validation, String field, IdpRules rules) {
            validation.text(field + ".issuer", issuer, 512, true).text(field + ".audience", audience, 256, true)
                    .text(field + ".jwks_url", jwksUrl, 1024, true);
            validation.require(issuer == null || isAllowedUrl(issuer, rules.development()), field + ".issuer", "must be a public https URL");
            validation.require(issuer == null || !AppIssuers.isPlatformIssuer(issuer, rules.platformIssuer()), field + ".issuer",
                    "must not be the platform's issuer: register the identity provider of this app's own users");
            validation.require(jwksUrl == null || isAllowedUrl(jwksUrl, rules.development()), field + ".jwks_url", "must be a public https URL");
        }

        private static boolean isAllowedUrl(String value, boolean development) {
            try {
                URI uri = URI.create(value);
                String host = uri.getHost();
                if (host == null) {
                    return false;
                }
                boolean loopback = host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]");
                if (loopback) {
                    return development;
                }
                boolean privateAddress = host.matches("10\\..*|192\\.168\\..*|172\\.(1[6-9]|2\\d|3[01])\\..*|169\\.254\\..*|0\\..*");
                return "https".equals(uri.getScheme()) && !privateAddress;
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
    }

    public record CreateApp(String name, String tier, @JsonProperty("access_policy") AccessPolicy accessPolicy,
                            @JsonProperty("end_user_idp") EndUserIdp endUserIdp) {
        public void validate(Tiers tiers, IdpRules idpRules) {
            Validation validation = new Validation().text("name", name, 100, true).oneOf("tier", tier, tiers.names(), false);
            if (accessPolicy != null) {
                accessPolicy.validate(validation, "access_policy");
            }
            if (endUserIdp != null) {
                endUserIdp.validate(validation, "end_user_idp", idpRules);
            }
            validation.check();
        }
    }

    public record UpdateApp(String name, String tier, @JsonProperty("access_policy") AccessPolicy accessPolicy,
                            @JsonProperty("end_user_idp") EndUserIdp endUserIdp) {
        public void validate(Tiers tiers, IdpRules idpRules) {
            Validation validation = new Validation().text("name", name, 100, false).oneOf("tier", tier, tiers.names(), false);
            validation.require(name == null || !name.isBlank(), "name", "must not be blank");
            validation.require(name != null || tier != null || accessPolicy != null || endUserIdp != null, "body",
                    "must change at least one of name, tier, access_policy, end_user_idp");
            if (accessPolicy != null) {
                accessPolicy.validate(validation, "access_policy");
            }
            if (endUserIdp != null) {
                endUserIdp.validate(validation, "end_user_idp", idpRules);
            }
            validation.check();
        }
    }

    public record Suspend(String reason) {
        public void validate() {
            new Validation().text("reason", reason, 500, false).check();
        }
    }
}

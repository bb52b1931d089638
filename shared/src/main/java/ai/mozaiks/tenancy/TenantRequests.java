package ai.mozaiks.tenancy;

import ai.mozaiks.api.Validation;

/** Request bodies of the tenant API, each validating itself field by field. */
public final class TenantRequests {
    private TenantRequests() {
    }

    public record CreateTenant(String name) {
        public void validate() {
            new Validation().text("name", name, 100, true).check();
        }
    }

    public record InviteMember(String email, String role) {
        public void validate() {
            Validation validation = new Validation().text("email", email, 254, true).oneOf("role", role, Role.wireNames(), true);
            if (email != null && email.length() <= 254 && !email.matches("[^@\\s]+@[^@\\s]+\\.[^@\\s]+")) {
                validation.error("email", "must be an email address");
            }
            validation.check();
        }
    }

    public record ChangeRole(String role) {
        public void validate() {
            new Validation().oneOf("role", role, Role.wireNames(), true).check();
        }
    }
}

package ai.mozaiks.tenancy;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;
import org.bson.Document;

/** What the tenant API returns. */
public final class TenantViews {
    private TenantViews() {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    /** {@code maxTier}: the highest tier the tenant's apps may use (its entitlement, see {@link TierGrants}). */
    public record TenantView(String id, String name, String role, String maxTier, Instant createdAt) {
        static TenantView of(Document tenant, Role role, String maxTier) {
            return new TenantView(tenant.getString("_id"), tenant.getString("name"), role == null ? null : role.wire(),
                    maxTier, tenant.getDate("created_at").toInstant());
        }
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record MemberView(String tenantId, String userId, String email, String role, Instant since) {
        static MemberView of(Document membership) {
            return new MemberView(membership.getString("tenant_id"), membership.getString("user_id"), membership.getString("email"),
                    membership.getString("role"), membership.getDate("created_at").toInstant());
        }

        Document audit() {
            return new Document("user_id", userId).append("role", role);
        }
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record InvitationView(String id, String tenantId, String email, String role, Instant expiresAt, String acceptPath) {
        static InvitationView of(Document invitation) {
            String id = invitation.getString("_id");
            return new InvitationView(id, invitation.getString("tenant_id"), invitation.getString("email"),
                    invitation.getString("role"), invitation.getDate("expires_at").toInstant(), "/api/invitations/" + id + "/accept");
        }
    }
}

package ai.mozaiks.tenancy;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bson.Document;

/** An app as the control-plane API shows it. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record AppView(String id, String tenantId, String name, String tier, String status, String suspendedReason,
                      Suspension suspension, AppRequests.AccessPolicy accessPolicy, AppRequests.EndUserIdp endUserIdp,
                      Instant createdAt, Instant updatedAt, Instant deletedAt, Instant purgeAfter) {

    static AppView of(Document app) {
        Document policy = app.get("access_policy", Document.class);
        Document idp = app.get("end_user_idp", Document.class);
        Document suspended = app.get("suspension", Document.class);
        Suspension suspension = suspended == null ? null : new Suspension(suspended.getString("by"), suspended.getString("subject"),
                instant(suspended.getDate("at")), suspended.getString("reason"));
        return new AppView(app.getString("_id"), app.getString("tenant_id"), app.getString("name"), app.getString("tier"),
                app.getString("status"), suspension != null ? suspension.reason() : app.getString("suspended_reason"), suspension,
                policy == null ? AppRequests.AccessPolicy.membersOnly()
                        : new AppRequests.AccessPolicy(policy.getString("mode"), policy.getList("users", String.class, List.of())),
                idp == null ? null : new AppRequests.EndUserIdp(idp.getString("issuer"), idp.getString("audience"), idp.getString("jwks_url")),
                instant(app.getDate("created_at")), instant(app.getDate("updated_at")),
                instant(app.getDate("deleted_at")), instant(app.getDate("purge_after")));
    }

    /**
     * Who suspended the app: {@code by} is {@code platform} (a platform administrator; only one lifts it) or {@code tenant}
     * (an admin or owner of the app's tenant), {@code subject} the user id, {@code at} when.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Suspension(String by, String subject, Instant at, String reason) {
    }

    /** The fields an audit record keeps of an app. */
    Document audit() {
        Document audit = new Document("name", name).append("tier", tier).append("status", status)
                .append("access_mode", accessPolicy.mode());
        if (suspension != null) {
            audit.append("suspended_by", suspension.by());
        }
        return audit;
    }

    private static Instant instant(Date date) {
        return date == null ? null : date.toInstant();
    }
}

package ai.mozaiks.tenancy;

import static com.mongodb.client.model.Filters.eq;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.api.Validation;
import ai.mozaiks.audit.AuditLog;
import ai.mozaiks.http.Problem;
import ai.mozaiks.identity.Principal;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Updates;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import org.bson.Document;
import reactor.core.publisher.Mono;

/**
 * The highest tier a tenant's apps may use: granted by a platform administrator (or a billing system holding the
 * admin claim), audited, and {@code defaultTier} until then. Creating an app above it, or moving an app up to a tier
 * above it, is refused unless a platform administrator does it. Lowering a grant changes no app: apps above it keep
 * their tier and keep running, and can move down but not up.
 */
public final class TierGrants {
    private final ControlCollections collections;
    private final Tiers tiers;
    private final Tier defaultTier;
    private final AuditLog audit;
    private final Clock clock;

    public TierGrants(ControlCollections collections, Tiers tiers, Tier defaultTier, AuditLog audit, Clock clock) {
        this.collections = collections;
        this.tiers = tiers;
        this.defaultTier = defaultTier;
        this.audit = audit;
        this.clock = clock;
    }

    /** {@code PUT /api/admin/tenants/{tenant_id}/entitlement}'s body. */
    public record Grant(@JsonProperty("max_tier") String maxTier, String note) {
        void validate(Tiers tiers) {
            new Validation().oneOf("max_tier", maxTier, tiers.names(), true).text("note", note, 500, false).check();
        }
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record GrantView(String tenantId, String maxTier, String note, String grantedBy, Instant grantedAt) {
    }

    /** The tier the tenant document allows. */
    String maxTier(Document tenant) {
        Document grant = tenant.get("entitlement", Document.class);
        return grant == null ? defaultTier.name() : tiers.find(grant.getString("max_tier")).orElse(defaultTier).name();
    }

    /** Passes when {@code tier} is within the tenant's entitlement, or the actor is a platform administrator. */
    Mono<Void> require(Principal actor, String tenantId, Tier tier) {
        if (actor.isPlatformAdmin()) {
            return Mono.empty();
        }
        return tenant(tenantId).flatMap(tenant -> {
            Tier allowed = tiers.get(maxTier(tenant));
            return tier.rank() <= allowed.rank() ? Mono.<Void>empty()
                    : Mono.error(new ApiException(Problem.of(403, "tier_not_entitled", "Not entitled",
                    "The " + tier.name() + " tier is above this tenant's entitlement (" + allowed.name()
                            + "); a platform administrator can raise it.")));
        });
    }

    /** Sets the tenant's entitlement; platform administrators only (anyone else is told nothing exists). */
    public Mono<GrantView> grant(Principal actor, String tenantId, Grant request) {
        if (!actor.isPlatformAdmin()) {
            return Mono.error(ApiException.notFound("The resource"));
        }
        request.validate(tiers);
        Document grant = new Document("max_tier", request.maxTier()).append("note", request.note())
                .append("granted_by", actor.userId()).append("granted_at", Date.from(clock.instant()));
        return Mono.from(collections.tenants().findOneAndUpdate(eq("_id", tenantId), Updates.set("entitlement", grant),
                        new FindOneAndUpdateOptions().returnDocument(ReturnDocument.BEFORE)))
                .switchIfEmpty(Mono.error(() -> ApiException.notFound("The tenant")))
                .flatMap(before -> {
                    Document previous = auditView(before.get("entitlement", Document.class), maxTier(before));
                    Document after = auditView(grant, request.maxTier());
                    return audit.record(AuditLog.Actor.of(actor), "tenant.entitlement", tenantId, null, "tenant", tenantId, previous, after);
                })
                .thenReturn(new GrantView(tenantId, request.maxTier(), request.note(), actor.userId(), grant.getDate("granted_at").toInstant()));
    }

    private static Document auditView(Document grant, String maxTier) {
        return new Document("max_tier", maxTier).append("note", grant == null ? null : grant.getString("note"))
                .append("granted_by", grant == null ? null : grant.getString("granted_by"));
    }

    private Mono<Document> tenant(String tenantId) {
        return Mono.from(collections.tenants().find(eq("_id", tenantId)).first())
                .switchIfEmpty(Mono.error(() -> ApiException.notFound("The tenant")));
    }
}

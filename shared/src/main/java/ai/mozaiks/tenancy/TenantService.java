package ai.mozaiks.tenancy;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.gt;
import static com.mongodb.client.model.Filters.in;
import static com.mongodb.client.model.Filters.lt;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.api.Page;
import ai.mozaiks.api.PageRequest;
import ai.mozaiks.audit.AuditLog;
import ai.mozaiks.identity.Principal;
import ai.mozaiks.kernel.Ids;
import ai.mozaiks.tenancy.TenantRequests.ChangeRole;
import ai.mozaiks.tenancy.TenantRequests.CreateTenant;
import ai.mozaiks.tenancy.TenantRequests.InviteMember;
import ai.mozaiks.tenancy.TenantViews.InvitationView;
import ai.mozaiks.tenancy.TenantViews.MemberView;
import ai.mozaiks.tenancy.TenantViews.TenantView;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.bson.Document;
import org.bson.conversions.Bson;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Tenants and their members. The tenant document counts its owners, and every change that could
 * remove the last owner decrements that count conditionally first, so two concurrent removals can
 * never leave a tenant without an owner.
 */
public final class TenantService {
    private static final Duration INVITATION_LIFETIME = Duration.ofDays(7);

    private final ControlCollections collections;
    private final TenantAccess access;
    private final TierGrants grants;
    private final CreateRate createRate;
    private final int tenantsPerUser;
    private final AuditLog audit;
    private final Clock clock;

    public TenantService(ControlCollections collections, TenantAccess access, TierGrants grants, CreateRate createRate,
                         int tenantsPerUser, AuditLog audit, Clock clock) {
        this.collections = collections;
        this.access = access;
        this.grants = grants;
        this.createRate = createRate;
        this.tenantsPerUser = tenantsPerUser;
        this.audit = audit;
        this.clock = clock;
    }

    public Mono<TenantView> create(Principal actor, CreateTenant request) {
        TenantAccess.requirePlatformUser(actor, "The resource");
        request.validate();
        Date now = Date.from(clock.instant());
        String tenantId = Ids.next("ten");
        Document tenant = new Document("_id", tenantId).append("name", request.name().trim())
                .append("owner_count", 1).append("app_counts", new Document())
                .append("created_at", now).append("created_by", actor.userId()).append("updated_at", now);
        Document owner = membership(tenantId, actor.userId(), actor.email(), Role.OWNER, now);
        return createRate.take(actor)
                .then(takeTenant(actor))
                .then(Mono.from(collections.tenants().insertOne(tenant))
                        .onErrorResume(error -> releaseTenant(actor).then(Mono.error(error))))
                .then(Mono.from(collections.memberships().insertOne(owner)))
                .then(audit.record(AuditLog.Actor.of(actor), "tenant.create", tenantId, null, "tenant", tenantId, null, publicView(tenant)))
                .thenReturn(view(tenant, Role.OWNER));
    }

    public Mono<TenantView> get(Principal actor, String tenantId) {
        return access.require(actor, tenantId, Role.BUILDER, "The tenant")
                .flatMap(role -> tenant(tenantId).map(tenant -> view(tenant, role)));
    }

    private TenantView view(Document tenant, Role role) {
        return TenantView.of(tenant, role, grants.maxTier(tenant));
    }

    /**
     * Counts a tenant against its creator's limit: the per-user document is created if missing, then incremented only
     * below the limit, so concurrent creates cannot exceed it. Platform administrators are not limited.
     */
    private Mono<Void> takeTenant(Principal actor) {
        if (actor.isPlatformAdmin()) {
            return Mono.empty();
        }
        return Mono.from(collections.users().updateOne(eq("_id", actor.userId()), Updates.setOnInsert("tenants_created", 0),
                        new UpdateOptions().upsert(true)))
                .retry(1)
                .then(Mono.from(collections.users().updateOne(and(eq("_id", actor.userId()), lt("tenants_created", tenantsPerUser)),
                        Updates.inc("tenants_created", 1))))
                .flatMap(result -> result.getModifiedCount() == 1 ? Mono.<Void>empty()
                        : Mono.error(ApiException.conflict("quota_exceeded", "A user may create at most " + tenantsPerUser
                        + " tenant(s); ask a platform administrator for more.")));
    }

    private Mono<Void> releaseTenant(Principal actor) {
        return actor.isPlatformAdmin() ? Mono.empty()
                : Mono.from(collections.users().updateOne(eq("_id", actor.userId()), Updates.inc("tenants_created", -1))).then();
    }

    /**
     * The tenants the caller is a member of, in id order. Membership pages sort on their index's full key (user_tenants
     * here, tenant_members for a tenant's members): Cosmos RU sorts only on an index's exact fields.
     */
    public Mono<Page<TenantView>> listMine(Principal actor, PageRequest page) {
        TenantAccess.requirePlatformUser(actor, "The resource");
        Bson filter = page.after() == null ? eq("user_id", actor.userId())
                : and(eq("user_id", actor.userId()), gt("tenant_id", page.after()));
        return Flux.from(collections.memberships().find(filter).sort(Sorts.ascending("user_id", "tenant_id")).limit(page.limit() + 1))
                .collectList()
                .flatMap(memberships -> {
                    List<Document> shown = memberships.subList(0, Math.min(page.limit(), memberships.size()));
                    Map<String, Role> roles = shown.stream().collect(Collectors.toMap(
                            m -> m.getString("tenant_id"), m -> Role.fromWire(m.getString("role"))));
                    return Flux.from(collections.tenants().find(in("_id", roles.keySet())).sort(Sorts.ascending("_id")))
                            .map(tenant -> view(tenant, roles.get(tenant.getString("_id"))))
                            .collectList()
                            .map(items -> new Page<>(items, memberships.size() > page.limit()
                                    ? PageRequest.cursor(shown.get(shown.size() - 1).getString("tenant_id")) : null));
                });
    }

    public Mono<Page<MemberView>> members(Principal actor, String tenantId, PageRequest page) {
        Bson filter = page.after() == null ? eq("tenant_id", tenantId)
                : and(eq("tenant_id", tenantId), gt("user_id", page.after()));
        return access.require(actor, tenantId, Role.BUILDER, "The tenant")
                .thenMany(Flux.from(collections.memberships().find(filter).sort(Sorts.ascending("tenant_id", "user_id")).limit(page.limit() + 1)))
                .collectList()
                .map(found -> page(found, page.limit(), MemberView::of, m -> m.getString("user_id")));
    }

    /** Invites by email; the invitation is accepted by a signed-in user whose verified email matches. */
    public Mono<InvitationView> invite(Principal actor, String tenantId, InviteMember request) {
        request.validate();
        Role invited = Role.fromWire(request.role());
        return access.require(actor, tenantId, Role.ADMIN, "The tenant")
                .flatMap(role -> {
                    if (invited == Role.OWNER && role != Role.OWNER) {
                        throw ApiException.forbidden("Only an owner can invite another owner.");
                    }
                    Date now = Date.from(clock.instant());
                    Document invitation = new Document("_id", Ids.next("inv")).append("tenant_id", tenantId)
                            .append("email", request.email().trim().toLowerCase(Locale.ROOT)).append("role", invited.wire())
                            .append("invited_by", actor.userId()).append("created_at", now)
                            .append("expires_at", Date.from(clock.instant().plus(INVITATION_LIFETIME)));
                    InvitationView view = InvitationView.of(invitation);
                    return Mono.from(collections.invitations().insertOne(invitation))
                            .then(audit.record(AuditLog.Actor.of(actor), "member.invite", tenantId, null, "invitation",
                                    view.id(), null, new Document("email", view.email()).append("role", view.role())))
                            .thenReturn(view);
                });
    }

    public Mono<MemberView> accept(Principal actor, String invitationId) {
        TenantAccess.requirePlatformUser(actor, "The invitation");
        Date now = Date.from(clock.instant());
        return Mono.from(collections.invitations().find(eq("_id", invitationId)).first())
                .filter(invitation -> actor.email() != null && invitation.getString("email").equalsIgnoreCase(actor.email()))
                .switchIfEmpty(Mono.error(() -> ApiException.notFound("The invitation")))
                .flatMap(invitation -> {
                    if (invitation.get("accepted_at") != null) {
                        throw ApiException.conflict("invitation_used", "The invitation was already accepted.");
                    }
                    if (invitation.getDate("expires_at").before(now)) {
                        throw ApiException.conflict("invitation_expired", "The invitation has expired; ask for a new one.");
                    }
                    String tenantId = invitation.getString("tenant_id");
                    Role role = Role.fromWire(invitation.getString("role"));
                    Document membership = membership(tenantId, actor.userId(), actor.email(), role, now);
                    // Claim the invitation first: of two concurrent accepts exactly one proceeds.
                    return Mono.from(collections.invitations().updateOne(
                                    and(eq("_id", invitationId), eq("accepted_at", null)),
                                    Updates.combine(Updates.set("accepted_at", now), Updates.set("accepted_by", actor.userId()))))
                            .flatMap(claim -> {
                                if (claim.getModifiedCount() == 0) {
                                    return Mono.error(ApiException.conflict("invitation_used", "The invitation was already accepted."));
                                }
                                return joinOrPromote(tenantId, actor.userId(), membership, role);
                            })
                            .flatMap(member -> audit.record(AuditLog.Actor.of(actor), "member.join", tenantId, null, "member",
                                    actor.userId(), null, member.audit()).thenReturn(member));
                });
    }

    /** A member who accepts a second invitation keeps the higher of the two roles. */
    private Mono<MemberView> joinOrPromote(String tenantId, String userId, Document membership, Role role) {
        String id = TenantAccess.membershipId(tenantId, userId);
        return Mono.from(collections.memberships().find(eq("_id", id)).first())
                .flatMap(existing -> {
                    Role current = Role.fromWire(existing.getString("role"));
                    return current.atLeast(role) ? Mono.just(existing) : changeRoleDocument(tenantId, userId, current, role);
                })
                .switchIfEmpty(Mono.defer(() -> {
                    Mono<Void> ownerCount = role == Role.OWNER
                            ? Mono.from(collections.tenants().updateOne(eq("_id", tenantId), Updates.inc("owner_count", 1))).then()
                            : Mono.empty();
                    return ownerCount.then(Mono.from(collections.memberships().insertOne(membership))).thenReturn(membership);
                }))
                .map(MemberView::of);
    }

    public Mono<MemberView> changeRole(Principal actor, String tenantId, String userId, ChangeRole request) {
        request.validate();
        Role target = Role.fromWire(request.role());
        return access.require(actor, tenantId, Role.ADMIN, "The tenant")
                .flatMap(actorRole -> member(tenantId, userId).flatMap(existing -> {
                    Role current = Role.fromWire(existing.getString("role"));
                    if ((current == Role.OWNER || target == Role.OWNER) && actorRole != Role.OWNER) {
                        throw ApiException.forbidden("Only an owner can grant or take away the owner role.");
                    }
                    if (current == target) {
                        return Mono.just(MemberView.of(existing));
                    }
                    return changeRoleDocument(tenantId, userId, current, target).map(MemberView::of)
                            .flatMap(after -> audit.record(AuditLog.Actor.of(actor), "member.role", tenantId, null, "member", userId,
                                    MemberView.of(existing).audit(), after.audit()).thenReturn(after));
                }));
    }

    public Mono<Void> removeMember(Principal actor, String tenantId, String userId) {
        boolean leaving = !actor.isEndUser() && actor.userId().equals(userId);
        return access.require(actor, tenantId, leaving ? Role.BUILDER : Role.ADMIN, "The tenant")
                .flatMap(actorRole -> member(tenantId, userId).flatMap(existing -> {
                    Role current = Role.fromWire(existing.getString("role"));
                    if (current == Role.OWNER && actorRole != Role.OWNER) {
                        throw ApiException.forbidden("Only an owner can remove an owner.");
                    }
                    Mono<Void> keepAnOwner = current == Role.OWNER ? releaseOwner(tenantId) : Mono.empty();
                    return keepAnOwner
                            .then(Mono.from(collections.memberships().deleteOne(eq("_id", TenantAccess.membershipId(tenantId, userId)))))
                            .then(audit.record(AuditLog.Actor.of(actor), "member.remove", tenantId, null, "member", userId,
                                    MemberView.of(existing).audit(), null));
                }));
    }

    private Mono<Document> changeRoleDocument(String tenantId, String userId, Role current, Role target) {
        Mono<Void> owners = Mono.empty();
        if (current == Role.OWNER) {
            owners = releaseOwner(tenantId);
        } else if (target == Role.OWNER) {
            owners = Mono.from(collections.tenants().updateOne(eq("_id", tenantId), Updates.inc("owner_count", 1))).then();
        }
        return owners.then(Mono.from(collections.memberships().findOneAndUpdate(
                eq("_id", TenantAccess.membershipId(tenantId, userId)), Updates.set("role", target.wire()),
                new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER))));
    }

    /** Takes one owner away from the count, refusing when it is the last one. */
    private Mono<Void> releaseOwner(String tenantId) {
        return Mono.from(collections.tenants().updateOne(and(eq("_id", tenantId), gt("owner_count", 1)), Updates.inc("owner_count", -1)))
                .flatMap(result -> result.getModifiedCount() == 1 ? Mono.<Void>empty()
                        : Mono.error(ApiException.conflict("last_owner", "A tenant must keep at least one owner.")));
    }

    private Mono<Document> tenant(String tenantId) {
        return Mono.from(collections.tenants().find(eq("_id", tenantId)).first())
                .switchIfEmpty(Mono.error(() -> ApiException.notFound("The tenant")));
    }

    private Mono<Document> member(String tenantId, String userId) {
        return Mono.from(collections.memberships().find(eq("_id", TenantAccess.membershipId(tenantId, userId))).first())
                .switchIfEmpty(Mono.error(() -> ApiException.notFound("The member")));
    }

    private static Document membership(String tenantId, String userId, String email, Role role, Date now) {
        return new Document("_id", TenantAccess.membershipId(tenantId, userId)).append("tenant_id", tenantId)
                .append("user_id", userId).append("email", email).append("role", role.wire()).append("created_at", now);
    }

    private static Document publicView(Document tenant) {
        return new Document("name", tenant.getString("name"));
    }

    static <T> Page<T> page(List<Document> found, int limit, Function<Document, T> view, Function<Document, String> key) {
        List<Document> shown = found.subList(0, Math.min(limit, found.size()));
        String next = found.size() > limit ? PageRequest.cursor(key.apply(shown.get(shown.size() - 1))) : null;
        return new Page<>(shown.stream().map(view).toList(), next);
    }
}

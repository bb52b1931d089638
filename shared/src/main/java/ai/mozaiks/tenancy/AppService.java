package ai.mozaiks.tenancy;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.exists;
import static com.mongodb.client.model.Filters.gt;
import static com.mongodb.client.model.Filters.in;
import static com.mongodb.client.model.Filters.lt;
import static com.mongodb.client.model.Filters.or;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.api.Page;
import ai.mozaiks.api.PageRequest;
import ai.mozaiks.audit.AuditLog;
import ai.mozaiks.http.Problem;
import ai.mozaiks.identity.Principal;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.kernel.Ids;
import ai.mozaiks.persistence.RuntimeSchema;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bson.Document;
import org.bson.conversions.Bson;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Apps: create within the tier's quota, read, list, rename, change tier, suspend and resume,
 * soft-delete and restore. Quotas are counted on the tenant document and taken with a conditional
 * increment, so concurrent creates cannot exceed them; app changes use the document's version so
 * concurrent edits cannot lose one another.
 */
public final class AppService {
    public static final String ACTIVE = "active";
    public static final String SUSPENDED = "suspended";
    public static final String DELETED = "deleted";
    /** {@code suspension.by}: a platform administrator suspended the app. */
    public static final String BY_PLATFORM = "platform";
    /** {@code suspension.by}: an admin or owner of the app's tenant suspended it. */
    public static final String BY_TENANT = "tenant";

    private final ControlCollections collections;
    private final TenantAccess access;
    private final AppAccess apps;
    private final Tiers tiers;
    private final AppUsage usage;
    private final AuditLog audit;
    private final TierGrants grants;
    private final CreateRate createRate;
    private final Duration purgeGrace;
    private final AppRequests.IdpRules idpRules;
    private final Clock clock;
    private final AppStateChanges stateChanges;
    private final AppIssuers issuers;
    private final RuntimeSchema runtime;

    public AppService(ControlCollections collections, TenantAccess access, Tiers tiers, AppUsage usage, AuditLog audit,
                      TierGrants grants, CreateRate createRate, Duration purgeGrace, AppRequests.IdpRules idpRules, Clock clock,
                      AppStateChanges stateChanges, AppIssuers issuers, RuntimeSchema runtime) {
        this.collections = collections;
        this.access = access;
        this.apps = new AppAccess(collections, access);
        this.tiers = tiers;
        this.usage = usage;
        this.audit = audit;
        this.grants = grants;
        this.createRate = createRate;
        this.purgeGrace = purgeGrace;
        this.idpRules = idpRules;
        this.clock = clock;
        this.stateChanges = stateChanges;
        this.issuers = issuers;
        this.runtime = runtime;
    }

    public Mono<AppView> create(Principal actor, String tenantId, AppRequests.CreateApp request) {
        request.validate(tiers, idpRules);
        Tier tier = tiers.get(request.tier() == null ? "free" : request.tier());
        return access.require(actor, tenantId, Role.BUILDER, "The tenant")
                .then(grants.require(actor, tenantId, tier))
                .then(createRate.take(actor))
                .then(takeQuota(tenantId, tier))
                .then(Mono.defer(() -> {
                    Date now = Date.from(clock.instant());
                    String appId = Ids.next("app");
                    Document app = new Document("_id", appId).append("tenant_id", tenantId).append("name", request.name().trim())
                            .append("tier", tier.name()).append("status", ACTIVE)
                            .append("access_policy", policyDocument(request.accessPolicy() == null
                                    ? AppRequests.AccessPolicy.membersOnly() : request.accessPolicy()))
                            .append("packs", new Document())
                            .append("created_at", now).append("updated_at", now).append("created_by", actor.userId())
                            .append("version", 1);
                    Document idp = request.endUserIdp() == null ? null : idpDocument(request.endUserIdp());
                    if (idp != null) {
                        app.append("end_user_idp", idp);
                    }
                    // The app's runtime collections exist before its first chat: made here, never on a chat's path.
                    return runtime.provision(AppId.of(appId))
                            .then(idp == null ? Mono.<Void>empty() : issuers.claim(appId, idp))
                            .then(Mono.from(collections.apps().insertOne(app))
                                    // A deployment whose ensure step has not run yet still has the unique index on apps.
                                    .onErrorMap(AppIssuers::isRegistrationConflict, e -> AppIssuers.registrationConflict())
                                    .onErrorResume(error -> issuers.release(appId, idp).then(Mono.error(error))))
                            .onErrorResume(error -> releaseQuota(tenantId, tier.name()).then(Mono.error(error)))
                            .thenReturn(AppView.of(app));
                }))
                .flatMap(view -> audit.record(AuditLog.Actor.of(actor), "app.create", tenantId, view.id(), "app", view.id(), null, view.audit())
                        .thenReturn(view));
    }

    public Mono<AppView> get(Principal actor, String appId) {
        return authorized(actor, appId, Role.BUILDER).map(AppView::of);
    }

    /** {@code status} is null for the live apps, or {@code deleted}. */
    public Mono<Page<AppView>> list(Principal actor, String tenantId, String status, PageRequest page) {
        new ai.mozaiks.api.Validation().oneOf("status", status, List.of(DELETED), false).check();
        boolean deleted = DELETED.equals(status);
        List<Bson> filters = new ArrayList<>(List.of(eq("tenant_id", tenantId),
                deleted ? eq("status", DELETED) : in("status", List.of(ACTIVE, SUSPENDED))));
        if (page.after() != null) {
            filters.add(gt("_id", page.after()));
        }
        return access.require(actor, tenantId, Role.BUILDER, "The tenant")
                .thenMany(Flux.from(collections.apps().find(and(filters)).sort(Sorts.ascending("_id")).limit(page.limit() + 1)))
                .collectList()
                .map(found -> TenantService.page(found, page.limit(), AppView::of, app -> app.getString("_id")));
    }

    /** Renames, changes tier, access policy or end-user IdP; each needs its own role. */
    public Mono<AppView> update(Principal actor, String appId, AppRequests.UpdateApp request) {
        request.validate(tiers, idpRules);
        Role needed = request.tier() != null ? Role.OWNER
                : request.accessPolicy() != null || request.endUserIdp() != null ? Role.ADMIN : Role.BUILDER;
        return authorized(actor, appId, needed)
                .flatMap(app -> {
                    AppAccess.requireStatus(app, ACTIVE, SUSPENDED);
                    Tier current = tiers.get(app.getString("tier"));
                    Tier target = request.tier() == null ? current : tiers.get(request.tier());
                    // Moving down is always allowed; moving up needs the tenant's entitlement.
                    Mono<Void> entitled = target.rank() > current.rank() ? grants.require(actor, app.getString("tenant_id"), target) : Mono.empty();
                    Mono<Void> tierChange = target.equals(current) ? Mono.empty()
                            : entitled.then(usage.checkFits(app, target)).then(moveQuota(app.getString("tenant_id"), current, target));
                    List<Bson> changes = new ArrayList<>();
                    if (request.name() != null) {
                        changes.add(Updates.set("name", request.name().trim()));
                    }
                    changes.add(Updates.set("tier", target.name()));
                    if (request.accessPolicy() != null) {
                        changes.add(Updates.set("access_policy", policyDocument(request.accessPolicy())));
                    }
                    Document newIdp = request.endUserIdp() == null ? null : idpDocument(request.endUserIdp());
                    Document oldIdp = app.get("end_user_idp", Document.class);
                    if (newIdp != null) {
                        changes.add(Updates.set("end_user_idp", newIdp));
                    }
                    // A new pair is taken before the app says so, and the old one given up once it no longer does.
                    String id = app.getString("_id");
                    boolean newPair = newIdp != null && (oldIdp == null || !AppIssuers.pair(oldIdp).equals(AppIssuers.pair(newIdp)));
                    Mono<Void> claim = newPair ? issuers.claim(id, newIdp) : Mono.empty();
                    Mono<Void> unclaim = newPair ? issuers.release(id, newIdp) : Mono.empty();
                    return claim.then(tierChange.onErrorResume(error -> unclaim.then(Mono.error(error))))
                            .then(save(actor, app, changes, "app.update")
                                    .onErrorResume(error -> unclaim.then(target.equals(current) ? Mono.error(error)
                                            : moveQuota(app.getString("tenant_id"), target, current).then(Mono.error(error)))))
                            .flatMap(view -> newPair ? issuers.release(id, oldIdp).thenReturn(view) : Mono.just(view))
                            // A new JWKS address under the same pair: this instance stops trusting the old at once.
                            .doOnNext(view -> {
                                if (newIdp != null) {
                                    issuers.forget();
                                }
                            });
                });
    }

    /**
     * Suspends the app, recording who did: a platform administrator's suspension ({@code by: platform}) is lifted by a
     * platform administrator only; a tenant admin's ({@code by: tenant}) by a tenant admin or a platform administrator.
     * A platform administrator suspending an app its tenant already suspended makes the suspension the platform's.
     */
    public Mono<AppView> suspend(Principal actor, String appId, AppRequests.Suspend request) {
        request.validate();
        return authorized(actor, appId, Role.ADMIN).flatMap(app -> {
            AppAccess.requireStatus(app, ACTIVE, SUSPENDED);
            String by = actor.isPlatformAdmin() ? BY_PLATFORM : BY_TENANT;
            if (SUSPENDED.equals(app.getString("status")) && (BY_TENANT.equals(by) || BY_PLATFORM.equals(suspendedBy(app)))) {
                return Mono.just(AppView.of(app));
            }
            Document suspension = new Document("by", by).append("subject", actor.userId()).append("at", Date.from(clock.instant()))
                    .append("reason", request.reason() == null ? "suspended by " + actor.userId() : request.reason());
            return save(actor, app, List.of(Updates.set("status", SUSPENDED), Updates.set("suspension", suspension),
                    Updates.unset("suspended_reason")), "app.suspend")
                    .flatMap(view -> changed(view));
        });
    }

    /** Lifts a suspension; a tenant's admin cannot lift the platform's (403 {@code suspended_by_platform}, audited). */
    public Mono<AppView> resume(Principal actor, String appId) {
        return authorized(actor, appId, Role.ADMIN).flatMap(app -> {
            AppAccess.requireStatus(app, ACTIVE, SUSPENDED);
            if (ACTIVE.equals(app.getString("status"))) {
                return Mono.just(AppView.of(app));
            }
            if (!actor.isPlatformAdmin() && BY_PLATFORM.equals(suspendedBy(app))) {
                AppView view = AppView.of(app);
                return audit.record(AuditLog.Actor.of(actor), "app.resume_refused", app.getString("tenant_id"), view.id(), "app",
                                view.id(), view.audit(), null)
                        .then(Mono.error(new ApiException(Problem.of(403, "suspended_by_platform", "Forbidden",
                                "A platform administrator suspended this app"
                                        + (view.suspendedReason() == null ? "" : " (" + view.suspendedReason() + ")")
                                        + "; only a platform administrator can resume it."))));
            }
            return save(actor, app, List.of(Updates.set("status", ACTIVE), Updates.unset("suspension"), Updates.unset("suspended_reason")),
                    "app.resume")
                    .flatMap(view -> changed(view));
        });
    }

    /** Who imposed the app's suspension; one recorded before suspensions said so counts as the platform's. */
    private static String suspendedBy(Document app) {
        Document suspension = app.get("suspension", Document.class);
        return suspension == null || !BY_TENANT.equals(suspension.getString("by")) ? BY_PLATFORM : BY_TENANT;
    }

    /** Tells the runtime (its cache of app states, the app's open realtime connections) that the app's state changed. */
    private Mono<AppView> changed(AppView view) {
        return stateChanges.changed(AppId.of(view.id()), view.status()).thenReturn(view);
    }

    /** Soft delete: the app stops at once and is purged after the grace period unless restored. */
    public Mono<AppView> delete(Principal actor, String appId) {
        return authorized(actor, appId, Role.OWNER).flatMap(app -> {
            if (DELETED.equals(app.getString("status"))) {
                return Mono.just(AppView.of(app));
            }
            Date now = Date.from(clock.instant());
            return save(actor, app, List.of(Updates.set("status", DELETED), Updates.set("status_before_delete", app.getString("status")),
                    Updates.set("deleted_at", now), Updates.set("purge_after", Date.from(clock.instant().plus(purgeGrace)))),
                    "app.delete")
                    .flatMap(view -> releaseQuota(app.getString("tenant_id"), app.getString("tier")).thenReturn(view))
                    // A deleted app's users are not let in: its pair is free for another app (restoring takes it again).
                    .flatMap(view -> issuers.release(app.getString("_id"), app.get("end_user_idp", Document.class)).thenReturn(view))
                    .flatMap(view -> changed(view));
        });
    }

    public Mono<AppView> restore(Principal actor, String appId) {
        return authorized(actor, appId, Role.OWNER).flatMap(app -> {
            AppAccess.requireStatus(app, DELETED);
            Tier tier = tiers.get(app.getString("tier"));
            String previous = app.getString("status_before_delete");
            Document idp = app.get("end_user_idp", Document.class);
            // The pair first: taken by another app meanwhile, the restore is refused (409 end_user_idp_in_use).
            Mono<Void> claim = idp == null ? Mono.empty() : issuers.claim(app.getString("_id"), idp);
            return claim.then(takeQuota(app.getString("tenant_id"), tier)
                    .then(save(actor, app, List.of(Updates.set("status", previous == null ? ACTIVE : previous),
                            Updates.unset("status_before_delete"), Updates.unset("deleted_at"), Updates.unset("purge_after")), "app.restore"))
                    .flatMap(view -> changed(view))
                    .onErrorResume(error -> error instanceof ApiException api && "quota_exceeded".equals(api.problem().code())
                            ? Mono.error(error) : releaseQuota(app.getString("tenant_id"), tier.name()).then(Mono.error(error)))
                    .onErrorResume(error -> issuers.release(app.getString("_id"), idp).then(Mono.error(error))));
        });
    }

    private Mono<Document> authorized(Principal actor, String appId, Role minimum) {
        return apps.authorized(actor, appId, minimum);
    }

    private Mono<AppView> save(Principal actor, Document app, List<Bson> changes, String action) {
        List<Bson> all = new ArrayList<>(changes);
        all.add(Updates.set("updated_at", Date.from(clock.instant())));
        all.add(Updates.inc("version", 1));
        AppView before = AppView.of(app);
        return Mono.from(collections.apps().findOneAndUpdate(
                        and(eq("_id", app.getString("_id")), eq("version", app.getInteger("version"))), Updates.combine(all),
                        new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER)))
                .onErrorMap(AppIssuers::isRegistrationConflict, e -> AppIssuers.registrationConflict())
                .switchIfEmpty(Mono.error(() -> ApiException.conflict("concurrent_update",
                        "The app changed while this request ran; read it again and retry.")))
                .map(AppView::of)
                .flatMap(after -> audit.record(AuditLog.Actor.of(actor), action, app.getString("tenant_id"), after.id(), "app", after.id(),
                        before.audit(), after.audit()).thenReturn(after));
    }

    private Mono<Void> takeQuota(String tenantId, Tier tier) {
        String field = "app_counts." + tier.name();
        return Mono.from(collections.tenants().updateOne(
                        and(eq("_id", tenantId), or(exists(field, false), lt(field, tier.appsPerTenant()))), Updates.inc(field, 1)))
                .flatMap(result -> result.getModifiedCount() == 1 ? Mono.<Void>empty()
                        : Mono.error(ApiException.conflict("quota_exceeded", "The " + tier.name() + " tier allows "
                        + tier.appsPerTenant() + " app(s) per tenant; delete one or choose a higher tier.")));
    }

    private Mono<Void> releaseQuota(String tenantId, String tier) {
        return Mono.from(collections.tenants().updateOne(eq("_id", tenantId), Updates.inc("app_counts." + tier, -1))).then();
    }

    private Mono<Void> moveQuota(String tenantId, Tier from, Tier to) {
        return takeQuota(tenantId, to).then(releaseQuota(tenantId, from.name()));
    }

    private static Document policyDocument(AppRequests.AccessPolicy policy) {
        return new Document("mode", policy.mode()).append("users", policy.usersOrEmpty());
    }

    private static Document idpDocument(AppRequests.EndUserIdp idp) {
        Document document = new Document("issuer", idp.issuer()).append("audience", idp.audience());
        if (idp.jwksUrl() != null) {
            document.append("jwks_url", idp.jwksUrl());
        }
        return document;
    }
}

package ai.mozaiks.tenancy;

import ai.mozaiks.identity.Principal;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.persistence.UsageFields;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.bson.Document;
import reactor.core.publisher.Mono;

/**
 * {@code canStart(app, user, workflow)}: the session broker's first question, answered from the app's access policy, its
 * state, its tier, its packs and its monthly token budget, in that order. The limits counted per start (rates, open
 * chats, run slots) are taken after it, as data ({@link StartLimits}).
 */
public final class Entitlements {
    private final TenantAccess access;
    private final Tiers tiers;
    private final WorkflowDirectory workflows;
    private final AppUsage usage;
    private final Clock clock;

    public Entitlements(TenantAccess access, Tiers tiers, WorkflowDirectory workflows, AppUsage usage, Clock clock) {
        this.access = access;
        this.tiers = tiers;
        this.workflows = workflows;
        this.usage = usage;
        this.clock = clock;
    }

    /**
     * {@code app} is the control-plane app document. The access policy is asked first, so someone it
     * does not include learns nothing of the app's state.
     */
    public Mono<Entitlement> canStart(Document app, Principal user, String workflowName) {
        AppId appId = AppId.of(app.getString("_id"));
        Tier tier = tiers.get(app.getString("tier"));
        return canReturn(app, user).flatMap(admitted -> !admitted.allowed() ? Mono.just(admitted)
                : workflows.find(appId, app.get("packs", Document.class), workflowName).flatMap(entry -> entry
                        .map(found -> packAllowed(app, tier, found).map(Mono::just).orElseGet(() -> withinMonthlyBudget(appId, AppLimits.of(app, tier)))
                                .map(decision -> decision.forWorkflow(found.ref())))
                        .orElseGet(() -> Mono.just(Entitlement.deny(Entitlement.Reason.UNKNOWN_WORKFLOW,
                                "The app has no workflow named " + workflowName + ".")))));
    }

    /**
     * May the user come back to (or list) their chats in the app now? The access policy, then the
     * app's state decide; workflow, tier and run limits only govern new starts.
     */
    public Mono<Entitlement> canReturn(Document app, Principal user) {
        return mayUse(app, user).map(allowed -> !allowed
                ? Entitlement.deny(Entitlement.Reason.NOT_ALLOWED, "The app's access policy does not include this user.")
                : stateOf(app).orElse(Entitlement.allow()));
    }

    /** Availability without the live counts: for listing what an app offers. */
    public Optional<Entitlement> availability(Document app, WorkflowEntry entry) {
        return stateOf(app).or(() -> packAllowed(app, tiers.get(app.getString("tier")), entry));
    }

    private Optional<Entitlement> stateOf(Document app) {
        String status = app.getString("status");
        if (!AppService.ACTIVE.equals(status) && !AppService.SUSPENDED.equals(status)) {
            return Optional.of(Entitlement.deny(Entitlement.Reason.APP_DELETED, "The app is " + status + "."));
        }
        if (AppService.SUSPENDED.equals(status)) {
            return Optional.of(Entitlement.deny(Entitlement.Reason.APP_SUSPENDED, "The app is suspended."));
        }
        Date pausedUntil = app.getDate("paused_until");
        if (pausedUntil != null && pausedUntil.toInstant().isAfter(clock.instant())) {
            return Optional.of(Entitlement.deny(Entitlement.Reason.APP_PAUSED, "New runs are paused until " + pausedUntil.toInstant() + "."));
        }
        if (app.get("migration_id") != null) {
            return Optional.of(Entitlement.deny(Entitlement.Reason.APP_MIGRATING, "The app's data is moving; retry shortly."));
        }
        return Optional.empty();
    }

    private Optional<Entitlement> packAllowed(Document app, Tier tier, WorkflowEntry entry) {
        if (!tier.allowsPack(entry.packId())) {
            return Optional.of(Entitlement.deny(Entitlement.Reason.TIER,
                    "Pack " + entry.packId() + " is not part of the " + tier.name() + " tier."));
        }
        if (!entry.enabled()) {
            return Optional.of(Entitlement.deny(Entitlement.Reason.PACK_DISABLED, "Pack " + entry.packId() + " is disabled for this app."));
        }
        return Optional.empty();
    }

    /** Members always may; end-users of the app's own IdP when the policy says so; listed users by id. */
    private Mono<Boolean> mayUse(Document app, Principal user) {
        Document policy = app.get("access_policy", Document.class);
        String mode = policy == null ? "members" : policy.getString("mode");
        List<String> listed = policy == null ? List.of() : policy.getList("users", String.class, List.of());
        if (user.isEndUser()) {
            boolean ownUser = app.getString("_id").equals(user.endUserOf().value());
            return Mono.just(ownUser && ("app_users".equals(mode) || "listed".equals(mode) && listed.contains(user.userId())));
        }
        if ("listed".equals(mode) && listed.contains(user.userId())) {
            return Mono.just(true);
        }
        return access.roleOf(user, app.getString("tenant_id")).map(Optional::isPresent);
    }

    /**
     * Whether the app has tokens left this month (its tier's {@code monthly_token_budget}): asked before a start, and
     * before a fan-out starts child workflows, which spend from the same budget.
     */
    public Mono<Entitlement> withinMonthlyBudget(Document app) {
        return withinMonthlyBudget(AppId.of(app.getString("_id")), limits(app));
    }

    /** The app's limits: its tier's, with operations' overrides ({@link AppLimits}). */
    public AppLimits limits(Document app) {
        return AppLimits.of(app, tiers.get(app.getString("tier")));
    }

    private Mono<Entitlement> withinMonthlyBudget(AppId appId, AppLimits limits) {
        Instant now = clock.instant();
        Instant monthStart = UsageFields.monthStart(now);
        Instant nextMonth = monthStart.atZone(ZoneOffset.UTC).plusMonths(1).toInstant();
        return usage.tokensSince(appId, monthStart).map(used -> used < limits.monthlyTokenBudget() ? Entitlement.allow()
                : Entitlement.deny(Entitlement.Reason.LIMIT_REACHED, "The app used " + used + " tokens this month, "
                        + (limits.overridden() ? "its monthly token budget of " + limits.monthlyTokenBudget() + " (set for this app)."
                                : "its tier's monthly token budget of " + limits.monthlyTokenBudget() + "."),
                        Duration.between(now, nextMonth)));
    }
}

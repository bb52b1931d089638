package ai.mozaiks.tenancy;

import static com.mongodb.client.model.Filters.eq;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.identity.Principal;
import java.util.Optional;
import reactor.core.publisher.Mono;

/**
 * Who may act in a tenant. Someone with no membership learns nothing, not even that the tenant
 * exists (404); a member without the role needed gets 403; platform admins may do anything;
 * end-users of hosted apps never reach control-plane data.
 */
public final class TenantAccess {
    private final ControlCollections collections;

    public TenantAccess(ControlCollections collections) {
        this.collections = collections;
    }

    public static String membershipId(String tenantId, String userId) {
        return tenantId + ":" + userId;
    }

    /** The principal's role in the tenant, if any. Platform admins act as owners. */
    public Mono<Optional<Role>> roleOf(Principal principal, String tenantId) {
        if (principal.isEndUser()) {
            return Mono.just(Optional.empty());
        }
        if (principal.isPlatformAdmin()) {
            return Mono.just(Optional.of(Role.OWNER));
        }
        return Mono.from(collections.memberships().find(eq("_id", membershipId(tenantId, principal.userId()))).first())
                .map(membership -> Optional.of(Role.fromWire(membership.getString("role"))))
                .defaultIfEmpty(Optional.empty());
    }

    /**
     * Passes when the principal holds at least {@code minimum} in the tenant; {@code what} names the
     * object for the not-found answer.
     */
    public Mono<Role> require(Principal principal, String tenantId, Role minimum, String what) {
        return roleOf(principal, tenantId).map(role -> {
            if (role.isEmpty()) {
                throw ApiException.notFound(what);
            }
            if (!role.get().atLeast(minimum)) {
                throw ApiException.forbidden("This needs the " + minimum.wire() + " role in the tenant.");
            }
            return role.get();
        });
    }

    /** Control-plane calls are for platform users; an app's end-user gets the same answer as a stranger. */
    public static void requirePlatformUser(Principal principal, String what) {
        if (principal.isEndUser()) {
            throw ApiException.notFound(what);
        }
    }
}

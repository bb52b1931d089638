package ai.mozaiks.tenancy;

import static com.mongodb.client.model.Filters.eq;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.identity.Principal;
import com.mongodb.reactivestreams.client.MongoCollection;
import org.bson.Document;
import reactor.core.publisher.Mono;

/** Finds an app for a caller who holds a role in its tenant; anyone else is told it does not exist. */
public final class AppAccess {
    private final ControlCollections collections;
    private final TenantAccess tenants;

    public AppAccess(ControlCollections collections, TenantAccess tenants) {
        this.collections = collections;
        this.tenants = tenants;
    }

    /** The app document when the principal holds at least {@code minimum} in its tenant. */
    public Mono<Document> authorized(Principal actor, String appId, Role minimum) {
        TenantAccess.requirePlatformUser(actor, "The app");
        return Mono.from(collections.apps().find(eq("_id", appId)).first())
                .filter(app -> !AppPurger.PURGED.equals(app.getString("status")) && !AppPurger.PURGING.equals(app.getString("status")))
                .switchIfEmpty(Mono.error(() -> ApiException.notFound("The app")))
                .flatMap(app -> tenants.require(actor, app.getString("tenant_id"), minimum, "The app").thenReturn(app));
    }

    /** Refuses with 409 {@code app_<status>} unless the app is in one of the given states. */
    public static void requireStatus(Document app, String... allowed) {
        String status = app.getString("status");
        for (String candidate : allowed) {
            if (candidate.equals(status)) {
                return;
            }
        }
        throw ApiException.conflict("app_" + status, "The app is " + status + ".");
    }

    /** The app when the principal holds the role and the app is live (active or suspended). */
    public Mono<Document> authorizedLive(Principal actor, String appId, Role minimum) {
        return authorized(actor, appId, minimum).doOnNext(app -> requireStatus(app, AppService.ACTIVE, AppService.SUSPENDED));
    }

    public MongoCollection<Document> collection() {
        return collections.apps();
    }
}

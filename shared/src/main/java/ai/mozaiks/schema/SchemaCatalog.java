package ai.mozaiks.schema;

import static ai.mozaiks.persistence.IndexSpec.expiring;
import static ai.mozaiks.persistence.IndexSpec.index;
import static com.mongodb.client.model.Indexes.ascending;
import static com.mongodb.client.model.Indexes.compoundIndex;
import static com.mongodb.client.model.Indexes.descending;

import ai.mozaiks.api.IdempotencyStore;
import ai.mozaiks.appsettings.AppSettings;
import ai.mozaiks.audit.AuditLog;
import ai.mozaiks.migration.Migration;
import ai.mozaiks.packs.PackService;
import ai.mozaiks.persistence.CollectionSpec;
import ai.mozaiks.persistence.RuntimeCollection;
import ai.mozaiks.persistence.StorageRouter;
import ai.mozaiks.tenancy.AppPurger;
import ai.mozaiks.tenancy.ControlCollections;
import ai.mozaiks.tenancy.RateWindows;
import ai.mozaiks.tenancy.RunSlots;
import java.time.Duration;
import java.util.List;

/**
 * Every collection the platform uses and every index behind its queries, in one place: the control database's here,
 * the runtime databases' in {@link RuntimeCollection}. The ensure step ({@link Schema}) creates them at deploy; no
 * request does. To add an index, add one {@code index(...)}/{@code unique(...)}/{@code expiring(...)} to its
 * collection's declaration; to add a collection, add one {@code CollectionSpec.of(...)} line.
 *
 * <p>Sharding (Cosmos DB RU): the runtime collections hold the tenants' chat data and are sharded on {@code app_id}
 * ({@link RuntimeCollection#SHARD_KEY}). The control collections stay unsharded: they hold a bounded amount per
 * tenant or app (far from a partition's 20 GB), several are read across apps (a tenant's apps, a user's tenants, the
 * purge and reconciliation sweeps), and their writes address documents by {@code _id} alone, which on a sharded
 * collection would be a cross-partition query and, with retryable writes on, a refused update. {@code app_issuers}
 * must stay unsharded: its {@code _id} is unique across apps, which a shard key would narrow to one app.
 */
public final class SchemaCatalog {
    private SchemaCatalog() {
    }

    /** The control database's collections, created in this order. */
    public static List<CollectionSpec> control() {
        return List.of(
                CollectionSpec.of(ControlCollections.TENANTS),
                CollectionSpec.of(ControlCollections.MEMBERSHIPS,
                        index("user_tenants", ascending("user_id", "tenant_id")),
                        index("tenant_members", ascending("tenant_id", "user_id"))),
                CollectionSpec.of(ControlCollections.INVITATIONS,
                        index("tenant_invitations", ascending("tenant_id", "created_at"))),
                // {_id: {issuer, audience}, app_id}: the pair's uniqueness; app_id for an app's purge.
                CollectionSpec.of(ControlCollections.APP_ISSUERS,
                        index("app", ascending("app_id"))),
                CollectionSpec.of(ControlCollections.APPS,
                                index("tenant_apps", ascending("tenant_id", "_id")),
                                // Token look-up by (issuer, audience); uniqueness is app_issuers' _id.
                                index("end_user_idp", ascending("end_user_idp.issuer", "end_user_idp.audience")),
                                index("purge_due", ascending("status", "purge_after")))
                        .retiring("app_issuer").retiring("app_issuer_audience"),
                CollectionSpec.of(ControlCollections.USERS),
                CollectionSpec.of(AuditLog.COLLECTION,
                                index("tenant_recent", compoundIndex(ascending("tenant_id"), descending("at"))),
                                // Not sparse (Cosmos RU has none): records without an app share one key, and no query minds.
                                index("app_at", compoundIndex(ascending("app_id"), descending("at"))))
                        .retiring("app_recent"),
                // TTL: on Cosmos RU refused off _ts without EnableTtlOnCustomPath; the step reports that and goes on.
                CollectionSpec.of(IdempotencyStore.COLLECTION,
                        expiring("expire", "created_at", IdempotencyStore.RETENTION)),
                CollectionSpec.of(AppSettings.COLLECTION,
                        index("app_names", ascending("app_id", "name"))),
                // Old windows are removed by the database itself.
                CollectionSpec.of(RateWindows.COLLECTION,
                        expiring("expire", "expires_at", Duration.ZERO)),
                // An app's documents are found by its id (reconciliation, purge).
                CollectionSpec.of(RunSlots.COLLECTION,
                        index("app", ascending("app_id"))),
                CollectionSpec.of(StorageRouter.ROUTES),
                // An app's ready packs by age: the key of every sort on packs (PackService.BY_AGE, NEWEST_FIRST).
                CollectionSpec.of(PackService.COLLECTION,
                        index("app_state_created", ascending("app_id", "state", "created_at"))),
                CollectionSpec.of(Migration.COLLECTION),
                CollectionSpec.of(AppPurger.COLLECTION));
    }

    /** Each runtime database's collections (the shared one, and every database an app is routed to). */
    public static List<CollectionSpec> runtime() {
        return RuntimeCollection.specs();
    }
}

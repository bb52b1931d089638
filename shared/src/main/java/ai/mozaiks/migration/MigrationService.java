package ai.mozaiks.migration;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.exists;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.audit.AuditLog;
import ai.mozaiks.identity.Principal;
import ai.mozaiks.persistence.StorageLocation;
import ai.mozaiks.persistence.RuntimeSchema;
import ai.mozaiks.persistence.StorageRouter;
import ai.mozaiks.tenancy.AppAccess;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.tenancy.AppService;
import ai.mozaiks.kernel.Ids;
import ai.mozaiks.tenancy.Tiers;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoCollection;
import java.time.Clock;
import java.util.Date;
import java.util.Map;
import java.util.Set;
import org.bson.Document;
import reactor.core.publisher.Mono;

/**
 * Starts and shows moves of an app's data between databases (platform admins only; everyone else
 * is told the endpoint's objects do not exist). Starting closes the app to new runs at once; the
 * {@link MigrationRunner} does the rest from the queue.
 */
public final class MigrationService {
    private final MongoCollection<Document> migrations;
    private final MongoCollection<Document> apps;
    private final StorageRouter router;
    private final Set<String> connections;
    private final Tiers tiers;
    private final MigrationQueue queue;
    private final AuditLog audit;
    private final Clock clock;

    private final RuntimeSchema runtime;

    public MigrationService(MongoCollection<Document> migrations, MongoCollection<Document> apps, StorageRouter router,
                            Set<String> connections, Tiers tiers, MigrationQueue queue, AuditLog audit, Clock clock,
                            RuntimeSchema runtime) {
        this.runtime = runtime;
        this.migrations = migrations;
        this.apps = apps;
        this.router = router;
        this.connections = Set.copyOf(connections);
        this.tiers = tiers;
        this.queue = queue;
        this.audit = audit;
        this.clock = clock;
    }

    /** Starts a move, or returns (and nudges) the one already under way to the same place. */
    public Mono<Map<String, Object>> start(Principal actor, String appId, MoveStorage request) {
        requireAdmin(actor);
        request.validate(connections);
        StorageLocation target = new StorageLocation(request.connection(), request.database());
        return Mono.from(apps.find(eq("_id", appId)).first())
                .switchIfEmpty(Mono.error(() -> ApiException.notFound("The app")))
                .doOnNext(app -> AppAccess.requireStatus(app, AppService.ACTIVE, AppService.SUSPENDED))
                .flatMap(app -> {
                    String running = app.getString("migration_id");
                    if (running != null) {
                        return find(running).flatMap(existing -> target.equals(MigrationRunner.location(existing.get("to", Document.class)))
                                ? queue.send(running, java.time.Duration.ZERO).thenReturn(existing)
                                : Mono.error(ApiException.conflict("migration_in_progress",
                                "Another move of this app is under way: " + running + ".")));
                    }
                    boolean dedicated = !target.equals(router.sharedLocation());
                    if (dedicated && !tiers.get(app.getString("tier")).dedicatedDatabase()) {
                        throw ApiException.conflict("tier", "The app's " + app.getString("tier") + " tier does not include a dedicated database.");
                    }
                    return router.resolve(AppId.of(appId)).flatMap(source -> {
                        if (source.equals(target)) {
                            throw ApiException.conflict("already_there", "The app's data already lives there.");
                        }
                        return begin(actor, app, source, target);
                    });
                })
                .map(MigrationService::view);
    }

    public Mono<Map<String, Object>> get(Principal actor, String migrationId) {
        requireAdmin(actor);
        return find(migrationId).map(MigrationService::view);
    }

    private Mono<Document> begin(Principal actor, Document app, StorageLocation source, StorageLocation target) {
        String id = Ids.next("mig");
        Date now = Date.from(clock.instant());
        Document migration = new Document("_id", id).append("app_id", app.getString("_id"))
                .append("from", MigrationRunner.document(source)).append("to", MigrationRunner.document(target))
                .append("phase", Migration.Phase.DRAINING.wire()).append("progress", new Document())
                .append("created_at", now).append("updated_at", now).append("created_by", actor.userId());
        // The target's runtime collections and indexes are made before any data is copied there (unique indexes on Cosmos
        // RU only while empty). Admission closes with the claim: from here the broker refuses new runs of the app (503).
        return runtime.provision(target).then(Mono.from(apps.updateOne(and(eq("_id", app.getString("_id")), exists("migration_id", false)),
                        Updates.set("migration_id", id)))
                .flatMap(claim -> claim.getModifiedCount() == 0
                        ? Mono.error(ApiException.conflict("migration_in_progress", "Another move of this app has just started."))
                        : Mono.from(migrations.insertOne(migration)).then()))
                .then(audit.record(AuditLog.Actor.of(actor), "app.storage.move", app.getString("tenant_id"), app.getString("_id"),
                        "migration", id, MigrationRunner.document(source), MigrationRunner.document(target)))
                .then(queue.send(id, java.time.Duration.ZERO))
                .thenReturn(migration);
    }

    private Mono<Document> find(String migrationId) {
        return Mono.from(migrations.find(eq("_id", migrationId)).first())
                .switchIfEmpty(Mono.error(() -> ApiException.notFound("The migration")));
    }

    private static void requireAdmin(Principal actor) {
        if (!actor.isPlatformAdmin()) {
            throw ApiException.notFound("The resource");
        }
    }

    static Map<String, Object> view(Document migration) {
        Map<String, Object> view = new java.util.LinkedHashMap<>();
        view.put("id", migration.getString("_id"));
        view.put("app_id", migration.getString("app_id"));
        view.put("from", migration.get("from"));
        view.put("to", migration.get("to"));
        view.put("phase", migration.getString("phase"));
        view.put("progress", progressView(migration.get("progress", Document.class)));
        view.put("verification", verificationView(migration.get("verification", Document.class)));
        view.put("error", migration.getString("error"));
        view.put("created_at", instant(migration.getDate("created_at")));
        view.put("updated_at", instant(migration.getDate("updated_at")));
        view.put("cleanup_after", instant(migration.getDate("cleanup_after")));
        view.values().removeIf(java.util.Objects::isNull);
        return view;
    }

    /** Per collection: documents copied and whether it is done (the resume cursor stays internal). */
    private static Map<String, Object> progressView(Document progress) {
        Map<String, Object> view = new java.util.TreeMap<>();
        if (progress != null) {
            progress.forEach((collection, state) -> {
                Document copied = (Document) state;
                view.put(collection, Map.of("copied", copied.getInteger("copied", 0), "done", copied.getBoolean("done", false)));
            });
        }
        return view;
    }

    private static Map<String, Object> verificationView(Document verification) {
        if (verification == null) {
            return null;
        }
        Map<String, Object> view = new java.util.LinkedHashMap<>();
        view.put("equal", verification.getBoolean("equal"));
        view.put("at", instant(verification.getDate("at")));
        view.put("collections", verification.getList("collections", Document.class).stream().map(c -> Map.of(
                "collection", c.getString("collection"), "equal", c.getBoolean("equal"),
                "source", Map.copyOf(c.get("source", Document.class)), "target", Map.copyOf(c.get("target", Document.class)))).toList());
        return view;
    }

    private static String instant(Date date) {
        return date == null ? null : date.toInstant().toString();
    }
}

package ai.mozaiks.tenancy;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.in;
import static com.mongodb.client.model.Filters.lte;

import ai.mozaiks.kernel.AppId;
import ai.mozaiks.persistence.AppCollection;
import ai.mozaiks.persistence.AppDatabases;
import ai.mozaiks.persistence.RuntimeCollection;
import ai.mozaiks.persistence.StorageRouter;
import com.azure.storage.blob.BlobContainerAsyncClient;
import com.azure.storage.blob.BlobServiceAsyncClient;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoCollection;
import java.time.Clock;
import java.util.Date;
import java.util.List;
import org.bson.Document;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Removes every document and blob of apps whose deletion grace period has ended. An app is first
 * moved from {@code deleted} to {@code purging} (so it can no longer be restored), then emptied in
 * batches with its progress recorded in {@code purges}; a purge cut short resumes on the next run.
 */
public final class AppPurger {
    public static final String COLLECTION = "purges";
    public static final String PURGING = "purging";
    public static final String PURGED = "purged";
    static final int BATCH = 500;

    private final ControlCollections collections;
    private final MongoCollection<Document> purges;
    private final MongoCollection<Document> packs;
    private final MongoCollection<Document> settings;
    private final AppDatabases databases;
    private final StorageRouter router;
    private final BlobServiceAsyncClient blobs;
    private final List<String> containers;
    private final RunSlots runSlots;
    private final Clock clock;

    /** @param settings the apps' own settings ({@code app_settings}), secrets included: removed with the app */
    public AppPurger(ControlCollections collections, MongoCollection<Document> purges, MongoCollection<Document> packs,
                     MongoCollection<Document> settings, AppDatabases databases, StorageRouter router, BlobServiceAsyncClient blobs, List<String> containers, RunSlots runSlots, Clock clock) {
        this.collections = collections;
        this.purges = purges;
        this.packs = packs;
        this.settings = settings;
        this.databases = databases;
        this.router = router;
        this.blobs = blobs;
        this.containers = List.copyOf(containers);
        this.runSlots = runSlots;
        this.clock = clock;
    }

    /** Reported as a purge advances: which app, what was removed so far. */
    public interface Progress {
        void report(String appId, String what, long removed);
    }

    /** Purges every app that is due (or was left half-purged); returns how many apps were finished. */
    public Mono<Integer> purgeDue(Progress progress) {
        Date now = Date.from(clock.instant());
        return Flux.from(collections.apps().find(in("status", List.of(AppService.DELETED, PURGING)))
                        .projection(Projections.include("_id", "status", "purge_after")))
                .filter(app -> PURGING.equals(app.getString("status")) || !app.getDate("purge_after").after(now))
                .concatMap(app -> claim(app.getString("_id")).flatMap(claimed -> claimed ? purge(app.getString("_id"), progress).thenReturn(1)
                        : Mono.just(0)))
                .reduce(0, Integer::sum);
    }

    /** deleted → purging once the grace has passed; a purge already under way is taken over. */
    private Mono<Boolean> claim(String appId) {
        Date now = Date.from(clock.instant());
        return Mono.from(collections.apps().updateOne(
                        and(eq("_id", appId), eq("status", AppService.DELETED), lte("purge_after", now)),
                        Updates.combine(Updates.set("status", PURGING), Updates.set("purge_started_at", now))))
                .flatMap(result -> result.getModifiedCount() == 1 ? Mono.just(true)
                        : Mono.from(collections.apps().find(and(eq("_id", appId), eq("status", PURGING))).first()).hasElement());
    }

    private Mono<Void> purge(String appId, Progress progress) {
        AppId id = AppId.of(appId);
        return record(appId, Updates.combine(Updates.set("state", "running"), Updates.setOnInsert("started_at", Date.from(clock.instant()))))
                .then(databases.forApp(id))
                .flatMapMany(db -> Flux.fromArray(RuntimeCollection.values())
                        .concatMap(kind -> emptyCollection(db.collection(kind), progress)))
                .then(Flux.fromIterable(containers).concatMap(container -> emptyPrefix(appId, blobs.getBlobContainerAsyncClient(container),
                        progress)).then())
                .then(Mono.from(settings.deleteMany(eq("app_id", appId))))
                .then(Mono.from(collections.appIssuers().deleteMany(eq("app_id", appId))))
                // Its run slots: the chats that held them are gone.
                .then(runSlots.forget(id))
                .then(Mono.from(collections.apps().updateOne(eq("_id", appId), Updates.combine(Updates.set("status", PURGED),
                        Updates.set("purged_at", Date.from(clock.instant())), Updates.unset("packs"), Updates.unset("end_user_idp")))))
                .then(Mono.from(packs.deleteMany(eq("app_id", appId)))
                        .flatMap(removed -> record(appId, Updates.inc("removed.pack_versions", removed.getDeletedCount()))))
                .then(Mono.from(router.routes().deleteOne(eq("_id", appId))))
                .then(Mono.fromRunnable(() -> router.invalidate(id)))
                .then(record(appId, Updates.combine(Updates.set("state", "done"), Updates.set("finished_at", Date.from(clock.instant())))))
                .doOnSuccess(ignored -> progress.report(appId, "done", 0));
    }

    /** Deletes in batches so a huge app reports progress and a cut-short purge loses nothing already done. */
    private Mono<Long> emptyCollection(AppCollection collection, Progress progress) {
        String name = collection.kind().collectionName();
        return collection.find(null, null, BATCH).map(document -> document.get("_id")).collectList()
                .flatMap(ids -> ids.isEmpty() ? Mono.just(0L) : collection.deleteMany(in("_id", ids))
                        .flatMap(removed -> record(collection.appId().value(), Updates.inc("removed." + name, removed))
                                .doOnSuccess(ignored -> progress.report(collection.appId().value(), name, removed))
                                .then(emptyCollection(collection, progress)).map(more -> removed + more)));
    }

    private Mono<Long> emptyPrefix(String appId, BlobContainerAsyncClient container, Progress progress) {
        return container.exists().flatMap(exists -> !exists ? Mono.just(0L)
                : container.listBlobs(new ListBlobsOptions().setPrefix(appId + "/"))
                        .concatMap(blob -> container.getBlobAsyncClient(blob.getName()).deleteIfExists())
                        .filter(Boolean::booleanValue)
                        .count()
                        .flatMap(removed -> record(appId, Updates.inc("removed.blobs:" + container.getBlobContainerName(), removed))
                                .doOnSuccess(ignored -> progress.report(appId, "blobs in " + container.getBlobContainerName(), removed))
                                .thenReturn(removed)));
    }

    private Mono<Void> record(String appId, org.bson.conversions.Bson update) {
        return Mono.from(purges.updateOne(eq("_id", appId), Updates.combine(update, Updates.set("updated_at", Date.from(clock.instant()))),
                new UpdateOptions().upsert(true))).then();
    }
}

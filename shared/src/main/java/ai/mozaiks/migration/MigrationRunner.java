package ai.mozaiks.migration;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.gt;
import static com.mongodb.client.model.Filters.in;

import ai.mozaiks.migration.Migration.Phase;
import ai.mozaiks.persistence.AppCollection;
import ai.mozaiks.persistence.AppDatabases;
import ai.mozaiks.session.ChatFields;
import ai.mozaiks.persistence.RuntimeCollection;
import ai.mozaiks.persistence.StorageLocation;
import ai.mozaiks.persistence.StorageRouter;
import ai.mozaiks.kernel.AppId;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoCollection;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Moves one app's data, phase by phase: drain the runs in flight, copy every runtime collection in
 * {@code _id} order (upserts, so a repeat copies nothing twice), verify counts and checksums, switch
 * the routing record, wait out every instance's routing cache, reopen the app, and after a grace
 * period remove the source copy. Each phase is recorded before the next starts, and a transition
 * is a conditional update, so a crashed or duplicated run resumes where the record says.
 */
public final class MigrationRunner {
    static final int BATCH = 500;
    private static final Duration DRAIN_POLL = Duration.ofSeconds(2);
    private static final JsonWriterSettings CANONICAL = JsonWriterSettings.builder().outputMode(JsonMode.EXTENDED).build();

    private final MongoCollection<Document> migrations;
    private final MongoCollection<Document> apps;
    private final AppDatabases databases;
    private final StorageRouter router;
    private final Duration routeCacheTtl;
    private final Duration sourceGrace;
    private final Clock clock;

    public MigrationRunner(MongoCollection<Document> migrations, MongoCollection<Document> apps, AppDatabases databases,
                           StorageRouter router, Duration routeCacheTtl, Duration sourceGrace, Clock clock) {
        this.migrations = migrations;
        this.apps = apps;
        this.databases = databases;
        this.router = router;
        this.routeCacheTtl = routeCacheTtl;
        this.sourceGrace = sourceGrace;
        this.clock = clock;
    }

    /** Reported as the move advances. */
    public interface Progress {
        void report(String migrationId, String phase, String detail);
    }

    /**
     * Advances the migration until it must wait, ends, or {@code until} passes. The answer is when
     * to run it again; empty when it has ended.
     */
    public Mono<Optional<Duration>> advance(String migrationId, Instant until, Progress progress) {
        return Mono.from(migrations.find(eq("_id", migrationId)).first())
                .flatMap(migration -> step(migration, until, progress))
                .defaultIfEmpty(Optional.empty());
    }

    private Mono<Optional<Duration>> step(Document migration, Instant until, Progress progress) {
        Phase phase = Phase.fromWire(migration.getString("phase"));
        String id = migration.getString("_id");
        AppId appId = AppId.of(migration.getString("app_id"));
        StorageLocation from = location(migration.get("from", Document.class));
        StorageLocation to = location(migration.get("to", Document.class));
        if (clock.instant().isAfter(until) && !phase.terminal()) {
            return Mono.just(Optional.of(Duration.ZERO));
        }
        progress.report(id, phase.wire(), "");
        Mono<Optional<Duration>> next = switch (phase) {
            case DRAINING -> databases.at(appId, from)
                    .flatMap(db -> db.collection(RuntimeCollection.CHAT_SESSIONS).count(gt(ChatFields.LEASE_UNTIL, Date.from(clock.instant()))))
                    .flatMap(inFlight -> inFlight > 0 ? Mono.just(Optional.of(DRAIN_POLL)) : moveTo(migration, Phase.COPYING, null));
            case COPYING -> copy(migration, appId, from, to, until, progress)
                    .flatMap(done -> done ? moveTo(migration, Phase.VERIFYING, null) : Mono.just(Optional.of(Duration.ZERO)));
            case VERIFYING -> verify(appId, from, to).flatMap(report -> report.getBoolean("equal")
                    ? moveTo(migration, Phase.SWITCHING, Updates.set("verification", report))
                    : rollBack(migration, appId, to, report));
            case SWITCHING -> switchRoute(appId, to).then(moveTo(migration, Phase.SETTLING,
                    Updates.set("settle_until", Date.from(clock.instant().plus(routeCacheTtl).plusSeconds(5)))));
            case SETTLING -> {
                Instant settled = migration.getDate("settle_until").toInstant();
                yield clock.instant().isBefore(settled) ? Mono.just(Optional.of(Duration.between(clock.instant(), settled)))
                        : reopen(appId, id).then(moveTo(migration, Phase.COMPLETED,
                        Updates.set("cleanup_after", Date.from(clock.instant().plus(sourceGrace)))));
            }
            case COMPLETED -> {
                Instant cleanupAfter = migration.getDate("cleanup_after").toInstant();
                yield clock.instant().isBefore(cleanupAfter) ? Mono.just(Optional.of(Duration.between(clock.instant(), cleanupAfter)))
                        : removeCopy(appId, from).then(moveTo(migration, Phase.CLEANED, Updates.set("cleaned_at", Date.from(clock.instant()))));
            }
            case CLEANED, FAILED -> Mono.just(Optional.<Duration>empty());
        };
        return next.flatMap(after -> after.isPresent() && after.get().isZero() && !phase.terminal()
                ? advance(id, until, progress) : Mono.just(after));
    }

    /** Copies in batches from where the record says the last one ended; true when every collection is done. */
    private Mono<Boolean> copy(Document migration, AppId appId, StorageLocation from, StorageLocation to, Instant until,
                               Progress progress) {
        Document copied = migration.get("progress", Document.class);
        return Mono.zip(databases.at(appId, from), databases.at(appId, to)).flatMap(dbs -> Flux.fromArray(RuntimeCollection.values())
                .concatMap(kind -> {
                    Document state = copied == null ? null : copied.get(kind.collectionName(), Document.class);
                    if (state != null && state.getBoolean("done", false)) {
                        return Mono.just(true);
                    }
                    return copyCollection(migration.getString("_id"), dbs.getT1().collection(kind), dbs.getT2().collection(kind),
                            state == null ? null : state.get("last_id"), state == null ? 0 : state.getInteger("copied", 0), until, progress);
                })
                .all(Boolean::booleanValue));
    }

    private Mono<Boolean> copyCollection(String migrationId, AppCollection source, AppCollection target, Object lastId, int copied,
                                         Instant until, Progress progress) {
        if (clock.instant().isAfter(until)) {
            return Mono.just(false);
        }
        Bson after = lastId == null ? null : gt("_id", lastId);
        String name = source.kind().collectionName();
        return source.find(after, Sorts.ascending("_id"), BATCH).collectList().flatMap(batch -> {
            if (batch.isEmpty()) {
                return record(migrationId, Updates.set("progress." + name + ".done", true)).thenReturn(true);
            }
            Object last = batch.get(batch.size() - 1).get("_id");
            int total = copied + batch.size();
            return target.upsertAll(batch)
                    .then(record(migrationId, Updates.combine(Updates.set("progress." + name + ".copied", total),
                            Updates.set("progress." + name + ".last_id", last))))
                    .doOnSuccess(ignored -> progress.report(migrationId, "copying", name + ": " + total + " documents"))
                    .then(Mono.defer(() -> copyCollection(migrationId, source, target, last, total, until, progress)));
        });
    }

    /** Per collection: equal counts and equal checksums of every document in {@code _id} order. */
    private Mono<Document> verify(AppId appId, StorageLocation from, StorageLocation to) {
        return Mono.zip(databases.at(appId, from), databases.at(appId, to)).flatMap(dbs -> Flux.fromArray(RuntimeCollection.values())
                .concatMap(kind -> Mono.zip(fingerprint(dbs.getT1().collection(kind)), fingerprint(dbs.getT2().collection(kind)))
                        .map(pair -> new Document("collection", kind.collectionName())
                                .append("source", pair.getT1()).append("target", pair.getT2())
                                .append("equal", pair.getT1().equals(pair.getT2()))))
                .collectList()
                .map(collections -> new Document("equal", collections.stream().allMatch(c -> c.getBoolean("equal")))
                        .append("collections", collections).append("at", Date.from(clock.instant()))));
    }

    private Mono<Document> fingerprint(AppCollection collection) {
        MessageDigest sha = sha256();
        return collection.find(null, Sorts.ascending("_id"), 0)
                .reduce(0L, (count, document) -> {
                    sha.update(document.toJson(CANONICAL).getBytes(StandardCharsets.UTF_8));
                    sha.update((byte) '\n');
                    return count + 1;
                })
                .map(count -> new Document("count", count).append("sha256", HexFormat.of().formatHex(sha.digest())));
    }

    /** A copy that does not match is removed again and the app reopened where it was. */
    private Mono<Optional<Duration>> rollBack(Document migration, AppId appId, StorageLocation to, Document report) {
        return removeCopy(appId, to)
                .then(reopen(appId, migration.getString("_id")))
                .then(moveTo(migration, Phase.FAILED, Updates.combine(Updates.set("verification", report),
                        Updates.set("error", "verification failed: source and target differ; the copy was removed"))));
    }

    private Mono<Void> switchRoute(AppId appId, StorageLocation to) {
        Mono<?> write = to.equals(router.sharedLocation())
                ? Mono.from(router.routes().deleteOne(eq("_id", appId.value())))
                : Mono.from(router.routes().replaceOne(eq("_id", appId.value()),
                new Document("_id", appId.value()).append("connection", to.connectionName()).append("database", to.databaseName()),
                new ReplaceOptions().upsert(true)));
        return write.then(Mono.fromRunnable(() -> router.invalidate(appId)));
    }

    private Mono<Void> reopen(AppId appId, String migrationId) {
        return Mono.from(apps.updateOne(and(eq("_id", appId.value()), eq("migration_id", migrationId)), Updates.unset("migration_id")))
                .then();
    }

    private Mono<Void> removeCopy(AppId appId, StorageLocation location) {
        return databases.at(appId, location).flatMapMany(db -> Flux.fromArray(RuntimeCollection.values())
                        .concatMap(kind -> deleteInBatches(db.collection(kind))))
                .then();
    }

    private Mono<Long> deleteInBatches(AppCollection collection) {
        return collection.find(null, null, BATCH).map(document -> document.get("_id")).collectList()
                .flatMap(ids -> ids.isEmpty() ? Mono.just(0L)
                        : collection.deleteMany(in("_id", ids)).flatMap(removed -> deleteInBatches(collection).map(more -> removed + more)));
    }

    /** Moves the record on, only from the phase it was read in: of two runners, one moves it. */
    private Mono<Optional<Duration>> moveTo(Document migration, Phase next, Bson also) {
        Bson update = Updates.combine(Updates.set("phase", next.wire()), Updates.set("updated_at", Date.from(clock.instant())));
        if (also != null) {
            update = Updates.combine(update, also);
        }
        return Mono.from(migrations.updateOne(and(eq("_id", migration.getString("_id")), eq("phase", migration.getString("phase"))), update))
                .thenReturn(next.terminal() ? Optional.<Duration>empty() : Optional.of(Duration.ZERO));
    }

    private Mono<Void> record(String migrationId, Bson update) {
        return Mono.from(migrations.updateOne(eq("_id", migrationId),
                Updates.combine(update, Updates.set("updated_at", Date.from(clock.instant()))))).then();
    }

    static StorageLocation location(Document document) {
        return new StorageLocation(document.getString("connection"), document.getString("database"));
    }

    static Document document(StorageLocation location) {
        return new Document("connection", location.connectionName()).append("database", location.databaseName());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

}

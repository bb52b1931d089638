package ai.mozaiks.persistence;

import ai.mozaiks.config.MongoFlavor;
import ai.mozaiks.persistence.SchemaReport.Entry;
import ai.mozaiks.persistence.SchemaReport.Outcome;
import com.mongodb.MongoCommandException;
import com.mongodb.MongoException;
import com.mongodb.reactivestreams.client.MongoCollection;
import com.mongodb.reactivestreams.client.MongoDatabase;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.bson.Document;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Brings one database in line with declared collections and indexes, or only checks it. Lists what exists first and
 * never re-declares an index that exists (Cosmos DB's RU API refuses to "modify" a unique index on a populated
 * collection, even to the same definition). A missing collection is created before its indexes, so its unique
 * indexes are built while it is empty. Each declaration stands alone: one the server refuses is reported and the
 * others still go ahead.
 *
 * <p>On Cosmos DB RU a missing collection is created by the extension command {@code CreateCollection}, with its shard
 * key and its indexes in the same command: accounts with continuous backup accept a unique index only "as a part of
 * the initial container creation", and a sharded collection can only be made that way. The command's documented
 * shape: {@code {customAction: "CreateCollection", collection, shardKey, indexes: [{key: {_id: 1}, name}, ...]}},
 * where "When present, an index on _id is required" (indexes on 3.6+ accounts), and {@code GetCollection} answers
 * the collection's {@code shardKeyDefinition}. Sources:
 * https://learn.microsoft.com/azure/cosmos-db/mongodb/custom-commands,
 * https://learn.microsoft.com/azure/cosmos-db/continuous-backup-restore-introduction (via
 * https://github.com/MicrosoftDocs/azure-docs/issues/102477). TTL indexes follow in their own createIndexes: an RU
 * account without {@code EnableTtlOnCustomPath} refuses them, and that must not cost the collection. Other flavors
 * use the standard {@code create} and {@code createIndexes}.
 */
public final class SchemaEnsurer {
    /** NamespaceExists: another instance created the collection between the listing and the create. */
    private static final int NAMESPACE_EXISTS = 48;
    /** The name MongoDB (and Cosmos) give the index on {@code _id}. */
    private static final String ID_INDEX = "_id_";

    private SchemaEnsurer() {
    }

    /** Creates what is missing, drops what is retired, and reports the rest. */
    public static Mono<SchemaReport> ensure(MongoDatabase database, MongoFlavor flavor, List<CollectionSpec> collections) {
        return run(database, flavor, collections, true);
    }

    /** Changes nothing: reports what {@link #ensure} would create as missing. */
    public static Mono<SchemaReport> check(MongoDatabase database, MongoFlavor flavor, List<CollectionSpec> collections) {
        return run(database, flavor, collections, false);
    }

    private static Mono<SchemaReport> run(MongoDatabase database, MongoFlavor flavor, List<CollectionSpec> collections, boolean apply) {
        Objects.requireNonNull(flavor, "flavor");
        String db = database.getName();
        return Flux.from(database.listCollectionNames()).collect(HashSet<String>::new, Set::add)
                .flatMapMany(existing -> Flux.fromIterable(collections)
                        .concatMap(spec -> existing.contains(spec.name()) ? existingCollection(database, flavor, spec, apply)
                                : newCollection(database, flavor, spec, apply)))
                .concatMapIterable(entries -> entries)
                .collectList()
                .map(SchemaReport::new)
                .onErrorResume(MongoException.class, e -> Mono.just(new SchemaReport(List.of(
                        new Entry(db, "*", null, Outcome.UNREACHABLE, "could not list the database: " + message(e))))));
    }

    private static Mono<List<Entry>> newCollection(MongoDatabase database, MongoFlavor flavor, CollectionSpec spec, boolean apply) {
        String db = database.getName();
        if (!apply) {
            List<Entry> entries = new ArrayList<>();
            entries.add(new Entry(db, spec.name(), null, Outcome.MISSING, "collection absent"));
            spec.indexes().forEach(index -> entries.add(new Entry(db, spec.name(), index.name(), Outcome.MISSING, null)));
            return Mono.just(entries);
        }
        return flavor == MongoFlavor.COSMOS_RU ? createOnCosmosRu(database, flavor, spec) : create(database, flavor, spec);
    }

    /** The standard way: {@code create}, then each index. */
    private static Mono<List<Entry>> create(MongoDatabase database, MongoFlavor flavor, CollectionSpec spec) {
        String db = database.getName();
        return DatabaseRetry.throttled(Mono.from(database.createCollection(spec.name())))
                .then(Mono.defer(() -> Flux.fromIterable(spec.indexes())
                        .concatMap(index -> create(database.getCollection(spec.name()), db, spec.name(), index))
                        .collectList()
                        .map(indexes -> concat(List.of(new Entry(db, spec.name(), null, Outcome.COLLECTION_CREATED, null)), indexes))))
                .onErrorResume(SchemaEnsurer::transientFailure, e -> Mono.just(notReached(db, spec, e)))
                .onErrorResume(MongoCommandException.class, e -> e.getErrorCode() == NAMESPACE_EXISTS
                        ? existingCollection(database, flavor, spec, true)
                        : Flux.fromIterable(spec.indexes())
                        .concatMap(index -> create(database.getCollection(spec.name()), db, spec.name(), index))
                        .collectList()
                        .map(indexes -> concat(List.of(new Entry(db, spec.name(), null, Outcome.REFUSED, message(e))), indexes)));
    }

    /** Cosmos DB RU: one CreateCollection with the shard key and every index but TTL ones, then those. */
    private static Mono<List<Entry>> createOnCosmosRu(MongoDatabase database, MongoFlavor flavor, CollectionSpec spec) {
        String db = database.getName();
        List<IndexSpec> withCollection = spec.indexes().stream().filter(index -> index.expireAfter() == null).toList();
        List<IndexSpec> after = spec.indexes().stream().filter(index -> index.expireAfter() != null).toList();
        List<Document> indexes = new ArrayList<>();
        indexes.add(new Document("key", new Document("_id", 1)).append("name", ID_INDEX));
        withCollection.forEach(index -> indexes.add(index.definition()));
        Document command = new Document("customAction", "CreateCollection").append("collection", spec.name());
        if (spec.isSharded()) {
            command.append("shardKey", spec.shardKey());
        }
        command.append("indexes", indexes);
        return DatabaseRetry.throttled(Mono.from(database.runCommand(command)))
                .then(Mono.defer(() -> {
                    List<Entry> entries = new ArrayList<>();
                    entries.add(new Entry(db, spec.name(), null, Outcome.COLLECTION_CREATED,
                            spec.isSharded() ? "sharded on " + spec.shardKey() : null));
                    withCollection.forEach(index -> entries.add(new Entry(db, spec.name(), index.name(), Outcome.CREATED, null)));
                    return Flux.fromIterable(after)
                            .concatMap(index -> create(database.getCollection(spec.name()), db, spec.name(), index))
                            .collectList()
                            .map(ttl -> concat(entries, ttl));
                }))
                .onErrorResume(SchemaEnsurer::transientFailure, e -> Mono.just(notReached(db, spec, e)))
                .onErrorResume(MongoCommandException.class, e -> {
                    if (e.getErrorCode() == NAMESPACE_EXISTS) {
                        return existingCollection(database, flavor, spec, true);
                    }
                    // No index is tried on its own: createIndexes would make the collection implicitly, unsharded.
                    List<Entry> entries = new ArrayList<>();
                    entries.add(new Entry(db, spec.name(), null, Outcome.REFUSED, message(e)));
                    spec.indexes().forEach(index -> entries.add(new Entry(db, spec.name(), index.name(), Outcome.MISSING,
                            "collection not created")));
                    return Mono.just(entries);
                });
    }

    /**
     * Throttled past the brief retry, timed out or away: the server did not refuse the collection, it did not get to
     * it. Reported as not reached, so the step is run again (a refusal is remembered; this must not be).
     */
    private static boolean transientFailure(Throwable error) {
        return DatabaseErrors.classify(error).isPresent();
    }

    private static List<Entry> notReached(String db, CollectionSpec spec, Throwable error) {
        return List.of(new Entry(db, spec.name(), null, Outcome.UNREACHABLE, "not created, try again: "
                + (error instanceof MongoException mongo ? message(mongo) : error.getClass().getSimpleName())));
    }

    private static Mono<List<Entry>> existingCollection(MongoDatabase database, MongoFlavor flavor, CollectionSpec spec, boolean apply) {
        String db = database.getName();
        MongoCollection<Document> collection = database.getCollection(spec.name());
        Mono<List<Entry>> sharding = flavor == MongoFlavor.COSMOS_RU ? shardKeyDrift(database, spec) : Mono.just(List.of());
        return sharding.flatMap(shardEntries -> Flux.from(collection.listIndexes())
                .collectMap(index -> index.getString("name"), index -> index, HashMap::new)
                .flatMap(existing -> Flux.fromIterable(spec.indexes())
                        .concatMap(index -> {
                            Document found = existing.get(index.name());
                            if (found == null) {
                                return apply ? create(collection, db, spec.name(), index)
                                        : Mono.just(new Entry(db, spec.name(), index.name(), Outcome.MISSING, null));
                            }
                            List<String> differences = index.differences(found);
                            return Mono.justOrEmpty(differences.isEmpty() ? null
                                    : new Entry(db, spec.name(), index.name(), Outcome.DIFFERENT, String.join("; ", differences)));
                        })
                        .concatWith(Flux.fromIterable(undeclared(spec, existing))
                                .concatMap(name -> spec.retired().contains(name) && apply ? drop(collection, db, spec.name(), name)
                                        : Mono.just(new Entry(db, spec.name(), name, Outcome.EXTRA,
                                        spec.retired().contains(name) ? "retired" : "not declared"))))
                        .collectList()
                        .map(indexes -> concat(shardEntries, indexes))));
    }

    /**
     * Cosmos DB RU: the collection's shard key ({@code GetCollection}'s {@code shardKeyDefinition}) against the
     * declaration. A collection cannot be resharded in place, so a difference is reported, never fixed.
     */
    private static Mono<List<Entry>> shardKeyDrift(MongoDatabase database, CollectionSpec spec) {
        String db = database.getName();
        return Mono.from(database.runCommand(new Document("customAction", "GetCollection").append("collection", spec.name())))
                .map(answer -> {
                    Document definition = answer.get("shardKeyDefinition") instanceof Document document ? document : null;
                    String actual = definition == null || definition.isEmpty() ? null : definition.keySet().iterator().next();
                    if (Objects.equals(actual, spec.shardKey())) {
                        return List.<Entry>of();
                    }
                    String detail = (actual == null ? "unsharded" : "sharded on " + actual) + ", declared "
                            + (spec.isSharded() ? "sharded on " + spec.shardKey() : "unsharded");
                    return List.of(new Entry(db, spec.name(), null, Outcome.DIFFERENT, detail));
                })
                .onErrorResume(MongoException.class, e -> Mono.just(List.of(new Entry(db, spec.name(), null, Outcome.DIFFERENT,
                        "shard key not readable: " + message(e)))));
    }

    private static List<String> undeclared(CollectionSpec spec, Map<String, Document> existing) {
        Set<String> declared = new HashSet<>();
        spec.indexes().forEach(index -> declared.add(index.name()));
        return existing.keySet().stream().filter(name -> !ID_INDEX.equals(name) && !declared.contains(name)).sorted().toList();
    }

    private static Mono<Entry> create(MongoCollection<Document> collection, String db, String name, IndexSpec index) {
        return Mono.from(collection.createIndex(index.keys(), index.options()))
                .thenReturn(new Entry(db, name, index.name(), Outcome.CREATED, null))
                .onErrorResume(MongoException.class, e -> Mono.just(new Entry(db, name, index.name(), Outcome.REFUSED, message(e))));
    }

    private static Mono<Entry> drop(MongoCollection<Document> collection, String db, String name, String index) {
        return Mono.from(collection.dropIndex(index))
                .thenReturn(new Entry(db, name, index, Outcome.DROPPED, "retired"))
                .onErrorResume(MongoException.class, e -> Mono.just(new Entry(db, name, index, Outcome.EXTRA,
                        "retired, not dropped: " + message(e))));
    }

    private static List<Entry> concat(List<Entry> first, List<Entry> second) {
        List<Entry> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    private static String message(MongoException e) {
        return e instanceof MongoCommandException command ? command.getErrorCodeName() + " (" + command.getErrorCode() + "): "
                + command.getErrorMessage() : e.getClass().getSimpleName() + ": " + e.getMessage();
    }
}

package ai.mozaiks.persistence;

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
 */
public final class SchemaEnsurer {
    /** NamespaceExists: another instance created the collection between the listing and the create. */
    private static final int NAMESPACE_EXISTS = 48;

    private SchemaEnsurer() {
    }

    /** Creates what is missing, drops what is retired, and reports the rest. */
    public static Mono<SchemaReport> ensure(MongoDatabase database, List<CollectionSpec> collections) {
        return run(database, collections, true);
    }

    /** Changes nothing: reports what {@link #ensure} would create as missing. */
    public static Mono<SchemaReport> check(MongoDatabase database, List<CollectionSpec> collections) {
        return run(database, collections, false);
    }

    private static Mono<SchemaReport> run(MongoDatabase database, List<CollectionSpec> collections, boolean apply) {
        String db = database.getName();
        return Flux.from(database.listCollectionNames()).collect(HashSet<String>::new, Set::add)
                .flatMapMany(existing -> Flux.fromIterable(collections)
                        .concatMap(spec -> existing.contains(spec.name()) ? existingCollection(database, spec, apply)
                                : newCollection(database, spec, apply)))
                .concatMapIterable(entries -> entries)
                .collectList()
                .map(SchemaReport::new)
                .onErrorResume(MongoException.class, e -> Mono.just(new SchemaReport(List.of(
                        new Entry(db, "*", null, Outcome.MISSING, "could not list the database: " + message(e))))));
    }

    private static Mono<List<Entry>> newCollection(MongoDatabase database, CollectionSpec spec, boolean apply) {
        String db = database.getName();
        if (!apply) {
            List<Entry> entries = new ArrayList<>();
            entries.add(new Entry(db, spec.name(), null, Outcome.MISSING, "collection absent"));
            spec.indexes().forEach(index -> entries.add(new Entry(db, spec.name(), index.name(), Outcome.MISSING, null)));
            return Mono.just(entries);
        }
        return Mono.from(database.createCollection(spec.name()))
                .thenReturn(List.of(new Entry(db, spec.name(), null, Outcome.COLLECTION_CREATED, null)))
                .onErrorResume(MongoCommandException.class, e -> e.getErrorCode() == NAMESPACE_EXISTS ? Mono.just(List.<Entry>of())
                        : Mono.just(List.of(new Entry(db, spec.name(), null, Outcome.REFUSED, message(e)))))
                .flatMap(created -> Flux.fromIterable(spec.indexes())
                        .concatMap(index -> create(database.getCollection(spec.name()), db, spec.name(), index))
                        .collectList()
                        .map(indexes -> concat(created, indexes)));
    }

    private static Mono<List<Entry>> existingCollection(MongoDatabase database, CollectionSpec spec, boolean apply) {
        String db = database.getName();
        MongoCollection<Document> collection = database.getCollection(spec.name());
        return Flux.from(collection.listIndexes()).collectMap(index -> index.getString("name"), index -> index, HashMap::new)
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
                        .collectList());
    }

    private static List<String> undeclared(CollectionSpec spec, Map<String, Document> existing) {
        Set<String> declared = new HashSet<>();
        spec.indexes().forEach(index -> declared.add(index.name()));
        return existing.keySet().stream().filter(name -> !"_id_".equals(name) && !declared.contains(name)).sorted().toList();
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

package ai.mozaiks.devhost.emulators;

import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.backend.memory.MemoryCollection;
import de.bwaldvogel.mongo.backend.memory.MemoryDatabase;
import de.bwaldvogel.mongo.bson.Document;
import java.util.List;
import java.util.Optional;

/**
 * mongo-java-server's memory backend, with its unique indexes used for the queries MongoDB would answer from them.
 *
 * <p>The library consults an index only when a query names exactly the index's fields, as plain values; the platform's
 * filters are conjunctions ({@code $and}: the app scope, the {@code _id}, a condition on a count), so every one of them
 * scanned the whole collection, and a step or a session start got slower with each chat the server had seen. Here a
 * query that pins every field of a unique index by equality — in its top level or any {@code $and} — reads the one
 * document the index points at and matches it against the whole query, so results are the same, at the cost of a
 * look-up.
 */
public class IndexedMemoryBackend extends MemoryBackend {
    @Override
    public MemoryDatabase openOrCreateDatabase(String databaseName) {
        return new Database(databaseName, getCursorRegistry());
    }

    /** The memory database, opening {@link Collection}s. */
    static final class Database extends MemoryDatabase {
        Database(String name, CursorRegistry cursors) {
            super(name, cursors);
        }

        @Override
        protected MemoryCollection openOrCreateCollection(String collectionName, CollectionOptions options) {
            // The inherited registry: the super constructor opens collections before a field of this class would be set.
            return new Collection(this, collectionName, options, cursorRegistry);
        }
    }

    /** The memory collection, answering queries that pin a unique index from it. */
    static final class Collection extends MemoryCollection {
        Collection(MongoDatabase database, String name, CollectionOptions options, CursorRegistry cursors) {
            super(database, name, options, cursors);
        }

        @Override
        protected QueryResult queryDocuments(Document query, Document orderBy, int skip, int limit, int batchSize, Document fields) {
            Optional<Integer> pinned = PinnedKeys.position(getIndexes(), query);
            if (pinned.isEmpty()) {
                return super.queryDocuments(query, orderBy, skip, limit, batchSize, fields);
            }
            List<Integer> positions = pinned.get() < 0 ? List.of() : List.of(pinned.get());
            return matchDocuments(query, positions, orderBy, skip, limit, batchSize, fields);
        }
    }

    /** Which document a query pins through a unique index, if it does. */
    static final class PinnedKeys {
        private PinnedKeys() {
        }

        /**
         * The position of the one document that can match {@code query}, found through the first unique index whose
         * fields the query all pins by equality; {@code -1} when the index holds no such document; empty when no unique
         * index is pinned (the collection is then scanned).
         */
        static Optional<Integer> position(List<Index<Integer>> indexes, Document query) {
            Document equalities = new Document();
            collect(query, equalities);
            for (Index<Integer> index : indexes) {
                // A dotted field may reach into arrays of subdocuments, which a look-up by the whole path does not.
                if (!index.isUnique() || index.getKeys().stream().anyMatch(field -> field.getKey().contains("."))) {
                    continue;
                }
                Document key = new Document();
                index.getKeys().forEach(field -> {
                    if (equalities.containsKey(field.getKey())) {
                        key.put(field.getKey(), equalities.get(field.getKey()));
                    }
                });
                if (key.size() == index.getKeys().size()) {
                    Integer position = index.getPosition(key);
                    return Optional.of(position == null ? -1 : position);
                }
            }
            return Optional.empty();
        }

        /** The fields the query sets equal to a plain value, at its top level and in its {@code $and}s. */
        private static void collect(Document query, Document equalities) {
            query.forEach((field, value) -> {
                if ("$and".equals(field) && value instanceof List<?> conjuncts) {
                    conjuncts.stream().filter(Document.class::isInstance).forEach(conjunct -> collect((Document) conjunct, equalities));
                } else if (!field.startsWith("$") && plain(value)) {
                    equalities.put(field, value);
                }
            });
        }

        /**
         * A value whose equality a unique index answers exactly: a string or an object id. Numbers (whose types MongoDB
         * compares across), documents (which may be operators), arrays (which match their elements), null (which
         * matches a missing field) and patterns are left to the scan.
         */
        private static boolean plain(Object value) {
            return value instanceof String || value instanceof de.bwaldvogel.mongo.bson.ObjectId;
        }
    }
}

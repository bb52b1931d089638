package ai.mozaiks.devhost.emulators;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.gt;
import static com.mongodb.client.model.Filters.lt;
import static com.mongodb.client.model.Filters.ne;
import static com.mongodb.client.model.Filters.or;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoClient;
import com.mongodb.reactivestreams.client.MongoClients;
import com.mongodb.reactivestreams.client.MongoCollection;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The embedded server answering pinned queries from a unique index gives what the library's scan gives, through the real
 * driver, for reads and every kind of write; and it takes the index only where a scan is not needed.
 */
class IndexedMemoryBackendIT {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void everyOperationAnswersAsTheScanningServerDoes() {
        List<Function<MongoCollection<Document>, Object>> operations = List.of(
                slots -> find(slots, and(eq("app_id", "a1"), eq("_id", "chat-3"))),
                slots -> find(slots, and(eq("app_id", "a2"), eq("_id", "chat-3"))), // pinned, the rest does not hold
                slots -> find(slots, and(eq("_id", "missing"), eq("app_id", "a1"))),
                slots -> find(slots, or(eq("_id", "chat-1"), eq("_id", "chat-2"))), // not pinned: scanned
                slots -> find(slots, and(eq("app_id", "a1"), eq("user", "u-4"), eq("n", 4))), // the compound unique index
                slots -> find(slots, and(eq("app_id", "a1"), and(eq("_id", "chat-5"), gt("n", 1)))), // nested $and
                slots -> find(slots, and(eq("_id", "chat-5"), eq("_id", "chat-6"))), // contradictory: nothing
                slots -> Mono.from(slots.updateOne(and(eq("_id", "chat-7"), lt("n", 100), ne("holders", "x")),
                        Updates.combine(Updates.inc("n", 1), Updates.push("holders", "x")))).block(WAIT).getModifiedCount(),
                slots -> Mono.from(slots.updateOne(and(eq("_id", "chat-7"), lt("n", 100), ne("holders", "x")),
                        Updates.inc("n", 1))).block(WAIT).getModifiedCount(), // already holds: no match
                slots -> Mono.from(slots.updateOne(and(eq("_id", "chat-new"), eq("app_id", "a9")), Updates.set("n", 1),
                        new UpdateOptions().upsert(true))).block(WAIT).getUpsertedId(),
                slots -> Mono.from(slots.findOneAndUpdate(and(eq("app_id", "a1"), eq("_id", "chat-8")), Updates.set("done", true),
                        new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER))).block(WAIT),
                slots -> Mono.from(slots.deleteOne(and(eq("app_id", "a1"), eq("_id", "chat-9")))).block(WAIT).getDeletedCount(),
                slots -> Mono.from(slots.countDocuments(and(eq("app_id", "a1"), eq("_id", "chat-2")))).block(WAIT),
                slots -> find(slots, new Document()));
        assertEquals(run(new MemoryBackend(), operations), run(new IndexedMemoryBackend(), operations));
    }

    @Test
    void theIndexIsTakenOnlyWhenEqualitiesPinAllItsFields() {
        IndexedMemoryBackend backend = new IndexedMemoryBackend();
        try (EmbeddedMongo server = EmbeddedMongo.on(backend); MongoClient client = MongoClients.create(server.connectionString())) {
            fill(client.getDatabase("pins").getCollection("slots"));
            @SuppressWarnings("unchecked")
            List<Index<Integer>> indexes = ((de.bwaldvogel.mongo.MongoCollection<Integer>) backend.resolveDatabase("pins")
                    .resolveCollection("slots", true)).getIndexes();
            assertEquals(Optional.empty(), pinned(indexes, and(eq("app_id", "a1"), gt("n", 2))));
            assertEquals(Optional.empty(), pinned(indexes, or(eq("_id", "chat-1"), eq("_id", "chat-2"))));
            assertEquals(Optional.empty(), pinned(indexes, eq("_id", 3)), "numbers compare across types: scanned");
            assertEquals(Optional.of(-1), pinned(indexes, and(eq("app_id", "a1"), eq("_id", "nobody"))));
            assertTrue(pinned(indexes, and(eq("app_id", "a1"), and(eq("_id", "chat-2"), lt("n", 9)))).orElseThrow() >= 0);
            assertTrue(pinned(indexes, and(eq("user", "u-1"), eq("app_id", "a1"), eq("n", 1))).isEmpty(),
                    "a number in the compound key: scanned");
        }
    }

    private static Optional<Integer> pinned(List<Index<Integer>> indexes, Bson filter) {
        Document query = Document.parse(filter.toBsonDocument().toJson());
        de.bwaldvogel.mongo.bson.Document converted = convert(query);
        return IndexedMemoryBackend.PinnedKeys.position(indexes, converted);
    }

    @SuppressWarnings("unchecked")
    private static de.bwaldvogel.mongo.bson.Document convert(Document document) {
        de.bwaldvogel.mongo.bson.Document converted = new de.bwaldvogel.mongo.bson.Document();
        document.forEach((field, value) -> converted.put(field, convertValue(value)));
        return converted;
    }

    private static Object convertValue(Object value) {
        if (value instanceof Document nested) {
            return convert(nested);
        }
        if (value instanceof List<?> list) {
            return list.stream().map(IndexedMemoryBackendIT::convertValue).toList();
        }
        return value;
    }

    private static List<String> run(de.bwaldvogel.mongo.MongoBackend backend, List<Function<MongoCollection<Document>, Object>> operations) {
        try (EmbeddedMongo server = EmbeddedMongo.on(backend); MongoClient client = MongoClients.create(server.connectionString())) {
            MongoCollection<Document> slots = client.getDatabase("pins").getCollection("slots");
            fill(slots);
            List<String> answers = new ArrayList<>();
            for (Function<MongoCollection<Document>, Object> operation : operations) {
                answers.add(String.valueOf(operation.apply(slots)));
            }
            answers.add(find(slots, new Document()).toString());
            return answers;
        }
    }

    private static void fill(MongoCollection<Document> slots) {
        Mono.from(slots.createIndex(Indexes.ascending("app_id", "user", "n"), new IndexOptions().unique(true))).block(WAIT);
        List<Document> documents = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            documents.add(new Document("_id", "chat-" + i).append("app_id", "a1").append("user", "u-" + i).append("n", i)
                    .append("holders", i == 7 ? List.of() : List.of("y")));
        }
        Mono.from(slots.insertMany(documents)).block(WAIT);
    }

    private static List<Document> find(MongoCollection<Document> slots, Bson filter) {
        return Flux.from(slots.find(filter).sort(new Document("_id", 1))).collectList().block(WAIT);
    }
}

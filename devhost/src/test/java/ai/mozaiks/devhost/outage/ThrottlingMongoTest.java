package ai.mozaiks.devhost.outage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.mozaiks.persistence.DatabaseErrors;
import com.mongodb.MongoException;
import com.mongodb.reactivestreams.client.MongoClient;
import com.mongodb.reactivestreams.client.MongoClients;
import com.mongodb.reactivestreams.client.MongoCollection;
import java.time.Duration;
import java.util.Optional;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** The fault injector speaks as Cosmos does: through the real driver, a throttled command is a 16500 with its RetryAfterMs. */
class ThrottlingMongoTest {
    @Test
    void throttledCommandsReachTheDriverAsCosmosThrottlingAndStopWithTheWindow() {
        try (ThrottlingMongo mongo = ThrottlingMongo.start(1.0, Duration.ofMillis(250));
             MongoClient client = MongoClients.create(mongo.connectionString())) {
            MongoCollection<Document> items = client.getDatabase("throttle").getCollection("items");
            Mono.from(items.insertOne(new Document("_id", 1))).block(Duration.ofSeconds(10));

            mongo.throttleFor(Duration.ofSeconds(2));
            for (Mono<?> operation : java.util.List.<Mono<?>>of(Mono.from(items.find().first()),
                    Mono.from(items.insertOne(new Document("_id", 2))), Mono.from(items.countDocuments()))) {
                MongoException error = assertThrows(MongoException.class, () -> operation.block(Duration.ofSeconds(10)));
                assertEquals(16500, error.getCode(), error.toString());
                assertEquals(Optional.of(new DatabaseErrors.Transient(DatabaseErrors.Kind.THROTTLED, Optional.of(Duration.ofMillis(250)))),
                        DatabaseErrors.classify(error), error.toString());
            }
            assertEquals(3, mongo.throttled());

            try {
                Thread.sleep(2_100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            assertEquals(1L, Mono.from(items.countDocuments()).block(Duration.ofSeconds(10)), "the window is over");
            assertEquals(3, mongo.throttled());
        }
    }
}

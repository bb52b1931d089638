package ai.mozaiks.health;

import com.mongodb.client.model.Projections;
import com.mongodb.reactivestreams.client.MongoDatabase;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bson.Document;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Pings the shared cluster, then reads from the control database: a server that answers pings but cannot serve a
 * read is not healthy. Reports both round trips.
 */
public final class MongoHealthCheck implements HealthCheck {
    /** A small control collection every request path reads: one {@code _id} of it is the read. */
    static final String READ_COLLECTION = "apps";

    private final MongoDatabase database;

    public MongoHealthCheck(MongoDatabase database) {
        this.database = database;
    }

    @Override
    public String name() {
        return "mongo";
    }

    @Override
    public Mono<CheckResult> probe() {
        return Mono.defer(() -> {
            long started = System.nanoTime();
            return Mono.from(database.runCommand(new Document("ping", 1))).flatMap(pong -> {
                long pinged = System.nanoTime();
                // An empty collection is a successful read too: collectList answers with or without a document.
                return Flux.from(database.getCollection(READ_COLLECTION).find()
                                .projection(Projections.include("_id")).limit(1).batchSize(1))
                        .collectList()
                        .map(read -> {
                            Map<String, Object> measured = new LinkedHashMap<>();
                            measured.put("ping_ms", (pinged - started) / 1_000_000);
                            measured.put("read_ms", (System.nanoTime() - pinged) / 1_000_000);
                            return new CheckResult(true, measured);
                        });
            });
        });
    }
}

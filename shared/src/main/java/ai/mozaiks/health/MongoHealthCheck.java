package ai.mozaiks.health;

import com.mongodb.reactivestreams.client.MongoDatabase;
import org.bson.Document;
import reactor.core.publisher.Mono;

/** Pings the shared cluster and reports the round trip. */
public final class MongoHealthCheck implements HealthCheck {
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
            return Mono.from(database.runCommand(new Document("ping", 1)))
                    .map(reply -> CheckResult.ok("ping_ms", (System.nanoTime() - started) / 1_000_000));
        });
    }
}

package ai.mozaiks.migration;

import static com.mongodb.client.model.Filters.eq;

import ai.mozaiks.kernel.AppId;
import com.mongodb.client.model.Projections;
import com.mongodb.reactivestreams.client.MongoCollection;
import org.bson.Document;
import reactor.core.publisher.Mono;

/**
 * Whether work for an app may touch its data now. While the app's data moves, a step that arrives
 * is put back on its queue for later instead of writing to a database that is being copied.
 */
public final class MigrationGate {
    private final MongoCollection<Document> apps;

    public MigrationGate(MongoCollection<Document> apps) {
        this.apps = apps;
    }

    public Mono<Boolean> admits(AppId appId) {
        return Mono.from(apps.find(eq("_id", appId.value())).projection(Projections.include("migration_id")).first())
                .map(app -> app.get("migration_id") == null)
                .defaultIfEmpty(true);
    }
}

package ai.mozaiks.audit;

import ai.mozaiks.identity.Principal;
import com.mongodb.client.model.IndexModel;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.reactivestreams.client.MongoCollection;
import com.mongodb.reactivestreams.client.MongoDatabase;
import java.time.Clock;
import java.util.Date;
import java.util.List;
import org.bson.Document;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One record per control-plane change: who did what to which object, when, and the state before
 * and after. Written after the change it describes; never updated.
 */
public final class AuditLog {
    public static final String COLLECTION = "audit";

    private final MongoCollection<Document> records;
    private final Clock clock;

    public AuditLog(MongoDatabase control, Clock clock) {
        this.records = control.getCollection(COLLECTION);
        this.clock = clock;
    }

    public Mono<Void> ensureIndexes() {
        return Flux.from(records.createIndexes(List.of(
                new IndexModel(Indexes.compoundIndex(Indexes.ascending("tenant_id"), Indexes.descending("at")),
                        new IndexOptions().name("tenant_recent")),
                // Not sparse (Cosmos RU has no sparse indexes); a new name, because MongoDB refuses to redeclare the
                // sparse "app_recent" of existing deployments with other options.
                new IndexModel(Indexes.compoundIndex(Indexes.ascending("app_id"), Indexes.descending("at")),
                        new IndexOptions().name("app_history"))))).then();
    }

    /**
     * Records a change. {@code before}/{@code after} are the object's public views (never secrets),
     * null when it did not exist before or does not after.
     */
    public Mono<Void> record(Actor actor, String action, String tenantId, String appId, String targetType, String targetId,
                             Document before, Document after) {
        Document record = new Document("at", Date.from(clock.instant()))
                .append("actor", new Document("user_id", actor.userId()).append("issuer", actor.issuer())
                        .append("platform_admin", actor.platformAdmin()))
                .append("action", action)
                .append("tenant_id", tenantId)
                .append("target", new Document("type", targetType).append("id", targetId))
                .append("before", before)
                .append("after", after);
        if (appId != null) {
            record.append("app_id", appId);
        }
        return Mono.from(records.insertOne(record)).then();
    }

    /** Who acted: enough to find the person again, nothing more. */
    public record Actor(String userId, String issuer, boolean platformAdmin) {
        public static Actor of(Principal principal) {
            return new Actor(principal.userId(), principal.issuer(), principal.isPlatformAdmin());
        }
    }
}

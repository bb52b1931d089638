package ai.mozaiks.children;

import static com.mongodb.client.model.Filters.eq;

import ai.mozaiks.tenancy.AppId;
import ai.mozaiks.tenancy.Tiers;
import com.mongodb.reactivestreams.client.MongoCollection;
import org.bson.Document;
import reactor.core.publisher.Mono;

/**
 * How many child workflows of one app may run at once: the app's override ({@code limits.parallel_child_workflows} on
 * its control-plane document, set by operations) or its tier's {@code parallel_child_workflows}. An app that is gone
 * may run none.
 */
public final class ChildLimit {
    static final String OVERRIDE = "limits.parallel_child_workflows";

    private final MongoCollection<Document> apps;
    private final Tiers tiers;

    public ChildLimit(MongoCollection<Document> apps, Tiers tiers) {
        this.apps = apps;
        this.tiers = tiers;
    }

    public Mono<Integer> of(AppId appId) {
        return Mono.from(apps.find(eq("_id", appId.value())).first())
                .map(app -> {
                    Document limits = app.get("limits", Document.class);
                    if (limits != null && limits.get("parallel_child_workflows") instanceof Number override) {
                        return override.intValue();
                    }
                    return tiers.get(app.getString("tier")).parallelChildWorkflows();
                })
                .defaultIfEmpty(0);
    }
}

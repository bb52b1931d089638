package ai.mozaiks.packs;

import static com.mongodb.client.model.Filters.eq;

import ai.mozaiks.engine.ChatWorkflows;
import ai.mozaiks.tenancy.AppId;
import ai.mozaiks.tenancy.Tier;
import ai.mozaiks.tenancy.Tiers;
import com.mongodb.client.model.Projections;
import com.mongodb.reactivestreams.client.MongoCollection;
import java.util.Optional;
import org.bson.Document;
import reactor.core.publisher.Mono;

/**
 * Holds every chat to its app's tier's {@code max_turns}, whatever the workflow's {@code orchestrator.yaml} says.
 * Publishing refuses more than the tier allows ({@link PackLimits}); this also covers a version published before the
 * cap, or an app moved to a lower tier since. An app that cannot be found gets the lowest tier's cap.
 */
public final class TierTurns implements ChatWorkflows {
    private final ChatWorkflows workflows;
    private final MongoCollection<Document> apps;
    private final Tiers tiers;
    private final int lowest;

    public TierTurns(ChatWorkflows workflows, MongoCollection<Document> apps, Tiers tiers) {
        this.workflows = workflows;
        this.apps = apps;
        this.tiers = tiers;
        this.lowest = tiers.names().stream().mapToInt(name -> tiers.get(name).maxTurns()).min().orElseThrow();
    }

    @Override
    public Mono<Optional<Pinned>> find(AppId appId, String workflowName, String ref) {
        return workflows.find(appId, workflowName, ref).flatMap(found -> found.isEmpty() ? Mono.just(found)
                : Mono.from(apps.find(eq("_id", appId.value())).projection(Projections.include("tier")).first())
                        .map(app -> tiers.find(app.getString("tier")).map(Tier::maxTurns).orElse(lowest))
                        .defaultIfEmpty(lowest)
                        .map(cap -> found.map(pinned -> new Pinned(pinned.workflow().withMaxTurnsAtMost(cap), pinned.ref()))));
    }
}

package ai.mozaiks.packs;

import ai.mozaiks.engine.ChatWorkflows;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.tenancy.CachedAppStates;
import ai.mozaiks.tenancy.Tier;
import ai.mozaiks.tenancy.Tiers;
import java.util.Optional;
import reactor.core.publisher.Mono;

/**
 * Holds every chat to its app's tier's {@code max_turns}, whatever the workflow's {@code orchestrator.yaml} says.
 * Publishing refuses more than the tier allows ({@link PackLimits}); this also covers a version published before the
 * cap, or an app moved to a lower tier since. An app that cannot be found gets the lowest tier's cap. The tier comes
 * from the app states the runtime already keeps ({@link CachedAppStates}), so a step pays no extra read for it.
 */
public final class TierTurns implements ChatWorkflows {
    private final ChatWorkflows workflows;
    private final CachedAppStates apps;
    private final Tiers tiers;
    private final int lowest;

    public TierTurns(ChatWorkflows workflows, CachedAppStates apps, Tiers tiers) {
        this.workflows = workflows;
        this.apps = apps;
        this.tiers = tiers;
        this.lowest = tiers.names().stream().mapToInt(name -> tiers.get(name).maxTurns()).min().orElseThrow();
    }

    @Override
    public Mono<Optional<Pinned>> find(AppId appId, String workflowName, String ref) {
        return workflows.find(appId, workflowName, ref).flatMap(found -> found.isEmpty() ? Mono.just(found)
                : apps.tier(appId)
                        .map(tier -> tier.flatMap(tiers::find).map(Tier::maxTurns).orElse(lowest))
                        .map(cap -> found.map(pinned -> new Pinned(pinned.workflow().withMaxTurnsAtMost(cap), pinned.ref()))));
    }
}

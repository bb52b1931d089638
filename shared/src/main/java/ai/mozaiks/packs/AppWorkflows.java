package ai.mozaiks.packs;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.tenancy.WorkflowDirectory;
import ai.mozaiks.tenancy.WorkflowEntry;
import ai.mozaiks.workflows.WorkflowCatalog;
import com.mongodb.reactivestreams.client.MongoCollection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.bson.Document;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The workflows an app sees: the platform catalog, then each pack the app published, in the version enabling pinned
 * (else the newest ready one). A platform pack is enabled unless the app turned it off; a pack of the app's only when the
 * app turned it on, and only in the pinned version.
 */
public final class AppWorkflows implements WorkflowDirectory {
    /** Marks a pack state's {@code version} as pinned; one without it (written before versions were pinned) follows the newest. */
    static final String PINNED = "pinned";

    private final WorkflowCatalog platform;
    private final MongoCollection<Document> packs;

    public AppWorkflows(WorkflowCatalog platform, MongoCollection<Document> packs) {
        this.platform = platform;
        this.packs = packs;
    }

    /** As {@link #list} resolves it; an enabled platform workflow is answered without reading the app's packs (a session start's lookup). */
    @Override
    public Mono<Optional<WorkflowEntry>> find(AppId appId, Document states, String workflowName) {
        Optional<WorkflowEntry> platformEntry = platform.find(workflowName).filter(workflow -> workflow.name().equals(workflowName))
                .map(workflow -> WorkflowEntry.platform(workflow.name(), workflow.pack(), enabled(states, workflow.pack(), true)))
                .filter(WorkflowEntry::enabled);
        return platformEntry.isPresent() ? Mono.just(platformEntry) : WorkflowDirectory.super.find(appId, states, workflowName);
    }

    @Override
    public Mono<List<WorkflowEntry>> list(AppId appId, Document states) {
        List<WorkflowEntry> entries = new ArrayList<>();
        platform.workflows().forEach(workflow -> entries.add(
                WorkflowEntry.platform(workflow.name(), workflow.pack(), enabled(states, workflow.pack(), true))));
        return Flux.from(packs.find(and(eq("app_id", appId.value()), eq("state", PackService.READY)))
                        // Oldest first, so the newest version of each pack is the last one kept below.
                        .sort(PackService.BY_AGE))
                .collectList()
                .map(published -> {
                    Map<String, List<Document>> byPack = new TreeMap<>();
                    published.forEach(pack -> byPack.computeIfAbsent(pack.getString("pack_id"), id -> new ArrayList<>()).add(pack));
                    byPack.forEach((packId, versions) -> {
                        String pinned = state(states, packId).filter(state -> state.getBoolean(PINNED, false))
                                .map(state -> state.getString("version")).orElse(null);
                        Document version = versions.stream().filter(pack -> pack.getString("version").equals(pinned)).findFirst()
                                .orElse(versions.get(versions.size() - 1));
                        // A pinned version no longer ready leaves the pack shown (its newest) but not enabled.
                        boolean enabled = enabled(states, packId, false) && (pinned == null || pinned.equals(version.getString("version")));
                        version.getList("workflows", String.class).forEach(name -> entries.add(new WorkflowEntry(name, packId,
                                WorkflowEntry.Source.APP, version.getString("version"), version.getString("_id"), enabled)));
                    });
                    return entries;
                });
    }

    private static boolean enabled(Document states, String packId, boolean unset) {
        return state(states, packId).map(state -> state.getBoolean("enabled", false)).orElse(unset);
    }

    private static Optional<Document> state(Document states, String packId) {
        return Optional.ofNullable(states).map(all -> all.get(packId, Document.class));
    }
}

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

/** The workflows an app sees: the platform catalog, then the newest version of each pack the app published. */
public final class AppWorkflows implements WorkflowDirectory {
    private final WorkflowCatalog platform;
    private final MongoCollection<Document> packs;

    public AppWorkflows(WorkflowCatalog platform, MongoCollection<Document> packs) {
        this.platform = platform;
        this.packs = packs;
    }

    /**
     * As {@link #list} finds it, where the platform's workflows come first: a platform workflow is answered without
     * reading the app's packs (a session start's lookup), the app's own only with them.
     */
    @Override
    public Mono<Optional<WorkflowEntry>> find(AppId appId, String workflowName) {
        Optional<WorkflowEntry> platformEntry = platform.find(workflowName).filter(workflow -> workflow.name().equals(workflowName))
                .map(workflow -> new WorkflowEntry(workflow.name(), workflow.pack(), WorkflowEntry.Source.PLATFORM, null));
        return platformEntry.isPresent() ? Mono.just(platformEntry) : WorkflowDirectory.super.find(appId, workflowName);
    }

    @Override
    public Mono<List<WorkflowEntry>> list(AppId appId) {
        List<WorkflowEntry> entries = new ArrayList<>();
        platform.workflows().forEach(workflow -> entries.add(
                new WorkflowEntry(workflow.name(), workflow.pack(), WorkflowEntry.Source.PLATFORM, null)));
        return Flux.from(packs.find(and(eq("app_id", appId.value()), eq("state", PackService.READY)))
                        // Oldest first, so the newest version of each pack is the one kept below.
                        .sort(PackService.BY_AGE))
                .collectList()
                .map(published -> {
                    Map<String, Document> newest = new TreeMap<>();
                    published.forEach(pack -> newest.put(pack.getString("pack_id"), pack));
                    newest.values().forEach(pack -> pack.getList("workflows", String.class).forEach(name -> entries.add(
                            new WorkflowEntry(name, pack.getString("pack_id"), WorkflowEntry.Source.APP, pack.getString("version")))));
                    return entries;
                });
    }
}

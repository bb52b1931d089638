package ai.mozaiks.packs;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;

import ai.mozaiks.engine.ChatWorkflows;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.kernel.LruMap;
import ai.mozaiks.tenancy.CachedAppStates;
import ai.mozaiks.tenancy.WorkflowDirectory;
import ai.mozaiks.tenancy.WorkflowEntry;
import ai.mozaiks.workflows.Workflow;
import ai.mozaiks.workflows.WorkflowCatalog;
import ai.mozaiks.workflows.WorkflowLoadResult;
import ai.mozaiks.workflows.WorkflowLoader;
import com.azure.storage.blob.BlobContainerAsyncClient;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.mongodb.reactivestreams.client.MongoCollection;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import org.bson.Document;
import reactor.core.publisher.Mono;

/**
 * The workflows chats run. A chat pinned to a version ({@code workflow_ref}) runs that one; one not pinned yet (its first
 * step) runs what its name resolves to in the app now, by the same rule a session start is entitled by
 * ({@link WorkflowDirectory#pick}: an enabled workflow, the platform's first, an app pack's in the version enabling
 * pinned), so a disabled or never enabled pack never runs and never hides an enabled one. A pack version never changes
 * once published, so a loaded workflow is kept (the most recently used {@value #CACHED} of them) and a chat pinned to
 * a version reads its files once per instance at most.
 */
public final class PackWorkflows implements ChatWorkflows {
    static final int CACHED = 256;
    /** How many of a workflow's files are downloaded at once. */
    private static final int DOWNLOADS = 4;

    private final ChatWorkflows platform;
    private final MongoCollection<Document> packs;
    private final BlobContainerAsyncClient files;
    private final WorkflowLoader loader;
    private final WorkflowDirectory directory;
    private final CachedAppStates apps;
    private final Map<String, Workflow> loaded = Collections.synchronizedMap(new LruMap<>(CACHED));

    /** {@code directory} resolves a name not pinned yet, with the app's pack states as {@code apps} keeps them. */
    public PackWorkflows(WorkflowCatalog platform, MongoCollection<Document> packs, BlobContainerAsyncClient files,
                         WorkflowLoader loader, WorkflowDirectory directory, CachedAppStates apps) {
        this.platform = ChatWorkflows.platform(platform::find);
        this.packs = packs;
        this.files = files;
        this.loader = loader;
        this.directory = directory;
        this.apps = apps;
    }

    @Override
    public Mono<Optional<Pinned>> find(AppId appId, String workflowName, String ref) {
        if (PLATFORM.equals(ref)) {
            return platform.find(appId, workflowName, ref);
        }
        if (ref != null) {
            return pinned(appId, workflowName, ref);
        }
        return apps.packs(appId)
                .flatMap(states -> directory.find(appId, states.orElse(null), workflowName))
                .flatMap(entry -> entry.filter(WorkflowEntry::enabled)
                        .map(found -> found.source() == WorkflowEntry.Source.PLATFORM ? platform.find(appId, workflowName, PLATFORM)
                                : pinned(appId, workflowName, found.ref()))
                        .orElse(Mono.just(Optional.empty())));
    }

    /** The app's version {@code ref} of the workflow, while it is ready. */
    private Mono<Optional<Pinned>> pinned(AppId appId, String workflowName, String ref) {
        return Mono.from(packs.find(and(eq("_id", ref), eq("app_id", appId.value()), eq("state", PackService.READY))).first())
                .filter(pack -> pack.getList("workflows", String.class, java.util.List.of()).contains(workflowName))
                .flatMap(found -> load(appId, found, workflowName))
                .map(Optional::of)
                .defaultIfEmpty(Optional.empty());
    }

    private Mono<Pinned> load(AppId appId, Document pack, String workflowName) {
        String ref = pack.getString("_id");
        String key = ref + "/" + workflowName;
        Workflow cached = loaded.get(key);
        if (cached != null) {
            return Mono.just(new Pinned(cached, ref));
        }
        // Where PackService stored the version's files: <app>/<pack>/<version>/<workflow>/<file>.
        String prefix = appId.value() + "/" + pack.getString("pack_id") + "/" + pack.getString("version") + "/" + workflowName + "/";
        return files.listBlobs(new ListBlobsOptions().setPrefix(prefix))
                .flatMap(item -> files.getBlobAsyncClient(item.getName()).downloadContent()
                        .map(content -> Map.entry(item.getName().substring(prefix.length()), content.toBytes())), DOWNLOADS)
                .collectMap(Map.Entry::getKey, Map.Entry::getValue)
                .map(bundle -> {
                    WorkflowLoadResult result = loader.load(workflowName, bundle);
                    Workflow workflow = result.workflow().orElseThrow(() -> new IllegalStateException("workflow " + workflowName
                            + " of pack version " + ref + " does not load: " + String.join("; ", result.report().errorMessages())));
                    loaded.put(key, workflow);
                    return new Pinned(workflow, ref);
                });
    }
}

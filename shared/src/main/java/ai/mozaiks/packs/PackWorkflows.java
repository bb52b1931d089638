package ai.mozaiks.packs;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;

import ai.mozaiks.engine.ChatWorkflows;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.kernel.LruMap;
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
 * The workflows chats run: the platform's own first, else the newest ready version of the app's published
 * pack that holds one of that name. A pack version never changes once published, so a loaded workflow is kept
 * (the most recently used {@value #CACHED} of them) and a chat pinned to a version reads its files once per
 * instance at most.
 */
public final class PackWorkflows implements ChatWorkflows {
    static final int CACHED = 256;
    /** How many of a workflow's files are downloaded at once. */
    private static final int DOWNLOADS = 4;

    private final ChatWorkflows platform;
    private final MongoCollection<Document> packs;
    private final BlobContainerAsyncClient files;
    private final WorkflowLoader loader;
    private final Map<String, Workflow> loaded = Collections.synchronizedMap(new LruMap<>(CACHED));

    public PackWorkflows(WorkflowCatalog platform, MongoCollection<Document> packs, BlobContainerAsyncClient files,
                         WorkflowLoader loader) {
        this.platform = ChatWorkflows.platform(platform::find);
        this.packs = packs;
        this.files = files;
        this.loader = loader;
    }

    @Override
    public Mono<Optional<Pinned>> find(AppId appId, String workflowName, String ref) {
        return platform.find(appId, workflowName, ref).flatMap(own -> own.isPresent() || PLATFORM.equals(ref)
                ? Mono.just(own) : published(appId, workflowName, ref));
    }

    /** The app's own version: the one the chat is pinned to, or the newest ready one that holds the workflow. */
    private Mono<Optional<Pinned>> published(AppId appId, String workflowName, String ref) {
        Mono<Document> pack = ref == null
                ? Mono.from(packs.find(and(eq("app_id", appId.value()), eq("state", PackService.READY), eq("workflows", workflowName)))
                        .sort(PackService.NEWEST_FIRST).first())
                : Mono.from(packs.find(and(eq("_id", ref), eq("app_id", appId.value()), eq("state", PackService.READY))).first());
        return pack.flatMap(found -> load(appId, found, workflowName))
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

package ai.mozaiks.tenancy;

import ai.mozaiks.kernel.AppId;
import java.util.List;
import java.util.Optional;
import org.bson.Document;
import reactor.core.publisher.Mono;

/**
 * The workflows visible to an app: the platform catalog plus the packs the app published, each with whether the app has
 * it enabled. {@code packs} is the app document's {@code packs} (per pack id, {@code enabled} and the pinned
 * {@code version}); null when it has none.
 */
public interface WorkflowDirectory {
    /** Every workflow the app can name, in resolution order: the platform's, then its packs' by pack id. */
    Mono<List<WorkflowEntry>> list(AppId appId, Document packs);

    /** The workflow {@code workflowName} starts in the app ({@link #pick}). */
    default Mono<Optional<WorkflowEntry>> find(AppId appId, Document packs, String workflowName) {
        return list(appId, packs).map(entries -> pick(entries, workflowName));
    }

    /**
     * The one rule that resolves a name: the first enabled entry of that name in {@link #list}'s order, so a disabled pack
     * never hides an enabled one; when none is enabled, the first of that name, so a refusal names its pack.
     */
    static Optional<WorkflowEntry> pick(List<WorkflowEntry> entries, String workflowName) {
        Optional<WorkflowEntry> first = Optional.empty();
        for (WorkflowEntry entry : entries) {
            if (entry.name().equals(workflowName)) {
                if (entry.enabled()) {
                    return Optional.of(entry);
                }
                first = first.isPresent() ? first : Optional.of(entry);
            }
        }
        return first;
    }
}

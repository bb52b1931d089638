package ai.mozaiks.engine;

import ai.mozaiks.kernel.AppId;
import ai.mozaiks.tenancy.WorkflowEntry;
import ai.mozaiks.workflows.Workflow;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/**
 * Finds the workflow a chat runs. A chat is pinned to one version of its workflow ({@code workflow_ref} on the
 * chat, written by its first commit), so publishing a new version of a pack never changes a conversation
 * under way; before that, the app's current version is found.
 */
public interface ChatWorkflows {
    /** The {@code workflow_ref} of a chat that runs one of the platform's own workflows. */
    String PLATFORM = WorkflowEntry.PLATFORM_REF;

    /** A workflow and the version reference to pin the chat to. */
    record Pinned(Workflow workflow, String ref) {
        public Pinned {
            Objects.requireNonNull(workflow, "workflow");
            Objects.requireNonNull(ref, "ref");
        }
    }

    /**
     * @param ref the chat's {@code workflow_ref}, or {@code null} when it is not pinned yet
     * @return empty when the app has no such workflow (any more)
     */
    Mono<Optional<Pinned>> find(AppId appId, String workflowName, String ref);

    /** The platform's own workflows only, looked up by name. */
    static ChatWorkflows platform(Function<String, Optional<Workflow>> catalog) {
        return (appId, name, ref) -> Mono.just(ref == null || PLATFORM.equals(ref)
                ? catalog.apply(name).map(workflow -> new Pinned(workflow, PLATFORM))
                : Optional.empty());
    }
}

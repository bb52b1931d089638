package ai.mozaiks.tenancy;

import ai.mozaiks.kernel.AppId;
import java.util.List;
import java.util.Optional;
import reactor.core.publisher.Mono;

/** The workflows visible to an app: the platform catalog plus the packs the app published. */
public interface WorkflowDirectory {
    Mono<List<WorkflowEntry>> list(AppId appId);

    default Mono<Optional<WorkflowEntry>> find(AppId appId, String workflowName) {
        return list(appId).map(entries -> entries.stream().filter(entry -> entry.name().equals(workflowName)).findFirst());
    }
}

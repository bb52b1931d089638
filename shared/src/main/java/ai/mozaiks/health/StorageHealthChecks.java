package ai.mozaiks.health;

import com.azure.storage.blob.BlobServiceAsyncClient;
import com.azure.storage.blob.models.ListBlobContainersOptions;
import com.azure.storage.queue.QueueServiceAsyncClient;
import com.azure.storage.queue.models.QueuesSegmentOptions;
import java.util.List;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;

/**
 * Queue and blob service probes: list one item, which the data-reader roles a managed identity
 * holds are allowed to do (account properties would need more). Queue listing asks for metadata:
 * without an {@code include} value the SDK sends {@code include=}, which Azurite rejects.
 */
public final class StorageHealthChecks {
    private StorageHealthChecks() {
    }

    public static List<HealthCheck> of(QueueServiceAsyncClient queues, BlobServiceAsyncClient blobs) {
        return List.of(
                timed("queues", () -> queues.listQueues(new QueuesSegmentOptions().setMaxResultsPerPage(1).setIncludeMetadata(true)).byPage().next()),
                timed("blobs", () -> blobs.listBlobContainers(new ListBlobContainersOptions().setMaxResultsPerPage(1)).byPage().next()));
    }

    private static HealthCheck timed(String name, Supplier<Mono<?>> call) {
        return HealthCheck.of(name, () -> Mono.defer(() -> {
            long started = System.nanoTime();
            return call.get().then(Mono.fromSupplier(() -> CheckResult.ok("latency_ms", (System.nanoTime() - started) / 1_000_000)));
        }));
    }
}

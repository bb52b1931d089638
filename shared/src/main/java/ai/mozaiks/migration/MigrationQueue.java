package ai.mozaiks.migration;

import ai.mozaiks.http.Json;
import com.azure.storage.queue.QueueAsyncClient;
import java.time.Duration;
import java.util.Map;
import reactor.core.publisher.Mono;

/** Messages that drive a migration: {@code {"migration_id": "..."}}, possibly delayed. */
public final class MigrationQueue {
    /** Storage queues hide a message for at most seven days. */
    static final Duration MAX_DELAY = Duration.ofDays(7);

    private final QueueAsyncClient queue;

    public MigrationQueue(QueueAsyncClient queue) {
        this.queue = queue;
    }

    public Mono<Void> send(String migrationId, Duration delay) {
        Duration visibleIn = delay.compareTo(MAX_DELAY) > 0 ? MAX_DELAY : delay;
        return queue.createIfNotExists()
                .then(queue.sendMessageWithResponse(Json.write(Map.of("migration_id", migrationId)),
                        visibleIn.isZero() ? null : visibleIn, null))
                .then();
    }
}

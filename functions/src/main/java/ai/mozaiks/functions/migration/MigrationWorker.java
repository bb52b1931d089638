package ai.mozaiks.functions.migration;

import ai.mozaiks.http.Json;
import ai.mozaiks.logging.InvocationLog;
import ai.mozaiks.migration.MigrationQueue;
import ai.mozaiks.migration.MigrationRunner;
import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.QueueTrigger;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** Queue: advances one migration as far as it can within the budget, then schedules the next run. */
public final class MigrationWorker {
    /** Well inside the host's function timeout; the next message continues where this one stopped. */
    private static final Duration BUDGET = Duration.ofMinutes(4);

    private final MigrationRunner runner;
    private final MigrationQueue queue;

    public MigrationWorker(MigrationRunner runner, MigrationQueue queue) {
        this.runner = runner;
        this.queue = queue;
    }

    @FunctionName("runMigration")
    public void run(@QueueTrigger(name = "message", queueName = "%MIGRATION_QUEUE%", connection = "AzureWebJobsStorage") String message, ExecutionContext context) {
        InvocationLog log = InvocationLog.of(context.getLogger(), context.getInvocationId());
        String migrationId = Json.mapper().convertValue(Json.read(message), MigrationMessage.class).migrationId();
        Optional<Duration> again = runner.advance(migrationId, Instant.now().plus(BUDGET),
                (id, phase, detail) -> log.info("migration progress", "migration_id", id, "phase", phase, "detail", detail))
                .block(BUDGET.plusMinutes(1));
        if (again.isPresent()) {
            queue.send(migrationId, again.get()).block(Duration.ofSeconds(30));
        }
    }

    record MigrationMessage(@com.fasterxml.jackson.annotation.JsonProperty("migration_id") String migrationId) {
    }
}

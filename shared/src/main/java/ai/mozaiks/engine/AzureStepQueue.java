package ai.mozaiks.engine;

import ai.mozaiks.http.Json;
import ai.mozaiks.tenancy.AppId;
import com.azure.storage.queue.QueueAsyncClient;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Map;
import reactor.core.publisher.Mono;

/**
 * Steps on an Azure Storage queue: {@code {"app_id", "chat_id", "step_seq"}}, base64 as the queue
 * trigger reads them. One message is one unit of progress for one chat.
 */
public final class AzureStepQueue implements StepQueue {
    /** Storage queues hide a message for at most seven days. */
    private static final Duration MAX_DELAY = Duration.ofDays(7);

    private final QueueAsyncClient queue;
    private final Mono<Void> created;

    public AzureStepQueue(QueueAsyncClient queue) {
        this.queue = queue;
        this.created = queue.createIfNotExists().then().cache();
    }

    @Override
    public Mono<Void> enqueue(StepMessage message, Duration delay) {
        Duration visibleIn = delay.compareTo(MAX_DELAY) > 0 ? MAX_DELAY : delay;
        String body = Json.write(Map.of("app_id", message.appId().value(), "chat_id", message.chatId(), "step_seq", message.stepSeq()));
        return created.then(queue.sendMessageWithResponse(body, visibleIn.isZero() || visibleIn.isNegative() ? null : visibleIn, null))
                .then();
    }

    /** The step a queue message carries; a malformed message is an {@link IllegalArgumentException}. */
    public static StepMessage parse(String body) {
        JsonNode json = Json.read(body);
        if (!json.path("app_id").isTextual() || !json.path("chat_id").isTextual() || !json.path("step_seq").canConvertToLong()) {
            throw new IllegalArgumentException("a step message needs app_id, chat_id and step_seq");
        }
        return new StepMessage(AppId.of(json.path("app_id").asText()), json.path("chat_id").asText(), json.path("step_seq").asLong());
    }
}

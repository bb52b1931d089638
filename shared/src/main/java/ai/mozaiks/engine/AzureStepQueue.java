package ai.mozaiks.engine;

import ai.mozaiks.http.Json;
import ai.mozaiks.kernel.AppId;
import com.azure.core.http.rest.Response;
import com.azure.storage.queue.QueueAsyncClient;
import com.azure.storage.queue.models.SendMessageResult;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import reactor.core.publisher.Mono;

/**
 * Steps on Azure Storage queues, one per {@link Lane}: {@code {"app_id", "chat_id", "step_seq", "lane"?, "attempt"?,
 * "first_failed_at"?}}, base64 as the queue trigger reads them ({@code lane} only when background; the retry state only
 * on a step put back after a transient failure, so older messages read as fresh steps). One message is one unit of
 * progress for one chat.
 */
public final class AzureStepQueue implements StepQueue {
    /** Storage queues hide a message for at most seven days. */
    private static final Duration MAX_DELAY = Duration.ofDays(7);
    /** What the background queue's name adds to the step queue's ({@code STEP_QUEUE}). */
    public static final String BACKGROUND_SUFFIX = "-background";

    private final QueueAsyncClient interactive;
    private final QueueAsyncClient background;
    private final Mono<Void> created;

    public AzureStepQueue(QueueAsyncClient interactive, QueueAsyncClient background) {
        this.interactive = interactive;
        this.background = background;
        this.created = Mono.when(interactive.createIfNotExists(), background.createIfNotExists()).cache();
    }

    @Override
    public Mono<Void> enqueue(StepMessage message, Duration delay) {
        return send(message, delay).then();
    }

    @Override
    public Mono<Held> hold(StepMessage message, Duration delay) {
        QueueAsyncClient queue = queueOf(message);
        return send(message, delay).map(sent -> new HeldMessage(queue, sent.getMessageId(), sent.getPopReceipt()));
    }

    /**
     * A message sent hidden, kept by its id and latest pop receipt (each visibility update answers a new one). A delete or
     * update that fails (the message was seen meanwhile, and its receipt changed) is not an error.
     */
    private static final class HeldMessage implements Held {
        private final QueueAsyncClient queue;
        private final String id;
        private volatile String receipt;

        HeldMessage(QueueAsyncClient queue, String id, String receipt) {
            this.queue = queue;
            this.id = id;
            this.receipt = receipt;
        }

        @Override
        public Mono<Void> drop() {
            return Mono.defer(() -> queue.deleteMessage(id, receipt)).onErrorResume(error -> Mono.empty());
        }

        @Override
        public Mono<Void> extend(Duration hiddenFor) {
            Duration visibleIn = hiddenFor.compareTo(MAX_DELAY) > 0 ? MAX_DELAY : hiddenFor;
            return Mono.defer(() -> queue.updateMessage(id, receipt, null, visibleIn))
                    .doOnNext(updated -> receipt = updated.getPopReceipt())
                    .then()
                    .onErrorResume(error -> Mono.empty());
        }
    }

    private QueueAsyncClient queueOf(StepMessage message) {
        return message.lane() == Lane.BACKGROUND ? background : interactive;
    }

    private Mono<SendMessageResult> send(StepMessage message, Duration delay) {
        Duration visibleIn = delay.compareTo(MAX_DELAY) > 0 ? MAX_DELAY : delay;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("app_id", message.appId().value());
        body.put("chat_id", message.chatId());
        body.put("step_seq", message.stepSeq());
        if (message.lane() != Lane.INTERACTIVE) {
            body.put("lane", message.lane().wire());
        }
        if (message.attempt() > 0) {
            body.put("attempt", message.attempt());
            body.put("first_failed_at", message.firstFailedAt().toString());
        }
        return created.then(queueOf(message).sendMessageWithResponse(Json.write(body),
                        visibleIn.isZero() || visibleIn.isNegative() ? null : visibleIn, null))
                .map(Response::getValue);
    }

    /** The step a queue message carries; a malformed message is an {@link IllegalArgumentException}. */
    public static StepMessage parse(String body) {
        JsonNode json = Json.read(body);
        if (!json.path("app_id").isTextual() || !json.path("chat_id").isTextual() || !json.path("step_seq").canConvertToLong()
                || json.has("lane") && !json.path("lane").isTextual()) {
            throw new IllegalArgumentException("a step message needs app_id, chat_id and step_seq");
        }
        Lane lane = json.has("lane") ? Lane.fromWire(json.path("lane").asText()) : Lane.INTERACTIVE;
        StepMessage step = new StepMessage(AppId.of(json.path("app_id").asText()), json.path("chat_id").asText(),
                json.path("step_seq").asLong(), lane);
        if (!json.has("attempt")) {
            return step;
        }
        if (!json.path("attempt").canConvertToInt() || json.path("attempt").asInt() < 1 || !json.path("first_failed_at").isTextual()) {
            throw new IllegalArgumentException("a retried step message needs attempt (1 or more) and first_failed_at");
        }
        try {
            return step.retried(json.path("attempt").asInt(), Instant.parse(json.path("first_failed_at").asText()));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("first_failed_at is not an ISO-8601 instant", e);
        }
    }
}

package ai.mozaiks.devhost.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.mozaiks.devhost.TestEmulators;
import ai.mozaiks.engine.AzureStepQueue;
import ai.mozaiks.engine.Lane;
import ai.mozaiks.engine.StepMessage;
import ai.mozaiks.engine.StepQueue;
import ai.mozaiks.kernel.AppId;
import com.azure.storage.queue.QueueAsyncClient;
import com.azure.storage.queue.QueueClientBuilder;
import com.azure.storage.queue.QueueMessageEncoding;
import com.azure.storage.queue.models.QueueMessageItem;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Steps go to the queue of their lane, as the triggers read them (base64 JSON), against Azurite. */
class StepQueuesIT {
    private static final AppId APP = AppId.of("app_lanes");

    @Test
    void eachLaneHasItsQueueAndAMessageKeepsItsLane() {
        String name = "lanes-" + Long.toHexString(System.nanoTime());
        QueueAsyncClient interactive = client(name);
        QueueAsyncClient background = client(name + AzureStepQueue.BACKGROUND_SUFFIX);
        AzureStepQueue queue = new AzureStepQueue(interactive, background);

        queue.enqueue(new StepMessage(APP, "chat_user", 3), Duration.ZERO).block();
        queue.enqueue(new StepMessage(APP, "chat_child", 0, Lane.BACKGROUND), Duration.ZERO).block();

        List<QueueMessageItem> onInteractive = interactive.receiveMessages(32).collectList().block();
        List<QueueMessageItem> onBackground = background.receiveMessages(32).collectList().block();
        assertEquals(1, onInteractive.size());
        assertEquals(1, onBackground.size());
        assertEquals(new StepMessage(APP, "chat_user", 3, Lane.INTERACTIVE), AzureStepQueue.parse(onInteractive.get(0).getBody().toString()));
        StepMessage child = AzureStepQueue.parse(onBackground.get(0).getBody().toString());
        assertEquals(new StepMessage(APP, "chat_child", 0, Lane.BACKGROUND), child);
        assertEquals(Lane.BACKGROUND, child.at(1).lane());
    }

    @Test
    void aRetriedStepKeepsItsRetryStateAndItsDelayOnTheQueue() {
        String name = "retries-" + Long.toHexString(System.nanoTime());
        QueueAsyncClient interactive = client(name);
        AzureStepQueue queue = new AzureStepQueue(interactive, client(name + AzureStepQueue.BACKGROUND_SUFFIX));
        StepMessage retried = new StepMessage(APP, "chat_retry", 2).retried(3, Instant.parse("2026-03-01T10:00:00Z"));

        queue.enqueue(retried, Duration.ofSeconds(30)).block();
        assertEquals(List.of(), interactive.receiveMessages(32).collectList().block(), "hidden for its delay");
        queue.enqueue(retried, Duration.ZERO).block();
        List<QueueMessageItem> visible = interactive.receiveMessages(32).collectList().block();
        assertEquals(1, visible.size());
        assertEquals(retried, AzureStepQueue.parse(visible.get(0).getBody().toString()));
    }

    @Test
    void aHeldMessageIsHiddenUntilTakenBackAndATakenBackOneIsGone() {
        String name = "held-" + Long.toHexString(System.nanoTime());
        QueueAsyncClient interactive = client(name);
        AzureStepQueue queue = new AzureStepQueue(interactive, client(name + AzureStepQueue.BACKGROUND_SUFFIX));

        StepQueue.Held kept = queue.hold(new StepMessage(APP, "chat_kept", 0), Duration.ofSeconds(30)).block();
        StepQueue.Held dropped = queue.hold(new StepMessage(APP, "chat_dropped", 0), Duration.ofSeconds(30)).block();
        assertEquals(List.of(), interactive.receiveMessages(32).collectList().block(), "hidden for its delay");
        assertEquals(2, interactive.getProperties().block().getApproximateMessagesCount());

        // Kept hidden longer while its step runs: each update answers a new receipt, which the take-back then uses.
        dropped.extend(Duration.ofSeconds(30)).block();
        dropped.extend(Duration.ofSeconds(30)).block();
        assertEquals(List.of(), interactive.receiveMessages(32).collectList().block(), "still hidden");
        dropped.drop().block();
        dropped.drop().block(); // a second take-back (the message is gone) is not an error
        dropped.extend(Duration.ofSeconds(30)).block(); // nor is an update of a message gone
        assertEquals(1, interactive.getProperties().block().getApproximateMessagesCount(), "only the one taken back is gone");
        assertNotNull(kept);
        kept.extend(Duration.ZERO).block();
        List<QueueMessageItem> left = interactive.receiveMessages(32).collectList().block();
        assertEquals(List.of(new StepMessage(APP, "chat_kept", 0)),
                left.stream().map(item -> AzureStepQueue.parse(item.getBody().toString())).toList(), "the one kept is there, visible once let go");
    }

    @Test
    void aMessageWithAnUnknownLaneIsMalformed() {
        assertThrows(IllegalArgumentException.class,
                () -> AzureStepQueue.parse("{\"app_id\":\"a\",\"chat_id\":\"c\",\"step_seq\":0,\"lane\":\"urgent\"}"));
        assertThrows(IllegalArgumentException.class,
                () -> AzureStepQueue.parse("{\"app_id\":\"a\",\"chat_id\":\"c\",\"step_seq\":0,\"lane\":7}"));
    }

    private static QueueAsyncClient client(String name) {
        return new QueueClientBuilder().connectionString(TestEmulators.azurite().connectionString()).queueName(name)
                .messageEncoding(QueueMessageEncoding.BASE64).buildAsyncClient();
    }
}

package ai.mozaiks.devhost.controlplane;

import static ai.mozaiks.devhost.controlplane.ControlPlane.expect;
import static ai.mozaiks.devhost.controlplane.ControlPlane.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.devhost.controlplane.ControlPlane.User;
import com.azure.storage.queue.QueueAsyncClient;
import com.azure.storage.queue.models.PeekedMessageItem;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * On the local host, with the real queue and its listener running: a session's opening step and the step for a user's
 * message run on the instance that took them, while their queue messages are still hidden (the fallback, seen only
 * after about a lease, and taken back once the step ran).
 */
class InPlaceStepIT {
    private static final ControlPlane cp = ControlPlane.get();
    private static final Duration STEP = Duration.ofSeconds(20);

    @Test
    void aChatsStepsRunWhereTheyLandedWhileTheirMessagesAreHidden() {
        long before = cp.platform.steps().startedHere();
        User user = cp.user("inplace-user");
        String app = cp.createApp(user, cp.createTenant(user), "pro");
        JsonNode grant = expect(201, cp.post("/api/sessions", user, obj("app_id", app, "workflow_name", "assistant")), "start").json();
        String chat = grant.path("chat_id").asText();
        String token = grant.path("runtime_token").asText();
        ControlPlane.await("the opening step", STEP, () -> cp.types(chat, token).contains("chat.input_request"));
        expect(202, cp.send("POST", "/api/chats/" + chat + "/messages", token,
                ControlPlane.json(obj("client_message_id", "m-1", "text", "Hello there"))), "message");
        ControlPlane.await("the assistant's answer", STEP, () -> cp.events(chat, token).stream()
                .anyMatch(event -> event.path("type").asText().equals("chat.text") && "Assistant".equals(event.path("data").path("agent").asText())));

        assertTrue(cp.platform.steps().startedHere() - before >= 2, "the opening step and the message's ran here");
        QueueAsyncClient queue = cp.platform.storage().queues().getQueueAsyncClient(cp.platform.settings().stepQueue());
        List<PeekedMessageItem> visible = queue.peekMessages(32).collectList().block(Duration.ofSeconds(20));
        assertTrue(visible.stream().noneMatch(message -> message.getBody().toString().contains(chat)),
                "no message of the chat was visible, its steps are done: " + visible);
        assertEquals("awaiting_input", cp.get("/api/apps/" + app + "/chats/" + chat, user).json().path("status").asText());
    }
}

package ai.mozaiks.devhost.controlplane;

import static ai.mozaiks.devhost.controlplane.ControlPlane.expect;
import static ai.mozaiks.devhost.controlplane.ControlPlane.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.devhost.controlplane.ControlPlane.User;
import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.model.Filters;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * The reproduction of a free-tier user (1 run at a time) running many workflows at once by messaging idle chats, on the
 * local host with the offline model and the real queue: every message is taken (202), none runs beside another of the
 * user's — a message that finds the user's slot in use answers {@code queued} and says so in its acknowledgement — and
 * every chat gets its answer in turn. Observed through the user's run slot document.
 */
class RunLimitsIT {
    private static final ControlPlane cp = ControlPlane.get();
    private static final Duration STEP = Duration.ofSeconds(20);
    private static final int CHATS = 4;

    private record Chat(String id, String token) {
    }

    @Test
    void aFreeTierUserMessagingItsIdleChatsAtOnceRunsThemOneAtATimeAndEachGetsItsAnswer() throws Exception {
        User ann = cp.user("limits-ann");
        String app = cp.createApp(ann, cp.createTenant(ann), "free");
        List<Chat> chats = new ArrayList<>();
        for (int i = 0; i < CHATS; i++) {
            JsonNode grant = expect(201, cp.post("/api/sessions", ann, obj("app_id", app, "workflow_name", "assistant")), "start " + i).json();
            Chat chat = new Chat(grant.path("chat_id").asText(), grant.path("runtime_token").asText());
            ControlPlane.await("the opening step of chat " + i, STEP, () -> cp.types(chat.id(), chat.token()).contains("chat.input_request"));
            chats.add(chat);
        }

        String userId = cp.get("/api/apps/" + app + "/chats/" + chats.get(0).id(), ann).json().path("user_id").asText();
        List<CompletableFuture<JsonNode>> sent = new ArrayList<>();
        for (int i = 0; i < CHATS; i++) {
            Chat chat = chats.get(i);
            String text = "Question " + i + "?";
            sent.add(CompletableFuture.supplyAsync(() -> expect(202, cp.send("POST", "/api/chats/" + chat.id() + "/messages", chat.token(),
                    ControlPlane.json(obj("client_message_id", "m-1", "text", text))), "message").json()));
        }
        List<String> statuses = new ArrayList<>();
        for (CompletableFuture<JsonNode> answer : sent) {
            statuses.add(answer.get().path("status").asText());
        }
        assertTrue(statuses.stream().allMatch(status -> status.equals("running") || status.equals("queued")), statuses.toString());

        // That no two run at once is RunLimitsAcceptanceIT's to prove, step by step; here the deployed wiring: every queued
        // chat gets its turn, and each answer and acknowledgement agree.
        ControlPlane.await("every chat's answer", Duration.ofSeconds(60), () -> chats.stream().allMatch(chat -> answered(chat)));
        for (int i = 0; i < CHATS; i++) {
            Chat chat = chats.get(i);
            boolean queuedAck = cp.events(chat.id(), chat.token()).stream()
                    .anyMatch(event -> "chat.input_ack".equals(event.path("type").asText()) && event.path("data").path("queued").asBoolean());
            assertEquals("queued".equals(statuses.get(i)), queuedAck, "the acknowledgement of chat " + i + " says what the answer said");
        }
        ControlPlane.await("every chat waiting for its user again", STEP,
                () -> chats.stream().allMatch(chat -> "awaiting_input".equals(status(app, ann, chat))));
        assertEquals(0L, held(app, userId), "waiting chats hold no slot");
    }

    private static String status(String app, User user, Chat chat) {
        return cp.get("/api/apps/" + app + "/chats/" + chat.id(), user).json().path("status").asText();
    }

    private static boolean answered(Chat chat) {
        return cp.events(chat.id(), chat.token()).stream().anyMatch(event -> "chat.text".equals(event.path("type").asText())
                && "Assistant".equals(event.path("data").path("agent").asText()));
    }

    /** How many runs of the user hold a slot, from the control database's {@code run_slots}. */
    private static long held(String app, String userId) {
        Document slots = Mono.from(cp.control().getCollection("run_slots").find(Filters.eq("_id", "user:" + app + ":" + userId)).first())
                .block(Duration.ofSeconds(5));
        return slots == null ? 0 : ((Number) slots.get("count")).longValue();
    }
}

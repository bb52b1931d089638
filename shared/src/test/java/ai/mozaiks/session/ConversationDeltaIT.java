package ai.mozaiks.session;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.kernel.AppId;
import ai.mozaiks.persistence.EmbeddedMongoFixture;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.model.Updates;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.bson.BsonDocument;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A step's commit writes only what changed in the conversation, and the stored conversation is exactly the committed one. */
class ConversationDeltaIT {
    private static final AppId APP = AppId.of("app-a");

    private EmbeddedMongoFixture fixture;
    private ChatStore chats;
    private String chatId;

    @BeforeEach
    void start() {
        fixture = EmbeddedMongoFixture.start();
        chatId = await(new ChatSessions(fixture.appDatabases(), fixture.clock())
                .start(APP, new NewChat("alice", "assistant", null, ChatStatus.RUNNING))).chat().chatId();
        chats = ChatStore.of(await(fixture.appDatabases().forApp(APP)));
    }

    @AfterEach
    void stop() {
        try {
            assertEquals(List.of(), fixture.guard().violations(), "every chat query carried app_id");
        } finally {
            fixture.close();
        }
    }

    private static Document message(String role, String content) {
        return new Document("r", role).append("c", content);
    }

    private static Document conversation(List<Document> messages, int turns, String lastSpeaker) {
        Document conversation = new Document("messages", messages).append("variables", new Document("topic", "tides"))
                .append("turns", turns).append("consecutive", new Document());
        return lastSpeaker == null ? conversation : conversation.append("last_speaker", lastSpeaker);
    }

    /** Claims the chat's current step and commits {@code next}; answers the conversation stored afterwards. */
    private Document commit(long step, Document next) {
        Instant now = fixture.clock().instant();
        StepLease lease = new StepLease(chatId, step, "owner-" + step);
        Document claimed = await(chats.claim(lease, now, now.plus(Duration.ofMinutes(1))));
        assertNotNull(claimed, "claimed step " + step);
        assertNotNull(await(chats.commit(lease, ChatStore.eventSeq(claimed), ChatStatus.RUNNING, now,
                claimed.get(ChatFields.CONVERSATION, Document.class), next, List.of(), new StepCommit(), false)), "committed");
        return await(chats.find(chatId)).get(ChatFields.CONVERSATION, Document.class);
    }

    private static BsonDocument rendered(List<Bson> updates) {
        return Updates.combine(updates).toBsonDocument(BsonDocument.class, MongoClientSettings.getDefaultCodecRegistry());
    }

    @Test
    void aStepThatAddsMessagesPushesThemAndTheWindowKeepsTheStoredListExact() {
        List<Document> messages = new ArrayList<>(List.of(message("user", "hello"), message("assistant", "hi")));
        Document first = conversation(messages, 1, "assistant");
        assertEquals(first, commit(0, first));

        // The window (4 here) drops the oldest message as the step adds three.
        List<Document> kept = List.of(message("assistant", "hi"), message("user", "tides?"), message("assistant", "calling"),
                message("tool", "{\"high\":\"16:00\"}"));
        Document second = conversation(kept, 3, "assistant");
        List<Bson> delta = ConversationDelta.updates("conversation", first, second);
        BsonDocument update = rendered(delta);
        assertTrue(update.containsKey("$push"), update.toJson());
        assertEquals(-4, update.getDocument("$push").getDocument("conversation.messages").getInt32("$slice").getValue(), update.toJson());
        assertEquals(3, update.getDocument("$push").getDocument("conversation.messages").getArray("$each").size(), update.toJson());
        assertEquals(BsonDocument.parse("{\"conversation.turns\": 3}"), update.getDocument("$set"), "only what changed is set");
        assertEquals(second, commit(1, second));

        // Appending without dropping pushes without a slice; a field gone is unset.
        List<Document> more = new ArrayList<>(kept);
        more.add(message("user", "thanks"));
        Document third = conversation(more, 3, null);
        BsonDocument appended = rendered(ConversationDelta.updates("conversation", second, third));
        assertFalse(appended.getDocument("$push").getDocument("conversation.messages").containsKey("$slice"), appended.toJson());
        assertTrue(appended.getDocument("$unset").containsKey("conversation.last_speaker"), appended.toJson());
        assertEquals(third, commit(2, third));
    }

    @Test
    void aChangedStoredMessageOrAFirstConversationIsSetWhole() {
        Document first = conversation(List.of(message("user", "hello"), message("assistant", "hi")), 1, "assistant");
        assertEquals(BsonDocument.parse("{\"$set\": {\"conversation\": " + rendered(List.of(Updates.set("x", first)))
                .getDocument("$set").get("x").asDocument().toJson() + "}}"), rendered(ConversationDelta.updates("conversation", null, first)));
        assertEquals(first, commit(0, first));

        // A stored tool result cut shorter (the byte budget): nothing of the stored list is a prefix, so the list is set.
        Document shortened = conversation(List.of(message("user", "hello"), message("assistant", "h"), message("user", "again")), 1,
                "user");
        BsonDocument update = rendered(ConversationDelta.updates("conversation", first, shortened));
        assertFalse(update.containsKey("$push"), update.toJson());
        assertTrue(update.getDocument("$set").containsKey("conversation.messages"), update.toJson());
        assertEquals(shortened, commit(1, shortened));

        // Nothing changed: nothing of the conversation is written.
        assertEquals(List.of(), ConversationDelta.updates("conversation", shortened, shortened));
        assertEquals(shortened, commit(2, shortened));
    }
}

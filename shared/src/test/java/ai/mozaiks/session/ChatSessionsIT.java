package ai.mozaiks.session;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.SHARED_RUNTIME_DB;
import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.api.Page;
import ai.mozaiks.api.PageRequest;
import ai.mozaiks.persistence.EmbeddedMongoFixture;
import ai.mozaiks.kernel.AppId;
import com.mongodb.client.model.Filters;
import com.mongodb.reactivestreams.client.MongoCollection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ChatSessionsIT {
    private static final AppId APP = AppId.of("app-a");
    private static final AppId OTHER_APP = AppId.of("app-b");

    private EmbeddedMongoFixture fixture;
    private ChatSessions sessions;

    @BeforeEach
    void start() {
        fixture = EmbeddedMongoFixture.start();
        sessions = new ChatSessions(fixture.appDatabases(), fixture.clock());
    }

    @AfterEach
    void stop() {
        try {
            assertEquals(List.of(), fixture.guard().violations(), "every chat query carried app_id");
        } finally {
            fixture.close();
        }
    }

    private static NewChat chat(String user, String workflow, String clientRequestId) {
        return new NewChat(user, workflow, clientRequestId, ChatStatus.RUNNING);
    }

    private MongoCollection<Document> stored() {
        return fixture.rawDatabase(SHARED_RUNTIME_DB).getCollection("chat_sessions");
    }

    @Test
    void startCreatesAChatDocumentOfTheDocumentedShape() {
        StartedChat started = await(sessions.start(APP, chat("alice", "Assistant", null)));

        assertEquals(StartOutcome.CREATED, started.outcome());
        ChatSession chat = started.chat();
        assertTrue(chat.chatId().matches("chat_[0-9a-f]{24}"), chat.chatId());
        Document document = await(stored().find(Filters.eq("_id", chat.chatId())).first());
        assertEquals(chat.chatId(), document.getString("chat_id"));
        assertEquals("app-a", document.getString("app_id"));
        assertEquals("alice", document.getString("user_id"));
        assertEquals("Assistant", document.getString("workflow_name"));
        assertEquals("running", document.getString("status"));
        assertEquals(Date.from(EmbeddedMongoFixture.START), document.getDate("created_at"));
        assertEquals(Date.from(EmbeddedMongoFixture.START), document.getDate("updated_at"));
        assertEquals(0L, document.get("step_seq"));
        assertEquals(0L, document.get("event_seq"));
        assertFalse(document.containsKey("client_request_id"));
        assertEquals(new ChatSession(chat.chatId(), "app-a", "alice", "Assistant", ChatStatus.RUNNING,
                EmbeddedMongoFixture.START, EmbeddedMongoFixture.START, 0, 0, null, null), chat);
    }

    @Test
    void startsWithoutAClientRequestIdAreNeverMerged() {
        String first = await(sessions.start(APP, chat("alice", "Assistant", null))).chat().chatId();
        StartedChat second = await(sessions.start(APP, chat("alice", "Assistant", null)));

        assertEquals(StartOutcome.CREATED, second.outcome());
        assertNotEquals(first, second.chat().chatId());
        assertEquals(2L, await(stored().countDocuments()));
    }

    @Test
    void startIsIdempotentOnTheClientRequestId() {
        StartedChat first = await(sessions.start(APP, chat("alice", "Assistant", "req-1")));
        fixture.clock().advance(Duration.ofMinutes(3));
        StartedChat retry = await(sessions.start(APP, chat("alice", "Assistant", "req-1")));

        assertEquals(StartOutcome.CREATED, first.outcome());
        assertEquals(StartOutcome.RESUMED, retry.outcome());
        assertEquals(first.chat(), retry.chat(), "the retry answers with the chat as first stored");
        assertEquals("req-1", retry.chat().clientRequestId());
        assertEquals(1L, await(stored().countDocuments()));
        assertTrue(fixture.commands().count("insert", "chat_sessions") >= 2, "both starts reached the server");
    }

    @Test
    void concurrentStartsWithOneClientRequestIdMakeOneChat() throws Exception {
        List<StartedChat> results = Concurrently.run(8, worker -> await(sessions.start(APP, chat("alice", "Assistant", "req-burst"))));

        assertEquals(1, results.stream().filter(r -> r.outcome() == StartOutcome.CREATED).count());
        assertEquals(1, results.stream().map(r -> r.chat().chatId()).distinct().count());
        assertEquals(1L, await(stored().countDocuments()));
    }

    @Test
    void theSameClientRequestIdOfAnotherUserOrAppIsAnotherChat() {
        String alice = await(sessions.start(APP, chat("alice", "Assistant", "req-1"))).chat().chatId();
        StartedChat bob = await(sessions.start(APP, chat("bob", "Assistant", "req-1")));
        StartedChat otherApp = await(sessions.start(OTHER_APP, chat("alice", "Assistant", "req-1")));

        assertEquals(StartOutcome.CREATED, bob.outcome());
        assertEquals(StartOutcome.CREATED, otherApp.outcome());
        assertEquals(3, Set.of(alice, bob.chat().chatId(), otherApp.chat().chatId()).size());
    }

    @Test
    void aClientRequestIdReusedForAnotherWorkflowIsRefused() {
        await(sessions.start(APP, chat("alice", "Assistant", "req-1")));

        ApiException refused = assertThrows(ApiException.class, () -> await(sessions.start(APP, chat("alice", "Interview", "req-1"))));
        assertEquals(422, refused.problem().status());
        assertEquals("client_request_id_reused", refused.problem().code());
        assertEquals(1L, await(stored().countDocuments()));
    }

    @Test
    void malformedStartsAreRefusedBeforeAnyWrite() {
        ApiException badRequestId = assertThrows(ApiException.class,
                () -> await(sessions.start(APP, chat("alice", "Assistant", "has space"))));
        assertEquals(400, badRequestId.problem().status());
        assertEquals("client_request_id", badRequestId.problem().errors().get(0).field());
        assertThrows(ApiException.class, () -> await(sessions.start(APP, chat("alice", "Assistant", "x".repeat(201)))));
        assertThrows(ApiException.class, () -> await(sessions.start(APP, chat(" ", "Assistant", null))));
        assertThrows(IllegalArgumentException.class,
                () -> await(sessions.start(APP, new NewChat("alice", "Assistant", null, ChatStatus.COMPLETED))));
        await(sessions.start(APP, new NewChat("alice", "Assistant", null, ChatStatus.AWAITING_INPUT)));
        assertEquals(1L, await(stored().countDocuments()));
    }

    @Test
    void onlyTheOwnerCanResumeOrReadAChat() {
        ChatSession chat = await(sessions.start(APP, chat("alice", "Assistant", null))).chat();

        StartedChat resumed = await(sessions.resume(APP, "alice", chat.chatId()));
        assertEquals(StartOutcome.RESUMED, resumed.outcome());
        assertEquals(chat, resumed.chat());
        assertEquals(chat, await(sessions.get(APP, "alice", chat.chatId())));

        assertNotFound(() -> await(sessions.resume(APP, "mallory", chat.chatId())));
        assertNotFound(() -> await(sessions.resume(OTHER_APP, "alice", chat.chatId())));
        assertNotFound(() -> await(sessions.resume(APP, "alice", "chat_000000000000000000000000")));
        assertNotFound(() -> await(sessions.get(APP, "mallory", chat.chatId())));
        assertNotFound(() -> await(sessions.get(OTHER_APP, "alice", chat.chatId())));
        assertNotFound(() -> await(sessions.get(APP, "alice", null)));
    }

    @Test
    void recentChatsArePagedNewestFirstWithoutSkipsOrRepeats() {
        List<ChatSession> mine = new ArrayList<>();
        // Groups of chats sharing a millisecond: page boundaries must fall inside them cleanly.
        for (int groupSize : new int[] {1, 4, 2, 5, 1, 3}) {
            for (int i = 0; i < groupSize; i++) {
                mine.add(await(sessions.start(APP, chat("alice", "Assistant", null))).chat());
            }
            fixture.clock().advance(Duration.ofSeconds(1));
        }
        await(sessions.start(APP, chat("bob", "Assistant", null)));
        await(sessions.start(OTHER_APP, chat("alice", "Assistant", null)));

        List<ChatSession> expected = mine.stream()
                .sorted(Comparator.comparing(ChatSession::updatedAt).thenComparing(ChatSession::chatId).reversed())
                .toList();
        for (int limit = 1; limit <= mine.size() + 1; limit++) {
            fixture.commands().clear();
            List<ChatSession> paged = allPages(limit);
            assertEquals(expected, paged, "limit " + limit);
            long pages = (mine.size() + limit - 1) / limit;
            assertTrue(fixture.commands().count("find", "chat_sessions") <= 3 * pages, "at most three index-backed reads a page");
        }
    }

    @Test
    void activityMovesAChatToTheFrontOfTheList() {
        ChatSession older = await(sessions.start(APP, chat("alice", "Assistant", null))).chat();
        fixture.clock().advance(Duration.ofSeconds(1));
        ChatSession newer = await(sessions.start(APP, chat("alice", "Assistant", null))).chat();
        fixture.clock().advance(Duration.ofSeconds(1));

        await(new EventLog(fixture.appDatabases(), fixture.clock()).append(APP, older.chatId(), "m1", EventKind.TEXT, Map.of()));

        Page<ChatSession> page = await(sessions.listRecent(APP, "alice", new PageRequest(10, null)));
        assertEquals(List.of(older.chatId(), newer.chatId()), page.items().stream().map(ChatSession::chatId).toList());
        assertEquals(1L, page.items().get(0).eventSeq());
        assertNull(page.nextCursor());
    }

    @Test
    void aForeignCursorIsAValidationError() {
        ApiException refused = assertThrows(ApiException.class,
                () -> await(sessions.listRecent(APP, "alice", new PageRequest(10, "not-a-cursor"))));
        assertEquals(400, refused.problem().status());
        assertEquals("cursor", refused.problem().errors().get(0).field());
    }

    private List<ChatSession> allPages(int limit) {
        List<ChatSession> all = new ArrayList<>();
        String cursor = null;
        do {
            PageRequest request = PageRequest.parse(Integer.toString(limit), cursor);
            Page<ChatSession> page = await(sessions.listRecent(APP, "alice", request));
            assertTrue(page.items().size() <= limit);
            all.addAll(page.items());
            cursor = page.nextCursor();
        } while (cursor != null);
        return all;
    }

    private static void assertNotFound(org.junit.jupiter.api.function.Executable call) {
        ApiException notFound = assertThrows(ApiException.class, call);
        assertEquals(404, notFound.problem().status());
    }
}

package ai.mozaiks.session;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.SHARED_RUNTIME_DB;
import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static ai.mozaiks.persistence.EmbeddedMongoFixture.awaitAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.persistence.AppCollection;
import ai.mozaiks.persistence.AppDatabase;
import ai.mozaiks.persistence.EmbeddedMongoFixture;
import ai.mozaiks.persistence.RuntimeCollection;
import ai.mozaiks.kernel.AppId;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import com.mongodb.reactivestreams.client.MongoCollection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EventLogIT {
    private static final AppId APP = AppId.of("app-a");
    private static final AppId OTHER_APP = AppId.of("app-b");
    private static final Duration GRACE = EventLog.DEFAULT_GAP_GRACE;

    private EmbeddedMongoFixture fixture;
    private EventLog log;
    private String chatId;

    @BeforeEach
    void start() {
        fixture = EmbeddedMongoFixture.start();
        log = new EventLog(fixture.appDatabases(), fixture.clock());
        ChatSessions sessions = new ChatSessions(fixture.appDatabases(), fixture.clock());
        chatId = await(sessions.start(APP, new NewChat("alice", "Assistant", null, ChatStatus.RUNNING))).chat().chatId();
    }

    @AfterEach
    void stop() {
        try {
            assertEquals(List.of(), fixture.guard().violations(), "every chat query carried app_id");
        } finally {
            fixture.close();
        }
    }

    // appending ---------------------------------------------------------------------------------

    @Test
    void anAppendTakesTheNextSeqAndStoresTheEnvelope() {
        fixture.clock().advance(Duration.ofMillis(1500));
        Appended appended = await(log.append(APP, chatId, "step:1:0", EventKind.TEXT, Map.of("agent", "Planner", "content", "Hi")));

        assertFalse(appended.duplicate());
        ChatEvent event = appended.event();
        Instant at = EmbeddedMongoFixture.START.plusMillis(1500);
        assertEquals(new ChatEvent(1, "chat.text", Map.of("agent", "Planner", "content", "Hi"), at, "step:1:0"), event);
        Map<String, Object> envelope = new LinkedHashMap<>();
        envelope.put("type", "chat.text");
        envelope.put("data", Map.of("agent", "Planner", "content", "Hi"));
        envelope.put("seq", 1L);
        envelope.put("timestamp", "2025-01-01T00:00:01.500Z");
        assertEquals(envelope, event.envelope());

        Document stored = await(events().find(Filters.eq("seq", 1L)).first());
        assertEquals("app-a", stored.getString("app_id"));
        assertEquals(chatId, stored.getString("chat_id"));
        assertEquals("chat.text", stored.getString("type"));
        assertEquals(new Document("agent", "Planner").append("content", "Hi"), stored.get("data", Document.class));
        assertEquals(Date.from(at), stored.getDate("timestamp"));
        assertEquals("step:1:0", stored.getString("key"));
        Document chat = chatDocument(APP);
        assertEquals(1L, chat.get("event_seq"));
        assertEquals(Date.from(at), chat.getDate("updated_at"), "an append marks the chat active");
    }

    @Test
    void aBatchTakesConsecutiveSeqsInItsOrder() {
        await(log.append(APP, chatId, "msg:1", EventKind.TEXT, Map.of("content", "hello")));
        List<Appended> turn = await(log.appendAll(APP, chatId, turn(1)));

        assertEquals(List.of(2L, 3L, 4L), seqs(turn));
        assertEquals(List.of("chat.select_speaker", "chat.text", "chat.usage_delta"),
                turn.stream().map(a -> a.event().type()).toList());
        assertEquals(List.of("chat.text", "chat.select_speaker", "chat.text", "chat.usage_delta"), types(readAll(0)));
    }

    @Test
    void ephemeralTextDeltasAreRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> await(log.append(APP, chatId, "step:1:0", EventKind.TEXT_DELTA, Map.of("delta", "Hi"))));
        assertThrows(IllegalArgumentException.class, () -> new NewEvent("step:1:0", EventKind.TEXT_DELTA, Map.of()));
        assertFalse(EventKind.TEXT_DELTA.persisted());
        assertEquals("chat.text_delta", EventKind.TEXT_DELTA.type());
        assertEquals(0L, chatDocument(APP).get("event_seq"), "nothing was reserved");
        assertEquals(0L, await(events().countDocuments()));
    }

    @Test
    void malformedAppendsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new NewEvent("#1", EventKind.TEXT, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> new NewEvent("a/b", EventKind.TEXT, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> new NewEvent(null, EventKind.TEXT, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> await(log.appendAll(APP, chatId, List.of())));
        assertThrows(IllegalArgumentException.class, () -> await(log.appendAll(APP, chatId,
                List.of(new NewEvent("k", EventKind.TEXT, Map.of()), new NewEvent("k", EventKind.TEXT, Map.of())))));
        assertThrows(IllegalArgumentException.class, () -> await(log.appendAll(APP, chatId,
                IntStream.range(0, EventLog.MAX_BATCH + 1).mapToObj(i -> new NewEvent("k" + i, EventKind.TEXT, Map.of())).toList())));
        assertEquals(0L, chatDocument(APP).get("event_seq"));
    }

    @Test
    void appendingToAChatThatIsNotThereIsNotFound() {
        ApiException unknown = assertThrows(ApiException.class,
                () -> await(log.append(APP, "chat_000000000000000000000000", "k", EventKind.TEXT, Map.of())));
        assertEquals(404, unknown.problem().status());
        ApiException otherApp = assertThrows(ApiException.class, () -> await(log.append(OTHER_APP, chatId, "k", EventKind.TEXT, Map.of())));
        assertEquals(404, otherApp.problem().status());
        assertEquals(0L, await(events().countDocuments()));
    }

    @Test
    void aTurnsAppendCostsOneChatUpdateAndOneInsert() {
        await(log.append(APP, chatId, "warm-up", EventKind.RUN_START, Map.of()));   // routing and indexes, once per process
        fixture.commands().clear();

        await(log.appendAll(APP, chatId, turn(1)));

        assertEquals(List.of("findAndModify chat_sessions", "insert chat_events"), runtimeCommands());
        fixture.commands().clear();
        await(log.append(APP, chatId, "msg:2", EventKind.TEXT, Map.of("content", "thanks")));
        assertEquals(List.of("findAndModify chat_sessions", "insert chat_events"), runtimeCommands());
        fixture.commands().clear();
        await(log.read(APP, chatId, 0, 100));
        assertEquals(List.of("find chat_events"), runtimeCommands());
    }

    // idempotency --------------------------------------------------------------------------------

    @Test
    void aRedeliveredAppendReturnsTheStoredEventAndAddsNothing() {
        Appended first = await(log.append(APP, chatId, "msg:c-17", EventKind.TEXT, Map.of("content", "hello")));
        fixture.clock().advance(Duration.ofMillis(10));
        Appended again = await(log.append(APP, chatId, "msg:c-17", EventKind.TEXT, Map.of("content", "hello")));

        assertTrue(again.duplicate());
        assertEquals(first.event(), again.event(), "the stored event, with its original seq and time");
        Appended next = await(log.append(APP, chatId, "msg:c-18", EventKind.TEXT, Map.of("content", "more")));
        assertEquals(3L, next.event().seq(), "the redelivery used up seq 2");

        // Seq 2 was given up at once, so a reader goes straight on, without waiting for the grace.
        EventPage page = await(log.read(APP, chatId, 0, 100));
        assertEquals(List.of(1L, 3L), eventSeqs(page.events()));
        assertEquals(3L, page.nextAfterSeq());
        assertEquals("duplicate", await(events().find(Filters.eq("seq", 2L)).first()).getString("reason"));
    }

    @Test
    void aRedeliveredStepAppendsItsEventsOnce() {
        List<Appended> first = await(log.appendAll(APP, chatId, turn(4)));
        List<Appended> again = await(log.appendAll(APP, chatId, turn(4)));

        assertTrue(again.stream().allMatch(Appended::duplicate));
        assertEquals(seqs(first), seqs(again));
        assertEquals(first.stream().map(Appended::event).toList(), again.stream().map(Appended::event).toList());
        assertEquals(List.of(7L), seqs(await(log.appendAll(APP, chatId, List.of(new NewEvent("step:5:0", EventKind.TEXT, Map.of()))))));
        assertEquals(List.of(1L, 2L, 3L, 7L), eventSeqs(readAll(0)));
    }

    @Test
    void aPartlyStoredStepIsCompletedOnRedelivery() {
        // A step that died after its first event was stored: the redelivery adds only the rest.
        List<NewEvent> step = turn(2);
        await(log.appendAll(APP, chatId, step.subList(0, 1)));
        List<Appended> redelivered = await(log.appendAll(APP, chatId, step));

        assertEquals(List.of(true, false, false), redelivered.stream().map(Appended::duplicate).toList());
        assertEquals(List.of(1L, 3L, 4L), seqs(redelivered));
        assertEquals(List.of("chat.select_speaker", "chat.text", "chat.usage_delta"), types(readAll(0)));
    }

    @Test
    void aCommitStoredHereIsKnownWithoutALookupWhileAnotherInstanceLooksItUp() {
        // A step's commit took its seqs in its update of the chat, then stored its events.
        List<NewEvent> step = turn(3);
        AppDatabase database = await(fixture.appDatabases().forApp(APP));
        SeqReservation seqs = await(ChatStore.of(database).reserveSeqs(chatId, step.size(), fixture.clock().instant()));
        Instant stamp = fixture.clock().instant();
        await(log.store(APP, chatId, seqs.last(), step, stamp));
        PendingEvents pending = new PendingEvents(3, stamp, seqs.last(), step);

        fixture.commands().clear();
        assertFalse(await(log.storeMissing(APP, chatId, pending)));
        assertEquals(0, fixture.commands().countOn(RuntimeCollection.CHAT_EVENTS.collectionName()), "this instance stored them");

        EventLog elsewhere = new EventLog(fixture.appDatabases(), fixture.clock());
        assertFalse(await(elsewhere.storeMissing(APP, chatId, pending)));
        assertEquals(1, fixture.commands().countOn(RuntimeCollection.CHAT_EVENTS.collectionName()), "another instance looks them up");
        // Another chat's commit with the same seqs is not taken for this one's.
        assertTrue(await(log.storeMissing(APP, otherChat(), new PendingEvents(3, stamp, seqs.last(), step))));
    }

    @Test
    void concurrentAppendsOfOneKeyStoreOneEvent() throws Exception {
        List<Appended> results = Concurrently.run(8,
                worker -> await(log.append(APP, chatId, "msg:burst", EventKind.TEXT, Map.of("content", "once"))));

        assertEquals(1, results.stream().filter(a -> !a.duplicate()).count());
        assertEquals(1, results.stream().map(a -> a.event().seq()).distinct().count());
        await(log.append(APP, chatId, "msg:after", EventKind.TEXT, Map.of()));
        EventPage page = await(log.read(APP, chatId, 0, 100));
        assertEquals(List.of("msg:burst", "msg:after"), page.events().stream().map(ChatEvent::key).toList());
        assertEquals(9L, page.nextAfterSeq(), "every used-up seq was given up without waiting");
    }

    // order under concurrency ---------------------------------------------------------------------

    @Test
    void seqsStayGaplessUnderConcurrentAppendsAndATailingReaderMissesNothing() throws Exception {
        int threads = 8;
        int perThread = 50;
        AtomicBoolean writing = new AtomicBoolean(true);
        ExecutorService tail = Executors.newSingleThreadExecutor();
        Future<List<ChatEvent>> tailed = tail.submit(() -> {
            // A live client: polls from where it is, as a reconnecting browser would.
            List<ChatEvent> seen = new ArrayList<>();
            long after = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while ((writing.get() || after < threads * perThread) && System.nanoTime() < deadline) {
                EventPage page = await(log.read(APP, chatId, after, 37));
                seen.addAll(page.events());
                after = page.nextAfterSeq();
            }
            return seen;
        });
        try {
            Concurrently.run(threads, worker -> {
                for (int i = 0; i < perThread; i++) {
                    await(log.append(APP, chatId, "w:" + worker + ":" + i, EventKind.TEXT, Map.of("i", i)));
                }
                return worker;
            });
        } finally {
            writing.set(false);
        }
        List<ChatEvent> seen = tailed.get(30, TimeUnit.SECONDS);
        tail.shutdownNow();

        List<Long> expected = LongStream.rangeClosed(1, threads * perThread).boxed().toList();
        assertEquals(expected, eventSeqs(readAll(0)));
        assertEquals(expected, eventSeqs(seen), "the tailing reader saw every event once, in order");
        assertEquals((long) threads * perThread, chatDocument(APP).get("event_seq"));
    }

    // gaps ----------------------------------------------------------------------------------------

    @Test
    void aCrashBetweenReservingAndInsertingHoldsReadersOnlyForTheGrace() {
        await(log.append(APP, chatId, "step:1:0", EventKind.RUN_START, Map.of()));
        // The crashed appender: it reserved seqs 2-3, then died before its insert.
        List<NewEvent> crashed = List.of(new NewEvent("step:2:0", EventKind.SELECT_SPEAKER, Map.of()),
                new NewEvent("step:2:1", EventKind.TEXT, Map.of("content", "lost?")));
        SeqReservation abandoned = await(ChatStore.of(database(APP)).reserveSeqs(chatId, crashed.size(), fixture.clock().instant()));
        assertEquals(new SeqReservation(2, 3), abandoned);
        await(log.append(APP, chatId, "msg:9", EventKind.TEXT, Map.of("content", "later")));

        // Within the grace the gap may be an append in flight: readers wait before it.
        EventPage waiting = await(log.read(APP, chatId, 1, 100));
        assertEquals(List.of(), waiting.events());
        assertEquals(1L, waiting.nextAfterSeq());
        assertTrue(waiting.more());

        fixture.clock().advance(GRACE);
        EventPage past = await(log.read(APP, chatId, 1, 100));
        assertEquals(List.of(4L), eventSeqs(past.events()));
        assertEquals(4L, past.nextAfterSeq());
        assertEquals(List.of("abandoned", "abandoned"), reasons(2, 3));

        // The crashed step's redelivery appends its events after all: nothing was lost.
        List<Appended> redelivered = await(log.appendAll(APP, chatId, crashed));
        assertEquals(List.of(false, false), redelivered.stream().map(Appended::duplicate).toList());
        assertEquals(List.of(5L, 6L), seqs(redelivered));
        assertEquals(List.of(5L, 6L), eventSeqs(await(log.read(APP, chatId, 4, 100)).events()));
        assertEquals(List.of("step:1:0", "msg:9", "step:2:0", "step:2:1"), readAll(0).stream().map(ChatEvent::key).toList());
    }

    @Test
    void anAppendThatArrivesAfterItsSeqsWereGivenUpIsAppendedAgain() {
        List<NewEvent> slow = turn(3);
        SeqReservation reserved = await(ChatStore.of(database(APP)).reserveSeqs(chatId, slow.size(), fixture.clock().instant()));
        await(log.append(APP, chatId, "msg:1", EventKind.TEXT, Map.of()));
        fixture.clock().advance(GRACE.plusSeconds(1));
        assertEquals(List.of(4L), eventSeqs(await(log.read(APP, chatId, 0, 100)).events()));

        // The stalled appender wakes up: every seq it holds is a tombstone now, so it is told so...
        List<Optional<Appended>> late = await(new EventWriter().write(events(APP), chatId, reserved, slow, fixture.clock().instant()));
        assertEquals(List.of(Optional.empty(), Optional.empty(), Optional.empty()), late);
        // ...and the log appends them again (this is what EventLog does with displaced events).
        assertEquals(List.of(5L, 6L, 7L), seqs(await(log.appendAll(APP, chatId, slow))));
        assertEquals(List.of("msg:1", "step:3:0", "step:3:1", "step:3:2"), readAll(0).stream().map(ChatEvent::key).toList());
    }

    @Test
    void aBatchCutByATombstoneKeepsItsOrder() {
        List<NewEvent> step = turn(6);
        SeqReservation reserved = await(ChatStore.of(database(APP)).reserveSeqs(chatId, step.size(), fixture.clock().instant()));
        // A reader gave up only the middle seq (as if the batch had been two appends).
        await(events(APP).insertOne(EventDocuments.tombstone("app-a", chatId, 2, EventDocuments.ABANDONED, fixture.clock().instant())));

        List<Optional<Appended>> written = await(new EventWriter().write(events(APP), chatId, reserved, step, fixture.clock().instant()));

        assertEquals(1L, written.get(0).orElseThrow().event().seq());
        // The third event could still go into seq 3, but then it would come before the second.
        assertEquals(List.of(Optional.empty(), Optional.empty()), written.subList(1, 3));
        assertEquals(List.of("abandoned", "displaced"), reasons(2, 3));
        List<Appended> again = await(log.appendAll(APP, chatId, step.subList(1, 3)));
        assertEquals(List.of(4L, 5L), seqs(again));
        assertEquals(List.of("chat.select_speaker", "chat.text", "chat.usage_delta"), types(readAll(0)));
    }

    // reading ------------------------------------------------------------------------------------

    @Test
    void readingAfterAnySeqReturnsExactlyTheLaterEvents() {
        for (int step = 1; step <= 6; step++) {
            await(log.appendAll(APP, chatId, turn(step)));
            if (step % 2 == 0) {
                await(log.appendAll(APP, chatId, turn(step)));   // redeliveries leave tombstones between the steps
            }
        }
        List<ChatEvent> all = readAll(0);
        assertEquals(18, all.size());
        assertEquals(24L, all.get(all.size() - 1).seq());
        long last = (Long) chatDocument(APP).get("event_seq");
        assertEquals(27L, last, "the last redelivery's seqs are tombstones at the tail");

        for (long after = 0; after <= last + 2; after++) {
            long from = after;
            List<ChatEvent> expected = all.stream().filter(e -> e.seq() > from).toList();
            for (int limit : new int[] {1, 2, 5, 100}) {
                assertEquals(expected, readAll(after, limit), "after " + after + ", limit " + limit);
            }
        }
    }

    @Test
    void aFullPageSaysThereMayBeMore() {
        await(log.appendAll(APP, chatId, turn(1)));
        EventPage full = await(log.read(APP, chatId, 0, 3));
        assertTrue(full.more());
        assertEquals(3L, full.nextAfterSeq());
        EventPage end = await(log.read(APP, chatId, 3, 3));
        assertFalse(end.more());
        assertEquals(List.of(), end.events());
        assertEquals(3L, end.nextAfterSeq(), "past the end the position stays where it is");
    }

    @Test
    void readArgumentsAreValidated() {
        assertEquals(400, assertThrows(ApiException.class, () -> await(log.read(APP, chatId, -1, 10))).problem().status());
        assertEquals(400, assertThrows(ApiException.class, () -> await(log.read(APP, chatId, 0, 0))).problem().status());
        assertEquals(400, assertThrows(ApiException.class,
                () -> await(log.read(APP, chatId, 0, EventLog.MAX_READ + 1))).problem().status());
    }

    // tenancy ------------------------------------------------------------------------------------

    @Test
    void anotherAppsChatWithTheSameIdIsInvisible() {
        await(log.appendAll(APP, chatId, turn(1)));
        // app-b has a chat with the very same chat_id, in the same collections.
        await(fixture.rawDatabase(SHARED_RUNTIME_DB).getCollection("chat_sessions").insertOne(new Document("_id", "b-copy")
                .append("chat_id", chatId).append("app_id", "app-b").append("user_id", "alice").append("workflow_name", "Assistant")
                .append("status", "running").append("created_at", new Date()).append("updated_at", new Date())
                .append("step_seq", 0L).append("event_seq", 10L)));
        await(events().insertMany(LongStream.rangeClosed(1, 10).mapToObj(seq -> new Document("_id", "b-" + seq)
                .append("app_id", "app-b").append("chat_id", chatId).append("seq", seq).append("type", "chat.text")
                .append("data", new Document("secret", seq)).append("timestamp", new Date()).append("key", "b" + seq)).toList()));

        assertEquals(List.of(1L, 2L, 3L), eventSeqs(readAll(0)));
        assertTrue(readAll(0).stream().noneMatch(e -> e.data().containsKey("secret")));
        assertEquals(4L, await(log.append(APP, chatId, "step:2:0", EventKind.TEXT, Map.of())).event().seq());
        assertEquals(11L, await(log.append(OTHER_APP, chatId, "step:2:0", EventKind.TEXT, Map.of())).event().seq(),
                "the same key in another app is another event");
        assertEquals(4L, chatDocument(APP).get("event_seq"));
        assertEquals(11L, chatDocument(OTHER_APP).get("event_seq"));
        assertEquals(11, await(log.read(OTHER_APP, chatId, 0, 100)).events().size());
        ChatSessions sessions = new ChatSessions(fixture.appDatabases(), fixture.clock());
        assertEquals(4L, await(sessions.get(APP, "alice", chatId)).eventSeq());
        assertEquals(11L, await(sessions.get(OTHER_APP, "alice", chatId)).eventSeq());
    }

    // helpers ------------------------------------------------------------------------------------

    /** A typical agent turn: speaker selection, the reply, the token usage. */
    private String otherChat() {
        return await(new ChatSessions(fixture.appDatabases(), fixture.clock())
                .start(APP, new NewChat("bob", "Assistant", null, ChatStatus.RUNNING))).chat().chatId();
    }

    private static List<NewEvent> turn(int step) {
        return List.of(
                new NewEvent("step:" + step + ":0", EventKind.SELECT_SPEAKER, Map.of("selected_speaker", "Planner")),
                new NewEvent("step:" + step + ":1", EventKind.TEXT, Map.of("agent", "Planner", "content", "reply " + step)),
                new NewEvent("step:" + step + ":2", EventKind.USAGE_DELTA, Map.of("prompt_tokens", 12, "completion_tokens", 3)));
    }

    private List<ChatEvent> readAll(long after) {
        return readAll(after, 7);
    }

    /** Pages through the log as a reconnecting client does; fails on a duplicate or a step back. */
    private List<ChatEvent> readAll(long after, int limit) {
        List<ChatEvent> all = new ArrayList<>();
        for (int pages = 0; pages < 1_000; pages++) {
            EventPage page = await(log.read(APP, chatId, after, limit));
            for (ChatEvent event : page.events()) {
                assertTrue(event.seq() > after && (all.isEmpty() || event.seq() > all.get(all.size() - 1).seq()), "in order, once");
            }
            all.addAll(page.events());
            assertTrue(page.nextAfterSeq() >= after);
            if (!page.more()) {
                return all;
            }
            after = page.nextAfterSeq();
        }
        throw new AssertionError("the reader never reached the end");
    }

    private List<String> runtimeCommands() {
        return fixture.commands().observed().stream()
                .filter(o -> RuntimeCollection.isRuntime(String.valueOf(o.collection())))
                .map(o -> o.command() + " " + o.collection())
                .toList();
    }

    private List<String> reasons(long from, long to) {
        return awaitAll(events().find(Filters.and(Filters.gte("seq", from), Filters.lte("seq", to), Filters.eq("skipped", true)))
                .sort(Sorts.ascending("seq"))).stream().map(d -> d.getString("reason")).toList();
    }

    private Document chatDocument(AppId app) {
        return await(fixture.rawDatabase(SHARED_RUNTIME_DB).getCollection("chat_sessions")
                .find(Filters.and(Filters.eq("chat_id", chatId), Filters.eq("app_id", app.value()))).first());
    }

    private MongoCollection<Document> events() {
        return fixture.rawDatabase(SHARED_RUNTIME_DB).getCollection("chat_events");
    }

    private AppCollection events(AppId app) {
        return database(app).collection(RuntimeCollection.CHAT_EVENTS);
    }

    private AppDatabase database(AppId app) {
        return await(fixture.appDatabases().forApp(app));
    }

    private static List<Long> seqs(List<Appended> appended) {
        return appended.stream().map(a -> a.event().seq()).toList();
    }

    private static List<Long> eventSeqs(List<ChatEvent> events) {
        return events.stream().map(ChatEvent::seq).toList();
    }

    private static List<String> types(List<ChatEvent> events) {
        return events.stream().map(ChatEvent::type).toList();
    }
}

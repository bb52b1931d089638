package ai.mozaiks.engine;

import ai.mozaiks.realtime.RecordingFeed;
import ai.mozaiks.models.ChatModel;
import ai.mozaiks.models.PriceTable;
import ai.mozaiks.models.Usage;
import ai.mozaiks.models.UsageCost;
import ai.mozaiks.models.offline.OfflineModel;
import ai.mozaiks.models.offline.OfflineScript;
import ai.mozaiks.persistence.EmbeddedMongoFixture;
import ai.mozaiks.session.ChatEvent;
import ai.mozaiks.session.ChatSessions;
import ai.mozaiks.session.ChatStatus;
import ai.mozaiks.session.EventLog;
import ai.mozaiks.session.NewChat;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.workflows.Manifests.ReviewLoop;
import ai.mozaiks.workflows.Manifests;
import ai.mozaiks.workflows.Workflow;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.reactivestreams.client.MongoCollection;
import org.bson.Document;
import org.bson.types.Decimal128;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static com.mongodb.client.model.Filters.eq;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Token usage and cost (events, chat totals, per-app minute buckets) and poisoned steps. */
class UsageAndPoisonIT {
    private static final AppId APP = AppId.of("app-usage");
    private static final AppId OTHER = AppId.of("app-usage-other");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final PriceTable PRICES = PriceTable.bundled();

    private EmbeddedMongoFixture fixture;
    private EventLog log;
    private Workflow workflow;
    private final AtomicInteger toolCalls = new AtomicInteger();

    @BeforeEach
    void start() {
        fixture = EmbeddedMongoFixture.start();
        log = new EventLog(fixture.appDatabases(), fixture.clock());
        workflow = Manifests.of("max_turns: 10\ninitial_message: Write about tides.\n")
                .with("context_variables.yaml", ReviewLoop.CONTEXT).with("handoffs.yaml", ReviewLoop.HANDOFFS)
                .with("tools.yaml", ReviewLoop.TOOLS).load();
    }

    @AfterEach
    void stop() {
        assertEquals(List.of(), fixture.guard().violations(), "every runtime query carried app_id");
        fixture.close();
    }

    private StepExecutor executor(ChatModel model, String modelName) {
        ToolRegistry tools = ToolRegistry.of(Map.of("com.example.Lookup", invocation -> {
            toolCalls.incrementAndGet();
            return Mono.just(JSON.createObjectNode().put("meaning", "the rise and fall of the sea"));
        }));
        return new StepExecutor(fixture.appDatabases(), log, new RecordingFeed(), model, tools,
                ChatWorkflows.platform(name -> "demo".equals(name) ? Optional.of(workflow) : Optional.empty()), fixture.clock(),
                EngineSettings.defaults(modelName), StepHooks.NONE, PRICES);
    }

    private StepExecutor executor() {
        return executor(new OfflineModel(OfflineScript.parse(ReviewLoop.SCRIPT)), "gpt-4o");
    }

    private String newChat(AppId app) {
        return await(new ChatSessions(fixture.appDatabases(), fixture.clock())
                .start(app, new NewChat("user-1", "demo", null, ChatStatus.RUNNING))).chat().chatId();
    }

    private StepOutcome step(StepExecutor executor, AppId app, String chatId, long seq) {
        return await(executor.run(new StepMessage(app, chatId, seq)));
    }

    private void runToEnd(StepExecutor executor, AppId app, String chatId) {
        long seq = 0;
        StepOutcome outcome;
        do {
            outcome = step(executor, app, chatId, seq++);
        } while (outcome instanceof StepOutcome.Next && seq < 20);
        assertEquals(new StepOutcome.Completed("terminate"), outcome);
    }

    private List<ChatEvent> events(AppId app, String chatId) {
        return await(log.read(app, chatId, 0, 500)).events();
    }

    private List<ChatEvent> usageEvents(AppId app, String chatId) {
        return events(app, chatId).stream().filter(e -> e.type().equals("chat.usage_delta")).toList();
    }

    private MongoCollection<Document> raw(String collection) {
        return fixture.rawDatabase(EmbeddedMongoFixture.SHARED_RUNTIME_DB).getCollection(collection);
    }

    private Document chat(String chatId) {
        return await(raw("chat_sessions").find(eq("chat_id", chatId)).first());
    }

    private Document bucket(AppId app, String minute) {
        return await(raw("usage_minutes").find(eq("_id", app.value() + ":" + minute)).first());
    }

    private static long longOf(Document document, String field) {
        return ((Number) document.get(field)).longValue();
    }

    private static BigDecimal decimal(Document document, String field) {
        return ((Decimal128) document.get(field)).bigDecimalValue();
    }

    /** What the events say: prompt, completion, total tokens, calls, and the exact cost. */
    private record Sums(long prompt, long completion, long total, long calls, BigDecimal cost) {
        Sums plus(Sums o) {
            return new Sums(prompt + o.prompt, completion + o.completion, total + o.total, calls + o.calls, cost.add(o.cost));
        }
    }

    private static Sums sums(List<ChatEvent> usage) {
        Sums sums = new Sums(0, 0, 0, 0, BigDecimal.ZERO);
        for (ChatEvent event : usage) {
            Map<String, Object> d = event.data();
            int p = ((Number) d.get("prompt_tokens")).intValue();
            int c = ((Number) d.get("completion_tokens")).intValue();
            int t = ((Number) d.get("total_tokens")).intValue();
            BigDecimal cost = UsageCost.of(Usage.reported(p, c, t, 0), (String) d.get("model_name"), PRICES);
            sums = sums.plus(new Sums(p, c, t, 1, cost));
        }
        return sums;
    }

    private static void assertBucket(Sums expected, Document bucket) {
        assertNotNull(bucket, "the minute bucket exists");
        assertEquals(expected.prompt(), longOf(bucket, "prompt_tokens"));
        assertEquals(expected.completion(), longOf(bucket, "completion_tokens"));
        assertEquals(expected.total(), longOf(bucket, "total_tokens"));
        assertEquals(expected.calls(), longOf(bucket, "calls"));
        assertEquals(0, expected.cost().compareTo(decimal(bucket, "cost_usd")), "cost " + bucket.get("cost_usd"));
    }

    @Test
    void everyModelCallIsAUsageEventAndAddsToTheChatTotalsAndTheMinuteBucket() {
        String chatId = newChat(APP);
        runToEnd(executor(), APP, chatId);

        List<ChatEvent> usage = usageEvents(APP, chatId);
        assertEquals(3, usage.size(), "one per model call");
        Map<String, Object> first = usage.get(0).data();
        assertEquals("Writer", first.get("agent_name"));
        assertEquals("gpt-4o", first.get("model_name"));
        for (String field : List.of("prompt_tokens", "completion_tokens", "total_tokens", "cached", "cost_usd", "duration_ms")) {
            assertTrue(first.containsKey(field), field);
        }
        assertTrue(((Number) first.get("prompt_tokens")).intValue() > 0);
        assertEquals("Reviewer", usage.get(2).data().get("agent_name"));
        Sums sums = sums(usage);
        assertTrue(sums.cost().signum() > 0);
        assertEquals(sums.cost().doubleValue(),
                usage.stream().mapToDouble(e -> ((Number) e.data().get("cost_usd")).doubleValue()).sum(), 1e-12);

        Document stored = chat(chatId);
        assertEquals(sums.prompt(), longOf(stored, "usage_prompt_tokens"));
        assertEquals(sums.completion(), longOf(stored, "usage_completion_tokens"));
        assertEquals(sums.total(), longOf(stored, "usage_total_tokens"));
        assertEquals(3L, longOf(stored, "usage_calls"));
        assertEquals(0, sums.cost().compareTo(decimal(stored, "usage_cost_usd")));

        Document bucket = bucket(APP, "2025-01-01T00:00");
        assertBucket(sums, bucket);
        assertEquals(APP.value(), bucket.getString("app_id"));
        assertEquals(Date.from(EmbeddedMongoFixture.START), bucket.getDate("minute"));
    }

    @Test
    void theMinuteBucketSumsTheChatsOfOneAppAndIsSeparatePerAppAndMinute() {
        String a = newChat(APP);
        String b = newChat(APP);
        String other = newChat(OTHER);
        runToEnd(executor(), APP, a);
        runToEnd(executor(), APP, b);
        runToEnd(executor(), OTHER, other);
        fixture.clock().advance(Duration.ofMinutes(1));
        String later = newChat(APP);
        runToEnd(executor(), APP, later);

        assertBucket(sums(usageEvents(APP, a)).plus(sums(usageEvents(APP, b))), bucket(APP, "2025-01-01T00:00"));
        assertBucket(sums(usageEvents(OTHER, other)), bucket(OTHER, "2025-01-01T00:00"));
        assertBucket(sums(usageEvents(APP, later)), bucket(APP, "2025-01-01T00:01"));
        assertEquals(OTHER.value(), bucket(OTHER, "2025-01-01T00:00").getString("app_id"));
        assertEquals(3L, await(raw("usage_minutes").countDocuments()));
    }

    /** Throws right after the commit of {@code crashAt}, once: the process died before the events were stored. */
    private static StepHooks crashAfterCommit(long crashAt) {
        boolean[] crashed = {false};
        return new StepHooks() {
            @Override
            public void afterCommit(String chatId, long stepSeq) {
                if (stepSeq == crashAt && !crashed[0]) {
                    crashed[0] = true;
                    throw new IllegalStateException("crash after the commit of step " + stepSeq);
                }
            }
        };
    }

    private StepExecutor executor(StepHooks hooks) {
        ToolRegistry tools = ToolRegistry.of(Map.of("com.example.Lookup", invocation -> {
            toolCalls.incrementAndGet();
            return Mono.just(JSON.createObjectNode().put("meaning", "the rise and fall of the sea"));
        }));
        return new StepExecutor(fixture.appDatabases(), log, new RecordingFeed(), new OfflineModel(OfflineScript.parse(ReviewLoop.SCRIPT)),
                tools, ChatWorkflows.platform(name -> "demo".equals(name) ? Optional.of(workflow) : Optional.empty()), fixture.clock(),
                EngineSettings.defaults("gpt-4o"), hooks, PRICES);
    }

    /** The event types a clean run of the first {@code steps} steps stores, from a chat of another app. */
    private List<String> cleanTypes(int steps) {
        String reference = newChat(OTHER);
        StepExecutor clean = executor();
        for (long seq = 0; seq < steps; seq++) {
            step(clean, OTHER, reference, seq);
        }
        return events(OTHER, reference).stream().map(ChatEvent::type).toList();
    }

    @Test
    void aCrashBetweenTheCommitAndTheEventsIsFinishedByTheRedeliveredMessageOnce() {
        List<String> expected = cleanTypes(1);
        String chatId = newChat(APP);
        StepExecutor crashing = executor(crashAfterCommit(0));
        assertThrows(IllegalStateException.class, () -> step(crashing, APP, chatId, 0));
        assertEquals(1L, longOf(chat(chatId), "step_seq"), "the step committed");
        assertEquals(List.of(), events(APP, chatId), "its events never reached the log");
        long calls = toolCalls.get();

        // The queue redelivers the message once its visibility expires: later than a lease period.
        fixture.clock().advance(Duration.ofMinutes(3));
        StepOutcome outcome = step(executor(), APP, chatId, 0);
        fixture.clock().advance(EventLog.DEFAULT_GAP_GRACE.multipliedBy(2)); // readers step over the never-filled seqs

        assertEquals(new StepOutcome.Next(1), outcome, "the stalled chat gets its next step again");
        assertEquals(expected, events(APP, chatId).stream().map(ChatEvent::type).toList());
        Sums once = sums(usageEvents(APP, chatId));
        assertBucket(once, bucket(APP, "2025-01-01T00:00"));
        assertNull(bucket(APP, "2025-01-01T00:03"), "the usage stays in the minute of its commit");
        assertEquals(once.calls(), longOf(chat(chatId), "usage_calls"));
        assertEquals(calls, toolCalls.get(), "nothing ran again");

        // Once the chat moved on, a late duplicate changes nothing at all.
        step(executor(), APP, chatId, 1);
        List<ChatEvent> after = events(APP, chatId);
        assertTrue(step(executor(), APP, chatId, 0) instanceof StepOutcome.Stale);
        assertEquals(after, events(APP, chatId));
        assertEquals(List.of(chatId + ":0"), bucket(APP, "2025-01-01T00:00").getList("steps", String.class));
        assertEquals(List.of(chatId + ":1"), bucket(APP, "2025-01-01T00:03").getList("steps", String.class));
    }

    @Test
    void aCrashBetweenTheCommitAndTheEventsIsFinishedByTheNextStepBeforeItsOwnEvents() {
        List<String> expected = cleanTypes(2);
        String chatId = newChat(APP);
        assertThrows(IllegalStateException.class, () -> step(executor(crashAfterCommit(0)), APP, chatId, 0));

        // A recent duplicate of the message does not enqueue the next step a second time.
        assertTrue(step(executor(), APP, chatId, 0) instanceof StepOutcome.Stale);
        List<ChatEvent> stored = events(APP, chatId);
        assertEquals(expected.subList(0, stored.size()), stored.stream().map(ChatEvent::type).toList());

        assertEquals(new StepOutcome.Next(2), step(executor(), APP, chatId, 1));
        fixture.clock().advance(EventLog.DEFAULT_GAP_GRACE.multipliedBy(2)); // readers step over the never-filled seqs

        List<ChatEvent> events = events(APP, chatId);
        assertEquals(expected, events.stream().map(ChatEvent::type).toList());
        for (int i = 1; i < events.size(); i++) {
            assertTrue(events.get(i).seq() > events.get(i - 1).seq(), "in seq order");
        }
        Sums all = sums(usageEvents(APP, chatId));
        assertBucket(all, bucket(APP, "2025-01-01T00:00"));
        assertEquals(all.calls(), longOf(chat(chatId), "usage_calls"));
    }

    @Test
    void stepsCreatingOneBucketAtOnceAreAllCountedAndARepeatIsNot() {
        ai.mozaiks.persistence.AppCollection minutes = await(fixture.appDatabases().forApp(APP))
                .collection(ai.mozaiks.persistence.RuntimeCollection.USAGE_MINUTES);
        ai.mozaiks.persistence.AppCollection months = await(fixture.appDatabases().forApp(APP))
                .collection(ai.mozaiks.persistence.RuntimeCollection.USAGE_MONTHS);
        UsageLedger ledger = new UsageLedger(PRICES, new ai.mozaiks.tenancy.MonthlyTokens(fixture.appDatabases(), fixture.clock()));
        UsageLedger.Totals one = new UsageLedger.Totals(10, 2, 12, 0, new BigDecimal("0.000045"), 1, 0,
                EmbeddedMongoFixture.START.plusSeconds(30));

        // Eight steps race to create the bucket: the losers' upserts collide on _id and are retried as updates.
        Flux.range(0, 8).flatMap(i -> ledger.addToMinute(minutes, months, "chat-" + i, 0, one).then(Mono.just(i)), 8).blockLast();
        await(ledger.addToMinute(minutes, months, "chat-3", 0, one)); // a repeat of a counted step

        Document bucket = bucket(APP, "2025-01-01T00:00");
        assertEquals(8L, longOf(bucket, "calls"));
        assertEquals(96L, longOf(bucket, "total_tokens"));
        assertEquals(0, new BigDecimal("0.00036").compareTo(decimal(bucket, "cost_usd")));
        assertEquals(8, bucket.getList("steps", String.class).size());
        // The month's counter: every step once, the repeat not at all.
        assertEquals(96L, longOf(await(raw("usage_months").find(eq("_id", APP.value() + ":2025-01")).first()), "total_tokens"));
        assertEquals(96L, await(new ai.mozaiks.tenancy.MonthlyTokens(fixture.appDatabases(), fixture.clock()).thisMonth(APP)));
    }

    @Test
    void anUnpricedModelHasNoCostButItsTokensCount() {
        String chatId = newChat(APP);
        runToEnd(executor(new OfflineModel(OfflineScript.parse(ReviewLoop.SCRIPT)), "house-model"), APP, chatId);

        List<ChatEvent> usage = usageEvents(APP, chatId);
        assertEquals(3, usage.size());
        assertTrue(usage.get(0).data().containsKey("cost_usd"));
        assertNull(usage.get(0).data().get("cost_usd"));
        Document bucket = bucket(APP, "2025-01-01T00:00");
        assertEquals(3L, longOf(bucket, "calls"));
        assertEquals(3L, longOf(bucket, "unpriced_calls"));
        assertEquals(0, BigDecimal.ZERO.compareTo(decimal(bucket, "cost_usd")));
        assertTrue(longOf(chat(chatId), "usage_total_tokens") > 0);
    }

    @Test
    void aPoisonedStepFailsTheChatVisiblyOnce() {
        String chatId = newChat(APP);
        StepExecutor executor = executor();
        StepMessage poisoned = new StepMessage(APP, chatId, 0);

        StepOutcome outcome = await(executor.failPoisoned(poisoned));

        assertTrue(outcome instanceof StepOutcome.Failed, outcome.toString());
        List<ChatEvent> events = events(APP, chatId);
        assertEquals(List.of("chat.error", "chat.run_complete"), events.stream().map(ChatEvent::type).toList());
        assertEquals("STEP_FAILED", events.get(0).data().get("error_code"));
        String message = (String) events.get(0).data().get("message");
        assertFalse(message.contains("Exception") || message.contains("step_seq") || message.contains(chatId), message);
        assertEquals("failed", events.get(1).data().get("status"));
        Document stored = chat(chatId);
        assertEquals("failed", stored.getString("status"));
        assertEquals(1L, longOf(stored, "step_seq"));
        assertNull(stored.get("lease_until"));

        assertTrue(await(executor.failPoisoned(poisoned)) instanceof StepOutcome.Stale, "a second call changes nothing");
        assertEquals(events, events(APP, chatId));
        assertTrue(step(executor, APP, chatId, 0) instanceof StepOutcome.Stale, "the step itself is stale now");
    }

    @Test
    void aPoisonedMessageForAStepThatAlreadyCommittedOrATerminalChatChangesNothing() {
        String chatId = newChat(APP);
        StepExecutor executor = executor();
        assertEquals(new StepOutcome.Next(1), step(executor, APP, chatId, 0));
        List<ChatEvent> events = events(APP, chatId);

        assertTrue(await(executor.failPoisoned(new StepMessage(APP, chatId, 0))) instanceof StepOutcome.Stale);
        assertEquals("running", chat(chatId).getString("status"));
        assertEquals(events, events(APP, chatId));

        runToEnd2(executor, chatId);
        List<ChatEvent> done = events(APP, chatId);
        assertTrue(await(executor.failPoisoned(new StepMessage(APP, chatId, 3))) instanceof StepOutcome.Stale);
        assertEquals("completed", chat(chatId).getString("status"));
        assertEquals(done, events(APP, chatId));
        assertTrue(await(executor.failPoisoned(new StepMessage(APP, "no-such-chat", 0))) instanceof StepOutcome.Stale);
    }

    private void runToEnd2(StepExecutor executor, String chatId) {
        assertEquals(new StepOutcome.Next(2), step(executor, APP, chatId, 1));
        assertEquals(new StepOutcome.Completed("terminate"), step(executor, APP, chatId, 2));
    }

    @Test
    void aPoisonedMessageNeverRacesALiveAttempt() {
        String chatId = newChat(APP);
        // An attempt in flight holds the lease.
        StepExecutor hanging = executor(request -> Flux.never(), "gpt-4o");
        hanging.run(new StepMessage(APP, chatId, 0)).subscribe();
        await(Mono.delay(Duration.ofMillis(50)));
        StepExecutor executor = executor();

        assertTrue(await(executor.failPoisoned(new StepMessage(APP, chatId, 0))) instanceof StepOutcome.RetryLater);
        assertEquals("running", chat(chatId).getString("status"));
        assertEquals(List.of(), events(APP, chatId));

        // Once the lease has expired (the attempt's instance died) the chat is failed.
        fixture.clock().advance(Duration.ofMinutes(3));
        assertTrue(await(executor.failPoisoned(new StepMessage(APP, chatId, 0))) instanceof StepOutcome.Failed);
        assertEquals("failed", chat(chatId).getString("status"));
        assertEquals(List.of("chat.error", "chat.run_complete"), events(APP, chatId).stream().map(ChatEvent::type).toList());
    }

    @Test
    void aPoisonedStepAfterAnAttemptThatCrashedKeepsTheLogConsistent() {
        String chatId = newChat(APP);
        // A failed attempt (the model unavailable) left its lease expired; the host then gave the message up.
        StepExecutor failing = executor(request -> Flux.error(new IllegalArgumentException("boom")), "gpt-4o");
        assertTrue(org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                () -> step(failing, APP, chatId, 0)).getMessage().contains("boom"));
        assertEquals("running", chat(chatId).getString("status"));

        StepOutcome outcome = await(executor().failPoisoned(new StepMessage(APP, chatId, 0)));

        assertTrue(outcome instanceof StepOutcome.Failed, outcome.toString());
        assertEquals("failed", chat(chatId).getString("status"));
        List<ChatEvent> events = events(APP, chatId);
        assertEquals(List.of("chat.error", "chat.run_complete"), events.stream().map(ChatEvent::type).toList());
        for (int i = 0; i < events.size(); i++) {
            assertEquals(i + 1, events.get(i).seq());
        }
    }
}

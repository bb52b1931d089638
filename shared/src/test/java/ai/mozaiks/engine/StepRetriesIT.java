package ai.mozaiks.engine;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.kernel.AppId;
import ai.mozaiks.models.ChatModel;
import ai.mozaiks.models.ModelEvent;
import ai.mozaiks.models.ModelException;
import ai.mozaiks.models.offline.OfflineModel;
import ai.mozaiks.models.offline.OfflineScript;
import ai.mozaiks.payloads.PayloadStores;
import ai.mozaiks.persistence.EmbeddedMongoFixture;
import ai.mozaiks.realtime.RecordingFeed;
import ai.mozaiks.session.ChatEvent;
import ai.mozaiks.session.ChatSessions;
import ai.mozaiks.session.ChatStatus;
import ai.mozaiks.session.EventKind;
import ai.mozaiks.session.EventLog;
import ai.mozaiks.session.NewChat;
import ai.mozaiks.tenancy.AppService;
import ai.mozaiks.tenancy.AppStates;
import ai.mozaiks.workflows.Manifests;
import ai.mozaiks.workflows.Workflow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A step failing transiently goes back on the queue with its retry state instead of failing the delivery, the chat is
 * told ({@code chat.retrying}), the next attempt first voids what the failed one streamed ({@code chat.text_reset}),
 * and a step failing past its budget ends the chat with the cause named. Real MongoDB driver and server.
 */
class StepRetriesIT {
    private static final AppId APP = AppId.of("app-retry");
    private static final String REPLY = "Tides rise and fall twice a day.";

    /** The queue: what was put back, with its delay. */
    private record Enqueued(StepMessage message, Duration delay) {
    }

    private EmbeddedMongoFixture fixture;
    private EventLog log;
    private final RecordingFeed feed = new RecordingFeed();
    private final List<Enqueued> enqueued = new ArrayList<>();
    private final StepQueue queue = (message, delay) -> Mono.fromRunnable(() -> enqueued.add(new Enqueued(message, delay)));
    private final AtomicInteger calls = new AtomicInteger();

    @BeforeEach
    void start() {
        fixture = EmbeddedMongoFixture.start();
        log = new EventLog(fixture.appDatabases(), fixture.clock());
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    /** A model that fails its first {@code failures} calls with {@code failure} (after streaming a piece), then answers. */
    private ChatModel failingFirst(int failures, ModelException failure) {
        ChatModel offline = new OfflineModel(OfflineScript.parse("- agent: Writer\n  text: " + REPLY + "\n"));
        return request -> calls.incrementAndGet() <= failures
                ? Flux.<ModelEvent>just(new ModelEvent.TextDelta("Tides ri")).concatWith(Flux.error(failure))
                : offline.stream(request);
    }

    private StepRunner runner(ChatModel model, Duration budget, StepQueue queue) {
        Workflow workflow = Manifests.of("max_turns: 4\nhuman_in_the_loop: true\ninitial_message: Write about tides.\n")
                .with("handoffs.yaml", "handoff_rules:\n- {source_agent: Writer, target_agent: user, handoff_type: after_work}\n").load();
        ChatWorkflows workflows = ChatWorkflows.platform(name -> "demo".equals(name) ? Optional.of(workflow) : Optional.empty());
        EngineSettings engine = EngineSettings.defaults("gpt-4o");
        StepExecutor executor = new StepExecutor(fixture.appDatabases(), log, feed, model, ToolRegistry.of(Map.of()), workflows,
                fixture.clock(), engine, StepHooks.NONE);
        AppStates active = appId -> Mono.just(AppService.ACTIVE);
        RunQueue runs = RunQueues.roomy(fixture, queue);
        ChatInputs inputs = new ChatInputs(fixture.appDatabases(), log, feed, workflows, fixture.clock(), engine, active, runs,
                PayloadStores.developmentStorage());
        return new StepRunner(executor, queue, inputs, (appId, chatId) -> Mono.empty(), ChildWorkflows.none(), new FairShare(24, 24, fixture.clock()),
                active, runs, new StepRetries(budget, fixture.clock()));
    }

    private String newChat() {
        return await(new ChatSessions(fixture.appDatabases(), fixture.clock())
                .start(APP, new NewChat("user-1", "demo", null, ChatStatus.RUNNING))).chat().chatId();
    }

    private List<ChatEvent> events(String chatId) {
        return await(log.read(APP, chatId, 0, 500)).events();
    }

    private static ModelException unavailable(Duration retryAfter) {
        return new ModelException(ModelException.Kind.UNAVAILABLE, "req-1", "HTTP 503: busy", 503, null, retryAfter, null);
    }

    @Test
    void aModelOutageRetriesTheStepThroughTheQueueAndTheNextAttemptVoidsWhatTheFailedOneStreamed() {
        StepRunner runner = runner(failingFirst(1, unavailable(Duration.ofSeconds(7))), StepRetries.DEFAULT_BUDGET, queue);
        String chatId = newChat();
        StepMessage step = new StepMessage(APP, chatId, 0);
        Instant failedAt = fixture.clock().instant();

        StepOutcome.Retrying retrying = assertInstanceOf(StepOutcome.Retrying.class, await(runner.run(step)));
        assertEquals(1, retrying.attempt());
        assertEquals(StepRetries.MODEL_UNAVAILABLE, retrying.reason());
        assertTrue(retrying.after().compareTo(Duration.ofSeconds(7)) >= 0, "never sooner than Retry-After: " + retrying);
        assertEquals(List.of(new Enqueued(step.retried(1, failedAt), retrying.after())), enqueued, "back on the queue with its state");

        ChatEvent told = events(chatId).stream().filter(e -> e.type().equals(EventKind.RETRYING.type())).findFirst().orElseThrow();
        assertEquals("retry:0:1", told.key());
        assertEquals(1, ((Number) told.data().get("attempt")).intValue());
        assertEquals(StepRetries.MODEL_UNAVAILABLE, told.data().get("reason"));
        assertEquals(failedAt.plus(retrying.after()).toString(), told.data().get("retry_at"));
        assertTrue(feed.sent().stream().anyMatch(s -> s.events().contains(told)), "sent live too");

        // Until the retry the chat is held: a duplicate message finds it busy (and the stall reaper passes it by).
        assertInstanceOf(StepOutcome.RetryLater.class, await(runner.run(step)));

        fixture.clock().advance(retrying.after());
        enqueued.clear();
        assertInstanceOf(StepOutcome.AwaitingInput.class, await(runner.run(step.retried(1, failedAt))));
        assertEquals(2, calls.get(), "the refused call, then one that answered");
        List<String> live = feed.live();
        int reset = live.indexOf("chat.text_reset");
        assertTrue(reset >= 0, "the new attempt voided the old one's text: " + live);
        assertTrue(List.of("delta:Tides ri").containsAll(live.subList(0, reset)), "before it only the failed attempt's piece: " + live);
        assertEquals("delta:" + REPLY, String.join("", live.subList(reset + 1, live.size()).stream()
                .map(s -> s.startsWith("delta:") ? s.substring("delta:".length()) : "|" + s).toList()).transform(t -> "delta:" + t),
                "after it the new attempt's text, whole: " + live);
        assertEquals("retry", feed.signals().get(0).data().get("reason"));
        assertEquals(List.of(REPLY), events(chatId).stream().filter(e -> e.type().equals(EventKind.TEXT.type())
                && "Writer".equals(e.data().get("agent"))).map(e -> e.data().get("content")).toList(), "one reply, stored once");
    }

    @Test
    void aStepFailingPastItsBudgetEndsTheChatWithTheCauseNamed() {
        ModelException limited = new ModelException(ModelException.Kind.RATE_LIMITED, "req-2", "HTTP 429: slow down", 429, null,
                Duration.ofSeconds(20), null);
        StepRunner runner = runner(failingFirst(Integer.MAX_VALUE, limited), Duration.ofSeconds(60), queue);
        String chatId = newChat();

        StepOutcome.Retrying first = assertInstanceOf(StepOutcome.Retrying.class, await(runner.run(new StepMessage(APP, chatId, 0))));
        fixture.clock().advance(first.after());
        StepMessage again = enqueued.get(0).message();
        StepOutcome.Retrying second = assertInstanceOf(StepOutcome.Retrying.class, await(runner.run(again)));
        assertEquals(2, second.attempt());
        fixture.clock().advance(Duration.ofSeconds(61));

        StepOutcome.Failed failed = assertInstanceOf(StepOutcome.Failed.class, await(runner.run(enqueued.get(1).message())));
        assertTrue(failed.reason().contains(StepRetries.MODEL_RATE_LIMITED), failed.reason());
        assertEquals(3, calls.get());
        List<ChatEvent> events = events(chatId);
        ChatEvent error = events.stream().filter(e -> e.type().equals(EventKind.ERROR.type())).findFirst().orElseThrow();
        assertEquals(StepExecutor.RETRIES_EXHAUSTED, error.data().get("error_code"));
        assertEquals(StepRetries.MODEL_RATE_LIMITED, error.data().get("reason"));
        assertTrue(String.valueOf(error.data().get("message")).contains("rate limited"), error.data().toString());
        ChatEvent last = events.get(events.size() - 1);
        assertEquals(EventKind.RUN_COMPLETE.type(), last.type());
        assertEquals("failed", last.data().get("status"));
        assertEquals(2, enqueued.size(), "nothing queued after the end");
    }

    @Test
    void whenTheQueueCannotTakeTheRetryTheDeliveryFailsForTheHostToRedeliver() {
        StepQueue broken = (message, delay) -> Mono.error(new IllegalStateException("queue unreachable"));
        ModelException failure = unavailable(null);
        StepRunner runner = runner(failingFirst(1, failure), StepRetries.DEFAULT_BUDGET, broken);
        String chatId = newChat();

        RuntimeException thrown = assertThrows(RuntimeException.class, () -> await(runner.run(new StepMessage(APP, chatId, 0))));
        Throwable cause = thrown instanceof ModelException ? thrown : thrown.getCause();
        assertSame(failure, cause, "the original failure stands");
        assertEquals("queue unreachable", cause.getSuppressed()[0].getMessage());
    }

    @Test
    void theDatabaseAwayIsRetriedThroughTheQueueAndToldLiveOnly() {
        StepRunner runner = runner(failingFirst(0, null), StepRetries.DEFAULT_BUDGET, queue);
        String chatId = newChat();
        fixture.stopServer();

        // Each database call waits out the driver's server selection (the fixture's 5 s) before it fails.
        StepOutcome.Retrying retrying = assertInstanceOf(StepOutcome.Retrying.class,
                runner.run(new StepMessage(APP, chatId, 0)).block(Duration.ofSeconds(60)));
        assertEquals(StepRetries.DATABASE_UNAVAILABLE, retrying.reason());
        assertEquals(1, enqueued.size());
        assertEquals(1, enqueued.get(0).message().attempt());
        assertEquals(0, calls.get(), "no model call without the chat");
        RecordingFeed.Signal told = feed.signals().stream().filter(s -> s.kind() == EventKind.RETRYING).findFirst().orElseThrow();
        assertEquals(StepRetries.DATABASE_UNAVAILABLE, told.data().get("reason"));
        assertEquals(chatId, told.chatId());
    }
}

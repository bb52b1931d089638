package ai.mozaiks.engine;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.mozaiks.kernel.AppId;
import ai.mozaiks.models.ChatModel;
import ai.mozaiks.models.ModelEvent;
import ai.mozaiks.models.ModelRequest;
import ai.mozaiks.models.offline.OfflineModel;
import ai.mozaiks.models.offline.OfflineScript;
import ai.mozaiks.payloads.PayloadStores;
import ai.mozaiks.persistence.EmbeddedMongoFixture;
import ai.mozaiks.realtime.RecordingFeed;
import ai.mozaiks.session.ChatSessions;
import ai.mozaiks.session.ChatFields;
import ai.mozaiks.session.ChatStatus;
import ai.mozaiks.session.ChatStore;
import ai.mozaiks.session.EventLog;
import ai.mozaiks.session.NewChat;
import ai.mozaiks.session.ChatEvent;
import ai.mozaiks.tenancy.AppService;
import ai.mozaiks.tenancy.AppStates;
import ai.mozaiks.tenancy.AppLimits;
import ai.mozaiks.tenancy.RunSlots;
import ai.mozaiks.tenancy.Tiers;
import org.bson.Document;
import ai.mozaiks.workflows.Manifests;
import ai.mozaiks.workflows.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A step due now starts where its input landed ({@link StepRunner#startHere} through {@link InPlaceQueue}), its fallback
 * message hidden on the queue for about a lease: the chat's turn runs before that message is seen, a step lost here is
 * resumed by it, a duplicate delivery meanwhile is refused by the lease, and steps run here and from the queue share one
 * bound.
 */
class InPlaceStepsIT {
    private static final AppId APP = AppId.of("app-here");
    private static final AppId OTHER = AppId.of("app-other");
    private static final Duration FALLBACK = Duration.ofSeconds(35);

    /** The queue: what was put on it, with its delay; nothing here delivers it, the test does. */
    private record Enqueued(StepMessage message, Duration delay) {
    }

    /** The offline model behind a gate: counts calls, and how many wait or stream at once. */
    private static final class GatedModel implements ChatModel {
        final ChatModel inner = new OfflineModel(OfflineScript.parse("- agent: Writer\n  text: Tides rise and fall.\n"));
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger most = new AtomicInteger();
        final Sinks.Empty<Void> gate = Sinks.empty();

        @Override
        public Flux<ModelEvent> stream(ModelRequest request) {
            return Flux.defer(() -> {
                calls.incrementAndGet();
                most.accumulateAndGet(running.incrementAndGet(), Math::max);
                return gate.asMono().thenMany(inner.stream(request)).doFinally(signal -> running.decrementAndGet());
            });
        }

        void open() {
            gate.tryEmitEmpty();
        }
    }

    private EmbeddedMongoFixture fixture;
    private EventLog log;
    private final List<Enqueued> enqueued = Collections.synchronizedList(new ArrayList<>());
    /** Fallback messages taken back after their step ran here. */
    private final List<StepMessage> takenBack = Collections.synchronizedList(new ArrayList<>());
    private final StepQueue queue = new StepQueue() {
        @Override
        public Mono<Void> enqueue(StepMessage message, Duration delay) {
            return Mono.fromRunnable(() -> enqueued.add(new Enqueued(message, delay)));
        }

        @Override
        public Mono<Held> hold(StepMessage message, Duration delay) {
            Held held = new Held() {
                @Override
                public Mono<Void> drop() {
                    return Mono.fromRunnable(() -> takenBack.add(message));
                }

                @Override
                public Mono<Void> extend(Duration hiddenFor) {
                    return Mono.fromRunnable(() -> extended.add(hiddenFor));
                }
            };
            // The chat as it is when the send is asked for (read at once, beside whatever writes follow).
            Mono<String> status = fixture.appDatabases().forApp(message.appId()).flatMap(database -> ChatStore.of(database).find(message.chatId()))
                    .map(chat -> chat.getString(ChatFields.STATUS)).cache();
            status.subscribe();
            statusWhenSent.add(status);
            return Mono.defer(() -> sending).then(enqueue(message, delay)).thenReturn(held);
        }
    };
    /** Each fallback send's chat status when it was asked for. */
    private final List<Mono<String>> statusWhenSent = Collections.synchronizedList(new ArrayList<>());
    /** What a fallback message's send waits for (nothing, unless a test holds it). */
    private volatile Mono<Void> sending = Mono.empty();
    /** How long fallback messages were hidden again while their steps ran. */
    private final List<Duration> extended = Collections.synchronizedList(new ArrayList<>());
    private final GatedModel model = new GatedModel();
    private final List<StepRunner> runners = new ArrayList<>();
    /** The app's state as the runners read it before running a step (inputs always find it active). */
    private volatile String appStatusForSteps = AppService.ACTIVE;

    @BeforeEach
    void start() {
        fixture = EmbeddedMongoFixture.start();
        log = new EventLog(fixture.appDatabases(), fixture.clock());
    }

    @AfterEach
    void stop() {
        model.open();
        runners.forEach(StepRunner::close);
        fixture.close();
    }

    /** A runner, as an instance has one, and the queue its producers use. */
    private record Instance(StepRunner runner, InPlaceQueue queue, FairShare fairShare, ChatInputs inputs) {
    }

    /** An instance with the default slots: 96, of which the queue trigger's steps hold 24. */
    private Instance instance() {
        return instance(96, 24, FALLBACK);
    }

    private Instance instance(int slots, int queueSlots, Duration fallback) {
        Workflow workflow = Manifests.of("max_turns: 4\nhuman_in_the_loop: true\ninitial_message: Write about tides.\n")
                .with("handoffs.yaml", "handoff_rules:\n- {source_agent: Writer, target_agent: user, handoff_type: after_work}\n").load();
        ChatWorkflows workflows = ChatWorkflows.platform(name -> "demo".equals(name) ? Optional.of(workflow) : Optional.empty());
        EngineSettings engine = EngineSettings.defaults("gpt-4o");
        RecordingFeed feed = new RecordingFeed();
        StepExecutor executor = new StepExecutor(fixture.appDatabases(), log, feed, model, ToolRegistry.of(Map.of()),
                workflows, fixture.clock(), engine, StepHooks.NONE);
        AppStates active = appId -> Mono.just(AppService.ACTIVE);
        InPlaceQueue steps = new InPlaceQueue(queue);
        RunQueue runs = RunQueues.roomy(fixture, steps);
        ChatInputs inputs = new ChatInputs(fixture.appDatabases(), log, feed, workflows, fixture.clock(), engine, active, runs,
                PayloadStores.developmentStorage());
        FairShare fairShare = new FairShare(slots, queueSlots, fixture.clock());
        StepRunner runner = new StepRunner(executor, steps, inputs, (appId, chatId) -> Mono.empty(), ChildWorkflows.none(), fairShare,
                appId -> Mono.just(appStatusForSteps), runs, new StepRetries(StepRetries.DEFAULT_BUDGET, fixture.clock()), new StepRunner.InPlace(true, fallback));
        steps.attach(runner);
        runners.add(runner);
        return new Instance(runner, steps, fairShare, inputs);
    }

    /** A chat of {@link #APP} whose first turn ran here and which now waits for its user, the model open. */
    private String waitingAfterItsFirstTurn(Instance here) throws Exception {
        model.open();
        String chatId = newChat(APP);
        await(here.queue().enqueue(new StepMessage(APP, chatId, 0), Duration.ZERO));
        eventually("the first turn ended here", () -> replies(APP, chatId) == 1 && here.fairShare().inFlight() == 0);
        return chatId;
    }

    private String newChat(AppId app) {
        return await(new ChatSessions(fixture.appDatabases(), fixture.clock())
                .start(app, new NewChat("user-1", "demo", null, ChatStatus.RUNNING))).chat().chatId();
    }

    private Document chat(AppId app, String chatId) {
        return await(fixture.appDatabases().forApp(app).flatMap(database -> ChatStore.of(database).find(chatId)));
    }

    private List<ChatEvent> events(AppId app, String chatId) {
        return await(log.read(app, chatId, 0, 500)).events();
    }

    private long replies(AppId app, String chatId) {
        return events(app, chatId).stream().filter(event -> event.type().equals("chat.text") && "Writer".equals(event.data().get("agent"))).count();
    }

    private static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("never: " + what);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void aStepDueNowRunsHereBeforeItsFallbackMessageIsSeen() throws Exception {
        Instance here = instance();
        model.open();
        String chatId = newChat(APP);
        StepMessage step = new StepMessage(APP, chatId, 0);

        await(here.queue().enqueue(step, Duration.ZERO));
        eventually("the step ran here", () -> here.runner().startedHere() == 1 && here.fairShare().inFlight() == 0);

        assertEquals(List.of(new Enqueued(step, FALLBACK)), enqueued, "only the fallback, hidden about a lease");
        assertEquals(1, replies(APP, chatId), "the turn ran while its message was still hidden");
        assertEquals(1, model.calls.get());
        assertEquals(List.of(step), takenBack, "the step ran: its fallback is taken back");
        // A fallback message seen all the same (its take-back failed) finds its step committed: dropped, no second turn.
        fixture.clock().advance(FALLBACK);
        assertInstanceOf(StepOutcome.Stale.class, await(here.runner().run(step)));
        assertEquals(1, model.calls.get());
        assertEquals(1, replies(APP, chatId));
    }

    @Test
    void aMessageToAWaitingChatHasItsFallbackSentWhileItIsWrittenAndItsStepStartsOnceItIsOnTheQueue() throws Exception {
        Instance here = instance();
        String chatId = waitingAfterItsFirstTurn(here);
        Sinks.Empty<Void> send = Sinks.empty();
        sending = send.asMono();

        CompletableFuture<ChatInputs.InputResult> accepted = here.inputs().submitMessage(APP, "user-1", chatId, "m-1", "More, please.").toFuture();

        // The fallback is asked for before the message is written, and the message written while it is on its way.
        eventually("the message was written", () -> events(APP, chatId).stream().anyMatch(event -> "More, please.".equals(event.data().get("content"))));
        assertEquals(1, here.fairShare().inFlight(), "the step's slot here is taken");
        assertEquals(2, statusWhenSent.size());
        assertEquals(ChatStatus.AWAITING_INPUT.wire(), statusWhenSent.get(1).block(Duration.ofSeconds(10)), "sent while the message was written");
        Thread.sleep(200);
        assertTrue(!accepted.isDone(), "answered once the step is started or queued");
        assertEquals(1, model.calls.get(), "no model call before the fallback is on the queue");
        send.tryEmitEmpty();
        assertEquals(ChatStatus.RUNNING, accepted.get().status());
        eventually("the second turn ran here", () -> replies(APP, chatId) == 2 && here.fairShare().inFlight() == 0);
        StepMessage second = new StepMessage(APP, chatId, 1);
        assertTrue(enqueued.contains(new Enqueued(second, FALLBACK)), "the fallback was sent: " + enqueued);
        assertTrue(!enqueued.contains(new Enqueued(second, Duration.ZERO)), "and the step not queued as well");
        assertTrue(takenBack.contains(second));
        assertEquals(2, here.runner().startedHere());
    }

    @Test
    void aMessageWhoseStepStartsHereTakesItsLeaseInTheSameUpdateSoADuplicateIsRefusedBeforeItStarts() throws Exception {
        Instance here = instance();
        String chatId = waitingAfterItsFirstTurn(here);
        Sinks.Empty<Void> send = Sinks.empty();
        sending = send.asMono();

        CompletableFuture<ChatInputs.InputResult> accepted = here.inputs().submitMessage(APP, "user-1", chatId, "m-1", "More, please.").toFuture();

        // Written running with the step's lease, while the fallback is still on its way and the step not started.
        eventually("the message was written", () -> ChatStatus.RUNNING.wire().equals(chat(APP, chatId).getString(ChatFields.STATUS)));
        Document written = chat(APP, chatId);
        assertEquals(1L, ((Number) written.get(ChatFields.STEP_SEQ)).longValue());
        assertTrue(written.getString(ChatFields.LEASE_OWNER) != null, "the lease is taken by the input's update");
        assertEquals(fixture.clock().instant().plus(EngineSettings.defaults("gpt-4o").lease()), written.getDate(ChatFields.LEASE_UNTIL).toInstant());
        StepMessage second = new StepMessage(APP, chatId, 1);
        assertInstanceOf(StepOutcome.RetryLater.class, await(here.runner().run(second)), "a duplicate finds the lease held");

        send.tryEmitEmpty();
        assertEquals(ChatStatus.RUNNING, accepted.get().status());
        eventually("the second turn ran here", () -> replies(APP, chatId) == 2 && here.fairShare().inFlight() == 0);
        assertEquals(2, model.calls.get(), "one model call a turn");
        assertEquals(2, here.runner().startedHere());
        assertNull(chat(APP, chatId).get(ChatFields.LEASE_OWNER), "the commit cleared the lease");
    }

    @Test
    void aLeaseTakenForAStepThatDoesNotRunHereIsGivenBackSoItsMessageClaimsTheChatAtOnce() throws Exception {
        Instance here = instance();
        String chatId = waitingAfterItsFirstTurn(here);
        appStatusForSteps = AppService.SUSPENDED; // suspended between the message and its step

        assertEquals(ChatStatus.RUNNING, await(here.inputs().submitMessage(APP, "user-1", chatId, "m-1", "More, please.")).status());
        eventually("the step stopped for its app", () -> here.fairShare().inFlight() == 0);
        Document stopped = chat(APP, chatId);
        assertFalse(stopped.getDate(ChatFields.LEASE_UNTIL).toInstant().isAfter(fixture.clock().instant()), "the lease was given back");
        assertEquals(1, model.calls.get());

        appStatusForSteps = AppService.ACTIVE; // lifted: the step's message (the reaper's, or its fallback) runs it at once
        assertInstanceOf(StepOutcome.AwaitingInput.class, await(here.runner().run(new StepMessage(APP, chatId, 1))));
        assertEquals(2, replies(APP, chatId));
    }

    @Test
    void anAbandonedReadiedStepGivesBackTheLeaseItsWriteMayHaveTaken() throws Exception {
        Instance here = instance();
        String chatId = waitingAfterItsFirstTurn(here);
        StepMessage second = new StepMessage(APP, chatId, 1);
        StepQueue.Ahead ahead = here.runner().ahead(second);
        StepQueue.Lease lease = ahead.lease().orElseThrow();
        // The input's write took the lease, then the input failed after it: whether the write happened is unknown.
        java.time.Instant now = fixture.clock().instant();
        Document conversation = chat(APP, chatId).get(ChatFields.CONVERSATION, Document.class);
        await(fixture.appDatabases().forApp(APP).flatMap(database -> ChatStore.of(database)
                .acceptInputClaimed(chatId, "input:m-1", 99, conversation, lease.lease(), now, now.plus(lease.duration()))));

        await(ahead.abandon());

        assertFalse(chat(APP, chatId).getDate(ChatFields.LEASE_UNTIL).toInstant().isAfter(fixture.clock().instant()), "the lease given back");
        assertEquals(0, here.fairShare().inFlight());
        assertInstanceOf(StepOutcome.AwaitingInput.class, await(here.runner().run(second)), "its fallback claims the chat at once");
    }

    @Test
    void aMessageWhoseStepIsNotStartedGivesBackWhatWasReadiedForIt() throws Exception {
        Instance here = instance();
        String chatId = waitingAfterItsFirstTurn(here);
        // The user holds every run slot of theirs (the enterprise tier's 20) in other chats: the chat must queue.
        RunSlots slots = new RunSlots(fixture.rawDatabase(EmbeddedMongoFixture.CONTROL_DB).getCollection(RunSlots.COLLECTION), fixture.clock());
        AppLimits enterprise = AppLimits.of(new Document(), Tiers.load().get("enterprise"));
        for (int i = 0; i < enterprise.concurrentRunsPerUser(); i++) {
            assertTrue(await(slots.take(APP, "user-1", "elsewhere-" + i, enterprise)));
        }

        ChatInputs.InputResult result = await(here.inputs().submitMessage(APP, "user-1", chatId, "m-1", "More, please."));

        assertEquals(ChatStatus.QUEUED, result.status());
        StepMessage second = new StepMessage(APP, chatId, 1);
        eventually("its fallback taken back", () -> takenBack.contains(second));
        assertEquals(0, here.fairShare().inFlight(), "its slot here given back");
        assertEquals(1, here.runner().startedHere());
        assertEquals(1, model.calls.get());
    }

    @Test
    void aReadiedStepWhoseWriteMayHaveHappenedKeepsItsFallbackAndGivesItsSlotBack() throws Exception {
        Instance here = instance();
        StepMessage step = new StepMessage(APP, newChat(APP), 0);
        StepQueue.Ahead ahead = here.runner().ahead(step);
        assertEquals(1, here.fairShare().inFlight(), "readied: its slot taken");

        await(ahead.abandon());

        assertEquals(0, here.fairShare().inFlight(), "the slot given back");
        eventually("the fallback was sent", () -> enqueued.contains(new Enqueued(step, FALLBACK)));
        assertEquals(List.of(), takenBack, "and stays, to run the step if the chat runs or be dropped as stale");
        await(ahead.due());
        await(ahead.cancel());
        assertEquals(0, here.runner().startedHere(), "settled once: nothing started after");
        assertEquals(List.of(), takenBack);
    }

    @Test
    void aStepLostWithItsInstanceIsResumedByItsFallbackMessage() throws Exception {
        Instance dying = instance();
        String chatId = newChat(APP);
        StepMessage step = new StepMessage(APP, chatId, 0);
        await(dying.queue().enqueue(step, Duration.ZERO));
        eventually("the model was called here", () -> model.calls.get() == 1);

        dying.runner().close(); // the instance is gone mid-step: its lease stays until it lapses
        eventually("the step stopped", () -> dying.fairShare().inFlight() == 0 && model.running.get() == 0);
        assertEquals(List.of(new Enqueued(step, FALLBACK)), enqueued);
        assertEquals(List.of(), takenBack, "a stopped step keeps its fallback");

        // The fallback message is seen after about a lease, on another instance.
        fixture.clock().advance(FALLBACK);
        Instance other = instance();
        model.open();
        assertInstanceOf(StepOutcome.AwaitingInput.class, await(other.runner().run(step)));

        assertEquals(1, replies(APP, chatId), "one reply recorded");
        assertEquals(2, model.calls.get(), "the lost attempt's call and the resumed one's");
    }

    @Test
    void aDuplicateDeliveryWhileTheStepRunsHereIsRefusedByTheLease() throws Exception {
        Instance here = instance();
        String chatId = newChat(APP);
        StepMessage step = new StepMessage(APP, chatId, 0);
        await(here.queue().enqueue(step, Duration.ZERO));
        eventually("the model was called here", () -> model.calls.get() == 1);

        StepOutcome duplicate = await(here.runner().run(step));

        assertInstanceOf(StepOutcome.RetryLater.class, duplicate, "the lease is held");
        model.open();
        eventually("the step here ended", () -> here.fairShare().inFlight() == 0);
        assertEquals(List.of(step), takenBack);
        assertInstanceOf(StepOutcome.Stale.class, await(here.runner().run(step)), "asked again later, the step is past");
        assertEquals(1, replies(APP, chatId), "one turn");
        assertEquals(1, model.calls.get(), "one model call");
    }

    @Test
    void aLongStepHereKeepsItsFallbackHiddenAheadUntilItEnds() throws Exception {
        Duration fallback = Duration.ofMillis(300);
        Instance here = instance(96, 24, fallback);
        String chatId = newChat(APP);
        await(here.queue().enqueue(new StepMessage(APP, chatId, 0), Duration.ZERO));

        eventually("the fallback was hidden again twice", () -> extended.size() >= 2);
        assertEquals(fallback, extended.get(0), "hidden its delay ahead each time");
        model.open();
        eventually("the step here ended", () -> here.fairShare().inFlight() == 0);
        int after = extended.size();
        assertEquals(List.of(new StepMessage(APP, chatId, 0)), takenBack);
        Thread.sleep(fallback.toMillis()); // a period more: the renewal stopped with the step
        assertEquals(after, extended.size());
    }

    @Test
    void stepsHereAndFromTheQueueTogetherNeverExceedTheSlots() throws Exception {
        // Three slots: two for steps started here (an app alone may hold both), one for the queue's steps.
        Instance here = instance(3, 1, FALLBACK);
        String first = newChat(APP);
        String second = newChat(APP);
        String third = newChat(APP);
        String queued = newChat(OTHER);
        String late = newChat(OTHER);

        await(here.queue().enqueue(new StepMessage(APP, first, 0), Duration.ZERO));
        await(here.queue().enqueue(new StepMessage(APP, second, 0), Duration.ZERO));
        await(here.queue().enqueue(new StepMessage(APP, third, 0), Duration.ZERO));
        assertEquals(2, here.runner().startedHere(), "the app's share runs here");
        assertTrue(enqueued.contains(new Enqueued(new StepMessage(APP, third, 0), Duration.ZERO)), "over its share: queued as is");

        CompletableFuture<StepOutcome> fromQueue = here.runner().run(new StepMessage(OTHER, queued, 0)).toFuture();
        eventually("three steps call the model", () -> model.calls.get() == 3);
        await(here.queue().enqueue(new StepMessage(OTHER, late, 0), Duration.ZERO));
        assertEquals(2, here.runner().startedHere(), "no slot free: not run here");
        assertTrue(enqueued.contains(new Enqueued(new StepMessage(OTHER, late, 0), Duration.ZERO)));
        assertInstanceOf(StepOutcome.Deferred.class, await(here.runner().run(new StepMessage(APP, third, 0))), "the queue's too");
        assertEquals(3, here.fairShare().inFlight());

        model.open();
        assertInstanceOf(StepOutcome.AwaitingInput.class, fromQueue.get());
        eventually("the steps here ended", () -> here.fairShare().inFlight() == 0);
        assertInstanceOf(StepOutcome.AwaitingInput.class, await(here.runner().run(new StepMessage(APP, third, 0))));
        assertInstanceOf(StepOutcome.AwaitingInput.class, await(here.runner().run(new StepMessage(OTHER, late, 0))));
        for (String chat : List.of(first, second, third)) {
            assertEquals(1, replies(APP, chat));
        }
        assertEquals(1, replies(OTHER, queued));
        assertEquals(1, replies(OTHER, late));
        assertEquals(5, model.calls.get());
        assertTrue(model.most.get() <= 3, "at most three steps at once: " + model.most.get());
        assertEquals(3, model.most.get());
    }
}

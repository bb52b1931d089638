package ai.mozaiks.engine;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.models.offline.OfflineModel;
import ai.mozaiks.models.offline.OfflineScript;
import ai.mozaiks.payloads.PayloadStores;
import ai.mozaiks.persistence.EmbeddedMongoFixture;
import ai.mozaiks.realtime.RecordingFeed;
import ai.mozaiks.session.ChatSessions;
import ai.mozaiks.session.ChatStatus;
import ai.mozaiks.session.EventLog;
import ai.mozaiks.session.NewChat;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.tenancy.AppService;
import ai.mozaiks.tenancy.AppStates;
import ai.mozaiks.workflows.Manifests;
import ai.mozaiks.workflows.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** The step runner asks {@link FairShare} before a step: a deferred step goes back to its queue unrun. */
class StepRunnerFairnessIT {
    private static final AppId APP = AppId.of("app-fair");
    private static final AppId BUSY = AppId.of("app-busy");

    /** The queue: what was put back, with its delay. */
    private record Enqueued(StepMessage message, Duration delay) {
    }

    private EmbeddedMongoFixture fixture;
    private EventLog log;
    private final List<Enqueued> enqueued = new ArrayList<>();
    private final StepQueue queue = (message, delay) -> Mono.fromRunnable(() -> enqueued.add(new Enqueued(message, delay)));

    @BeforeEach
    void start() {
        fixture = EmbeddedMongoFixture.start();
        log = new EventLog(fixture.appDatabases(), fixture.clock());
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    private StepRunner runner(FairShare fairShare) {
        Workflow workflow = Manifests.of("max_turns: 4\nhuman_in_the_loop: true\ninitial_message: Write about tides.\n")
                .with("handoffs.yaml", "handoff_rules:\n- {source_agent: Writer, target_agent: user, handoff_type: after_work}\n").load();
        ChatWorkflows workflows = ChatWorkflows.platform(name -> "demo".equals(name) ? Optional.of(workflow) : Optional.empty());
        EngineSettings engine = EngineSettings.defaults("gpt-4o");
        RecordingFeed feed = new RecordingFeed();
        StepExecutor executor = new StepExecutor(fixture.appDatabases(), log, feed,
                new OfflineModel(OfflineScript.parse("- agent: Writer\n  text: Tides rise and fall.\n")), ToolRegistry.of(Map.of()),
                workflows, fixture.clock(), engine, StepHooks.NONE);
        AppStates active = appId -> Mono.just(AppService.ACTIVE);
        RunQueue runs = RunQueues.roomy(fixture, queue);
        ChatInputs inputs = new ChatInputs(fixture.appDatabases(), log, feed, workflows, fixture.clock(), engine, active, runs,
                PayloadStores.developmentStorage());
        return new StepRunner(executor, queue, inputs, (appId, chatId) -> Mono.empty(), ChildWorkflows.none(), fairShare, active, runs,
                new StepRetries(StepRetries.DEFAULT_BUDGET, fixture.clock()));
    }

    private String newChat() {
        return await(new ChatSessions(fixture.appDatabases(), fixture.clock())
                .start(APP, new NewChat("user-1", "demo", null, ChatStatus.RUNNING))).chat().chatId();
    }

    @Test
    void aStepOverTheShareIsPutBackWithItsDelayAndNotRun() {
        FairShare fairShare = new FairShare(1, 1, fixture.clock());
        assertInstanceOf(FairShare.Admitted.class, fairShare.admit(new StepMessage(BUSY, "chat-busy", 0)));
        String chatId = newChat();
        StepMessage step = new StepMessage(APP, chatId, 0);

        StepOutcome.Deferred outcome = assertInstanceOf(StepOutcome.Deferred.class, await(runner(fairShare).run(step)));

        assertEquals(List.of(new Enqueued(step, outcome.after())), enqueued);
        assertTrue(outcome.after().compareTo(Duration.ofMillis(800)) >= 0, "about a second: " + outcome);
        assertEquals(List.of(), await(log.read(APP, chatId, 0, 500)).events(), "the step did not run");
    }

    @Test
    void anAdmittedStepHoldsItsSlotUntilItEnds() {
        FairShare fairShare = new FairShare(24, 24, fixture.clock());
        String chatId = newChat();

        StepOutcome outcome = await(runner(fairShare).run(new StepMessage(APP, chatId, 0)));

        assertInstanceOf(StepOutcome.AwaitingInput.class, outcome);
        assertEquals(0, fairShare.inFlight(), "the slot is free again");
        assertEquals(0, fairShare.deferrals());
    }
}

package ai.mozaiks.engine;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static com.mongodb.client.model.Filters.eq;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.kernel.AppId;
import ai.mozaiks.persistence.EmbeddedMongoFixture;
import ai.mozaiks.session.ChatSessions;
import ai.mozaiks.session.ChatStatus;
import ai.mozaiks.session.NewChat;
import ai.mozaiks.tenancy.AppLimits;
import ai.mozaiks.tenancy.RunSlots;
import ai.mozaiks.tenancy.Tiers;
import com.mongodb.client.model.Updates;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/** Promotion of queued chats: oldest first, a user at its limit passed over, never past a limit however many promote at once. */
class RunQueueIT {
    private static final AppId APP = AppId.of("app-runs");

    private EmbeddedMongoFixture fixture;
    private final RecordingStepQueue queue = new RecordingStepQueue();
    private RunSlots slots;
    private RunQueue runs;

    @BeforeEach
    void start() {
        fixture = EmbeddedMongoFixture.start();
        slots = new RunSlots(fixture.rawDatabase(EmbeddedMongoFixture.CONTROL_DB).getCollection(RunSlots.COLLECTION), fixture.clock());
        // 2 runs per app, 1 per user.
        AppLimits limits = AppLimits.of(new Document("limits", new Document("concurrent_runs_per_app", 2).append("concurrent_runs_per_user", 1)),
                Tiers.load().get("pro"));
        runs = new RunQueue(fixture.appDatabases(), slots, appId -> reactor.core.publisher.Mono.just(limits), queue, fixture.clock());
    }

    @AfterEach
    void stop() {
        assertEquals(List.of(), fixture.guard().violations(), "every runtime query carried app_id");
        fixture.close();
    }

    /** A chat queued for a slot now (a second later than the one before). */
    private String queued(String user) {
        fixture.clock().advance(Duration.ofSeconds(1));
        return await(new ChatSessions(fixture.appDatabases(), fixture.clock())
                .start(APP, new NewChat(user, "demo", null, ChatStatus.QUEUED))).chat().chatId();
    }

    private String status(String chatId) {
        return await(fixture.rawDatabase(EmbeddedMongoFixture.SHARED_RUNTIME_DB).getCollection("chat_sessions")
                .find(eq("chat_id", chatId)).first()).getString("status");
    }

    /** What a step that makes the chat wait for its user commits (the executor writes it through ChatStore). */
    private void waits(String chatId) {
        await(fixture.rawDatabase(EmbeddedMongoFixture.SHARED_RUNTIME_DB).getCollection("chat_sessions")
                .updateOne(eq("chat_id", chatId), Updates.set("status", ChatStatus.AWAITING_INPUT.wire())));
    }

    private Set<String> stepsQueued() {
        return queue.messages.stream().map(StepMessage::chatId).collect(Collectors.toSet());
    }

    @Test
    void oneUsersLongBacklogDoesNotKeepAnotherUsersChatWaitingWhileSlotsAreFree() {
        List<String> backlog = new java.util.ArrayList<>();
        for (int i = 0; i < RunQueue.PROMOTE_BATCH + 10; i++) {
            backlog.add(queued("ana"));
        }
        String bob1 = queued("bob");

        assertEquals(2, await(runs.promote(APP)));

        assertEquals("running", status(backlog.get(0)), "ana's oldest takes her one slot");
        assertEquals("running", status(bob1), "bob's chat, queued behind more than a batch of ana's, takes the app's other slot");
        assertEquals("queued", status(backlog.get(1)));
        assertEquals(Set.of(backlog.get(0), bob1), stepsQueued());
    }

    @Test
    void queuedChatsRunOldestFirstAndAUserAtItsLimitIsPassedOverForTheNextUsers() {
        String ana1 = queued("ana");
        String ana2 = queued("ana");
        String bob1 = queued("bob");
        String cy1 = queued("cy");

        // As the platform queues chats (a journey's next ones): the app is marked, and promotion tried at once.
        await(runs.queued(APP));

        assertEquals(List.of("running", "queued", "running", "queued"), List.of(status(ana1), status(ana2), status(bob1), status(cy1)),
                "ana's second chat waits for ana's slot; bob's takes the app's second; cy's waits for the app");
        assertEquals(List.of(new StepMessage(APP, ana1, 0), new StepMessage(APP, bob1, 0)), queue.messages);
        assertEquals(0, await(runs.promote(APP)), "a repeat changes nothing");
        assertEquals(2, queue.messages.size());

        waits(ana1);
        await(runs.waiting(APP, ana1));

        assertEquals("running", status(ana2), "the oldest queued chat whose user has room runs next");
        assertEquals("queued", status(cy1));
        assertEquals(2L, await(slots.held(APP)));
        assertEquals(0L, await(slots.held(APP, "cy")));

        // Once no chat is queued, a release promotes nothing (and reads no queued chats): the mark is gone.
        waits(bob1);
        await(runs.ended(APP, bob1));
        assertEquals("running", status(cy1));
        fixture.clock().advance(Duration.ofSeconds(1));
        await(runs.promote(APP));
        assertEquals(new RunSlots.GiveBack(true, false), await(slots.giveBack(APP, ana2)));
    }

    @Test
    void promotionsRunningAtOnceNeverExceedALimitAndStartEachChatOnce() {
        List<String> chats = new ArrayList<>();
        IntStream.range(0, 12).forEach(i -> chats.add(queued("user-" + (i % 4))));

        List<Integer> promoted = Flux.range(0, 8).parallel(8).runOn(Schedulers.parallel())
                .flatMap(i -> runs.promote(APP)).sequential().collectList().block(Duration.ofSeconds(30));

        assertEquals(2, promoted.stream().mapToInt(Integer::intValue).sum(), "two slots, two chats went running");
        assertEquals(2, queue.messages.size(), "each promoted chat's step was queued once");
        assertEquals(2L, await(slots.held(APP)));
        assertEquals(Set.copyOf(chats.subList(0, 2)), stepsQueued(), "the two oldest (of two different users)");

        // Every run ends in turn; each end hands its slot on, concurrently with repeated promotions.
        int rounds = 0;
        while (queue.messages.size() < chats.size()) {
            assertTrue(rounds++ < chats.size(), "runaway");
            List<String> running = chats.stream().filter(chatId -> "running".equals(status(chatId))).toList();
            assertTrue(running.size() <= 2, "never more runs than the app's limit: " + running);
            running.forEach(this::waits);
            Flux.fromIterable(running).parallel(4).runOn(Schedulers.parallel())
                    .flatMap(chatId -> runs.ended(APP, chatId).then(runs.promote(APP))).sequential().blockLast(Duration.ofSeconds(30));
            assertTrue(await(slots.held(APP)) <= 2);
        }
        assertEquals(chats.size(), queue.messages.size(), "every chat ran, once");
        assertEquals(Set.copyOf(chats), stepsQueued());
    }

    @Test
    void aSlotHeldByAChatThatDoesNotRunIsGivenBackOnlyAfterTheGrace() {
        String waiting = queued("ana");
        AppLimits limits = AppLimits.of(new Document(), Tiers.load().get("pro"));
        assertTrue(await(slots.take(APP, "ana", waiting, limits)), "a crash right after the take: the chat never moved");
        assertTrue(await(slots.take(APP, "bob", "gone-chat", limits)), "a slot of a chat that does not exist");

        assertEquals(Set.of(), await(runs.reconcile(APP, fixture.clock().instant().minusSeconds(60))));
        fixture.clock().advance(Duration.ofMinutes(5));
        assertEquals(Set.of(waiting, "gone-chat"), await(runs.reconcile(APP, fixture.clock().instant().minusSeconds(60))));
        assertEquals(0L, await(slots.held(APP)));
        assertEquals(0L, await(slots.held(APP, "ana")));
    }

    @Test
    void aRunningChatHoldingNoSlotIsGivenOneAsFarAsTheLimitsAllow() {
        String first = queued("ana");
        String second = queued("ana");
        String third = queued("bob");
        List.of(first, second, third).forEach(chatId -> await(fixture.rawDatabase(EmbeddedMongoFixture.SHARED_RUNTIME_DB)
                .getCollection("chat_sessions").updateOne(eq("chat_id", chatId), Updates.set("status", "running"))));

        assertEquals(2, await(runs.adopt(APP, 100)), "ana's first and bob's; ana's second is past her limit");
        assertEquals(1L, await(slots.held(APP, "ana")));
        assertEquals(2L, await(slots.held(APP)));
        assertEquals(0, await(runs.adopt(APP, 100)), "a repeat takes nothing more");
    }
}

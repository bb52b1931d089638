package ai.mozaiks.journeys;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static ai.mozaiks.persistence.EmbeddedMongoFixture.awaitAll;
import static com.mongodb.client.model.Filters.eq;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.engine.RecordingStepQueue;
import ai.mozaiks.engine.RunQueue;
import ai.mozaiks.engine.StepMessage;
import ai.mozaiks.http.Json;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.persistence.EmbeddedMongoFixture;
import ai.mozaiks.realtime.RecordingFeed;
import ai.mozaiks.session.ChatSessions;
import ai.mozaiks.session.ChatStatus;
import ai.mozaiks.session.EventLog;
import ai.mozaiks.session.JourneyTag;
import ai.mozaiks.session.NewChat;
import ai.mozaiks.tenancy.AppLimits;
import ai.mozaiks.tenancy.RunSlots;
import ai.mozaiks.tenancy.Tiers;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoCollection;
import java.util.List;
import java.util.Set;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** A journey's next chat starts like any other step start: it takes a run slot in turn, or waits queued for one. */
class JourneysIT {
    private static final AppId APP = AppId.of("app-journeys");
    private static final String USER = "ann";

    private EmbeddedMongoFixture fixture;
    private final RecordingStepQueue queue = new RecordingStepQueue();
    private RunSlots slots;
    private RunQueue runs;
    private ChatSessions sessions;
    private Journeys journeys;

    @BeforeEach
    void start() {
        fixture = EmbeddedMongoFixture.start();
        slots = new RunSlots(fixture.rawDatabase(EmbeddedMongoFixture.CONTROL_DB).getCollection(RunSlots.COLLECTION), fixture.clock());
        AppLimits oneEach = AppLimits.of(new Document("limits", new Document("concurrent_runs_per_user", 1)), Tiers.load().get("pro"));
        runs = new RunQueue(fixture.appDatabases(), slots, appId -> Mono.just(oneEach), queue, fixture.clock());
        sessions = new ChatSessions(fixture.appDatabases(), fixture.clock());
        PackGraph graph = PackGraph.parse(Json.read("{\"journeys\": [{\"id\": \"onboard\", \"steps\": [\"Intro\", \"Setup\"]}]}"),
                Set.of("Intro", "Setup"));
        journeys = new Journeys(graph, fixture.appDatabases(), sessions, new EventLog(fixture.appDatabases(), fixture.clock()),
                new RecordingFeed(), runs);
    }

    @AfterEach
    void stop() {
        assertEquals(List.of(), fixture.guard().violations(), "every runtime query carried app_id");
        fixture.close();
    }

    private MongoCollection<Document> chats() {
        return fixture.rawDatabase(EmbeddedMongoFixture.SHARED_RUNTIME_DB).getCollection("chat_sessions");
    }

    private String chat(String workflow, JourneyTag tag) {
        return await(sessions.start(APP, new NewChat(USER, workflow, null, ChatStatus.RUNNING, tag))).chat().chatId();
    }

    /** What a step commits (through ChatStore in the executor). */
    private void commit(String chatId, ChatStatus status) {
        await(chats().updateOne(eq("chat_id", chatId), Updates.set("status", status.wire())));
    }

    @Test
    void theNextStepsChatWaitsQueuedWhileItsUsersSlotIsHeldAndRunsWhenItFrees() {
        String intro = chat("Intro", new JourneyTag("onboard", "journey_1", 0));
        String other = chat("Intro", null);
        AppLimits limits = AppLimits.of(new Document(), Tiers.load().get("pro"));
        assertTrue(await(slots.take(APP, USER, other, limits)), "another run of the user holds its only slot");
        commit(intro, ChatStatus.COMPLETED);

        await(journeys.completed(APP, intro));
        await(journeys.completed(APP, intro));

        List<Document> setup = awaitAll(chats().find(eq("workflow_name", "Setup")));
        assertEquals(1, setup.size(), "a repeat starts nothing twice");
        String next = setup.get(0).getString("chat_id");
        assertEquals("queued", setup.get(0).getString("status"));
        assertTrue(queue.messages.isEmpty(), "a queued chat has no step");
        assertEquals(1L, await(slots.held(APP, USER)));

        commit(other, ChatStatus.AWAITING_INPUT);
        await(runs.waiting(APP, other));

        assertEquals("running", await(chats().find(eq("chat_id", next)).first()).getString("status"));
        assertEquals(List.of(new StepMessage(APP, next, 0)), queue.messages);
        assertEquals(1L, await(slots.held(APP, USER)));
    }

    @Test
    void aStepThatEndedByItsTurnsDoesNotMoveTheJourneyOn() {
        String intro = chat("Intro", new JourneyTag("onboard", "journey_1", 0));
        commit(intro, ChatStatus.MAX_TURNS_REACHED);

        await(journeys.completed(APP, intro));

        assertEquals(List.of(), awaitAll(chats().find(eq("workflow_name", "Setup"))), "only a completion moves a journey on");
        assertTrue(queue.messages.isEmpty());
    }
}

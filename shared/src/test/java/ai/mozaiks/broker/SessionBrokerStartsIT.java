package ai.mozaiks.broker;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.config.RealtimeSettings;
import ai.mozaiks.engine.RecordingStepQueue;
import ai.mozaiks.engine.RunQueues;
import ai.mozaiks.identity.Principal;
import ai.mozaiks.journeys.Journeys;
import ai.mozaiks.journeys.PackGraph;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.persistence.EmbeddedMongoFixture;
import ai.mozaiks.realtime.ClientAccess;
import ai.mozaiks.realtime.RecordingFeed;
import ai.mozaiks.session.ChatSessions;
import ai.mozaiks.session.EventLog;
import ai.mozaiks.tenancy.AppUsage;
import ai.mozaiks.tenancy.ControlCollections;
import ai.mozaiks.tenancy.Entitlements;
import ai.mozaiks.tenancy.RateWindows;
import ai.mozaiks.tenancy.RunSlots;
import ai.mozaiks.tenancy.StartLimits;
import ai.mozaiks.tenancy.TenantAccess;
import ai.mozaiks.tenancy.Tiers;
import ai.mozaiks.tenancy.WorkflowEntry;
import com.mongodb.reactivestreams.client.MongoDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Session starts against the limits taken as data, with the real broker over the real driver: bursts within and
 * beyond a run limit, retries, refusals that create nothing, open chats and start rates. Steps are only recorded, never
 * run, so every admitted run holds its slot for the whole test.
 */
class SessionBrokerStartsIT {
    private static final String APP = "app-starts";
    private static final String KEY = "dGVzdC1ydW50aW1lLXRva2VuLWtleS0zMi1ieXRlcyEh";

    private EmbeddedMongoFixture fixture;
    private MongoDatabase control;
    private RunSlots slots;
    private RecordingStepQueue queue;
    private SessionBroker broker;

    @BeforeEach
    void start() {
        fixture = EmbeddedMongoFixture.start();
        control = fixture.rawDatabase(EmbeddedMongoFixture.CONTROL_DB);
        slots = new RunSlots(control.getCollection(RunSlots.COLLECTION), fixture.clock());
        queue = new RecordingStepQueue();
        AppUsage usage = new AppUsage(fixture.appDatabases(), fixture.router(), slots,
                new ai.mozaiks.tenancy.MonthlyTokens(fixture.appDatabases(), fixture.clock()));
        Entitlements entitlements = new Entitlements(new TenantAccess(new ControlCollections(control)), Tiers.load(),
                (appId, packs) -> Mono.just(List.of(WorkflowEntry.platform("assistant", "assistant", true))),
                usage, fixture.clock());
        ChatSessions sessions = new ChatSessions(fixture.appDatabases(), fixture.clock());
        EventLog events = new EventLog(fixture.appDatabases(), fixture.clock());
        RealtimeSettings realtime = new RealtimeSettings("Endpoint=http://127.0.0.1:1;AccessKey=" + KEY + ";Version=1.0;", null, "chat",
                java.util.Base64.getDecoder().decode(KEY), Duration.ofMinutes(5), List.of());
        broker = new SessionBroker(control.getCollection("apps"), entitlements,
                new StartLimits(new RateWindows(control.getCollection(RateWindows.COLLECTION), fixture.clock()), slots, usage),
                new Journeys(PackGraph.empty(), fixture.appDatabases(), sessions, events, new RecordingFeed(),
                        RunQueues.roomy(fixture, slots, queue)),
                sessions, new RuntimeTokens(java.util.Base64.getDecoder().decode(KEY), Duration.ofMinutes(5), fixture.clock()),
                new ClientAccess(realtime, null), queue, Duration.ofMinutes(5));
    }

    @AfterEach
    void stop() {
        assertEquals(List.of(), fixture.guard().violations(), "every runtime query carried app_id");
        fixture.close();
    }

    /** An enterprise app any of {@code users} may use, with operations' {@code limits} (none when empty). */
    private void app(Document limits, int users) {
        List<String> listed = IntStream.range(0, users).mapToObj(SessionBrokerStartsIT::userId).toList();
        Document app = new Document("_id", APP).append("tenant_id", "tenant-starts").append("tier", "enterprise").append("status", "active")
                .append("access_policy", new Document("mode", "listed").append("users", listed));
        if (!limits.isEmpty()) {
            app.append("limits", limits);
        }
        await(Mono.from(control.getCollection("apps").insertOne(app)));
    }

    private static String userId(int index) {
        return "user-" + index;
    }

    private static Principal user(int index) {
        return new Principal(userId(index), "https://idp.example", userId(index) + "@example.com", null, Set.of(), false, null);
    }

    private Mono<SessionGrant> start(int user, String clientRequestId) {
        return broker.start(user(user), new SessionRequests.StartSession(APP, "assistant", null, clientRequestId));
    }

    /** Every start at once; each outcome: "admitted" or the refusal's status and code. */
    private Map<String, Integer> burst(int count, java.util.function.IntFunction<Mono<SessionGrant>> start) {
        List<String> outcomes = Flux.range(0, count)
                .flatMap(i -> start.apply(i).subscribeOn(Schedulers.parallel()).map(grant -> "admitted")
                        .onErrorResume(ApiException.class, refused -> Mono.just(refused.problem().status() + " " + refused.problem().code())),
                        count)
                .collectList().block(Duration.ofSeconds(60));
        Map<String, Integer> counts = new TreeMap<>();
        outcomes.forEach(outcome -> counts.merge(outcome, 1, Integer::sum));
        return counts;
    }

    private long chats() {
        return await(Mono.from(fixture.rawDatabase(EmbeddedMongoFixture.SHARED_RUNTIME_DB).getCollection("chat_sessions")
                .countDocuments(new Document("app_id", APP))));
    }

    @Test
    void aBurstWithinTheLimitIsAllAdmitted() {
        app(new Document(), 100);

        assertEquals(Map.of("admitted", 100), burst(100, i -> start(i, null)));
        assertEquals(100, chats());
        assertEquals(100L, await(slots.held(AppId.of(APP))));
        assertEquals(100, queue.messages.size(), "each admitted run's first step is queued");
    }

    @Test
    void aBurstBeyondALimitOfTenAdmitsExactlyTenAndCreatesNothingElse() {
        app(new Document("concurrent_runs_per_app", 10), 100);

        assertEquals(Map.of("admitted", 10, "429 run_limit_reached", 90), burst(100, i -> start(i, null)));
        assertEquals(10, chats(), "a refused start creates no chat");
        assertEquals(10L, await(slots.held(AppId.of(APP))));
        assertEquals(10, queue.messages.size());
        ApiException refused = assertThrows(ApiException.class, () -> await(start(50, null)));
        assertEquals("10", refused.headers().get("Retry-After"));
        assertTrue(refused.problem().detail().contains("concurrent_runs_per_app") && refused.problem().detail().contains("this app allows"),
                refused.problem().detail());
    }

    @Test
    void aRetriedStartTakesOneSlot() {
        app(new Document("concurrent_runs_per_user", 2), 1);
        // Retries racing each other, then one after the first answered.
        Map<String, Integer> outcomes = burst(5, i -> start(0, "tab-1"));
        assertEquals(5, outcomes.get("admitted"));
        SessionGrant again = await(start(0, "tab-1"));
        assertEquals("resumed", again.status());

        assertEquals(1, chats());
        assertEquals(1L, await(slots.held(AppId.of(APP), userId(0))));
        assertEquals(1L, await(slots.held(AppId.of(APP))));
    }

    @Test
    void theUsersRunLimitRefusesByNameAndCreatesNothing() {
        app(new Document(), 1);
        await(start(0, null));
        // The enterprise tier allows one user 20 runs at once.
        for (int i = 1; i < 20; i++) {
            await(start(0, null));
        }
        ApiException refused = assertThrows(ApiException.class, () -> await(start(0, "tab-21")));
        assertEquals(429, refused.problem().status());
        assertEquals("run_limit_reached", refused.problem().code());
        assertTrue(refused.problem().detail().contains("concurrent_runs_per_user") && refused.problem().detail().contains("its tier allows"),
                refused.problem().detail());
        assertNotNull(refused.headers().get("Retry-After"));
        assertEquals(20, chats());
        assertEquals(20L, await(slots.held(AppId.of(APP), userId(0))));
    }

    @Test
    void aUsersOpenChatsAreBoundedAtStart() {
        app(new Document("open_chats_per_user", 2), 1);
        await(start(0, null));
        await(start(0, null));

        ApiException refused = assertThrows(ApiException.class, () -> await(start(0, null)));
        assertEquals(409, refused.problem().status());
        assertEquals("open_chats_limit_reached", refused.problem().code());
        assertTrue(refused.problem().detail().contains("open_chats_per_user"), refused.problem().detail());
        assertEquals(2, chats());
        assertEquals(2L, await(slots.held(AppId.of(APP))), "the refused start took no slot");

        // A finished chat is no longer open.
        await(Mono.from(fixture.rawDatabase(EmbeddedMongoFixture.SHARED_RUNTIME_DB).getCollection("chat_sessions")
                .updateOne(new Document("app_id", APP).append("user_id", userId(0)), new Document("$set", new Document("status", "completed")))));
        await(start(0, null));
        assertEquals(3, chats());
    }

    @Test
    void startsAreRateLimitedPerUserAndPerAppUntilTheMinuteEnds() {
        app(new Document("starts_per_user_per_minute", 3).append("starts_per_app_per_minute", 5), 3);
        for (int i = 0; i < 3; i++) {
            await(start(0, null));
        }
        ApiException user = assertThrows(ApiException.class, () -> await(start(0, null)));
        assertEquals(429, user.problem().status());
        assertEquals("rate_limited", user.problem().code());
        assertTrue(user.problem().detail().contains("starts_per_user_per_minute"), user.problem().detail());
        assertEquals("60", user.headers().get("Retry-After"), "the window ends a minute after the fixture's clock starts");

        await(start(1, null));
        await(start(1, null));
        ApiException app = assertThrows(ApiException.class, () -> await(start(2, null)));
        assertTrue(app.problem().detail().contains("starts_per_app_per_minute"), app.problem().detail());
        assertEquals(5, chats(), "refused starts create nothing");

        fixture.clock().advance(Duration.ofMinutes(1));
        await(start(2, null));
        assertEquals(6, chats());
    }

    @Test
    void aRetryIsNotCountedAgainstTheRates() {
        app(new Document("starts_per_user_per_minute", 1), 1);
        String first = await(start(0, "tab-1")).chatId();
        for (int i = 0; i < 3; i++) {
            assertEquals(first, await(start(0, "tab-1")).chatId());
        }
        assertEquals("rate_limited", assertThrows(ApiException.class, () -> await(start(0, "tab-2"))).problem().code());
    }
}

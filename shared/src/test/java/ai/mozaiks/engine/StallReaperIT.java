package ai.mozaiks.engine;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static com.mongodb.client.model.Filters.eq;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.mozaiks.persistence.EmbeddedMongoFixture;
import ai.mozaiks.realtime.RecordingFeed;
import ai.mozaiks.session.ChatSessions;
import ai.mozaiks.session.EventLog;
import ai.mozaiks.tenancy.CachedAppStates;
import ai.mozaiks.tenancy.RunSlots;
import ai.mozaiks.tenancy.Tiers;
import ai.mozaiks.session.ChatStatus;
import ai.mozaiks.session.NewChat;
import ai.mozaiks.kernel.AppId;
import com.mongodb.client.model.Updates;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StallReaperIT {
    private static final AppId LIVE = AppId.of("app-live");
    private static final AppId GONE = AppId.of("app-gone");
    private static final AppId SUSPENDED = AppId.of("app-suspended");
    /** A free-tier app: its limits are known, so the sweep's upkeep (idle close among it) applies to it. */
    private static final AppId TIERED = AppId.of("app-tiered");
    private static final Duration STALLED_AFTER = Duration.ofMinutes(5);

    private EmbeddedMongoFixture fixture;
    private final RecordingStepQueue queue = new RecordingStepQueue();
    private StallReaper reaper;

    @BeforeEach
    void start() {
        fixture = EmbeddedMongoFixture.start();
        var apps = fixture.rawDatabase(EmbeddedMongoFixture.CONTROL_DB).getCollection("apps");
        await(apps.insertMany(List.of(new Document("_id", LIVE.value()).append("status", "active"),
                new Document("_id", GONE.value()).append("status", "deleted"),
                new Document("_id", SUSPENDED.value()).append("status", "suspended"),
                new Document("_id", TIERED.value()).append("status", "active").append("tier", "free"))));
        // The first three apps have no tier: their limits are unknown, so the sweep touches no slot and closes no chat of theirs.
        CachedAppStates states = new CachedAppStates(apps, CachedAppStates.TTL, fixture.clock());
        RunQueue runs = new RunQueue(fixture.appDatabases(),
                new RunSlots(fixture.rawDatabase(EmbeddedMongoFixture.CONTROL_DB).getCollection(RunSlots.COLLECTION), fixture.clock()),
                appId -> states.limits(appId, Tiers.load()), queue, fixture.clock());
        reaper = new StallReaper(apps, fixture.appDatabases(), queue, STALLED_AFTER, fixture.clock(), runs,
                new IdleChats(fixture.appDatabases(), new EventLog(fixture.appDatabases(), fixture.clock()), new RecordingFeed(), fixture.clock()),
                StallReaper.UPKEEP_EVERY);
    }

    @AfterEach
    void stop() {
        assertEquals(List.of(), fixture.guard().violations(), "every runtime query carried app_id");
        fixture.close();
    }

    private String chat(AppId app, ChatStatus status, long stepSeq, Date leaseUntil) {
        String chatId = await(new ChatSessions(fixture.appDatabases(), fixture.clock())
                .start(app, new NewChat("user-1", "demo", null, ChatStatus.RUNNING))).chat().chatId();
        var update = Updates.combine(Updates.set("step_seq", stepSeq), Updates.set("status", status.wire()),
                leaseUntil == null ? Updates.unset("lease_until") : Updates.set("lease_until", leaseUntil));
        await(fixture.rawDatabase(EmbeddedMongoFixture.SHARED_RUNTIME_DB).getCollection("chat_sessions")
                .updateOne(eq("chat_id", chatId), update));
        return chatId;
    }

    @Test
    void onlyRunningChatsOfLiveAppsUnchangedForLongAndWithoutALiveLeaseGetTheirStepAgain() {
        String lost = chat(LIVE, ChatStatus.RUNNING, 7, null);
        String expiredLease = chat(LIVE, ChatStatus.RUNNING, 3, Date.from(EmbeddedMongoFixture.START.plusSeconds(60)));
        chat(LIVE, ChatStatus.AWAITING_INPUT, 2, null);
        chat(LIVE, ChatStatus.COMPLETED, 9, null);
        chat(GONE, ChatStatus.RUNNING, 1, null);
        chat(SUSPENDED, ChatStatus.RUNNING, 6, null);
        fixture.clock().advance(STALLED_AFTER.plusMinutes(1));
        String working = chat(LIVE, ChatStatus.RUNNING, 4, null); // changed just now
        String leased = chat(LIVE, ChatStatus.RUNNING, 5, Date.from(fixture.clock().instant().plusSeconds(60)));
        fixture.clock().advance(Duration.ofSeconds(30));
        List<String> log = new ArrayList<>();

        int requeued = await(reaper.sweep((app, chatId, step) -> log.add(app.value() + "/" + chatId + "@" + step)));

        assertEquals(2, requeued);
        assertEquals(List.of(new StepMessage(LIVE, lost, 7), new StepMessage(LIVE, expiredLease, 3)), queue.messages);
        assertEquals(List.of(LIVE.value() + "/" + lost + "@7", LIVE.value() + "/" + expiredLease + "@3"), log);
        assertEquals(0, List.of(working, leased).stream().filter(id -> queue.messages.stream().anyMatch(m -> m.chatId().equals(id))).count());

        // A second sweep asks again (a duplicate step message is harmless) and touches nothing else.
        assertEquals(2, await(reaper.sweep((app, chatId, step) -> { })));
        assertEquals(4, queue.messages.size());
    }

    @Test
    void aLeaseThatEndedOnlyJustNowIsLeftForTheMessageThatWillClaimIt() {
        fixture.clock().advance(STALLED_AFTER.plusMinutes(1));
        Instant now = fixture.clock().instant();
        // A step held for its retry: its lease ends a second before the retry, when its message becomes visible.
        String heldForRetry = chat(LIVE, ChatStatus.RUNNING, 3, Date.from(now.minusSeconds(2)));
        setUpdatedAt(heldForRetry, now.minus(STALLED_AFTER.multipliedBy(2)));
        String dead = chat(LIVE, ChatStatus.RUNNING, 4, Date.from(now.minus(StallReaper.PICK_UP).minusSeconds(1)));
        setUpdatedAt(dead, now.minus(STALLED_AFTER.multipliedBy(2)));

        assertEquals(1, await(reaper.sweep((app, chatId, step) -> { })));
        assertEquals(List.of(new StepMessage(LIVE, dead, 4)), queue.messages);
    }

    @Test
    void theSlotsUpkeepRunsAtMostOncePerItsIntervalWhileStalledChatsAreSweptEveryTime() {
        String firstIdle = chat(TIERED, ChatStatus.AWAITING_INPUT, 1, null);
        fixture.clock().advance(Duration.ofHours(25)); // past the free tier's idle_close_hours
        List<String> closed = new ArrayList<>();
        StallReaper.Progress progress = new StallReaper.Progress() {
            @Override
            public void requeued(AppId appId, String chatId, long stepSeq) {
            }

            @Override
            public void closed(AppId appId, String chatId) {
                closed.add(chatId);
            }
        };
        await(reaper.sweep(progress));
        assertEquals(List.of(firstIdle), closed);

        String secondIdle = chat(TIERED, ChatStatus.AWAITING_INPUT, 1, null);
        setUpdatedAt(secondIdle, fixture.clock().instant().minus(Duration.ofHours(30)));
        String stalled = chat(TIERED, ChatStatus.RUNNING, 2, null);
        setUpdatedAt(stalled, fixture.clock().instant().minus(STALLED_AFTER.multipliedBy(2)));
        fixture.clock().advance(Duration.ofSeconds(15));
        await(reaper.sweep(progress));
        assertEquals(List.of(firstIdle), closed, "15 s after the last upkeep: no upkeep");
        assertEquals(List.of(new StepMessage(TIERED, stalled, 2)), queue.messages, "stalled chats are swept every time");

        fixture.clock().advance(StallReaper.UPKEEP_EVERY);
        await(reaper.sweep(progress));
        assertEquals(List.of(firstIdle, secondIdle), closed, "the interval passed: upkeep ran");
        assertEquals(2, queue.messages.size());
    }

    private void setUpdatedAt(String chatId, java.time.Instant at) {
        await(fixture.rawDatabase(EmbeddedMongoFixture.SHARED_RUNTIME_DB).getCollection("chat_sessions")
                .updateOne(eq("chat_id", chatId), Updates.set("updated_at", Date.from(at))));
    }
}

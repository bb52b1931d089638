package ai.mozaiks.tenancy;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.kernel.AppId;
import ai.mozaiks.persistence.EmbeddedMongoFixture;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RunSlotsIT {
    private static final AppId APP = AppId.of("app-slots");

    private EmbeddedMongoFixture fixture;
    private RunSlots slots;

    @BeforeEach
    void start() {
        fixture = EmbeddedMongoFixture.start();
        slots = new RunSlots(fixture.rawDatabase(EmbeddedMongoFixture.CONTROL_DB).getCollection(RunSlots.COLLECTION), fixture.clock());
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    private static AppLimits limits(int perApp, int perUser) {
        return new AppLimits(perApp, perUser, 0, 1_000, 10, 10, 10, Duration.ofHours(1), true);
    }

    @Test
    void aBurstBeyondTheAppsLimitAdmitsExactlyTheLimit() {
        List<CompletableFuture<Boolean>> takes = IntStream.range(0, 100)
                .mapToObj(i -> slots.take(APP, "user-" + i, "chat-" + i, limits(10, 5)).toFuture()).toList();
        long admitted = takes.stream().map(CompletableFuture::join).filter(Boolean::booleanValue).count();

        assertEquals(10, admitted);
        assertEquals(10L, await(slots.held(APP)));
        assertEquals(10, await(slots.holders(APP).collectList()).size());
        // The users whose app slot was refused hold nothing either.
        long usersHolding = IntStream.range(0, 100).filter(i -> await(slots.held(APP, "user-" + i)) > 0).count();
        assertEquals(10, usersHolding);
    }

    @Test
    void aBurstWithinTheLimitIsAllAdmitted() {
        List<CompletableFuture<Boolean>> takes = IntStream.range(0, 100)
                .mapToObj(i -> slots.take(APP, "user-" + (i % 7), "chat-" + i, limits(100, 100)).toFuture()).toList();

        assertTrue(takes.stream().map(CompletableFuture::join).allMatch(Boolean::booleanValue));
        assertEquals(100L, await(slots.held(APP)));
    }

    @Test
    void theUsersLimitHoldsWithinTheAppsAndRefusesWithoutTakingTheAppsSlot() {
        assertTrue(await(slots.take(APP, "ann", "chat-1", limits(10, 1))));
        assertFalse(await(slots.take(APP, "ann", "chat-2", limits(10, 1))));
        assertTrue(await(slots.take(APP, "bob", "chat-3", limits(10, 1))));

        assertEquals(2L, await(slots.held(APP)));
        assertEquals(1L, await(slots.held(APP, "ann")));
    }

    @Test
    void takingAndReleasingAreIdempotent() {
        assertTrue(await(slots.take(APP, "ann", "chat-1", limits(1, 1))));
        assertTrue(await(slots.take(APP, "ann", "chat-1", limits(1, 1))), "a retried take finds its slot");
        assertEquals(1L, await(slots.held(APP)));

        await(slots.release(APP, "ann", "chat-1"));
        await(slots.release(APP, "ann", "chat-1"));
        assertEquals(0L, await(slots.held(APP)));
        assertEquals(0L, await(slots.held(APP, "ann")));
        assertTrue(await(slots.take(APP, "ann", "chat-2", limits(1, 1))));
    }

    @Test
    void aLimitOfZeroAdmitsNothingAndForgetRemovesTheAppsSlots() {
        assertFalse(await(slots.take(APP, "ann", "chat-1", limits(0, 1))));
        assertEquals(0L, await(slots.held(APP, "ann")));

        assertTrue(await(slots.take(APP, "ann", "chat-2", limits(5, 5))));
        AppId other = AppId.of("app-other");
        assertTrue(await(slots.take(other, "ann", "chat-9", limits(5, 5))));
        await(slots.forget(APP));
        assertEquals(0L, await(slots.held(APP)));
        assertEquals(Set.of("chat-9"), await(slots.holders(other).collectList()).stream().map(RunSlots.Holder::chatId)
                .collect(Collectors.toSet()));
        assertEquals(1L, await(slots.held(other, "ann")));
        Document raw = await(reactor.core.publisher.Mono.from(fixture.rawDatabase(EmbeddedMongoFixture.CONTROL_DB)
                .getCollection(RunSlots.COLLECTION).find(com.mongodb.client.model.Filters.eq("_id", "user:app-other:ann")).first()));
        assertEquals("app-other", raw.getString("app_id"));
    }

    @Test
    void aRefusedClaimNamesTheLimitThatIsFull() {
        assertEquals(RunSlots.Taken.TAKEN, await(slots.claim(APP, "ann", "chat-1", limits(2, 1))));
        assertEquals(RunSlots.Taken.USER_FULL, await(slots.claim(APP, "ann", "chat-2", limits(2, 1))));
        assertEquals(RunSlots.Taken.TAKEN, await(slots.claim(APP, "bob", "chat-3", limits(2, 1))));
        assertEquals(RunSlots.Taken.APP_FULL, await(slots.claim(APP, "carol", "chat-4", limits(2, 1))));
        // Refused by the app, carol holds nothing of her own either.
        assertEquals(0L, await(slots.held(APP, "carol")));
        assertEquals(RunSlots.Taken.TAKEN, await(slots.claim(APP, "ann", "chat-1", limits(2, 1))), "a repeat holds what it held");
    }

    @Test
    void childPlacesAreCountedApartFromRunSlotsAndTakenOncePerChild() {
        List<CompletableFuture<Boolean>> takes = IntStream.range(0, 20)
                .mapToObj(i -> slots.takeChildPlace(APP, "run-1:" + (i % 5), 3).toFuture()).toList();
        Set<Boolean> answers = takes.stream().map(CompletableFuture::join).collect(Collectors.toSet());

        assertTrue(answers.contains(true) && answers.contains(false));
        assertEquals(3, await(slots.childPlaceHolders(APP)).size(), "three places, each held once however often it was taken");
        assertEquals(0L, await(slots.held(APP)), "no run slot taken");
        await(slots.releaseChildPlace(APP, await(slots.childPlaceHolders(APP)).iterator().next()));
        assertTrue(await(slots.takeChildPlace(APP, "run-2:0", 3)), "a freed place is taken again");
        assertFalse(await(slots.takeChildPlace(APP, "run-2:1", 3)));
    }

    @Test
    void aGiveBackFindsTheUserInTheAppsHolderAndSaysWhetherChatsMayBeQueued() {
        assertEquals(new RunSlots.GiveBack(false, false), await(slots.giveBack(APP, "chat-1")), "nothing held, nothing to give");
        assertTrue(await(slots.take(APP, "ann", "chat-1", limits(5, 1))));
        await(slots.markQueued(APP));
        assertTrue(await(slots.take(APP, "bob", "chat-2", limits(5, 1))), "a marked app's document still counts and takes");

        assertEquals(new RunSlots.GiveBack(true, true), await(slots.giveBack(APP, "chat-1")));
        assertEquals(0L, await(slots.held(APP, "ann")), "the user's slot went back too");
        assertEquals(1L, await(slots.held(APP)));
        assertEquals(new RunSlots.GiveBack(false, false), await(slots.giveBack(APP, "chat-1")), "a repeat gives nothing");

        // A promotion that found no queued chat clears the mark, unless a chat was queued since.
        await(slots.clearQueued(APP, fixture.clock().instant()));
        assertEquals(new RunSlots.GiveBack(true, true), await(slots.giveBack(APP, "chat-2")), "marked at that same instant");
        fixture.clock().advance(Duration.ofSeconds(1));
        await(slots.clearQueued(APP, fixture.clock().instant()));
        assertTrue(await(slots.take(APP, "ann", "chat-3", limits(5, 1))));
        assertEquals(new RunSlots.GiveBack(true, false), await(slots.giveBack(APP, "chat-3")));
    }

    @Test
    void holdersOfTheUsersDocumentsAreListedForReconciliation() {
        assertTrue(await(slots.take(APP, "ann", "chat-1", limits(5, 5))));
        assertFalse(await(slots.take(APP, "bob", "chat-2", limits(1, 5))), "the app's slot refused: bob's was given back");
        assertEquals(Set.of("chat-1"), await(slots.userHolders(APP).collectList()).stream().map(RunSlots.Holder::chatId)
                .collect(Collectors.toSet()));
    }
}

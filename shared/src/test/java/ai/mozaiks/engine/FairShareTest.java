package ai.mozaiks.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.persistence.MutableClock;
import ai.mozaiks.kernel.AppId;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The fairness rule on one instance of 36 slots: 24 for the queue trigger's steps (a reserve of 8), 12 for steps started
 * where their input landed; the clock moved by hand.
 */
class FairShareTest {
    private static final AppId A = AppId.of("app-a");
    private static final AppId B = AppId.of("app-b");
    private static final AppId C = AppId.of("app-c");

    private final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
    private final FairShare fair = new FairShare(36, 24, clock);
    private final List<FairShare.Ticket> here = new ArrayList<>();
    private int chats;

    private FairShare.Admission ask(AppId app, Lane lane) {
        return fair.admit(new StepMessage(app, "chat-" + chats++, 0, lane));
    }

    /** Admits steps of {@code app} until one is deferred; answers the tickets. */
    private List<FairShare.Ticket> fill(AppId app, Lane lane) {
        List<FairShare.Ticket> tickets = new ArrayList<>();
        while (ask(app, lane) instanceof FairShare.Admitted admitted) {
            tickets.add(admitted.ticket());
        }
        return tickets;
    }

    @Test
    void aLoneAppGetsAllButTheReserve() {
        assertEquals(16, fill(A, Lane.INTERACTIVE).size());
        assertEquals(16, fair.inFlight());
        assertEquals(1, fair.deferrals());
    }

    private boolean askHere(AppId app) {
        Optional<FairShare.Ticket> ticket = fair.admitHere(new StepMessage(app, "here-" + chats++, 0));
        ticket.ifPresent(here::add);
        return ticket.isPresent();
    }

    private int fillHere(AppId app) {
        int admitted = 0;
        while (askHere(app)) {
            admitted++;
        }
        return admitted;
    }

    @Test
    void stepsStartedHereHaveTheirOwnSlotsAndLeaveTheQueuesStepsTheirs() {
        assertEquals(12, fillHere(A), "a lone app gets every slot of steps started here: no reserve there");
        assertEquals(0, fair.deferrals(), "a refusal here puts nothing back");
        // The queue's pool is whole: A's queued steps get all but its reserve, B's arriving ones the reserve.
        assertEquals(16, fill(A, Lane.INTERACTIVE).size());
        assertEquals(8, fill(B, Lane.INTERACTIVE).size());
        assertEquals(36, fair.inFlight());
        assertFalse(askHere(C), "no slot free here");
    }

    @Test
    void anAppRefusedHereHalvesTheShareOfTheOneHoldingTheSlots() {
        assertEquals(12, fillHere(A));
        assertFalse(askHere(B), "all taken: B's step goes to the queue, and B wants more here");
        for (int i = 0; i < 7; i++) {
            here.get(i).release();
        }
        assertEquals(1, fillHere(A), "A's share is half the slots while B wants some: it holds 6");
        assertEquals(6, fillHere(B));
        // B's steps end and it asks no more: A gets back the slots B gave back.
        clock.advance(FairShare.GRACE);
        here.subList(13, 19).forEach(FairShare.Ticket::release);
        assertEquals(6, fillHere(A));
    }

    @Test
    void noStepStartsHereWhenTheQueuesStepsHaveEverySlot() {
        FairShare queueOnly = new FairShare(24, 24, clock);
        assertTrue(queueOnly.admitHere(new StepMessage(A, "here", 0)).isEmpty());
        assertEquals(0, queueOnly.inFlight());
    }

    @Test
    void aNewAppRunsOnTheReserveAndTwoBusyAppsSplitTheRest() {
        List<FairShare.Ticket> a = fill(A, Lane.INTERACTIVE);
        // B arrives while A holds 16 and wants more: half of the 16 each, B's on the reserve at first.
        assertEquals(8, fill(B, Lane.INTERACTIVE).size());
        assertEquals(24, fair.inFlight());
        // A is over its share now: its steps wait while its slots free up, down to 8.
        for (int i = 0; i < 9; i++) {
            a.get(i).release();
        }
        assertInstanceOf(FairShare.Admitted.class, ask(A, Lane.INTERACTIVE));
        assertInstanceOf(FairShare.Deferred.class, ask(A, Lane.INTERACTIVE));
    }

    @Test
    void aThirdBusyAppShrinksTheShares() {
        fill(A, Lane.INTERACTIVE).forEach(FairShare.Ticket::release);
        fill(B, Lane.INTERACTIVE).forEach(FairShare.Ticket::release);
        // A and B still want more (their deferred steps are due back), so C gets a third of 16.
        assertEquals(5, fill(C, Lane.INTERACTIVE).size());
        assertEquals(5, fill(A, Lane.INTERACTIVE).size());
    }

    @Test
    void anAppThatWantsNoMoreKeepsWhatItHoldsAndLeavesTheRest() {
        List<FairShare.Ticket> b = List.of(admitted(ask(B, Lane.INTERACTIVE)), admitted(ask(B, Lane.INTERACTIVE)));
        // B holds 2 and was never turned away: A gets the other 14, not half.
        assertEquals(14, fill(A, Lane.INTERACTIVE).size());
        b.forEach(FairShare.Ticket::release);
        assertEquals(2, fill(A, Lane.INTERACTIVE).size());
    }

    @Test
    void aReleasedTicketFreesItsSlotOnce() {
        List<FairShare.Ticket> a = fill(A, Lane.INTERACTIVE);
        a.get(0).release();
        a.get(0).release();
        assertEquals(15, fair.inFlight());
        assertInstanceOf(FairShare.Admitted.class, ask(A, Lane.INTERACTIVE));
        assertInstanceOf(FairShare.Deferred.class, ask(A, Lane.INTERACTIVE));
    }

    @Test
    void backgroundStepsHoldHalfTheSlotsAtMost() {
        assertEquals(12, fill(A, Lane.BACKGROUND).size());
        // The cap, not a share: B holds nothing yet.
        assertInstanceOf(FairShare.Deferred.class, ask(B, Lane.BACKGROUND));
        // Users' steps still run beside them.
        assertInstanceOf(FairShare.Admitted.class, ask(C, Lane.INTERACTIVE));
    }

    @Test
    void aBackgroundStepWaitsWhileInteractiveStepsFillWhatAppsMayHold() {
        fill(A, Lane.INTERACTIVE);
        assertEquals(16, fair.inFlight());
        // 8 slots are free, but they are the reserve: a child's step waits, a user's step does not.
        assertInstanceOf(FairShare.Deferred.class, ask(B, Lane.BACKGROUND));
        assertInstanceOf(FairShare.Admitted.class, ask(C, Lane.INTERACTIVE));
    }

    @Test
    void anAppStopsCountingOnceItsDeferredStepsAreDueBack() {
        List<FairShare.Ticket> a = fill(A, Lane.INTERACTIVE);
        a.forEach(FairShare.Ticket::release);
        // A holds nothing but its deferred step is still hidden on the queue: B gets half.
        assertEquals(8, fill(B, Lane.INTERACTIVE).size());
        clock.advance(FairShare.MAX_DELAY.multipliedBy(2).plus(FairShare.GRACE));
        // A's step came back elsewhere or not at all: B has the whole 16 now.
        assertEquals(8, fill(B, Lane.INTERACTIVE).size());
    }

    @Test
    void aDeferralIsAboutASecondUntilAStepHasEndedToTellHowLongStepsTake() {
        fill(A, Lane.INTERACTIVE);
        for (int i = 0; i < 500; i++) {
            assertBetween(Duration.ofMillis(800), Duration.ofMillis(1200), deferred(ask(A, Lane.INTERACTIVE)));
        }
    }

    @Test
    void aDeferralLastsLongerTheMoreOfTheAppsStepsWaitAboveItsShare() {
        List<FairShare.Ticket> a = fill(A, Lane.INTERACTIVE);
        clock.advance(Duration.ofSeconds(1));
        a.get(0).release(); // steps take a second
        assertInstanceOf(FairShare.Admitted.class, ask(A, Lane.INTERACTIVE));
        // One step of A waits here: 1/16 of a round, so the shortest delay.
        assertBetween(Duration.ofMillis(800), Duration.ofMillis(1200), deferred(ask(A, Lane.INTERACTIVE)));
        for (int i = 0; i < 255; i++) {
            ask(A, Lane.INTERACTIVE);
        }
        // 257 of A's steps wait at a share of 16: 16 rounds (and a sixteenth) of a second, coming back four times as fast,
        // ±20 % jitter: 3.21 to 4.82 s.
        assertBetween(Duration.ofMillis(3200), Duration.ofMillis(4850), deferred(ask(A, Lane.INTERACTIVE)));
        for (int i = 0; i < 2000; i++) {
            ask(A, Lane.INTERACTIVE);
        }
        assertBetween(Duration.ofSeconds(24), Duration.ofSeconds(36), deferred(ask(A, Lane.INTERACTIVE)));
    }

    @Test
    void theDelayFollowsHowLongStepsTake() {
        List<FairShare.Ticket> a = fill(A, Lane.INTERACTIVE);
        clock.advance(Duration.ofMillis(100));
        a.forEach(FairShare.Ticket::release); // steps of 100 ms
        fill(A, Lane.INTERACTIVE);
        for (int i = 0; i < 16 * 160; i++) {
            ask(A, Lane.INTERACTIVE);
        }
        // 160 rounds of 100 ms, coming back four times as fast.
        assertBetween(Duration.ofMillis(3200), Duration.ofMillis(4800), deferred(ask(A, Lane.INTERACTIVE)));
    }

    private static FairShare.Ticket admitted(FairShare.Admission admission) {
        return assertInstanceOf(FairShare.Admitted.class, admission).ticket();
    }

    private static Duration deferred(FairShare.Admission admission) {
        return assertInstanceOf(FairShare.Deferred.class, admission).after();
    }

    private static void assertBetween(Duration low, Duration high, Duration actual) {
        assertTrue(actual.compareTo(low) >= 0 && actual.compareTo(high) <= 0, actual + " not within " + low + " and " + high);
    }
}

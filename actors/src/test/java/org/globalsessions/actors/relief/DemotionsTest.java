package org.globalsessions.actors.relief;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class DemotionsTest {

    private static final long T0 = 1_000_000;

    private static ReliefStore.Item item(long version) {
        return new ReliefStore.Item(new byte[] {(byte) version}, version, 60_000, T0 + 60_000);
    }

    private static List<String> keys(List<Demotions.Outgoing> outgoing) {
        return outgoing.stream().map(Demotions.Outgoing::key).toList();
    }

    /** Demotes k0 … k(n-1) (versions 1 … n) and sends what the window allows at T0. */
    private static List<Demotions.Outgoing> addAndSend(Demotions demotions, int n) {
        for (int i = 0; i < n; i++) {
            demotions.add("k" + i, item(i + 1));
        }
        return demotions.sendable(T0);
    }

    @Test
    void atMostAWindowIsUnconfirmedAndEachConfirmationLetsTheNextOneGo() {
        Demotions demotions = new Demotions(2, 100, 3_000);
        List<Demotions.Outgoing> first = addAndSend(demotions, 5);
        assertEquals(List.of("k0", "k1"), keys(first));
        assertEquals(List.of(), demotions.sendable(T0), "the window is full");
        assertTrue(demotions.confirm("k0", first.get(0).seq(), T0));
        assertEquals(List.of("k2"), keys(demotions.sendable(T0)));
        assertEquals(4, demotions.size(), "k0 confirmed; k1..k4 kept until confirmed");
        assertEquals(2, demotions.unconfirmed());
    }

    @Test
    void entriesInTransitAreServedUntilConfirmedAndAStaleConfirmationChangesNothing() {
        Demotions demotions = new Demotions(4, 100, 3_000);
        demotions.add("k", item(1));
        long firstSeq = demotions.sendable(T0).get(0).seq();
        demotions.add("k", item(2)); // evicted again, newer, before the first demotion was confirmed
        assertFalse(demotions.confirm("k", firstSeq, T0), "the confirmation of the older demotion");
        assertEquals(2, demotions.get("k", T0).version());
        Demotions.Outgoing second = demotions.sendable(T0).get(0);
        assertEquals(2, second.item().version());
        assertTrue(demotions.confirm("k", second.seq(), T0));
        assertNull(demotions.get("k", T0));
        assertEquals(0, demotions.unconfirmed());
    }

    @Test
    void anUnconfirmedDemotionIsSentAgainAfterTheTimeoutAndAnExpiredOneIsDropped() {
        Demotions demotions = new Demotions(4, 100, 3_000);
        demotions.add("lost", item(1));
        demotions.add("expiring", new ReliefStore.Item(new byte[1], 2, 1_000, T0 + 1_000));
        assertEquals(2, demotions.sendable(T0).size());
        assertEquals(List.of(), demotions.overdue(T0 + 999));
        List<Demotions.Outgoing> again = demotions.overdue(T0 + 3_000);
        assertEquals(List.of("lost"), keys(again), "the expired one is dropped, not sent again");
        assertEquals(1, demotions.size());
        assertEquals(1, demotions.unconfirmed());
        assertEquals(List.of(), demotions.overdue(T0 + 4_000), "sent again at +3 s: not due before +6 s");
    }

    @Test
    void removingADemotionInFlightFreesItsPlaceAndTheOldestAreGivenUpBeyondTheLimit() {
        Demotions demotions = new Demotions(1, 3, 3_000);
        demotions.add("a", item(1));
        assertEquals(List.of("a"), keys(demotions.sendable(T0)));
        demotions.remove("a"); // written again or deleted in expansion
        demotions.add("b", item(2));
        demotions.add("c", item(3));
        demotions.add("d", item(4));
        assertEquals(1, demotions.add("e", item(5)), "one over the limit of 3 given up");
        assertNull(demotions.get("b", T0), "the oldest given up");
        assertEquals(List.of("c"), keys(demotions.sendable(T0)));
    }

    @Test
    void writesWaitWhileHalfTheLimitWaitsForAnAgingTierThatAnswersAndNotForOneThatStopped() {
        Demotions demotions = new Demotions(4, 10, 3_000);
        List<Demotions.Outgoing> sent = addAndSend(demotions, 4);
        demotions.add("k4", item(5));
        assertFalse(demotions.backlogged(T0), "5 waiting, but nothing heard from the aging copy yet");
        assertTrue(demotions.confirm("k0", sent.get(0).seq(), T0));
        demotions.add("k5", item(6));
        assertTrue(demotions.backlogged(T0 + 100), "5 of at most 10 wait and the aging copy answers");
        assertTrue(demotions.confirm("k1", sent.get(1).seq(), T0 + 200));
        assertFalse(demotions.backlogged(T0 + 200), "4 wait: below half the limit");
        demotions.add("k6", item(7));
        assertTrue(demotions.backlogged(T0 + 200));
        assertFalse(demotions.backlogged(T0 + 200 + 9_000), "the aging copy has been quiet for three redelivery periods");
    }
}

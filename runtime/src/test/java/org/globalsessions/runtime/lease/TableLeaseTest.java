package org.globalsessions.runtime.lease;

import static org.junit.jupiter.api.Assertions.*;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import org.globalsessions.runtime.config.HostPort;

/** The table lease as a state machine: times are plain numbers (ms for readability, as nanos). */
class TableLeaseTest {

    private static final long MS = 1_000_000;
    private static final long LEASE = 1_000 * MS;
    private static final long PROBATION = 2_000 * MS;
    private static final long T0 = 1_000_000 * MS;
    private static final HostPort R1 = HostPort.parse("10.0.0.1:25520");
    private static final HostPort R2 = HostPort.parse("10.0.0.2:25520");

    private final TableLease<HostPort> lease = new TableLease<>(TableLease.Rule.ANY, LEASE, PROBATION, T0);
    private final AtomicInteger drops = new AtomicInteger();

    private static long at(long ms) {
        return T0 + ms * MS;
    }

    /** A welcome answering a heartbeat sent 1 ms before it arrives. */
    private void welcome(HostPort relay, long epoch, long count, long ms) {
        lease.welcome(relay, epoch, count, at(ms - 1), true, at(ms));
    }

    private void tick(long ms, long tableFreshUntil) {
        lease.tick(at(ms), tableFreshUntil, drops::incrementAndGet);
    }

    /** Welcomes every 250 ms from {@code fromMs} to {@code toMs}, ticking after each, nobody else vouching. */
    private void steady(HostPort relay, long epoch, long count, long fromMs, long toMs) {
        for (long ms = fromMs; ms <= toMs; ms += 250) {
            welcome(relay, epoch, count, ms);
            tick(ms, 0);
        }
    }

    @Test
    void aNewEdgeAnswersOnlyAfterItsProbationAndDropsATableNobodyVouchesFor() {
        steady(R1, 7, 0, 0, 1_750);
        assertFalse(lease.fresh(at(1_750)), "in probation: lookups go to the relay");
        assertEquals(0, drops.get());
        steady(R1, 7, 0, 2_000, 2_000);
        assertTrue(lease.fresh(at(2_000)));
        assertEquals(1, drops.get(), "nobody on the host vouched for the table: its live entries go");
        assertEquals(at(1_999) + LEASE, lease.until());
    }

    @Test
    void aTableAnotherProcessVouchesForIsKept() {
        welcome(R1, 7, 0, 0);
        welcome(R1, 7, 0, 2_000);
        tick(2_000, at(2_500));
        assertTrue(lease.fresh(at(2_000)));
        assertEquals(0, drops.get());
    }

    @Test
    void aVouchedForTableThatLapsedIsDropped() {
        welcome(R1, 7, 0, 0);
        welcome(R1, 7, 0, 2_000);
        tick(2_000, at(1_999));
        assertEquals(1, drops.get());
    }

    @Test
    void theLeaseRunsOutWithoutWelcomesAndComesBackWithAnUnbrokenOne() {
        steady(R1, 7, 3, 0, 2_000);
        assertTrue(lease.fresh(at(2_500)));
        assertFalse(lease.fresh(at(3_000)), "a second after the last heartbeat was sent, the lease is over");
        welcome(R1, 7, 3, 30_000); // a partition healed; nothing was sent meanwhile
        assertTrue(lease.fresh(at(30_000)), "an unbroken stream needs no new probation");
        assertEquals(1, drops.get());
    }

    @Test
    void aWelcomeCountingMoreInvalidationsThanArrivedBreaksTheStream() {
        steady(R1, 7, 3, 0, 2_000);
        welcome(R1, 7, 5, 2_250); // two were sent while this edge was cut off or unsubscribed
        assertFalse(lease.fresh(at(2_250)), "a missed invalidation ends the lease at once");
        steady(R1, 7, 5, 2_500, 4_000);
        assertFalse(lease.fresh(at(4_000)), "a new run is on probation");
        steady(R1, 7, 5, 4_250, 4_250);
        assertTrue(lease.fresh(at(4_250)));
        assertEquals(2, drops.get());
    }

    @Test
    void aSkippedInvalidationNumberBreaksTheStream() {
        steady(R1, 7, 3, 0, 2_000);
        lease.invalidated(7, 4, at(2_100));
        assertTrue(lease.fresh(at(2_100)), "the next number: in step");
        lease.invalidated(7, 6, at(2_200));
        assertFalse(lease.fresh(at(2_200)), "number 5 was lost");
        welcome(R1, 7, 6, 2_250);
        tick(2_250, 0);
        assertFalse(lease.fresh(at(2_250)));
    }

    @Test
    void aRestartedRelayStartsANewRun() {
        steady(R1, 7, 3, 0, 2_000);
        welcome(R1, 8, 0, 2_250);
        assertFalse(lease.fresh(at(2_250)), "a new incarnation carries nothing sent before it");
    }

    @Test
    void aRelayThatDoesNotVouchRenewsNothing() {
        steady(R1, 7, 0, 0, 2_000);
        lease.welcome(R1, 7, 0, at(2_499), false, at(2_500));
        tick(2_500, 0);
        assertTrue(lease.fresh(at(2_900)), "the earlier lease still runs");
        assertFalse(lease.fresh(at(3_000)), "but is not renewed");
    }

    @Test
    void anotherRelaysStreamKeepsTheLeaseWhileOneIsBroken() {
        for (long ms = 0; ms <= 2_000; ms += 250) {
            welcome(R1, 7, 0, ms);
            welcome(R2, 9, 0, ms);
            tick(ms, 0);
        }
        assertEquals(1, drops.get(), "one drop, before the first stream counted");
        welcome(R1, 7, 2, 2_250);
        welcome(R2, 9, 0, 2_250);
        assertTrue(lease.fresh(at(2_250)));
        for (long ms = 2_500; ms <= 4_250; ms += 250) {
            welcome(R1, 7, 2, ms);
            welcome(R2, 9, 0, ms);
            tick(ms, lease.until());
        }
        assertEquals(1, drops.get(), "the broken stream's new run counts without a drop: this process vouches");
        assertTrue(lease.streams().get(R1).counted());
    }

    @Test
    void probationEndsOnlyWithALiveLease() {
        welcome(R1, 7, 0, 0);
        tick(2_500, 0);
        assertFalse(lease.fresh(at(2_500)), "its only lease ran out at 999 ms");
        assertEquals(0, drops.get());
        welcome(R1, 7, 0, 2_600);
        tick(2_600, 0);
        assertTrue(lease.fresh(at(2_600)));
    }

    // ---- Rule.ALL: a relay, in step with every other relay ----------------------------------

    private final TableLease<String> relay = new TableLease<>(TableLease.Rule.ALL, LEASE, PROBATION, T0);

    private void peerWelcome(String peer, long epoch, long count, long ms) {
        relay.welcome(peer, epoch, count, at(ms - 1), true, at(ms));
    }

    @Test
    void aRelayWithoutPeersVouchesFromTheEndOfItsProbationOn() {
        relay.require(java.util.Set.of(), at(0));
        relay.tick(at(1_000), 0, drops::incrementAndGet);
        assertFalse(relay.fresh(at(1_000)));
        relay.tick(at(2_000), 0, drops::incrementAndGet);
        assertTrue(relay.fresh(at(2_000)));
        assertTrue(relay.fresh(at(60_000)), "alone, it is in step for good: nobody else coordinates deletes");
        relay.require(java.util.Set.of("p1"), at(60_000));
        assertFalse(relay.fresh(at(60_000)), "until another relay appears");
    }

    @Test
    void aRelayVouchesOnlyWhileInStepWithEveryPeer() {
        relay.require(java.util.Set.of("p1", "p2"), at(0));
        for (long ms = 0; ms <= 2_000; ms += 250) {
            peerWelcome("p1", 1, 0, ms);
            peerWelcome("p2", 2, 0, ms);
            relay.tick(at(ms), 0, drops::incrementAndGet);
        }
        assertTrue(relay.fresh(at(2_000)));
        assertEquals(1, drops.get(), "L2 is dropped when the first stream counts: nobody else keeps it");
        for (long ms = 2_250; ms <= 3_500; ms += 250) {
            peerWelcome("p1", 1, 0, ms); // p2 is cut off
            relay.tick(at(ms), 0, drops::incrementAndGet);
        }
        assertFalse(relay.fresh(at(3_500)), "one silent peer ends the lease");
        relay.require(java.util.Set.of("p1"), at(3_600)); // p2 left the cluster
        assertTrue(relay.fresh(at(3_600)));
    }

    @Test
    void aNewPeerHoldsTheLeaseBackUntilItsStreamCounts() {
        relay.require(java.util.Set.of("p1"), at(0));
        for (long ms = 0; ms <= 2_000; ms += 250) {
            peerWelcome("p1", 1, 0, ms);
            relay.tick(at(ms), 0, drops::incrementAndGet);
        }
        relay.require(java.util.Set.of("p1", "p3"), at(2_100));
        assertFalse(relay.fresh(at(2_100)));
        relay.welcome("p9", 9, 0, at(2_100), true, at(2_101));
        assertFalse(relay.streams().containsKey("p9"), "a source not required is ignored");
        for (long ms = 2_250; ms <= 4_500; ms += 250) {
            peerWelcome("p1", 1, 0, ms);
            peerWelcome("p3", 3, 0, ms);
            relay.tick(at(ms), 0, drops::incrementAndGet);
        }
        assertTrue(relay.fresh(at(4_500)));
        assertEquals(2, drops.get(), "the new peer may have coordinated deletes this relay never heard of");
    }
}

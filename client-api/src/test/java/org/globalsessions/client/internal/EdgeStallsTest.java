package org.globalsessions.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The edge's own stalls, on a hand-driven clock (nanoseconds from an arbitrary origin). */
class EdgeStallsTest {

    private static final long MS = 1_000_000L;
    private static final long T0 = 7_000_000_000L * MS;

    /** The edge's actor system may take seconds to start (TLS keys, binding): that is no stall. */
    @Test
    void theFirstTickReportsNoStall() {
        EdgeStalls stalls = new EdgeStalls(T0);
        assertEquals(0, stalls.tick(T0 + 4_000 * MS));
        assertEquals(0, stalls.heldUpNanos(T0 + 4_050 * MS));
        assertEquals(2_000 * MS, stalls.tick(T0 + 6_000 * MS));
    }

    @Test
    void ticksOnTimeAreNoStall() {
        EdgeStalls stalls = new EdgeStalls(T0);
        for (long t = 50; t <= 5_000; t += 50) {
            assertEquals(0, stalls.tick(T0 + t * MS));
        }
        assertEquals(0, stalls.heldUpNanos(T0 + 5_100 * MS));
    }

    @Test
    void aLateTickWithinTheThresholdIsNoStall() {
        EdgeStalls stalls = new EdgeStalls(T0);
        stalls.tick(T0);
        assertEquals(0, stalls.tick(T0 + EdgeStalls.STALL_NANOS));
        assertEquals(0, stalls.heldUpNanos(T0 + EdgeStalls.STALL_NANOS + 50 * MS));
    }

    @Test
    void theTickAfterAStallReportsTheWholeGapAndAddsIt() {
        EdgeStalls stalls = new EdgeStalls(T0);
        stalls.tick(T0 + 50 * MS);
        assertEquals(12_000 * MS, stalls.tick(T0 + 12_050 * MS));
        assertEquals(0, stalls.tick(T0 + 12_100 * MS));
        assertEquals(12_000 * MS, stalls.heldUpNanos(T0 + 12_120 * MS));
        assertEquals(3_000 * MS, stalls.tick(T0 + 15_100 * MS));
        assertEquals(15_000 * MS, stalls.heldUpNanos(T0 + 15_100 * MS));
    }

    /** A caller's thread may run before the tick that ends a stall: it counts the stall in progress itself. */
    @Test
    void aStallInProgressCountsFromTheLastTick() {
        EdgeStalls stalls = new EdgeStalls(T0);
        stalls.tick(T0 + 50 * MS);
        assertEquals(0, stalls.heldUpNanos(T0 + 900 * MS));
        assertEquals(3_950 * MS, stalls.heldUpNanos(T0 + 4_000 * MS));
        long reported = stalls.tick(T0 + 4_010 * MS);
        assertEquals(3_960 * MS, reported);
        assertEquals(reported, stalls.heldUpNanos(T0 + 4_020 * MS), "counted once the tick has run");
    }
}

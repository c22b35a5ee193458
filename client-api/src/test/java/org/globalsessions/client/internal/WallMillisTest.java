package org.globalsessions.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class WallMillisTest {

    private static final long MS = 1_000_000;

    @Test
    void countsFromThePairOfReadingsAndTakesANewPairEverySecond() {
        AtomicLong wall = new AtomicLong(1_700_000_000_000L);
        AtomicLong reads = new AtomicLong();
        WallMillis clock = new WallMillis(() -> {
            reads.incrementAndGet();
            return wall.get();
        }, 5_000 * MS);
        assertEquals(1_700_000_000_000L, clock.at(5_000 * MS));
        assertEquals(1_700_000_000_250L, clock.at(5_250 * MS + 999_999), "whole milliseconds since the pair");
        assertEquals(1, reads.get(), "within a second the wall clock is not read again");

        wall.set(1_700_000_000_000L + 60_000); // NTP stepped the wall clock a minute ahead
        assertEquals(1_700_000_000_999L, clock.at(5_999 * MS), "not seen within the second");
        assertEquals(1_700_000_060_000L, clock.at(6_000 * MS), "seen once a second has passed");
        assertEquals(2, reads.get());
        assertEquals(1_700_000_059_999L, clock.at(6_000 * MS - 1), "a reading older than the pair counts back from it");
    }

    @Test
    void followsTheSystemWallClock() {
        WallMillis clock = new WallMillis();
        long before = System.currentTimeMillis();
        long told = clock.at(System.nanoTime());
        long after = System.currentTimeMillis();
        assertTrue(told >= before - 1 && told <= after + 1, told + " not within [" + before + ", " + after + "]");
    }
}

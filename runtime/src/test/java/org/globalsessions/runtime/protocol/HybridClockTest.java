package org.globalsessions.runtime.protocol;

import static org.junit.jupiter.api.Assertions.*;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class HybridClockTest {

    @Test
    void versionsIncreaseEvenWhenTheWallClockStepsBack() {
        AtomicLong wall = new AtomicLong(1_700_000_000_000L);
        HybridClock clock = new HybridClock(wall::get, 7);
        long previous = clock.next();
        for (int i = 0; i < 100_000; i++) {
            if (i % 1000 == 0) {
                wall.addAndGet(i % 3000 == 0 ? -5 : 1);
            }
            long v = clock.next();
            assertTrue(v > previous, "step " + i);
            assertEquals(7, v & (HybridClock.NODES - 1), "the node part is kept");
            previous = v;
        }
    }

    @Test
    void versionsFollowTheWallClockAcrossClocks() {
        AtomicLong wall = new AtomicLong(1_700_000_000_000L);
        HybridClock a = new HybridClock(wall::get, 1);
        HybridClock b = new HybridClock(wall::get, 2);
        long first = a.next();
        wall.addAndGet(1);
        long second = b.next();
        assertTrue(second > first, "a later millisecond wins across processes");
        assertEquals(1_700_000_000_001L, HybridClock.millisOf(second));
    }

    @Test
    void observedVersionsAreExceeded() {
        AtomicLong wall = new AtomicLong(1_700_000_000_000L);
        HybridClock slow = new HybridClock(wall::get, 3);
        HybridClock fast = new HybridClock(() -> wall.get() + 10_000, 4);
        long remote = fast.next();
        slow.observe(remote);
        assertTrue(slow.next() > remote);
    }

    /** Issue 19: one random byte of node id made equal versions from two writers 1 in 256 likely per shared tick. */
    @Test
    void theNodePartHoldsFourteenBits() {
        AtomicLong wall = new AtomicLong(1_700_000_000_000L);
        assertEquals(16_384, HybridClock.NODES);
        long v = new HybridClock(wall::get, HybridClock.NODES - 1).next();
        assertEquals(HybridClock.NODES - 1, v & (HybridClock.NODES - 1));
        assertThrows(IllegalArgumentException.class, () -> new HybridClock(wall::get, HybridClock.NODES));
        long a = new HybridClock(wall::get, 300).next();
        long b = new HybridClock(wall::get, 301).next();
        assertNotEquals(a, b, "two writers in the same millisecond and count differ by their node part");
        assertEquals(HybridClock.millisOf(a), HybridClock.millisOf(b));
    }

    @Test
    void concurrentCallersNeverGetTheSameVersion() throws Exception {
        HybridClock clock = new HybridClock();
        long[][] seen = new long[2][50_000];
        Thread[] threads = new Thread[2];
        for (int t = 0; t < 2; t++) {
            int id = t;
            threads[t] = new Thread(() -> {
                for (int i = 0; i < seen[id].length; i++) {
                    seen[id][i] = clock.next();
                }
            });
            threads[t].start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        java.util.Set<Long> all = new java.util.HashSet<>();
        for (long[] s : seen) {
            for (long v : s) {
                assertTrue(all.add(v), "duplicate version " + v);
            }
        }
    }
}

package org.globalsessions.client.internal;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The wall clock in epoch milliseconds, told from a {@link System#nanoTime} reading the caller
 * already has: an L1 hit reads the monotonic clock for the lease, and the table needs the wall
 * clock for expiry; on a virtual machine each reading costs about 25 ns, as much as a third of
 * what the edge adds to the table's read. The pair of readings this counts from is taken again
 * once a second, so the answer is within the clock's drift over a second (well under a
 * millisecond) of {@code System.currentTimeMillis()}, and follows a step of the wall clock
 * (NTP setting it) within a second. Thread-safe.
 */
final class WallMillis {

    private static final long RESYNC_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** A monotonic reading and the wall clock's at that moment. */
    private record Base(long nanos, long millis) {
    }

    private final LongSupplier wall;
    private volatile Base base;

    WallMillis() {
        this(System::currentTimeMillis, System.nanoTime());
    }

    /** With {@code wall} for the wall clock and {@code nanos} the monotonic clock's reading now (tests). */
    WallMillis(LongSupplier wall, long nanos) {
        this.wall = wall;
        this.base = new Base(nanos, wall.getAsLong());
    }

    /** The wall clock's reading, in epoch ms, at the moment {@code System.nanoTime()} read {@code nanos}. */
    long at(long nanos) {
        Base b = base;
        long elapsed = nanos - b.nanos;
        if (elapsed >= RESYNC_NANOS) {
            b = new Base(nanos, wall.getAsLong());
            base = b;
            elapsed = 0;
        }
        // elapsed < 0: another thread took a later pair; its base and this reading are still one clock
        return b.millis + Math.floorDiv(elapsed, 1_000_000L);
    }
}

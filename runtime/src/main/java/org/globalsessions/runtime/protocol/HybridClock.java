package org.globalsessions.runtime.protocol;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A hybrid logical clock that issues 64-bit write versions: monotonic within a process,
 * comparable across processes, and close to wall-clock order.
 *
 * <pre>
 *  63                                22 21              8 7        0
 *  +-----------------------------------+-----------------+----------+
 *  |  physical: ms since 2020-01-01 (42) |  logical (14)   | node (8) |
 *  +-----------------------------------+-----------------+----------+
 * </pre>
 *
 * <h2>Ordering</h2>
 * {@link #next()} returns a value greater than every value this clock returned or
 * {@linkplain #observe observed} before. The physical part follows the wall clock; when the
 * wall clock stands still or steps back, the logical part counts up (16 384 versions per
 * millisecond before the physical part is advanced ahead of the wall clock). The node part, a
 * random byte per clock, makes versions from two processes in the same millisecond differ in
 * all but 1 case in 256, so "newer" is decided by the clocks, not by a tie. It does not make them
 * unique: two writers can draw the same version. A relief replica therefore identifies a write by
 * its version and its value ({@code ReliefStore.put}): the same value again is a retry, another
 * value of a version it holds is refused, so an equal version never yields an acknowledgement of
 * a value that was not stored. The wire format and the tables keep the 64-bit version alone. 42 bits
 * of milliseconds last until 2159.
 *
 * <h2>Concurrency</h2>
 * Thread-safe and lock-free: one CAS on an {@link AtomicLong} per version.
 */
public final class HybridClock {

    /** 2020-01-01T00:00:00Z in epoch milliseconds. */
    public static final long EPOCH_MILLIS = 1_577_836_800_000L;
    private static final int NODE_BITS = 8;
    private static final int LOGICAL_BITS = 14;
    private static final int PHYSICAL_SHIFT = NODE_BITS + LOGICAL_BITS;
    private static final long TICK = 1L << NODE_BITS;
    private static final long NODE_MASK = TICK - 1;

    private final LongSupplier wallClock;
    private final long node;
    private final AtomicLong last = new AtomicLong();

    public HybridClock() {
        this(System::currentTimeMillis, new SecureRandom().nextInt(256));
    }

    public HybridClock(LongSupplier wallClock, int node) {
        if (node < 0 || node > NODE_MASK) {
            throw new IllegalArgumentException("node=" + node + " must be between 0 and " + NODE_MASK);
        }
        this.wallClock = wallClock;
        this.node = node;
    }

    /** A version greater than every version issued or observed so far. */
    public long next() {
        long physical = (wallClock.getAsLong() - EPOCH_MILLIS) << PHYSICAL_SHIFT;
        while (true) {
            long previous = last.get();
            long candidate = Math.max(physical, (previous & ~NODE_MASK) + TICK) | node;
            if (last.compareAndSet(previous, candidate)) {
                return candidate;
            }
        }
    }

    /** Takes note of a version seen from elsewhere, so later versions from this clock exceed it. */
    public void observe(long version) {
        last.accumulateAndGet(version, Math::max);
    }

    /** The wall-clock instant (epoch ms) a version was issued at, give or take the logical drift. */
    public static long millisOf(long version) {
        return (version >>> PHYSICAL_SHIFT) + EPOCH_MILLIS;
    }
}

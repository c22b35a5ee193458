package org.globalsessions.runtime.protocol;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A hybrid logical clock that issues 64-bit write versions: monotonic within a process,
 * comparable across processes, and close to wall-clock order.
 *
 * <pre>
 *  63                                22 21          14 13                 0
 *  +-----------------------------------+--------------+--------------------+
 *  |  physical: ms since 2020-01-01 (42) | logical (8)  |     node (14)      |
 *  +-----------------------------------+--------------+--------------------+
 * </pre>
 *
 * <h2>Ordering</h2>
 * {@link #next()} returns a value greater than every value this clock returned or
 * {@linkplain #observe observed} before. The physical part follows the wall clock; when the
 * wall clock stands still or steps back, the logical part counts up (256 versions per
 * millisecond, 256 000 a second, before the physical part is advanced ahead of the wall clock;
 * a relay takes well under 100 000 writes a second). 42 bits of milliseconds last until 2159.
 *
 * <h2>Writers</h2>
 * The node part names the writer. An edge stamps its writes with {@link #next(int)} and the
 * writer id its relays lease to it ({@link WriterIds}): no two processes of a cluster hold the
 * same id at the same time, so two writers never draw the same version while both hold their
 * ids. {@link #next()} stamps with the clock's own node (random unless given), for clocks that
 * do not take part in a cluster (tests, tools). A relief replica still identifies a write by its
 * version and its value ({@code ReliefStore.put}): the same value again is a retry, another value
 * of a version it holds is refused. The wire format and the tables carry the 64-bit version alone.
 *
 * <h2>Concurrency</h2>
 * Thread-safe and lock-free: one CAS on an {@link AtomicLong} per version.
 */
public final class HybridClock {

    /** 2020-01-01T00:00:00Z in epoch milliseconds. */
    public static final long EPOCH_MILLIS = 1_577_836_800_000L;
    private static final int NODE_BITS = 14;
    private static final int LOGICAL_BITS = 8;
    /** How many node ids there are: a clock's node is one of 0..NODES-1. */
    public static final int NODES = 1 << NODE_BITS;
    private static final int PHYSICAL_SHIFT = NODE_BITS + LOGICAL_BITS;
    private static final long TICK = 1L << NODE_BITS;
    private static final long NODE_MASK = TICK - 1;

    private final LongSupplier wallClock;
    private final long node;
    private final AtomicLong last = new AtomicLong();

    public HybridClock() {
        this(System::currentTimeMillis);
    }

    /** A clock on {@code wallClock} with a random node id. */
    public HybridClock(LongSupplier wallClock) {
        this(wallClock, new SecureRandom().nextInt(NODES));
    }

    public HybridClock(LongSupplier wallClock, int node) {
        if (node < 0 || node > NODE_MASK) {
            throw new IllegalArgumentException("node=" + node + " must be between 0 and " + NODE_MASK);
        }
        this.wallClock = wallClock;
        this.node = node;
    }

    /** A version greater than every version issued or observed so far, stamped with this clock's own node. */
    public long next() {
        return next((int) node);
    }

    /**
     * A version greater than every version issued or observed so far, stamped with writer
     * {@code node} (0 to {@link #NODES} - 1): the writer id this process holds now.
     */
    public long next(int node) {
        if (node < 0 || node > NODE_MASK) {
            throw new IllegalArgumentException("node=" + node + " must be between 0 and " + NODE_MASK);
        }
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

    /** The writer a version was stamped by: its node part. */
    public static int nodeOf(long version) {
        return (int) (version & NODE_MASK);
    }

    /** The wall-clock instant (epoch ms) a version was issued at, give or take the logical drift. */
    public static long millisOf(long version) {
        return (version >>> PHYSICAL_SHIFT) + EPOCH_MILLIS;
    }
}

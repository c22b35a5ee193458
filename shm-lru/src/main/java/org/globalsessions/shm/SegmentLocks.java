package org.globalsessions.shm;

import static net.openhft.chronicle.core.UnsafeMemory.MEMORY;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Segment locks: one 64-bit word per segment in shared memory, 0 when free, else the owner's
 * {@link OwnerTag}. Not reentrant; threads of one process exclude each other too.
 *
 * <h2>Concurrency</h2>
 * Acquire is a CAS from 0 to the owner tag (a full fence: it acquires everything the previous
 * owner wrote before its release). Release is an ordered store of 0 (a release fence: every
 * write made under the lock is visible to the next acquirer). An uncontended acquire + release
 * costs one CAS and one ordered store, ~5–30 ns on a line another process also writes.
 *
 * <h2>Waiting and recovery</h2>
 * A waiter spins briefly, then yields, then parks for growing intervals up to 1 ms. Each time it
 * has waited another lease it reads the owner tag and checks whether that process is alive. If
 * the owner is dead it swaps the dead tag for its own (only one waiter can win that CAS) and
 * tells the caller, which must repair the segment before using it: the dead owner may have
 * stopped anywhere inside an operation. If the owner is alive the waiter keeps waiting, and gives
 * up with a {@link LockTimeoutException} naming the owner after the lock timeout. So a process
 * killed while holding a lock stalls others for about one lease.
 */
final class SegmentLocks {

    private static final int SPINS = 128;
    private static final int YIELDS = 64;
    private static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final String tableName;
    private final long leaseNanos;
    private final long timeoutNanos;

    SegmentLocks(String tableName, long leaseNanos, long timeoutNanos) {
        this.tableName = tableName;
        this.leaseNanos = leaseNanos;
        this.timeoutNanos = Math.max(timeoutNanos, leaseNanos);
    }

    /**
     * Takes the lock at {@code lockAddress}.
     *
     * @return 0 normally; the tag of a dead previous owner when the lock was taken over from it,
     *         in which case the caller holds the lock and must repair the segment
     */
    long acquire(long lockAddress, int segment) {
        if (MEMORY.compareAndSwapLong(lockAddress, 0L, OwnerTag.CURRENT)) {
            return 0L;
        }
        return acquireContended(lockAddress, segment);
    }

    /** Releases a lock this thread holds; an ordered store that publishes the writes made under it. */
    void release(long lockAddress) {
        MEMORY.writeOrderedLong(lockAddress, 0L);
    }

    /** The current owner tag (0 when free), read with acquire semantics. */
    long owner(long lockAddress) {
        return MEMORY.readVolatileLong(lockAddress);
    }

    private long acquireContended(long lockAddress, int segment) {
        long start = System.nanoTime();
        long nextOwnerCheck = start + leaseNanos;
        long park = 1_000;
        for (int attempt = 0; ; attempt++) {
            long owner = MEMORY.readVolatileLong(lockAddress);
            if (owner == 0L) {
                if (MEMORY.compareAndSwapLong(lockAddress, 0L, OwnerTag.CURRENT)) {
                    return 0L;
                }
                continue;
            }
            long now = System.nanoTime();
            if (now - nextOwnerCheck >= 0) {
                if (!OwnerTag.isAlive(owner)) {
                    if (MEMORY.compareAndSwapLong(lockAddress, owner, OwnerTag.CURRENT)) {
                        return owner;
                    }
                    continue; // another waiter took it over first, or the owner changed
                }
                if (now - start >= timeoutNanos) {
                    throw new LockTimeoutException(String.format(
                            "%s: segment %d is locked by pid %d, which is alive; waited %d ms (lock timeout %d ms). "
                                    + "Nothing was recovered: a live owner is never interrupted. Is that process stopped in a debugger or swapping?",
                            tableName, segment, OwnerTag.pid(owner), TimeUnit.NANOSECONDS.toMillis(now - start),
                            TimeUnit.NANOSECONDS.toMillis(timeoutNanos)), OwnerTag.pid(owner));
                }
                nextOwnerCheck = now + leaseNanos;
            }
            if (attempt < SPINS) {
                Thread.onSpinWait();
            } else if (attempt < SPINS + YIELDS) {
                Thread.yield();
            } else {
                LockSupport.parkNanos(park);
                park = Math.min(park * 2, MAX_PARK_NANOS);
            }
        }
    }
}

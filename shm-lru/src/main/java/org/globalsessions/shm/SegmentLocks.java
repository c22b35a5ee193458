package org.globalsessions.shm;

import static net.openhft.chronicle.core.UnsafeMemory.MEMORY;

import java.util.concurrent.ForkJoinPool;
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
 * killed while holding a lock stalls others for about one lease. A waiter that has to park does
 * so through {@link ForkJoinPool#managedBlock}: on a fork-join worker, such as the one thread a
 * node's actors, Artery streams and TCP workers share ({@code dispatcher-threads}), the pool runs
 * a spare thread for as long as the wait lasts, so that one wait stalls only its own caller.
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
        Wait wait = new Wait(lockAddress, segment);
        for (int attempt = 0; attempt < SPINS + YIELDS; attempt++) {
            if (wait.isReleasable()) {
                return wait.deadOwner;
            }
            if (attempt < SPINS) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
        try {
            ForkJoinPool.managedBlock(wait);
        } catch (InterruptedException e) {
            // Wait.block() parks, which never throws this; keep the flag for the caller all the same
            Thread.currentThread().interrupt();
            throw new IllegalStateException(tableName + ": interrupted while waiting for the lock of segment " + segment, e);
        }
        return wait.deadOwner;
    }

    /**
     * One contended acquire past its spinning: parks for growing intervals, and is a
     * {@link ForkJoinPool.ManagedBlocker} so that a fork-join pool (the one pool a node's actors
     * and remoting share) runs a spare thread while it waits, instead of stalling everything
     * queued behind it for up to a lease or the lock timeout. Elsewhere it simply parks.
     */
    private final class Wait implements ForkJoinPool.ManagedBlocker {

        private final long lockAddress;
        private final int segment;
        private final long start = System.nanoTime();
        private long nextOwnerCheck = start + leaseNanos;
        private long park = 1_000;
        private boolean acquired;
        /** The tag of the dead owner the lock was taken over from, or 0. */
        private long deadOwner;

        Wait(long lockAddress, int segment) {
            this.lockAddress = lockAddress;
            this.segment = segment;
        }

        /** One look at the lock word: takes it when free, or from a dead owner once per lease; throws after the timeout. */
        @Override
        public boolean isReleasable() {
            while (!acquired) {
                long owner = MEMORY.readVolatileLong(lockAddress);
                if (owner == 0L) {
                    acquired = MEMORY.compareAndSwapLong(lockAddress, 0L, OwnerTag.CURRENT);
                    continue;
                }
                long now = System.nanoTime();
                if (now - nextOwnerCheck < 0) {
                    return false;
                }
                if (!OwnerTag.isAlive(owner)) {
                    if (MEMORY.compareAndSwapLong(lockAddress, owner, OwnerTag.CURRENT)) {
                        acquired = true;
                        deadOwner = owner;
                    }
                    continue; // else another waiter took it over first, or the owner changed
                }
                if (now - start >= timeoutNanos) {
                    throw new LockTimeoutException(String.format(
                            "%s: segment %d is locked by pid %d, which is alive; waited %d ms (lock timeout %d ms). "
                                    + "Nothing was recovered: a live owner is never interrupted. Is that process stopped in a debugger or swapping?",
                            tableName, segment, OwnerTag.pid(owner), TimeUnit.NANOSECONDS.toMillis(now - start),
                            TimeUnit.NANOSECONDS.toMillis(timeoutNanos)), OwnerTag.pid(owner));
                }
                nextOwnerCheck = now + leaseNanos;
                return false;
            }
            return true;
        }

        @Override
        public boolean block() {
            while (!isReleasable()) {
                LockSupport.parkNanos(park);
                park = Math.min(park * 2, MAX_PARK_NANOS);
            }
            return true;
        }
    }
}

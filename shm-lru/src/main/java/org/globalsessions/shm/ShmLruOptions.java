package org.globalsessions.shm;

import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Per-process options for opening a table; unlike {@link ShmLruSettings} they are not stored
 * in the file, and each process may choose its own.
 *
 * @param clock            epoch milliseconds; every process sharing a table must use the same
 *                         wall clock (the default), tests may pass a manual one
 * @param evictionListener told about capacity evictions and expirations this process performs
 * @param lockTimeout      how long to wait for a segment lock held by a live process before
 *                         throwing {@link LockTimeoutException}
 * @param initTimeout      how long {@code create} and {@code attach} wait for another process to finish
 *                         creating the file (30 s by default: the creator may be a JVM loading its
 *                         first classes on a busy host; a creator that dies releases its lock at once)
 * @param lruResolution    how precisely this process keeps the LRU order: a hit on an entry that
 *                         became the most recently used less than this long ago leaves the order
 *                         alone, so a hit normally takes no lock and writes nothing; zero moves the
 *                         entry on every hit (exact LRU, every hit takes the segment lock)
 * @param sharedGroup      the group whose members may share a table another user owns (the file
 *                         must then belong to that group, mode {@code 0660}); null: only tables
 *                         this process's user owns are opened
 */
public record ShmLruOptions(LongSupplier clock, EvictionListener evictionListener, Duration lockTimeout,
                            Duration initTimeout, Duration lruResolution, String sharedGroup) {

    /** The default LRU resolution: the order of entries used within the same second may be off. */
    public static final Duration DEFAULT_LRU_RESOLUTION = Duration.ofSeconds(1);

    public static final ShmLruOptions DEFAULTS = new ShmLruOptions(System::currentTimeMillis, null, Duration.ofSeconds(10),
            Duration.ofSeconds(30), DEFAULT_LRU_RESOLUTION, null);

    public ShmLruOptions {
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(lockTimeout, "lockTimeout");
        Objects.requireNonNull(initTimeout, "initTimeout");
        if (lockTimeout.isNegative() || lockTimeout.isZero()) {
            throw new IllegalArgumentException("lock_timeout=" + lockTimeout + " must be positive");
        }
        if (initTimeout.isNegative()) {
            throw new IllegalArgumentException("init_timeout=" + initTimeout + " must not be negative");
        }
        Objects.requireNonNull(lruResolution, "lruResolution");
        if (lruResolution.isNegative()) {
            throw new IllegalArgumentException("lru_resolution=" + lruResolution + " must not be negative");
        }
        if (sharedGroup != null && sharedGroup.isBlank()) {
            sharedGroup = null;
        }
    }

    public ShmLruOptions withClock(LongSupplier clock) {
        return new ShmLruOptions(clock, evictionListener, lockTimeout, initTimeout, lruResolution, sharedGroup);
    }

    public ShmLruOptions withEvictionListener(EvictionListener listener) {
        return new ShmLruOptions(clock, listener, lockTimeout, initTimeout, lruResolution, sharedGroup);
    }

    public ShmLruOptions withLockTimeout(Duration timeout) {
        return new ShmLruOptions(clock, evictionListener, timeout, initTimeout, lruResolution, sharedGroup);
    }

    public ShmLruOptions withInitTimeout(Duration timeout) {
        return new ShmLruOptions(clock, evictionListener, lockTimeout, timeout, lruResolution, sharedGroup);
    }

    public ShmLruOptions withLruResolution(Duration resolution) {
        return new ShmLruOptions(clock, evictionListener, lockTimeout, initTimeout, resolution, sharedGroup);
    }

    /** Members of {@code group} may share a table another of them owns; null or blank: owner only. */
    public ShmLruOptions withSharedGroup(String group) {
        return new ShmLruOptions(clock, evictionListener, lockTimeout, initTimeout, lruResolution, group);
    }
}

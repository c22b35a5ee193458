package org.globalsessions.shm;

/**
 * Counters kept in shared memory, summed over segments; any attached process reads the same
 * numbers. Counters are updated under the segment lock and read without it, so a snapshot
 * may be a few operations old, never torn. {@code entries} counts the records in use: live
 * entries and tombstones ({@link ShmLru#tombstones()} counts those). Another process's lookups
 * that took no lock are in {@code hits} and {@code misses} once it published them
 * ({@link ShmLru#publishCounters()}).
 */
public record ShmLruStats(long capacity, long entries, long hits, long misses, long puts, long removes,
                          long evictions, long expirations, long lockRecoveries, long staleRefused) {

    /** Hits over hits + misses, or 0 before the first lookup. */
    public double hitRatio() {
        long lookups = hits + misses;
        return lookups == 0 ? 0.0 : (double) hits / lookups;
    }
}

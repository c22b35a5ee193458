package org.globalsessions.client;

/** Statistics of the host's shared-memory table, as every process on the host sees them. */
public record TableStats(long capacity, long entries, long hits, long misses, long evictions, long expirations,
                         long lockRecoveries) {

    public double hitRatio() {
        long lookups = hits + misses;
        return lookups == 0 ? 0 : (double) hits / lookups;
    }
}

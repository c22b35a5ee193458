package org.globalsessions.shm;

import java.time.Duration;
import java.util.Objects;

/**
 * What a table file is made of; recorded in the file header, so {@link ShmLru#attach} needs
 * only the path. Validated on construction: a bad value throws an
 * {@link IllegalArgumentException} naming it as {@code name=value}.
 *
 * @param elCount    entries the table holds: {@code segments} segments of
 *                   {@code ceil(elCount / segments)} entries each (the seed's {@code el_count})
 * @param recordSize bytes of key + value one entry can hold (the seed's {@code record_size}),
 *                   at most {@value RecordLayout#MAX_RECORD_SIZE}
 * @param seed       hash seed; processes that share a table share its seed through the file
 * @param segments   number of independently locked segments; LRU order is per segment
 * @param lockLease  how long a waiter waits for a segment lock before it checks whether the
 *                   holder's process is still alive (and recovers the segment if it is not)
 */
public record ShmLruSettings(long elCount, int recordSize, long seed, int segments, Duration lockLease) {

    public static final Duration DEFAULT_LOCK_LEASE = Duration.ofMillis(100);
    public static final int MAX_SEGMENTS = 1 << 16;

    public ShmLruSettings {
        Objects.requireNonNull(lockLease, "lockLease");
        if (elCount < 1 || elCount > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("el_count=" + elCount + " must be between 1 and " + Integer.MAX_VALUE);
        }
        if (recordSize < 1 || recordSize > RecordLayout.MAX_RECORD_SIZE) {
            throw new IllegalArgumentException("record_size=" + recordSize + " must be between 1 and "
                    + RecordLayout.MAX_RECORD_SIZE + " bytes (key + value)");
        }
        if (segments < 1 || segments > MAX_SEGMENTS || segments > elCount) {
            throw new IllegalArgumentException("segments=" + segments + " must be between 1 and min(el_count="
                    + elCount + ", " + MAX_SEGMENTS + ")");
        }
        if (segmentCapacity(elCount, segments) + 1 > SegmentLayout.MAX_RECORDS) {
            throw new IllegalArgumentException("el_count=" + elCount + " with segments=" + segments
                    + " puts more than " + (SegmentLayout.MAX_RECORDS - 1) + " entries in one segment; use more segments");
        }
        if (lockLease.compareTo(Duration.ofMillis(1)) < 0 || lockLease.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("lock_lease=" + lockLease + " must be between 1 ms and 1 hour");
        }
    }

    /** Settings with the default seed, segment count and lock lease. */
    public static ShmLruSettings of(long elCount, int recordSize) {
        return builder().elCount(elCount).recordSize(recordSize).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Entries each segment holds; the table holds {@code segments * segmentCapacity()}. */
    public int segmentCapacity() {
        return segmentCapacity(elCount, segments);
    }

    /** The number of entries the table can hold: {@code el_count} rounded up to a multiple of segments. */
    public long capacity() {
        return (long) segmentCapacity() * segments;
    }

    private static int segmentCapacity(long elCount, int segments) {
        return (int) ((elCount + segments - 1) / segments);
    }

    /**
     * The default segment count: about one segment per 256 entries, a power of two between
     * 1 and 64. 64 segments keep two writers on two cores apart almost always (a lock is held
     * for well under a microsecond), and 256 entries per segment keep the per-segment LRU
     * close to a global one.
     */
    static int defaultSegments(long elCount) {
        long target = Math.max(1, elCount / 256);
        int segments = Integer.highestOneBit((int) Math.min(target, 64));
        return (int) Math.min(segments, elCount);
    }

    /** Builder with defaults: seed 0, {@link #defaultSegments}, a 100 ms lock lease. */
    public static final class Builder {
        private long elCount = 10_000;
        private int recordSize = 1024;
        private long seed;
        private int segments;
        private Duration lockLease = DEFAULT_LOCK_LEASE;

        public Builder elCount(long elCount) {
            this.elCount = elCount;
            return this;
        }

        public Builder recordSize(int recordSize) {
            this.recordSize = recordSize;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** 0 (the default) picks {@link #defaultSegments}. */
        public Builder segments(int segments) {
            this.segments = segments;
            return this;
        }

        public Builder lockLease(Duration lockLease) {
            this.lockLease = lockLease;
            return this;
        }

        public ShmLruSettings build() {
            int s = segments == 0 && elCount >= 1 ? defaultSegments(elCount) : segments;
            return new ShmLruSettings(elCount, recordSize, seed, s, lockLease);
        }
    }
}

package org.globalsessions.shm;

/**
 * Byte geometry derived from {@link ShmLruSettings}; the header stores it too, and attach
 * recomputes it from the stored settings and refuses a header where the two disagree.
 *
 * <p>Space: each entry costs {@code RecordLayout.HEADER_SIZE} (40) bytes of record header and
 * 1.5 index slots of 4 bytes (load factor at most 2/3), so 46 bytes beyond its
 * {@code record_size}: 11.1% for a 32-byte key with a 384-byte value.
 */
record Geometry(int segmentCapacity, int recordsPerSegment, int slotsPerSegment, int recordStride,
                long segmentStride, long segmentsOffset, long fileSize) {

    static final int PAGE = 4096;

    static Geometry of(ShmLruSettings settings) {
        int capacity = settings.segmentCapacity();
        int records = capacity + 1; // one spare record: a replacement is written beside the old one
        // Linear probing needs at least one empty slot; 1.5 slots per entry keeps probes short.
        int slots = Math.max(capacity + capacity / 2, capacity + 2);
        int stride = RecordLayout.stride(settings.recordSize());
        long segmentStride = SegmentLayout.HEADER_SIZE + SegmentLayout.slotsBytes(slots) + (long) records * stride;
        segmentStride = (segmentStride + SegmentLayout.ALIGNMENT - 1) / SegmentLayout.ALIGNMENT * SegmentLayout.ALIGNMENT;
        long segmentsOffset = FileHeaderLayout.HEADER_SIZE;
        long end = segmentsOffset + segmentStride * settings.segments();
        long fileSize = (end + PAGE - 1) / PAGE * PAGE;
        return new Geometry(capacity, records, slots, stride, segmentStride, segmentsOffset, fileSize);
    }
}

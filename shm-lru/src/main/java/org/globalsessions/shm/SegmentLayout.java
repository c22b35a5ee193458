package org.globalsessions.shm;

/**
 * One segment: a header of two cache lines, the index slots, then the records. The first
 * line holds what every locked operation writes (the lock word, the change sequence, the list
 * heads, the hit and miss counters), so it dirties one header line, not two, and a lookup that
 * takes no lock only reads it; the second holds the other statistics. Counters are updated
 * under the lock. See {@code shm-lru/SPEC.md}, "Segments".
 *
 * <pre>
 *   0               8       12      16      20      24      28      32      40      48      56 .. 64
 *   +---------------+-------+-------+-------+-------+-------+-------+-------+-------+-------+--+
 *   |   LOCK_WORD   | HEAD  | TAIL  | FREE  | COUNT | NEXT  |   -   | HITS  | MISS  |  SEQ  |- |
 *   +---------------+-------+-------+-------+-------+-------+-------+-------+-------+-------+--+
 *  64      72      80      88      96      104     112 ........ 128
 *   +-------+-------+-------+-------+-------+-------+------------+
 *   | PUTS  | REMOV | EVICT | EXPIR | RECOV | STALE |  reserved  |
 *   +-------+-------+-------+-------+-------+-------+------------+
 *  128: SLOTS x int32, padded to 64 bytes; then (capacity + 1) records of RECORD_STRIDE.
 * </pre>
 *
 * <p>SEQ is the segment's change sequence: odd while a lock holder may be changing the segment,
 * even otherwise, and different after every locked operation, so a lookup that read it even
 * before and unchanged after reading an entry without the lock knows it read a consistent one.
 * HEAD is the most recently used record, TAIL the least; FREE heads the free list (linked
 * through {@link RecordLayout#LRU_NEXT_OFFSET}); NEXT is the first record index never used
 * (records at or past it are free without being on the list, so a new table touches no
 * record page until it is used). Record references are record indices; {@link #NIL} is none.
 *
 * <p>An index slot is {@code 0} when empty, else {@code tag << 24 | (recordIndex + 1)} where
 * {@code tag} is 8 bits of the key's hash that the slot's position does not already imply.
 */
final class SegmentLayout {

    static final int NIL = -1;
    static final int HEADER_SIZE = 128;
    static final int ALIGNMENT = 64;
    /** Record indices must fit in the 24 low bits of a slot, with 0 reserved for empty. */
    static final int MAX_RECORDS = (1 << 24) - 2;

    static final int LOCK_WORD_OFFSET = 0;
    static final int LRU_HEAD_OFFSET = LOCK_WORD_OFFSET + 8;
    static final int LRU_TAIL_OFFSET = LRU_HEAD_OFFSET + 4;
    static final int FREE_HEAD_OFFSET = LRU_TAIL_OFFSET + 4;
    static final int ENTRY_COUNT_OFFSET = FREE_HEAD_OFFSET + 4;
    static final int NEXT_UNUSED_OFFSET = ENTRY_COUNT_OFFSET + 4;

    static final int HITS_OFFSET = 32;
    static final int MISSES_OFFSET = HITS_OFFSET + 8;
    static final int SEQ_OFFSET = MISSES_OFFSET + 8;
    static final int PUTS_OFFSET = 64;
    static final int REMOVES_OFFSET = PUTS_OFFSET + 8;
    static final int EVICTIONS_OFFSET = REMOVES_OFFSET + 8;
    static final int EXPIRATIONS_OFFSET = EVICTIONS_OFFSET + 8;
    static final int LOCK_RECOVERIES_OFFSET = EXPIRATIONS_OFFSET + 8;
    static final int STALE_REFUSED_OFFSET = LOCK_RECOVERIES_OFFSET + 8;

    static final int SLOTS_OFFSET = HEADER_SIZE;
    static final int SLOT_SIZE = 4;
    static final int SLOT_INDEX_MASK = 0x00FF_FFFF;

    private SegmentLayout() {
    }

    static int slotsBytes(int slots) {
        return align((long) slots * SLOT_SIZE, ALIGNMENT);
    }

    static int align(long size, int alignment) {
        long aligned = (size + alignment - 1) / alignment * alignment;
        if (aligned > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("size=" + size + " is too large for a segment part");
        }
        return (int) aligned;
    }

    static int slot(int tag, int recordIndex) {
        return tag << 24 | (recordIndex + 1);
    }

    static int slotRecord(int slot) {
        return (slot & SLOT_INDEX_MASK) - 1;
    }

    static int slotTag(int slot) {
        return slot >>> 24;
    }
}

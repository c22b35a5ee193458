package org.globalsessions.shm;

/**
 * One record: a 40-byte header, then the key bytes, then the value bytes, padded to 8.
 * A record is written only while it is unreachable from the index and published by one
 * ordered 4-byte slot write, so a reader holding the lock never sees it half written, and a
 * process that dies mid-write leaves either the old record or the new one indexed.
 *
 * <pre>
 *   0               8               16      20      24      28      30      32              40
 *   +---------------+---------------+-------+-------+-------+-------+-------+---------------+---------------+
 *   |    VERSION    |   EXPIRES_AT  | PREV  | NEXT  |  TTL  | KLEN  | VLEN  |    USED_AT    | key | value...|
 *   +---------------+---------------+-------+-------+-------+-------+-------+---------------+---------------+
 * </pre>
 *
 * <ul>
 *   <li>VERSION: int64, the entry's version (upper layers compare them).</li>
 *   <li>EXPIRES_AT: int64 epoch milliseconds at which the entry expires; 0 = never.</li>
 *   <li>PREV / NEXT: int32 record indices in the LRU list (NEXT also links the free list).</li>
 *   <li>TTL: uint32 milliseconds that {@code touch} slides the expiry by; 0 = no expiry.</li>
 *   <li>KLEN: uint16 key length. VLEN: uint16 value length, {@link #TOMBSTONE} for a tombstone.</li>
 *   <li>USED_AT: int64 epoch milliseconds at which the record was last moved to the head of the
 *       LRU list; a hit within the table's LRU resolution of it leaves the list alone.</li>
 * </ul>
 */
final class RecordLayout {

    static final int HEADER_SIZE = 40;
    static final int TOMBSTONE = 0xFFFF;
    /** Largest key + value a record can hold: lengths are 16-bit and 0xFFFF marks a tombstone. */
    static final int MAX_RECORD_SIZE = 0xFFFF - 1;
    static final long MAX_TTL_MILLIS = 0xFFFF_FFFFL;

    static final int VERSION_OFFSET = 0;
    static final int EXPIRES_AT_OFFSET = VERSION_OFFSET + 8;
    static final int LRU_PREV_OFFSET = EXPIRES_AT_OFFSET + 8;
    static final int LRU_NEXT_OFFSET = LRU_PREV_OFFSET + 4;
    static final int TTL_MILLIS_OFFSET = LRU_NEXT_OFFSET + 4;
    static final int KEY_LENGTH_OFFSET = TTL_MILLIS_OFFSET + 4;
    static final int VALUE_LENGTH_OFFSET = KEY_LENGTH_OFFSET + 2;
    static final int USED_AT_OFFSET = VALUE_LENGTH_OFFSET + 2;
    static final int KEY_OFFSET = USED_AT_OFFSET + 8;

    private RecordLayout() {
    }

    static int stride(int recordSize) {
        return SegmentLayout.align((long) HEADER_SIZE + recordSize, 8);
    }
}

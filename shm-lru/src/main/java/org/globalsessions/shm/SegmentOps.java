package org.globalsessions.shm;

import static net.openhft.chronicle.core.UnsafeMemory.MEMORY;
import static org.globalsessions.shm.RecordLayout.*;
import static org.globalsessions.shm.SegmentLayout.*;

import net.openhft.chronicle.core.UnsafeMemory;
import net.openhft.hashing.LongHashFunction;
import sun.misc.Unsafe;

/**
 * The in-segment algorithms: index probing, record allocation, LRU links and statistics, on the
 * mapped memory at absolute addresses. Every method except the static helpers requires the
 * caller to hold the lock of the segment it is given ({@code s}, the segment's base address),
 * except the lookups a reader without the lock makes between {@link #readSeq} and
 * {@link #validate} (see "Reads without the lock").
 *
 * <h2>Index</h2>
 * Open addressing with linear probing over {@code slotsPerSegment} 4-byte slots, at most 2/3
 * full, so a hit probes ~2 slots and a miss ~5, nearly always within one cache line; an 8-bit
 * hash tag in each slot means a probe follows a record only once in 256 mismatches. Removal
 * uses backward-shift deletion (Knuth 6.4 Algorithm R), so the index never holds tombstones
 * of its own. A slot is written with an ordered store whenever it starts or stops pointing at
 * a record: that store is the commit point of an insert, replace or remove.
 *
 * <h2>Crash safety</h2>
 * A record is filled while unreachable (popped from the free list) and then published by one
 * slot store; a replacement is written into a fresh record and swapped in by one slot store; a
 * removal is one slot store followed by cleanup. So after a process dies anywhere inside an
 * operation, the index points only at whole records, and the worst damage is an LRU list or
 * free list with a half-done edit, a leaked record, or a slot duplicated by an unfinished
 * backward shift: all of which {@link SegmentRepair} rebuilds from the index.
 *
 * <h2>Reads without the lock</h2>
 * A lock holder makes the segment's SEQ odd before its first change ({@link #beginWrite}) and
 * even again, with a new value, after its last ({@link #endWrite}). A reader reads SEQ, probes
 * and copies with plain loads, and keeps what it read only if SEQ was even and is unchanged
 * after a load fence ({@link #validate}); anything it read meanwhile may be torn, so every
 * index and length it follows is checked against the geometry first (below), and a torn read
 * costs a retry, never a wild access. A holder that dies leaves SEQ odd: readers then take the
 * lock, which takes it over and repairs the segment.
 *
 * <h2>Trust</h2>
 * Record indices read from shared memory are checked against the geometry before use, so a
 * scribbled segment raises {@link CorruptSegmentException} (which triggers a repair) instead of
 * touching memory outside the mapping.
 */
final class SegmentOps {

    static final long BYTES = Unsafe.ARRAY_BYTE_BASE_OFFSET;
    private static final Unsafe UNSAFE = UnsafeMemory.UNSAFE;

    final int segments;
    final int capacity;
    final int records;
    final int slots;
    final int stride;
    final int recordSize;
    private final long segmentsBase;
    private final long segmentStride;
    private final long recordsOffset;
    private final LongHashFunction hasher;

    SegmentOps(long fileBase, ShmLruSettings settings, Geometry geometry) {
        this.segments = settings.segments();
        this.capacity = geometry.segmentCapacity();
        this.records = geometry.recordsPerSegment();
        this.slots = geometry.slotsPerSegment();
        this.stride = geometry.recordStride();
        this.recordSize = settings.recordSize();
        this.segmentsBase = fileBase + geometry.segmentsOffset();
        this.segmentStride = geometry.segmentStride();
        this.recordsOffset = SegmentLayout.HEADER_SIZE + SegmentLayout.slotsBytes(slots);
        this.hasher = LongHashFunction.xx3(settings.seed());
    }

    /** Resets a zero-filled segment header: empty lists, nothing used. Called once, by the initialiser. */
    static void initSegment(long s) {
        MEMORY.writeInt(s + LRU_HEAD_OFFSET, NIL);
        MEMORY.writeInt(s + LRU_TAIL_OFFSET, NIL);
        MEMORY.writeInt(s + FREE_HEAD_OFFSET, NIL);
        MEMORY.writeInt(s + ENTRY_COUNT_OFFSET, 0);
        MEMORY.writeInt(s + NEXT_UNUSED_OFFSET, 0);
    }

    // ---- addressing and hashing ------------------------------------------------------------

    long hash(byte[] key) {
        return hasher.hashBytes(key);
    }

    /** The hash of the key stored in record {@code r}, the same value {@link #hash(byte[])} gives. */
    long hashOfRecord(long r) {
        return hasher.hashMemory(r + KEY_OFFSET, keyLength(r));
    }

    int segmentOf(long hash) {
        return (int) (((hash >>> 32) * segments) >>> 32);
    }

    int home(long hash) {
        return (int) (((hash & 0xFFFF_FFFFL) * slots) >>> 32);
    }

    static int tag(long hash) {
        return (int) (hash >>> 32) & 0xFF;
    }

    long segment(int segment) {
        return segmentsBase + segment * segmentStride;
    }

    long slotAddress(long s, int pos) {
        return s + SLOTS_OFFSET + ((long) pos << 2);
    }

    long record(long s, int index) {
        return s + recordsOffset + (long) index * stride;
    }

    int next(int pos) {
        return pos + 1 == slots ? 0 : pos + 1;
    }

    int readSlot(long s, int pos) {
        return MEMORY.readInt(slotAddress(s, pos));
    }

    /** The record a non-empty slot points at, checked to be inside the segment. */
    int slotRecordChecked(long s, int slot) {
        int index = slotRecord(slot);
        if (index < 0 || index >= records) {
            throw new CorruptSegmentException("slot points at record " + index + " of " + records);
        }
        return index;
    }

    // ---- lookup ---------------------------------------------------------------------------

    /**
     * Finds {@code key}: its slot position if present, else {@code -(p + 1)} where {@code p} is
     * the empty slot that ends its probe sequence (where it would be inserted).
     */
    int find(long s, byte[] key, long hash) {
        int tag = tag(hash);
        int pos = home(hash);
        for (int probes = 0; probes < slots; probes++) {
            int slot = readSlot(s, pos);
            if (slot == 0) {
                return -(pos + 1);
            }
            if (slotTag(slot) == tag && keyEquals(record(s, slotRecordChecked(s, slot)), key)) {
                return pos;
            }
            pos = next(pos);
        }
        throw new CorruptSegmentException("index has no empty slot");
    }

    /** The slot position that points at record {@code index}, found by probing from its key's home. */
    int slotOf(long s, int index) {
        long r = record(s, index);
        checkKeyLength(r);
        long hash = hashOfRecord(r);
        int pos = home(hash);
        for (int probes = 0; probes < slots; probes++) {
            int slot = readSlot(s, pos);
            if (slot == 0) {
                break;
            }
            if (slotRecord(slot) == index) {
                return pos;
            }
            pos = next(pos);
        }
        throw new CorruptSegmentException("record " + index + " is in the LRU list but not in the index");
    }

    boolean keyEquals(long r, byte[] key) {
        int n = key.length;
        if (keyLength(r) != n) {
            return false;
        }
        long a = r + KEY_OFFSET;
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            if (MEMORY.readLong(a + i) != UNSAFE.getLong(key, BYTES + i)) {
                return false;
            }
        }
        for (; i < n; i++) {
            if (MEMORY.readByte(a + i) != key[i]) {
                return false;
            }
        }
        return true;
    }

    // ---- record fields --------------------------------------------------------------------

    static int keyLength(long r) {
        return MEMORY.readShort(r + KEY_LENGTH_OFFSET) & 0xFFFF;
    }

    static int valueLength(long r) {
        return MEMORY.readShort(r + VALUE_LENGTH_OFFSET) & 0xFFFF;
    }

    static boolean isTombstone(long r) {
        return valueLength(r) == TOMBSTONE;
    }

    static long version(long r) {
        return MEMORY.readLong(r + VERSION_OFFSET);
    }

    static long expiresAt(long r) {
        return MEMORY.readLong(r + EXPIRES_AT_OFFSET);
    }

    /** When the record last became the head of the LRU list (epoch ms). */
    static long usedAt(long r) {
        return MEMORY.readLong(r + USED_AT_OFFSET);
    }

    static long ttlMillis(long r) {
        return MEMORY.readInt(r + TTL_MILLIS_OFFSET) & 0xFFFF_FFFFL;
    }

    static boolean isExpired(long r, long now) {
        long expiresAt = expiresAt(r);
        return expiresAt != 0 && now >= expiresAt;
    }

    void checkKeyLength(long r) {
        checkLengths(keyLength(r), valueLength(r));
    }

    /** Refuses a key length and value length (or {@link RecordLayout#TOMBSTONE}) that do not fit a record. */
    private void checkLengths(int k, int v) {
        if (k == 0 || k > recordSize || (v != TOMBSTONE && k + v > recordSize)) {
            throw new CorruptSegmentException("record holds key length " + k + " and value length " + v
                    + " for record_size " + recordSize);
        }
    }

    byte[] key(long r) {
        byte[] key = new byte[keyLength(r)];
        copyOut(r + KEY_OFFSET, key, 0, key.length);
        return key;
    }

    /**
     * The value of a live record (never call on a tombstone). Both lengths are read once and
     * checked before the copy, so a reader without the lock, which may see the lengths of two
     * different writes, never copies past the record.
     */
    byte[] value(long r) {
        int k = keyLength(r);
        int v = valueLength(r);
        checkLengths(k, v);
        if (v == TOMBSTONE) {
            throw new CorruptSegmentException("record read as live holds a tombstone"); // only a torn read sees this
        }
        byte[] value = new byte[v];
        copyOut(r + KEY_OFFSET + k, value, 0, v);
        return value;
    }

    /**
     * Copies the value of a live record into {@code target} if it fits, else nothing, and
     * returns its length: {@link #value} without the allocation, with the same checks.
     */
    int valueInto(long r, byte[] target) {
        int k = keyLength(r);
        int v = valueLength(r);
        checkLengths(k, v);
        if (v == TOMBSTONE) {
            throw new CorruptSegmentException("record read as live holds a tombstone"); // only a torn read sees this
        }
        if (v <= target.length) {
            copyOut(r + KEY_OFFSET + k, target, 0, v);
        }
        return v;
    }

    /** Slides the expiry of a record with a TTL; an ordered 8-byte store, never torn. */
    static void touch(long r, long now) {
        long ttl = ttlMillis(r);
        if (ttl != 0) {
            MEMORY.writeOrderedLong(r + EXPIRES_AT_OFFSET, now + ttl);
        }
    }

    static void copyOut(long address, byte[] target, int offset, int length) {
        UNSAFE.copyMemory(null, address, target, BYTES + offset, length);
    }

    private static void copyIn(byte[] source, long address) {
        UNSAFE.copyMemory(source, BYTES, null, address, source.length);
    }

    // ---- mutation -------------------------------------------------------------------------

    /**
     * Writes a new record for {@code key} into the empty slot {@code emptyPos}; the segment must
     * have room. It becomes the most recently used, at {@code now}.
     */
    void insert(long s, int emptyPos, long hash, byte[] key, byte[] value, long version, long expiresAt, long ttl, long now) {
        int index = allocate(s);
        fill(record(s, index), key, value, version, expiresAt, ttl);
        linkHead(s, index, now);
        MEMORY.writeOrderedInt(slotAddress(s, emptyPos), slot(tag(hash), index)); // commit
        MEMORY.writeInt(s + ENTRY_COUNT_OFFSET, entryCount(s) + 1);
    }

    /** Replaces the record at slot {@code pos} with a new one (written beside it, then swapped in), used at {@code now}. */
    void replace(long s, int pos, long hash, byte[] key, byte[] value, long version, long expiresAt, long ttl, long now) {
        int old = slotRecordChecked(s, readSlot(s, pos));
        int index = allocate(s);
        fill(record(s, index), key, value, version, expiresAt, ttl);
        MEMORY.writeOrderedInt(slotAddress(s, pos), slot(tag(hash), index)); // commit
        unlink(s, old);
        release(s, old);
        linkHead(s, index, now);
    }

    /** Removes the record at slot {@code pos}. */
    void removeAt(long s, int pos) {
        int index = slotRecordChecked(s, readSlot(s, pos));
        deleteSlot(s, pos); // commit: its first store overwrites the slot
        unlink(s, index);
        release(s, index);
        MEMORY.writeInt(s + ENTRY_COUNT_OFFSET, entryCount(s) - 1);
    }

    /**
     * Backward-shift deletion: empties slot {@code pos} and moves later members of the probe run
     * back so every key stays reachable from its home. Each move copies a slot before the old
     * copy is overwritten, so an interrupted shift leaves a duplicate, never a loss.
     */
    void deleteSlot(long s, int pos) {
        int hole = pos;
        int j = pos;
        while (true) {
            j = next(j);
            int slot = readSlot(s, j);
            if (slot == 0) {
                MEMORY.writeOrderedInt(slotAddress(s, hole), 0);
                return;
            }
            long r = record(s, slotRecordChecked(s, slot));
            checkKeyLength(r);
            int home = home(hashOfRecord(r));
            // The entry at j may move back to the hole unless its home lies cyclically in (hole, j].
            boolean stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
            if (!stays) {
                MEMORY.writeOrderedInt(slotAddress(s, hole), slot);
                hole = j;
            }
        }
    }

    private void fill(long r, byte[] key, byte[] value, long version, long expiresAt, long ttl) {
        MEMORY.writeLong(r + VERSION_OFFSET, version);
        MEMORY.writeLong(r + EXPIRES_AT_OFFSET, expiresAt);
        MEMORY.writeInt(r + TTL_MILLIS_OFFSET, (int) ttl);
        MEMORY.writeShort(r + KEY_LENGTH_OFFSET, (short) key.length);
        MEMORY.writeShort(r + VALUE_LENGTH_OFFSET, (short) (value == null ? TOMBSTONE : value.length));
        copyIn(key, r + KEY_OFFSET);
        if (value != null) {
            copyIn(value, r + KEY_OFFSET + key.length);
        }
    }

    /** Takes a free record: the head of the free list, else the next never-used record. */
    private int allocate(long s) {
        int free = MEMORY.readInt(s + FREE_HEAD_OFFSET);
        if (free != NIL) {
            checkIndex(free);
            MEMORY.writeInt(s + FREE_HEAD_OFFSET, MEMORY.readInt(record(s, free) + LRU_NEXT_OFFSET));
            return free;
        }
        int unused = MEMORY.readInt(s + NEXT_UNUSED_OFFSET);
        if (unused < 0 || unused >= records) {
            throw new CorruptSegmentException("no free record (next unused " + unused + " of " + records + ")");
        }
        MEMORY.writeInt(s + NEXT_UNUSED_OFFSET, unused + 1);
        return unused;
    }

    private void release(long s, int index) {
        long r = record(s, index);
        MEMORY.writeInt(r + LRU_PREV_OFFSET, NIL);
        MEMORY.writeInt(r + LRU_NEXT_OFFSET, MEMORY.readInt(s + FREE_HEAD_OFFSET));
        MEMORY.writeInt(s + FREE_HEAD_OFFSET, index);
    }

    // ---- LRU list -------------------------------------------------------------------------

    int lruHead(long s) {
        return MEMORY.readInt(s + LRU_HEAD_OFFSET);
    }

    int lruTail(long s) {
        return MEMORY.readInt(s + LRU_TAIL_OFFSET);
    }

    int lruNext(long s, int index) {
        return MEMORY.readInt(record(s, index) + LRU_NEXT_OFFSET);
    }

    /** Makes record {@code index} the most recently used, at {@code now}. */
    void moveToHead(long s, int index, long now) {
        if (lruHead(s) != index) {
            unlink(s, index);
            linkHead(s, index, now);
        } else {
            MEMORY.writeLong(record(s, index) + USED_AT_OFFSET, now);
        }
    }

    private void linkHead(long s, int index, long now) {
        long r = record(s, index);
        int head = lruHead(s);
        MEMORY.writeLong(r + USED_AT_OFFSET, now);
        MEMORY.writeInt(r + LRU_PREV_OFFSET, NIL);
        MEMORY.writeInt(r + LRU_NEXT_OFFSET, head);
        if (head == NIL) {
            MEMORY.writeInt(s + LRU_TAIL_OFFSET, index);
        } else {
            checkIndex(head);
            MEMORY.writeInt(record(s, head) + LRU_PREV_OFFSET, index);
        }
        MEMORY.writeInt(s + LRU_HEAD_OFFSET, index);
    }

    private void unlink(long s, int index) {
        long r = record(s, index);
        int prev = MEMORY.readInt(r + LRU_PREV_OFFSET);
        int next = MEMORY.readInt(r + LRU_NEXT_OFFSET);
        if (prev == NIL) {
            MEMORY.writeInt(s + LRU_HEAD_OFFSET, next);
        } else {
            checkIndex(prev);
            MEMORY.writeInt(record(s, prev) + LRU_NEXT_OFFSET, next);
        }
        if (next == NIL) {
            MEMORY.writeInt(s + LRU_TAIL_OFFSET, prev);
        } else {
            checkIndex(next);
            MEMORY.writeInt(record(s, next) + LRU_PREV_OFFSET, prev);
        }
    }

    void checkIndex(int index) {
        if (index < 0 || index >= records) {
            throw new CorruptSegmentException("link to record " + index + " of " + records);
        }
    }

    // ---- the change sequence ------------------------------------------------------------------

    /**
     * Called by a new lock holder before it changes anything: SEQ becomes odd (it stays odd if a
     * dead holder left it so), and the fence keeps every later store behind it.
     */
    static void beginWrite(long s) {
        MEMORY.writeLong(s + SEQ_OFFSET, MEMORY.readLong(s + SEQ_OFFSET) | 1);
        UNSAFE.storeFence();
    }

    /** Called by the lock holder after its last change: SEQ becomes even and new, ordered after every change. */
    static void endWrite(long s) {
        MEMORY.writeOrderedLong(s + SEQ_OFFSET, (MEMORY.readLong(s + SEQ_OFFSET) | 1) + 1);
    }

    /** SEQ, read with acquire semantics before a read without the lock; odd means a holder is changing the segment. */
    static long readSeq(long s) {
        return MEMORY.readVolatileLong(s + SEQ_OFFSET);
    }

    /** Whether nothing changed the segment since {@link #readSeq} returned {@code seq} (which must be even). */
    static boolean validate(long s, long seq) {
        UNSAFE.loadFence();
        return MEMORY.readLong(s + SEQ_OFFSET) == seq;
    }

    // ---- counts and statistics --------------------------------------------------------------

    static int entryCount(long s) {
        return MEMORY.readInt(s + ENTRY_COUNT_OFFSET);
    }

    /** The entry count read without the lock (an atomic 4-byte load). */
    static int entryCountVolatile(long s) {
        return MEMORY.readVolatileInt(s + ENTRY_COUNT_OFFSET);
    }

    /** Adds one to a statistics counter; plain read and write, under the segment lock. */
    static void count(long s, int counterOffset) {
        add(s, counterOffset, 1);
    }

    /** Adds {@code n} to a statistics counter, under the segment lock. */
    static void add(long s, int counterOffset, long n) {
        long a = s + counterOffset;
        MEMORY.writeLong(a, MEMORY.readLong(a) + n);
    }

    /** Reads a counter without the lock: an atomic 8-byte load, at worst a few operations old. */
    static long counter(long s, int counterOffset) {
        return MEMORY.readVolatileLong(s + counterOffset);
    }

    /** Thrown when a segment's structure contradicts itself; the caller repairs the segment. */
    static final class CorruptSegmentException extends RuntimeException {
        CorruptSegmentException(String message) {
            super(message, null, false, false);
        }
    }
}

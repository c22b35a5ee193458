package org.globalsessions.shm;

import static net.openhft.chronicle.core.UnsafeMemory.MEMORY;
import static org.globalsessions.shm.RecordLayout.*;
import static org.globalsessions.shm.SegmentLayout.*;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checking and rebuilding a segment after its lock holder died (or after a structural check
 * failed). The caller holds the segment lock.
 *
 * <h2>What is trusted</h2>
 * The index is the commit record: every insert, replace and remove commits with one ordered
 * slot store, and a record is whole before a slot points at it (see {@link SegmentOps}). So
 * repair keeps every record the index points at, and rebuilds everything else from it:
 * <ol>
 *   <li>Check the index: every slot in range, sane lengths, the tag its key hashes to, distinct
 *   keys, reachable from home. A crash of ours leaves it sound except for one possible
 *   duplicate slot from an interrupted backward shift, which is finished in place with the same
 *   crash-safe deletion. Only an index scribbled on by something else is rebuilt wholesale.</li>
 *   <li>Rebuild the LRU list: walk the old list from its head as long as it leads to indexed,
 *   unvisited records, and (if that walk broke) back from its tail the same way; what neither
 *   walk reached goes between the two, so both ends keep their order.</li>
 *   <li>Rebuild the free list from every used record the index does not hold; reset the count.</li>
 * </ol>
 * Every step derives from the index and none changes what it holds, so a process that dies
 * while repairing leaves the next repairer the same starting point.
 * Nothing committed is lost: an entry whose commit store happened is kept, one whose commit
 * store did not happen was never acknowledged to its writer.
 */
final class SegmentRepair {

    private SegmentRepair() {
    }

    /** Rebuilds segment {@code s}; returns a one-line account of what it found and did. */
    static String repair(SegmentOps ops, long s) {
        int records = ops.records;
        int duplicates = 0;
        String indexAccount;
        if (indexIsSound(ops, s)) {
            // The only damage a crash does to a sound index: a backward shift stopped between
            // copying a slot and overwriting the original, leaving the entry at two positions of
            // one run. Deleting the copy farther from home finishes that shift, crash-safely.
            int pos;
            while ((pos = fartherDuplicate(ops, s)) >= 0) {
                ops.deleteSlot(s, pos);
                duplicates++;
            }
            indexAccount = duplicates == 0 ? "index intact" : "finished an interrupted index shift";
        } else {
            indexAccount = rebuildIndex(ops, s);
        }

        boolean[] kept = new boolean[records];
        List<Integer> keptSlots = new ArrayList<>();
        for (int pos = 0; pos < ops.slots; pos++) {
            int slot = ops.readSlot(s, pos);
            if (slot != 0) {
                kept[slotRecord(slot)] = true;
                keptSlots.add(slotRecord(slot));
            }
        }

        // LRU order: the old list's consistent prefix (most recent first), its consistent
        // suffix (walked back from the tail), and in between whatever neither walk reached.
        int[] order = new int[keptSlots.size()];
        int n = 0;
        boolean[] visited = new boolean[records];
        int cursor = MEMORY.readInt(s + LRU_HEAD_OFFSET);
        int lruBroken = 0;
        while (cursor != NIL && n < order.length) {
            if (cursor < 0 || cursor >= records || !kept[cursor] || visited[cursor]) {
                lruBroken = 1;
                break;
            }
            visited[cursor] = true;
            order[n++] = cursor;
            cursor = MEMORY.readInt(ops.record(s, cursor) + LRU_NEXT_OFFSET);
        }
        List<Integer> suffix = new ArrayList<>();
        if (lruBroken == 1) {
            cursor = MEMORY.readInt(s + LRU_TAIL_OFFSET);
            while (cursor != NIL && n + suffix.size() < order.length
                    && cursor >= 0 && cursor < records && kept[cursor] && !visited[cursor]) {
                visited[cursor] = true;
                suffix.add(cursor);
                cursor = MEMORY.readInt(ops.record(s, cursor) + LRU_PREV_OFFSET);
            }
        }
        int appended = 0;
        for (int index : keptSlots) {
            if (!visited[index]) {
                order[n++] = index;
                appended++;
            }
        }
        for (int i = suffix.size() - 1; i >= 0; i--) {
            order[n++] = suffix.get(i);
        }
        for (int i = 0; i < n; i++) {
            long r = ops.record(s, order[i]);
            MEMORY.writeInt(r + LRU_PREV_OFFSET, i == 0 ? NIL : order[i - 1]);
            MEMORY.writeInt(r + LRU_NEXT_OFFSET, i == n - 1 ? NIL : order[i + 1]);
        }
        MEMORY.writeInt(s + LRU_HEAD_OFFSET, n == 0 ? NIL : order[0]);
        MEMORY.writeInt(s + LRU_TAIL_OFFSET, n == 0 ? NIL : order[n - 1]);

        int unused = MEMORY.readInt(s + NEXT_UNUSED_OFFSET);
        if (unused < 0 || unused > records) {
            unused = records;
            MEMORY.writeInt(s + NEXT_UNUSED_OFFSET, unused);
        }
        int free = NIL;
        int freed = 0;
        for (int index = unused - 1; index >= 0; index--) {
            if (!kept[index]) {
                long r = ops.record(s, index);
                MEMORY.writeInt(r + LRU_PREV_OFFSET, NIL);
                MEMORY.writeInt(r + LRU_NEXT_OFFSET, free);
                free = index;
                freed++;
            }
        }
        MEMORY.writeInt(s + FREE_HEAD_OFFSET, free);
        MEMORY.writeInt(s + ENTRY_COUNT_OFFSET, n);
        SegmentOps.count(s, LOCK_RECOVERIES_OFFSET);

        return "kept " + n + " entries, " + indexAccount + ", "
                + (lruBroken + appended > 0 ? "relinked " + appended + " entries into the LRU list" : "LRU list intact")
                + ", " + freed + " free records";
    }

    /**
     * Whether every slot points at a distinct-keyed, in-range record with sane lengths and the
     * right tag, reachable from its key's home: all that a crash inside our own code can leave,
     * apart from duplicate slots of one record.
     */
    private static boolean indexIsSound(SegmentOps ops, long s) {
        Map<ByteBuffer, Integer> byKey = new HashMap<>();
        for (int pos = 0; pos < ops.slots; pos++) {
            int slot = ops.readSlot(s, pos);
            if (slot == 0) {
                continue;
            }
            int index = slotRecord(slot);
            if (index < 0 || index >= ops.records) {
                return false;
            }
            long r = ops.record(s, index);
            if (!saneLengths(ops, r) || SegmentOps.tag(ops.hashOfRecord(r)) != slotTag(slot)) {
                return false;
            }
            Integer other = byKey.putIfAbsent(ByteBuffer.wrap(ops.key(r)), index);
            if (other != null && other != index) {
                return false;
            }
            if (!reachable(ops, s, pos, ops.home(ops.hashOfRecord(r)))) {
                return false;
            }
        }
        return true;
    }

    /** No empty slot lies between {@code home} and {@code pos}. */
    private static boolean reachable(SegmentOps ops, long s, int pos, int home) {
        for (int p = home; p != pos; p = ops.next(p)) {
            if (ops.readSlot(s, p) == 0) {
                return false;
            }
        }
        return true;
    }

    /** A slot holding a record that an earlier slot (nearer the key's home) also holds, or -1. */
    private static int fartherDuplicate(SegmentOps ops, long s) {
        Map<Integer, Integer> seen = new HashMap<>();
        for (int pos = 0; pos < ops.slots; pos++) {
            int slot = ops.readSlot(s, pos);
            if (slot == 0) {
                continue;
            }
            Integer first = seen.putIfAbsent(slotRecord(slot), pos);
            if (first != null) {
                int home = ops.home(ops.hashOfRecord(ops.record(s, slotRecord(slot))));
                int d1 = Math.floorMod(first - home, ops.slots);
                int d2 = Math.floorMod(pos - home, ops.slots);
                return d1 > d2 ? first : pos;
            }
        }
        return -1;
    }

    /**
     * Rebuilds the index from the valid slots it holds. Only needed when the index holds what no
     * crash of ours produces (a scribbled file); unlike the in-place path it is not crash-safe.
     */
    private static String rebuildIndex(SegmentOps ops, long s) {
        boolean[] kept = new boolean[ops.records];
        List<Integer> keptSlots = new ArrayList<>();
        Map<ByteBuffer, Integer> byKey = new HashMap<>();
        int badSlots = 0;
        int duplicates = 0;
        for (int pos = 0; pos < ops.slots; pos++) {
            int slot = ops.readSlot(s, pos);
            if (slot == 0) {
                continue;
            }
            int index = slotRecord(slot);
            if (index < 0 || index >= ops.records) {
                badSlots++;
                continue;
            }
            if (kept[index]) {
                duplicates++;
                continue;
            }
            long r = ops.record(s, index);
            if (!saneLengths(ops, r) || SegmentOps.tag(ops.hashOfRecord(r)) != slotTag(slot)) {
                badSlots++;
                continue;
            }
            ByteBuffer key = ByteBuffer.wrap(ops.key(r));
            Integer other = byKey.get(key);
            if (other != null) {
                duplicates++;
                if (SegmentOps.version(ops.record(s, other)) >= SegmentOps.version(r)) {
                    continue;
                }
                kept[other] = false;
                keptSlots.remove(other);
            }
            byKey.put(key, index);
            kept[index] = true;
            keptSlots.add(index);
        }
        for (int pos = 0; pos < ops.slots; pos++) {
            MEMORY.writeInt(ops.slotAddress(s, pos), 0);
        }
        for (int index : keptSlots) {
            long hash = ops.hashOfRecord(ops.record(s, index));
            int pos = ops.home(hash);
            while (ops.readSlot(s, pos) != 0) {
                pos = ops.next(pos);
            }
            MEMORY.writeInt(ops.slotAddress(s, pos), slot(SegmentOps.tag(hash), index));
        }
        return "rebuilt the index (dropped " + badSlots + " bad and " + duplicates + " duplicate slots)";
    }

    /** Checks segment {@code s} without changing it; adds one line per problem found. */
    static int verify(SegmentOps ops, long s, int segment, List<String> problems) {
        int records = ops.records;
        boolean[] indexed = new boolean[records];
        int entries = 0;
        String where = "segment " + segment + ": ";
        for (int pos = 0; pos < ops.slots; pos++) {
            int slot = ops.readSlot(s, pos);
            if (slot == 0) {
                continue;
            }
            int index = slotRecord(slot);
            if (index < 0 || index >= records) {
                problems.add(where + "slot " + pos + " points at record " + index);
                continue;
            }
            if (indexed[index]) {
                problems.add(where + "record " + index + " is indexed twice");
                continue;
            }
            indexed[index] = true;
            entries++;
            long r = ops.record(s, index);
            if (!saneLengths(ops, r)) {
                problems.add(where + "record " + index + " has bad lengths");
                continue;
            }
            byte[] key = ops.key(r);
            if (ops.find(s, key, ops.hash(key)) != pos) {
                problems.add(where + "record " + index + " is not reachable from its key's home slot");
            }
        }
        if (entries > ops.capacity) {
            problems.add(where + entries + " entries exceed the capacity " + ops.capacity);
        }
        int count = SegmentOps.entryCount(s);
        if (count != entries) {
            problems.add(where + "entry count " + count + " but " + entries + " indexed records");
        }

        boolean[] listed = new boolean[records];
        int listedCount = 0;
        int prev = NIL;
        int cursor = ops.lruHead(s);
        while (cursor != NIL) {
            if (cursor < 0 || cursor >= records || listed[cursor]) {
                problems.add(where + "LRU list is broken at record " + cursor);
                break;
            }
            listed[cursor] = true;
            listedCount++;
            if (!indexed[cursor]) {
                problems.add(where + "LRU list holds unindexed record " + cursor);
            }
            if (MEMORY.readInt(ops.record(s, cursor) + LRU_PREV_OFFSET) != prev) {
                problems.add(where + "record " + cursor + " has a wrong LRU back link");
            }
            prev = cursor;
            cursor = ops.lruNext(s, cursor);
        }
        if (ops.lruTail(s) != prev) {
            problems.add(where + "LRU tail " + ops.lruTail(s) + " is not the list's last record " + prev);
        }
        if (listedCount != entries) {
            problems.add(where + "LRU list holds " + listedCount + " records, the index " + entries);
        }

        int unused = MEMORY.readInt(s + NEXT_UNUSED_OFFSET);
        int freeCount = 0;
        cursor = MEMORY.readInt(s + FREE_HEAD_OFFSET);
        while (cursor != NIL) {
            if (cursor < 0 || cursor >= records || listed[cursor] || indexed[cursor] || cursor >= unused) {
                problems.add(where + "free list is broken at record " + cursor);
                break;
            }
            listed[cursor] = true;
            freeCount++;
            cursor = ops.lruNext(s, cursor);
        }
        if (entries + freeCount + (records - unused) != records) {
            problems.add(where + "records leak: " + entries + " used + " + freeCount + " free + "
                    + (records - unused) + " never used != " + records);
        }
        return entries;
    }

    private static boolean saneLengths(SegmentOps ops, long r) {
        int k = SegmentOps.keyLength(r);
        int v = SegmentOps.valueLength(r);
        return k > 0 && k <= ops.recordSize && (v == TOMBSTONE || k + v <= ops.recordSize);
    }
}

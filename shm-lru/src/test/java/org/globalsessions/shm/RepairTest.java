package org.globalsessions.shm;

import static net.openhft.chronicle.core.UnsafeMemory.MEMORY;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.globalsessions.testkit.ShmDirectory;

/**
 * Repair of damage a dead lock holder can leave (and some it cannot), set up by writing the
 * damage into the mapped file and a dead process's tag into the segment's lock word. The next
 * operation must wait out the lease, take the lock over, repair, and lose no committed entry.
 */
class RepairTest {

    private static final int ENTRIES = 40;

    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    private ShmLru table;
    private SegmentOps ops;
    private long s;

    private void fill() {
        Path path = shm.file("repair.lru");
        ShmLruSettings settings = ShmLruSettings.builder().elCount(64).recordSize(48).segments(1)
                .lockLease(Duration.ofMillis(20)).build();
        table = ShmLru.create(path, settings);
        for (int i = 0; i < ENTRIES; i++) {
            table.put(key(i), ("value-" + i).getBytes(StandardCharsets.UTF_8), null);
        }
        ops = table.opsForTest();
        s = ops.segment(0);
    }

    private static byte[] key(int i) {
        return ("key-" + i).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Puts the tag of a process that has exited into the lock word and leaves the change
     * sequence odd, as a holder that died while changing the segment does.
     */
    private void lockByDeadProcess() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        MEMORY.writeOrderedLong(s + SegmentLayout.LOCK_WORD_OFFSET, gone.pid() << 32);
        SegmentOps.beginWrite(s);
    }

    private void assertAllPresentAndSound(int expectedEntries, int exceptKey) {
        for (int i = 0; i < ENTRIES; i++) {
            if (i != exceptKey) {
                assertArrayEquals(("value-" + i).getBytes(StandardCharsets.UTF_8), table.get(key(i)), "key-" + i);
            }
        }
        IntegrityReport report = table.verify();
        assertTrue(report.ok(), report.problems().toString());
        assertEquals(expectedEntries, report.entries());
    }

    @Test
    void lockOfADeadProcessIsTakenOverAfterTheLease() throws Exception {
        fill();
        lockByDeadProcess();
        long start = System.nanoTime();
        assertNotNull(table.get(key(1)));
        assertTrue(System.nanoTime() - start >= Duration.ofMillis(20).toNanos(), "a waiter first waits out the lease");
        assertEquals(1, table.stats().lockRecoveries());
        assertAllPresentAndSound(ENTRIES, -1);
        table.close();
    }

    @Test
    void brokenLruLinksAreRebuiltFromTheIndex() throws Exception {
        fill();
        int head = ops.lruHead(s);
        int second = ops.lruNext(s, head);
        MEMORY.writeInt(ops.record(s, second) + RecordLayout.LRU_NEXT_OFFSET, head); // a cycle, as a half-done unlink might leave
        MEMORY.writeInt(s + SegmentLayout.LRU_TAIL_OFFSET, 12345);
        lockByDeadProcess();
        assertAllPresentAndSound(ENTRIES, -1);
        assertEquals(1, table.stats().lockRecoveries());
        table.close();
    }

    @Test
    void aBrokenLinkInTheMiddleKeepsBothEndsOfTheLruOrder() throws Exception {
        fill();
        List<String> before = keys(table.keysByRecency(0));
        int head = ops.lruHead(s);
        int cursor = head;
        for (int i = 0; i < 10; i++) {
            cursor = ops.lruNext(s, cursor);
        }
        MEMORY.writeInt(ops.record(s, cursor) + RecordLayout.LRU_NEXT_OFFSET, 99_999); // broken after the 11th
        lockByDeadProcess();
        List<String> after = keys(table.keysByRecency(0));
        // The forward walk keeps the first 11, the backward walk (prev links are intact) the rest.
        assertEquals(before, after, "one broken link loses no order");
        assertTrue(table.verify().ok());
        table.close();
    }

    private static List<String> keys(List<byte[]> raw) {
        return raw.stream().map(k -> new String(k, StandardCharsets.UTF_8)).toList();
    }

    @Test
    void leakedRecordsReturnToTheFreeList() throws Exception {
        fill();
        table.remove(key(0));
        table.remove(key(1));
        MEMORY.writeInt(s + SegmentLayout.FREE_HEAD_OFFSET, SegmentLayout.NIL); // as if popped by a writer that died
        lockByDeadProcess();
        table.get(key(2));
        for (int i = 0; i < 26; i++) { // 38 + 26 = 64: exactly full
            table.put(("new-" + i).getBytes(StandardCharsets.UTF_8), new byte[] {1}, null);
        }
        assertEquals(0, table.stats().evictions(), "the leaked records were recovered, so nothing had to be evicted");
        assertEquals(1, table.stats().lockRecoveries());
        IntegrityReport report = table.verify();
        assertTrue(report.ok(), report.problems().toString());
        table.close();
    }

    @Test
    void interruptedBackwardShiftIsFinished() throws Exception {
        fill();
        // Find a slot p whose successor's entry could move back into it, and copy it there: the
        // state a removal of p's entry leaves when its backward shift stops after the first copy.
        int p = -1;
        for (int pos = 0; pos < ops.slots && p < 0; pos++) {
            int next = ops.next(pos);
            int slot = ops.readSlot(s, pos);
            int following = ops.readSlot(s, next);
            if (slot != 0 && following != 0) {
                int home = ops.home(ops.hashOfRecord(ops.record(s, SegmentLayout.slotRecord(following))));
                if (home != next) {
                    p = pos;
                }
            }
        }
        assertTrue(p >= 0, "40 entries in 96 slots always have a displaced entry");
        int removed = SegmentLayout.slotRecord(ops.readSlot(s, p));
        String removedKey = new String(ops.key(ops.record(s, removed)), StandardCharsets.UTF_8);
        MEMORY.writeInt(ops.slotAddress(s, p), ops.readSlot(s, ops.next(p)));
        lockByDeadProcess();
        table.get(key(0));
        int removedIndex = Integer.parseInt(removedKey.substring(4));
        assertNull(table.get(key(removedIndex)), "the removal committed with its first slot store");
        assertAllPresentAndSound(ENTRIES - 1, removedIndex);
        table.close();
    }

    @Test
    void scribbledIndexIsRebuiltKeepingEveryValidEntry() throws Exception {
        fill();
        int empty = 0;
        while (ops.readSlot(s, empty) != 0) {
            empty++;
        }
        MEMORY.writeInt(ops.slotAddress(s, empty), SegmentLayout.slot(7, 60_000)); // out of range: nothing we write
        lockByDeadProcess();
        assertAllPresentAndSound(ENTRIES, -1);
        table.close();
    }

    @Test
    void corruptionFoundByAnOperationIsRepairedAndTheOperationRetried() {
        fill();
        MEMORY.writeInt(s + SegmentLayout.FREE_HEAD_OFFSET, 9_999); // no such record
        table.remove(key(5));
        MEMORY.writeInt(s + SegmentLayout.FREE_HEAD_OFFSET, 9_999);
        assertEquals(1, table.put(key(5), "value-5".getBytes(StandardCharsets.UTF_8), null));
        assertEquals(1, table.stats().lockRecoveries());
        assertAllPresentAndSound(ENTRIES, -1);
        table.close();
    }
}

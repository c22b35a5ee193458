package org.globalsessions.actors.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

import org.globalsessions.runtime.protocol.WriterIds;

/** A relay's edge ids on explicit clocks: unique, kept, freed only after their holders' leases ran out. */
class EdgeWriterIdsTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void everyEdgeGetsItsOwnIdUntilTheSlotIsFull() {
        EdgeWriterIds<String> ids = new EdgeWriterIds<>();
        long now = 42 * SECOND;
        ids.slotGranted(3, now);
        Set<Integer> given = new HashSet<>();
        for (int edge = 0; edge < WriterIds.EDGES_PER_SLOT; edge++) {
            int id = ids.heartbeat("edge-" + edge, now);
            assertEquals(3, WriterIds.slotOf(id));
            assertTrue(given.add(id), "id " + id + " given twice");
        }
        assertEquals(WriterIds.NONE, ids.heartbeat("one-too-many", now), "no id is given twice: a full slot gives none");
        assertEquals(WriterIds.of(3, 0), ids.heartbeat("edge-0", now), "a known edge keeps its id");
    }

    @Test
    void anIdGoesToAnotherEdgeOnlyAfterItsHolderFellSilentLongerThanItsLease() {
        EdgeWriterIds<String> ids = new EdgeWriterIds<>();
        long t0 = 100 * SECOND;
        ids.slotGranted(1, t0);
        int a = ids.heartbeat("a", t0);
        long freeAt = t0 + WriterIds.EDGE_FREE_AFTER.toNanos();
        assertTrue(WriterIds.EDGE_FREE_AFTER.compareTo(WriterIds.EDGE_LEASE) > 0, "an id is freed after the lease it ends");
        ids.slotGranted(1, t0 + SECOND); // renewals keep the slot
        ids.expire(freeAt);
        assertNotEquals(a, ids.heartbeat("b", freeAt), "a's id is still reserved at its free-after time");
        ids.slotGranted(1, freeAt);
        ids.expire(freeAt + 1);
        assertEquals(a, ids.heartbeat("c", freeAt + 1), "and free just after it");
    }

    @Test
    void idsAreGivenOnlyWhileTheSlotLeaseHoldsAndAnotherSlotStartsAfresh() {
        EdgeWriterIds<String> ids = new EdgeWriterIds<>();
        long t0 = 7 * SECOND;
        assertEquals(WriterIds.NONE, ids.heartbeat("a", t0), "no slot: no id");
        ids.slotGranted(2, t0);
        assertEquals(WriterIds.of(2, 0), ids.heartbeat("a", t0));
        long lapsed = t0 + WriterIds.SLOT_LEASE.toNanos();
        assertEquals(WriterIds.NONE, ids.heartbeat("a", lapsed), "the slot lease ran out (counted from the claim's send time)");
        ids.slotGranted(9, lapsed);
        assertEquals(WriterIds.of(9, 0), ids.heartbeat("b", lapsed), "a new slot: ids from its start");
        assertEquals(9, ids.slot());
    }
}

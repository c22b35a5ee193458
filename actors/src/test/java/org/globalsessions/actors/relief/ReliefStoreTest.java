package org.globalsessions.actors.relief;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

class ReliefStoreTest {

    private static ReliefStore.Item item(String value, long version, long expiresAt) {
        return new ReliefStore.Item(value.getBytes(StandardCharsets.UTF_8), version, 60_000, expiresAt);
    }

    @Test
    void olderVersionsAreRefusedAndTheSameVersionAgainIsAcknowledged() {
        ReliefStore store = new ReliefStore(10, 10);
        assertTrue(store.put("k", item("v5", 5, 1_000), 0).stored());
        ReliefStore.WriteResult older = store.put("k", item("v4", 4, 1_000), 0);
        assertFalse(older.stored());
        assertEquals(5, older.newerVersion());
        assertFalse(older.deleted());
        assertTrue(store.put("k", item("v5", 5, 1_000), 0).stored(), "a retried write, or a copy from a peer, is done");
        assertEquals("v5", new String(store.get("k", 0).value()));
        assertTrue(store.put("k", item("v6", 6, 1_000), 0).stored());
    }

    /**
     * Bug (issue 19): two writers whose clocks drew the same version (the node part is one random
     * byte) were both acknowledged, though the replica kept only the first value.
     */
    @Test
    void anotherWritersValueOfTheSameVersionIsRefusedNotAcknowledged() {
        ReliefStore store = new ReliefStore(10, 10);
        assertTrue(store.put("k", item("from-a", 5, 1_000), 0).stored());
        ReliefStore.WriteResult b = store.put("k", item("from-b", 5, 1_000), 0);
        assertFalse(b.stored(), "writer b's value is not what the replica holds");
        assertFalse(b.deleted());
        assertEquals("from-a", new String(store.get("k", 0).value(), StandardCharsets.UTF_8));
        assertTrue(store.put("k", item("from-a", 5, 1_000), 0).stored(), "writer a's retry is still the same write");
    }

    /** Version {@code n} ticks of a hybrid clock (node 0): deletes and writes compare by tick. */
    private static long tick(long n) {
        return n << 8;
    }

    @Test
    void tombstoneRefusesEveryLaterWriteUntilItExpires() {
        ReliefStore store = new ReliefStore(10, 10);
        store.put("k", item("v5", tick(5), 1_000), 0);
        assertTrue(store.delete("k", tick(7), 10_000, 0));
        assertNull(store.get("k", 0));
        ReliefStore.WriteResult stale = store.put("k", item("v6", tick(6), 1_000), 0);
        assertFalse(stale.stored());
        assertTrue(stale.deleted());
        assertEquals(tick(7), stale.newerVersion());
        assertFalse(store.put("k", item("v8", tick(8), 1_000), 0).stored(), "a deleted id is dead: a new login takes a new id");
        assertNotNull(store.tombstone("k", 0));
        assertTrue(store.put("k", item("v9", tick(9), 20_000), 10_000).stored(), "the tombstone leaves by its TTL only");
    }

    /**
     * Bug (issue 19): a write racing the logout with a later clock tick brought the session back;
     * a writer whose clock is minutes ahead of the deleter's always did.
     */
    @Test
    void aWriteAfterTheLogoutWithAClockMinutesAheadIsRefused() {
        ReliefStore store = new ReliefStore(10, 10);
        store.put("k", item("v", tick(5), 1_000), 0);
        store.delete("k", tick(7), 10_000, 0);
        long minutesAhead = tick(7) + (5L * 60_000 << 22);
        ReliefStore.WriteResult result = store.put("k", item("back", minutesAhead, 1_000), 0);
        assertFalse(result.stored());
        assertTrue(result.deleted());
        assertNull(store.get("k", 0));
    }

    @Test
    void aWriteOfTheDeletesOwnTickLosesWhateverItsNode() {
        ReliefStore store = new ReliefStore(10, 10);
        store.delete("k", tick(7) | 3, 10_000, 0);
        assertFalse(store.put("k", item("concurrent", tick(7) | 200, 1_000), 0).stored(),
                "a writer that counted one tick past an older delete does not undo this one");
        store.put("j", item("v", tick(9) | 200, 1_000), 0);
        assertTrue(store.delete("j", tick(9) | 3, 10_000, 0), "and a delete removes a value of its own tick");
    }

    @Test
    void tombstonesAreNotEvictedByTraffic() {
        ReliefStore store = new ReliefStore(2, 100);
        store.delete("gone", tick(10), 10_000, 0);
        for (int i = 0; i < 50; i++) {
            store.put("k" + i, item("v", 1, 1_000), 0);
        }
        assertFalse(store.put("gone", item("stale", tick(9), 1_000), 0).stored());
    }

    /**
     * Bug (issue 19): a delete whose version was older than the stored write (the deleter's clock
     * had not seen it, e.g. the admin CLI's fresh clock) was acknowledged and deleted nothing.
     */
    @Test
    void aDeleteWithAnOldClockStillDeletes() {
        ReliefStore store = new ReliefStore(10, 10);
        store.put("k", item("v9", tick(9), 1_000), 0);
        assertTrue(store.delete("k", tick(8), 10_000, 0));
        assertNull(store.get("k", 0));
        assertTrue(store.put("k", item("v10", tick(10), 1_000), 0).deleted());
        store.delete("k", tick(3), 20_000, 0);
        assertEquals(tick(8), store.tombstone("k", 0).version(), "two tombstones keep the newer version");
        assertEquals(20_000, store.tombstone("k", 0).expiresAt(), "and the later expiry");
    }

    @Test
    void evictsTheLeastRecentlyUsedAndReportsIt() {
        ReliefStore store = new ReliefStore(3, 10);
        store.put("a", item("1", 1, 1_000), 0);
        store.put("b", item("2", 1, 1_000), 0);
        store.put("c", item("3", 1, 1_000), 0);
        store.get("a", 0);
        ReliefStore.WriteResult result = store.put("d", item("4", 1, 1_000), 0);
        assertEquals(List.of("b"), result.evicted().stream().map(ReliefStore.Evicted::key).toList());
        assertEquals(List.of("c", "a", "d"), store.keys());
    }

    @Test
    void expiredEntriesAreMissesAndAreNotDemoted() {
        ReliefStore store = new ReliefStore(1, 10);
        store.put("a", item("1", 1, 100), 0);
        assertNull(store.get("a", 100));
        store.put("b", item("2", 1, 100), 0);
        assertTrue(store.put("c", item("3", 1, 1_000), 150).evicted().isEmpty(), "an expired entry is dropped, not handed down");
        assertEquals(List.of("c"), store.keys());
    }

    @Test
    void aStoreKeepingEndedSessionsReportsTheExpiredAndOnlyFinalEvictions() {
        ReliefStore expansion = new ReliefStore(1, 10);
        expansion.keepEnded(false);
        expansion.put("a", item("1", 1, 100), 0);
        expansion.put("b", item("2", 2, 1_000), 50); // pushes live "a" out: handed to aging, not ended
        assertEquals(List.of(), expansion.drainEnded());
        assertNull(expansion.get("b", 1_000), "expired when seen");
        expansion.put("c", item("3", 3, 2_000), 1_000);
        assertEquals(1, expansion.sweep(2_000));
        assertEquals(List.of("b", "c"), expansion.drainEnded().stream().map(ReliefStore.Evicted::key).toList(),
                "seen expired, then swept");
        assertEquals(List.of(), expansion.drainEnded(), "drained once");

        ReliefStore aging = new ReliefStore(1, 10);
        aging.keepEnded(true);
        aging.put("a", item("1", 1, 1_000), 0);
        aging.put("b", item("2", 2, 1_000), 0); // the aging tier's LRU pushes "a" out for good
        aging.delete("b", 3, 5_000, 10);
        List<ReliefStore.Evicted> ended = aging.drainEnded();
        assertEquals(List.of("a"), ended.stream().map(ReliefStore.Evicted::key).toList(), "a delete is not an end");
        assertArrayEquals("1".getBytes(StandardCharsets.UTF_8), ended.get(0).item().value(), "with its last value");

        ReliefStore silent = new ReliefStore(1, 10);
        silent.put("a", item("1", 1, 100), 0);
        silent.sweep(200);
        assertEquals(List.of(), silent.drainEnded(), "kept only when asked (replica 0)");
    }

    @Test
    void aConditionalWriteIsStoredOnlyOverTheVersionItNames() {
        ReliefStore store = new ReliefStore(10, 10);
        store.put("a", item("1", 10, 1_000), 0);
        ReliefStore.WriteResult stale = store.putIf("a", item("2", 12, 1_000), 9, 0);
        assertFalse(stale.stored());
        assertEquals(10, stale.newerVersion(), "names the version held");
        assertTrue(store.putIf("a", item("2", 12, 1_000), 10, 0).stored());
        assertTrue(store.putIf("a", item("2", 12, 1_000), 10, 0).stored(), "the same write again (a retry) is done");
        assertFalse(store.putIf("a", item("3", 13, 1_000), 10, 0).stored(), "the version it named is gone");
        assertArrayEquals("2".getBytes(StandardCharsets.UTF_8), store.get("a", 0).value());

        assertFalse(store.putIf("gone", item("x", 5, 1_000), 4, 0).stored(), "nothing held: refused");
        assertFalse(store.putIf("a", item("late", 20, 2_000), 12, 1_000).stored(), "expired: refused");
        store.put("b", item("1", 1, 1_000), 0);
        store.delete("b", 2, 5_000, 0);
        assertTrue(store.putIf("b", item("y", 3, 1_000), 1, 0).deleted(), "logged out: refused as deleted");
    }

    @Test
    void touchSlidesTheExpiry() {
        ReliefStore store = new ReliefStore(10, 10);
        store.put("a", new ReliefStore.Item(new byte[] {1}, 1, 100, 100), 0);
        store.touch("a", 90, 0);
        assertNotNull(store.get("a", 150));
        assertNull(store.get("a", 190));
    }

    @Test
    void touchInTheAgingTierSlidesAtMostByTheAgingTtl() {
        ReliefStore store = new ReliefStore(10, 10);
        store.put("a", new ReliefStore.Item(new byte[] {1}, 1, 1_000, 100), 0);
        store.touch("a", 90, 50);
        assertNotNull(store.get("a", 139));
        assertNull(store.get("a", 140), "an aging entry lives at most the aging TTL past its last use");
    }

    /** Bug (issue 19): tombstones beyond the cap were dropped oldest first, so a dropped logout could come back. */
    @Test
    void atTheTombstoneCapANewDeleteFindsNoRoomAndNoneIsDropped() {
        ReliefStore store = new ReliefStore(10, 2);
        assertTrue(store.hasRoomForTombstone("a", 0));
        store.delete("a", 1, 10_000, 0);
        store.delete("b", 1, 5_000, 0);
        assertFalse(store.hasRoomForTombstone("c", 0), "full: the delete must be refused");
        assertTrue(store.hasRoomForTombstone("a", 0), "a key already deleted needs no room");
        assertNotNull(store.tombstone("a", 0));
        assertNotNull(store.tombstone("b", 0));
        assertTrue(store.hasRoomForTombstone("c", 5_000), "tombstones leave by their TTL only, and then make room");
        assertNull(store.tombstone("b", 5_000));
        assertNotNull(store.tombstone("a", 5_000));
    }

    @Test
    void sweepDropsExpiredEntriesAndTombstones() {
        ReliefStore store = new ReliefStore(10, 10);
        store.put("a", item("1", 1, 100), 0);
        store.put("b", item("2", 1, 1_000), 0);
        store.delete("c", 1, 100, 0);
        assertEquals(1, store.sweep(500));
        assertEquals(1, store.size());
        assertEquals(0, store.tombstones());
    }

    private static ReliefStore.Item sized(int bytes, long version) {
        return new ReliefStore.Item(new byte[bytes], version, 60_000, 1_000_000);
    }

    /** Issue 22 item 4: relief memory bounded by bytes too, not only by entries. */
    @Test
    void pastTheByteBudgetTheLeastRecentlyUsedGoAndTheCountIsKept() {
        long entry = ReliefStore.bytesOf("k0", sized(1000, 1)); // each key below has 2 characters
        ReliefStore store = new ReliefStore(100, 3 * entry, 10);
        for (int i = 0; i < 3; i++) {
            assertTrue(store.put("k" + i, sized(1000, 1), 0).evicted().isEmpty());
        }
        assertEquals(3 * entry, store.bytes());
        store.get("k0", 0); // k0 is used: k1 is now the least recently used
        ReliefStore.WriteResult fourth = store.put("k3", sized(1000, 1), 0);
        assertTrue(fourth.stored());
        assertEquals(List.of("k1"), fourth.evicted().stream().map(ReliefStore.Evicted::key).toList(),
                "one entry over the byte budget (entries allow 100): the least recently used goes");
        assertEquals(3 * entry, store.bytes());
        ReliefStore.WriteResult big = store.put("k0", sized(2500, 2), 0);
        assertTrue(big.stored());
        assertEquals(2, big.evicted().size(), "a larger value pushes out as many as it needs");
        assertEquals(ReliefStore.bytesOf("k0", sized(2500, 2)), store.bytes());
        store.delete("k0", 3, 1_000_000, 0);
        assertEquals(0, store.bytes(), "a delete gives its bytes back");
    }

    @Test
    void aSessionLargerThanTheWholeBudgetIsRefusedAndNothingChanges() {
        ReliefStore store = new ReliefStore(100, 4_000, 10);
        assertTrue(store.put("small", sized(100, 1), 0).stored());
        long before = store.bytes();
        ReliefStore.WriteResult huge = store.put("huge", sized(5_000, 1), 0);
        assertFalse(huge.stored());
        assertEquals(ReliefStore.bytesOf("huge", sized(5_000, 1)), huge.tooLarge(), "the refusal names the entry's size");
        assertNull(store.get("huge", 0));
        assertNotNull(store.get("small", 0), "nothing was evicted for it");
        assertEquals(before, store.bytes());
    }

    @Test
    void expiredEntriesGiveTheirBytesBack() {
        ReliefStore store = new ReliefStore(100, 1 << 20, 10);
        store.put("a", new ReliefStore.Item(new byte[500], 1, 60_000, 1_000), 0);
        store.put("b", new ReliefStore.Item(new byte[500], 1, 60_000, 5_000), 0);
        assertEquals(1, store.sweep(2_000));
        assertEquals(ReliefStore.bytesOf("b", sized(500, 1)), store.bytes());
        assertNull(store.get("b", 6_000));
        assertEquals(0, store.bytes());
    }
}

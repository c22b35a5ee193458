package org.globalsessions.actors.relief;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.globalsessions.runtime.protocol.EdgeCommand;

/** The principal index of one replica, as set operations (issue 21 item 3). */
class PrincipalIndexTest {

    private static final long NOW = 1_000_000;

    private static List<String> ids(PrincipalIndex index, String principal, long now) {
        return index.list(principal, now).stream().map(EdgeCommand.IndexEntry::sessionId).toList();
    }

    @Test
    void twoLoginsInEitherOrderBothStayAndListOldestFirst() {
        for (boolean laterFirst : new boolean[] {false, true}) {
            PrincipalIndex index = new PrincipalIndex(10);
            PrincipalIndex.Entry early = new PrincipalIndex.Entry(NOW - 10, NOW + 100);
            PrincipalIndex.Entry late = new PrincipalIndex.Entry(NOW - 5, NOW + 100);
            if (laterFirst) {
                assertNull(index.add("alice", "host-b", late, NOW));
                assertNull(index.add("alice", "host-a", early, NOW));
            } else {
                assertNull(index.add("alice", "host-a", early, NOW));
                assertNull(index.add("alice", "host-b", late, NOW));
            }
            assertEquals(List.of("host-a", "host-b"), ids(index, "alice", NOW), "laterFirst=" + laterFirst);
            assertEquals(List.of(), ids(index, "bob", NOW));
        }
    }

    @Test
    void anEntryExpiresWithItsSessionAndTheSweepDropsIt() {
        PrincipalIndex index = new PrincipalIndex(10);
        index.add("alice", "short", new PrincipalIndex.Entry(NOW, NOW + 10), NOW);
        index.add("alice", "long", new PrincipalIndex.Entry(NOW, NOW + 1_000), NOW);
        assertEquals(List.of("long"), ids(index, "alice", NOW + 10));
        assertEquals(0, index.sweep(NOW + 10), "listing dropped it already");
        assertEquals(1, index.sweep(NOW + 1_000));
        assertEquals(0, index.size());
    }

    @Test
    void removeTakesOnlyTheNamedSessionsAndAnAddAgainKeepsTheLaterExpiry() {
        PrincipalIndex index = new PrincipalIndex(10);
        index.add("alice", "a", new PrincipalIndex.Entry(NOW, NOW + 100), NOW);
        index.add("alice", "b", new PrincipalIndex.Entry(NOW, NOW + 100), NOW);
        index.add("alice", "b", new PrincipalIndex.Entry(NOW + 1, NOW + 50), NOW);
        assertEquals(NOW + 100, index.list("alice", NOW).get(1).expiresAtMillis());
        assertEquals(NOW, index.list("alice", NOW).get(1).sinceMillis());
        index.remove("alice", List.of("a", "not-indexed"));
        assertEquals(List.of("b"), ids(index, "alice", NOW));
        index.remove("alice", List.of("b"));
        assertEquals(0, index.size());
    }

    @Test
    void anAddBeyondTheMostSessionsIsRefusedButTheSameSessionAgainIsNot() {
        PrincipalIndex index = new PrincipalIndex(2);
        index.add("alice", "a", new PrincipalIndex.Entry(NOW, NOW + 100), NOW);
        index.add("alice", "b", new PrincipalIndex.Entry(NOW, NOW + 100), NOW);
        String refused = index.add("alice", "c", new PrincipalIndex.Entry(NOW, NOW + 100), NOW);
        assertTrue(refused != null && refused.contains("holds 2 indexed sessions"), refused);
        assertNull(index.add("alice", "b", new PrincipalIndex.Entry(NOW, NOW + 200), NOW));
        assertEquals(List.of("a", "b"), ids(index, "alice", NOW));
        assertNull(index.add("alice", "c", new PrincipalIndex.Entry(NOW, NOW + 200), NOW + 100), "a expired: room again");
    }

    @Test
    void aCopyIsMergedAsAUnionThroughItsSyncKeys() {
        PrincipalIndex from = new PrincipalIndex(10);
        from.add("alice", "a", new PrincipalIndex.Entry(NOW - 2, NOW + 100), NOW);
        from.add("bob", "b", new PrincipalIndex.Entry(NOW - 1, NOW + 100), NOW);
        PrincipalIndex to = new PrincipalIndex(10);
        to.add("alice", "c", new PrincipalIndex.Entry(NOW, NOW + 100), NOW);
        List<String[]> copied = new ArrayList<>();
        from.forEach((principal, id, e) -> {
            String[] parsed = PrincipalIndex.ofSyncKey(PrincipalIndex.syncKey(principal, id));
            assertArrayEquals(new String[] {principal, id}, parsed);
            to.merge(parsed[0], parsed[1], e, NOW);
            copied.add(parsed);
        }, NOW);
        assertEquals(2, copied.size());
        assertEquals(List.of("a", "c"), ids(to, "alice", NOW));
        assertEquals(List.of("b"), ids(to, "bob", NOW));
        assertNull(PrincipalIndex.ofSyncKey("an-ordinary-session-id"));
    }
}

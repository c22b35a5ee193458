package org.globalsessions.client.internal;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class RecentKeysTest {

    @Test
    void aKeyHeardAgainWithinTheWindowIsNotNew() {
        RecentKeys recent = new RecentKeys(10, 1_000);
        assertTrue(recent.firstTime("a", 0));
        assertFalse(recent.firstTime("a", 500), "the same event from another relay");
        assertTrue(recent.firstTime("b", 600));
        assertTrue(recent.firstTime("a", 1_000), "new again after the window");
        assertFalse(recent.firstTime("b", 1_000));
    }

    @Test
    void theOldestKeysGoAtCapacity() {
        RecentKeys recent = new RecentKeys(2, 60_000);
        recent.firstTime("a", 0);
        recent.firstTime("b", 1);
        recent.firstTime("c", 2);
        assertEquals(2, recent.size());
        assertTrue(recent.firstTime("a", 3), "pushed out by newer keys");
        assertFalse(recent.firstTime("c", 3));
    }
}

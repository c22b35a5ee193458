package org.globalsessions.runtime.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SessionTagTest {

    @Test
    void theSameIdHasTheSameTagEverywhereAndTheTagHidesIt() {
        String id = "7f3c9e1a-5b2d-4c8e-9a1f-0d6b3e2c4a51";
        String tag = SessionTag.of(id);
        assertEquals(tag, SessionTag.of(new String(id.toCharArray())));
        assertTrue(tag.matches("s-[0-9a-f]{12}"), tag);
        assertFalse(tag.contains(id.substring(0, 8)), tag);
        // Pinned: a tag must stay the same across releases, or operators cannot follow a session through old logs.
        assertEquals("s-2cf24dba5fb0", SessionTag.of("hello"));
    }

    @Test
    void differentIdsHaveDifferentTags() {
        assertNotEquals(SessionTag.of("session-1"), SessionTag.of("session-2"));
        assertNotEquals(SessionTag.of(""), SessionTag.of(" "));
    }
}

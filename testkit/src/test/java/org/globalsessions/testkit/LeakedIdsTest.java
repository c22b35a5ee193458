package org.globalsessions.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The search of the logs for session ids: registered ids and families, whole words only. */
class LeakedIdsTest {

    @TempDir
    Path logs;

    @Test
    void findsRegisteredIdsAndFamiliesButNotWordsThatContainThem() throws IOException {
        LeakedIds.key("leaked-session-7f3a");
        LeakedIds.key("kept"); // a word: not searched for
        LeakedIds.prefix("lk5");
        LeakedIds.pattern("lkg\\d+-\\d+");
        Files.write(logs.resolve("node.log"), List.of(
                "10:00:00 WARN  o.g.relay - request timed out for session leaked-session-7f3a",
                "10:00:01 WARN  o.g.relay - request timed out for session s-1a2b3c4d5e6f",
                "10:00:02 INFO  placement relief-lk5-0 settled",
                "10:00:03 WARN  straggler for lk5-12 at 127.0.0.1:4000",
                "10:00:04 WARN  stale write of lkg3-17",
                "10:00:05 WARN  repaired the segment: kept 148 entries"));
        Files.write(logs.resolve("history.txt"), List.of("lk5-1 is not a log"));
        List<String> found = LeakedIds.findIn(logs);
        assertEquals(3, found.size(), found.toString());
        assertTrue(found.get(0).startsWith("node.log:1:"), found.get(0));
        assertTrue(found.get(1).startsWith("node.log:4:"), found.get(1));
        assertTrue(found.get(2).startsWith("node.log:5:"), found.get(2));
    }
}

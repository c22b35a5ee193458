package org.globalsessions.shm;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.globalsessions.testkit.ChildJvm;
import org.globalsessions.testkit.ShmDirectory;

/** Several real JVMs on one table: contention, eviction and creation races across processes. */
class MultiProcessTest {

    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void fourProcessesHammerOneTableAndEveryReadIsWhole() {
        Path path = shm.file("hammer.lru");
        // Fewer slots than keys, so evictions run alongside everything else.
        ShmLruSettings settings = ShmLruSettings.builder().elCount(1_500).recordSize(160).segments(4).build();
        try (ShmLru table = ShmLru.create(path, settings)) {
            List<ChildJvm> children = new ArrayList<>();
            try {
                for (int i = 1; i <= 3; i++) {
                    children.add(ChildJvm.start(HammerChild.class, path, i, 4_000, 2_000, 3_000_000));
                }
                String mine = CompletableFuture.supplyAsync(() -> HammerChild.run(table, 0, TimeUnit.SECONDS.toNanos(4), 2_000, 3_000_000)).join();
                assertTrue(mine.startsWith("OK"), mine);
                for (ChildJvm child : children) {
                    String line = child.readLine();
                    assertEquals(0, child.waitFor(Duration.ofSeconds(60)), "child said: " + line);
                    assertNotNull(line);
                    assertTrue(line.startsWith("OK"), line);
                    System.out.println("hammer child " + child.pid() + ": " + line);
                }
            } finally {
                children.forEach(ChildJvm::close);
            }
            IntegrityReport report = table.verify();
            assertTrue(report.ok(), report.problems().toString());
            ShmLruStats stats = table.stats();
            assertTrue(stats.evictions() > 0, "the test should evict: " + stats);
            assertTrue(stats.hits() > 0, stats.toString());
            assertEquals(0, stats.lockRecoveries(), "no process died, so nothing needed recovery");
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void processesRacingToCreateInitialiseExactlyOnce() {
        for (int round = 0; round < 3; round++) {
            Path path = shm.file("race-" + round + ".lru");
            long startAt = System.currentTimeMillis() + 1_500;
            List<ChildJvm> children = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    children.add(ChildJvm.start(CreateRaceChild.class, path, startAt, 1_000, 64, i));
                }
                int created = 0;
                for (ChildJvm child : children) {
                    String line = child.readLine();
                    assertEquals(0, child.waitFor(Duration.ofSeconds(60)), "child said: " + line);
                    if ("created=true".equals(line)) {
                        created++;
                    } else {
                        assertEquals("created=false", line);
                    }
                }
                assertEquals(1, created, "exactly one racer initialises the file");
            } finally {
                children.forEach(ChildJvm::close);
            }
            try (ShmLru table = ShmLru.attach(path)) {
                for (int i = 0; i < 4; i++) {
                    assertNotNull(table.get("racer-" + i), "every racer's write is in the one table");
                }
            }
        }
    }
}

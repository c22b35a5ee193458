package org.globalsessions.client.relief;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.globalsessions.client.internal.TestCluster;
import org.globalsessions.client.internal.EdgeCache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many writes at once through a relief tier whose expansion shards hold a few entries each, so
 * that every write pushes an older session into the aging tier (another node) while hundreds of
 * other writes are in flight; then a fresh host reads every one of them back. The burst of
 * demotions overflows Artery's send queue from the expansion node to the aging node (kept small
 * here, 1 024 instead of 3 072, so that it overflows on a fast machine too), which drops
 * messages: before demotions were confirmed and sent again, a fifth of the sessions of such a
 * burst were lost.
 */
class AgingUnderPressureTest {

    private static final int SESSIONS = 20_000;
    private static final int IN_FLIGHT = 256;

    @TempDir
    Path certificates;

    @Test
    void sessionsPushedIntoAgingByABurstOfWritesAreAllFound() throws Exception {
        try (TestCluster cluster = new TestCluster(certificates, Map.of(
                "pekko.remote.artery.advanced.outbound-message-queue-size", 1_024,
                "hashing.shards", 24,
                "relay.table.el-count", 1,
                "relay.table.segments", 1,
                "relay.table.record-size", 256,
                "edge.table.el-count", 1,
                "edge.table.segments", 1,
                "edge.table.record-size", 256,
                "relief.expansion.entries-per-shard", 4,
                "relief.aging.entries-per-shard", SESSIONS))) {
            EdgeCache writer = cluster.edge("writer", true);
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> writer.set("warm-up", bytes("x"), null).get(10, TimeUnit.SECONDS) > 0);
            Semaphore inFlight = new Semaphore(IN_FLIGHT);
            List<CompletableFuture<Long>> writes = new ArrayList<>(SESSIONS);
            for (int i = 0; i < SESSIONS; i++) {
                inFlight.acquire();
                CompletableFuture<Long> write = writer.set("p-" + i, bytes("v-" + i), null);
                write.whenComplete((v, e) -> inFlight.release());
                writes.add(write);
            }
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);

            EdgeCache reader = cluster.edge("reader", true);
            List<String> missing = new ArrayList<>();
            for (int i = 0; i < SESSIONS; i++) {
                if (reader.get("p-" + i).get(15, TimeUnit.SECONDS).isEmpty()) {
                    missing.add("p-" + i);
                }
            }
            assertEquals(List.of(), missing.subList(0, Math.min(20, missing.size())),
                    missing.size() + " of " + SESSIONS + " acknowledged sessions not found (first 20 shown)");
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

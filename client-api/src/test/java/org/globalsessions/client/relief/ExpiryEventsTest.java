package org.globalsessions.client.relief;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.globalsessions.client.internal.EdgeCache;
import org.globalsessions.client.internal.TestCluster;
import org.awaitility.core.ConditionTimeoutException;
import org.globalsessions.runtime.protocol.Tier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An expiry event is told only for a session no tier holds. Here a session read back from aging
 * into expansion, and used, has two copies: the expansion copy slid to its own 10 minutes, the
 * aging copy to the aging TTL (3 s). The aging copy expires and the aging replica reports it; the
 * lineage check finds the expansion copy, and no event is told. Another session, pushed into
 * aging and left there, ends with its aging copy and is told once, with its last value.
 *
 * <p>One copy per shard: with two, a read readmits a session only to the lineages it asked, so
 * which of the two sessions each lineage's one-entry expansion shard keeps depends on how the
 * replicas started (a replica started while its peer held sessions is rebuilt, and its reads ask
 * every lineage); "pushed" could then live on in one lineage, rightly never told as ended.
 */
class ExpiryEventsTest {

    @TempDir
    Path certificates;

    @Test
    void aSessionStillHeldByAnotherTierIsNotToldAsExpired() throws Exception {
        try (TestCluster cluster = new TestCluster(certificates, Map.of(
                "hashing.shards", 1,
                "relief.replication-factor", 1,
                "relay.table.el-count", 1,
                "relay.table.segments", 1,
                "edge.table.el-count", 1,
                "edge.table.segments", 1,
                "relief.expansion.entries-per-shard", 1,
                "relief.aging.ttl", "3s"))) {
            EdgeCache writer = cluster.edge("writer", true);
            List<String> expired = new CopyOnWriteArrayList<>();
            List<String> lastValues = new CopyOnWriteArrayList<>();
            writer.addListener(new EdgeCache.Listener() {
                @Override
                public void onExpired(String key, byte[] value, long version) {
                    expired.add(key);
                    lastValues.add(new String(value, StandardCharsets.UTF_8));
                }
            }, false, false);
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> writer.set("warm-up", bytes("x"), null).get(10, TimeUnit.SECONDS) > 0);
            EdgeCache reader = cluster.edge("reader", true);
            TestCluster.awaitL1Lease(reader);
            writer.set("kept", bytes("k"), Duration.ofMinutes(10)).get(15, TimeUnit.SECONDS);
            writer.set("pushed", bytes("p"), Duration.ofMinutes(10)).get(15, TimeUnit.SECONDS); // "kept" goes to aging
            // Read "kept" from the aging tier, which readmits it to expansion (pushing "pushed" out). Until the
            // aging replica confirms the demotion, the expansion replica answers for it: then read again, after
            // a read of "pushed" took "kept" out of the relay's one-entry table.
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                if (reader.getFromRelay("kept").get(15, TimeUnit.SECONDS).orElseThrow().tier() == Tier.AGING) {
                    return true;
                }
                reader.getFromRelay("pushed").get(15, TimeUnit.SECONDS);
                return false;
            });

            // A read back from aging keeps the aging copy's expiry; a use slides each tier's copy by what
            // that tier allows: the expansion copy to 10 minutes, the aging copy to 3 s.
            for (int i = 0; i < 3; i++) {
                reader.touch("kept");
                Thread.sleep(500); // pacing the uses, not waiting for a condition
            }
            long lastUse = System.nanoTime();
            try {
                await().atMost(Duration.ofSeconds(40)).until(() -> expired.contains("pushed"));
            } catch (ConditionTimeoutException e) {
                // Where "pushed" is now tells a lost event from a session that did not end (read last: a read readmits it).
                throw new AssertionError("no expiry event for \"pushed\" in 40 s; events heard: " + expired + "; \"pushed\" read now: "
                        + reader.getFromRelay("pushed").get(15, TimeUnit.SECONDS).map(s -> "found in " + s.tier()).orElse("not found"), e);
            }
            // The aging copy of "kept" expires 3 s after its last use, is swept within 10 s, and checked at
            // once: past that, an event for it would have come.
            long settled = lastUse + TimeUnit.SECONDS.toNanos(16);
            Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(settled - System.nanoTime())));
            assertEquals(List.of("pushed"), expired.stream().filter(k -> !k.equals("warm-up")).toList());
            assertEquals("p", lastValues.get(expired.indexOf("pushed")));
            assertArrayEquals(bytes("k"), reader.get("kept").get(15, TimeUnit.SECONDS).orElseThrow().value(),
                    "the session told nothing of is alive");
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

package org.globalsessions.client.relief;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;

import org.globalsessions.runtime.bootstrap.NodeBootstrap;
import org.globalsessions.client.internal.TestCluster;
import org.globalsessions.client.internal.EdgeCache;
import org.globalsessions.client.internal.EdgeException;
import org.globalsessions.actors.metrics.NodeMetrics;
import org.globalsessions.actors.node.ServerNode;
import org.globalsessions.actors.relief.ReplicaPlacement;
import org.globalsessions.runtime.config.Role;
import org.globalsessions.testkit.FreePorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Relief shards keep their sessions when relief nodes join and leave: real ActorSystems on
 * 127.0.0.1 over mutual TLS, one JVM. With one copy per shard, only the graceful handoff can
 * carry a shard's sessions to its new node, so a leave that lost them fails the first test;
 * with two copies, a node joins and then the two original nodes leave one after the other, so
 * every copy ends up on the newcomer, built from handoffs and from its peer copy.
 * (it/ kills relief nodes with SIGKILL under load.)
 */
class ReplicationTest {

    private static final int SESSIONS = 300;
    /** Enough shards that a joining node is all but sure to be given some (8 left it none once in 256 draws). */
    private static final int SHARDS = 16;

    @TempDir
    Path certificates;

    private record ReliefNode(ActorSystem<Void> system, SimpleMeterRegistry registry) {
        double hosted() {
            return gauge("global_sessions_relief_shards_hosted");
        }

        double entries() {
            return gauge("global_sessions_relief_entries");
        }

        private double gauge(String name) {
            return registry.get(name).tag("tier", "expansion").gauge().value();
        }

        void leave() throws InterruptedException {
            system.terminate(); // runs coordinated shutdown: leave the cluster, hand shards off
            NodeBootstrap.awaitTermination(system, TestCluster.STOP_BOUND);
        }
    }

    private static TestCluster cluster(Path certificates, int copies) {
        return new TestCluster(certificates, Map.of(
                "hashing.shards", SHARDS,
                "relief.replication-factor", copies,
                "relay.table.el-count", 16,
                "relay.table.segments", 1,
                "relay.table.record-size", 256,
                "edge.table.el-count", 4000,
                "edge.table.record-size", 256,
                "relief.expansion.entries-per-shard", 1000));
    }

    private static ReliefNode join(TestCluster cluster) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ActorSystem<Void> system = ServerNode.start(cluster.settings(List.of(Role.RELIEF_EXPANSION), FreePorts.next(),
                List.of(cluster.relayAddress), Map.of()), new NodeMetrics(registry));
        cluster.servers.add(system);
        return new ReliefNode(system, registry);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Writes the sessions (each acknowledged), then deletes every tenth. The nodes may still be
     * moving shards: a write or delete that meets a hand-off can fail with "retry it", and is
     * retried as its error says (what this class tests comes after).
     */
    private static void write(EdgeCache host) throws Exception {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> host.set("warm-up", bytes("x"), null).get(10, TimeUnit.SECONDS) > 0);
        for (int i = 0; i < SESSIONS; i++) {
            String key = "s-" + i;
            byte[] value = bytes("v-" + i);
            retried(() -> host.set(key, value, null));
        }
        for (int i = 0; i < SESSIONS; i += 10) {
            String key = "s-" + i;
            retried(() -> host.delete(key));
        }
    }

    /** Waits for {@code call}'s answer, calling again (up to 5 times in all) while it fails with {@code Unavailable}. */
    private static void retried(Callable<CompletableFuture<?>> call) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                call.call().get(15, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof EdgeException.Unavailable) || attempt == 5) {
                    throw e;
                }
            }
        }
    }

    /** A fresh host (empty L1) reads every session: the written ones are there, the deleted ones are not. */
    private static void assertNothingLostOrResurrected(TestCluster cluster, String hostName) throws Exception {
        EdgeCache reader = cluster.edge(hostName, true);
        List<String> lost = new ArrayList<>();
        List<String> resurrected = new ArrayList<>();
        for (int i = 0; i < SESSIONS; i++) {
            Optional<EdgeCache.Session> found = reader.get("s-" + i).get(15, TimeUnit.SECONDS);
            if (i % 10 == 0) {
                found.ifPresent(s -> resurrected.add(s.tier() + ":" + new String(s.value(), StandardCharsets.UTF_8)));
            } else if (found.isEmpty()) {
                lost.add("s-" + i);
            } else {
                assertArrayEquals(bytes("v-" + i), found.get().value());
            }
        }
        assertEquals(List.of(), lost, "acknowledged sessions lost");
        assertEquals(List.of(), resurrected, "deleted sessions read back");
    }

    /** Drops a stopped node from the cluster's list (by identity: ActorSystems of one name are equal). */
    private static void forget(TestCluster cluster, ActorSystem<Void> stopped) {
        cluster.servers.removeIf(server -> server == stopped);
    }

    /**
     * Waits until {@code node} hosts exactly the copies the placement gives it among the cluster's
     * relief nodes (a rendezvous hash of their addresses, so the number depends on the ports drawn).
     */
    private static int awaitSettled(ReliefNode node, TestCluster cluster, int copies) {
        List<String> relief = cluster.servers.stream()
                .filter(s -> Cluster.get(s).selfMember().hasRole(Role.RELIEF_EXPANSION.id()))
                .map(s -> s.address().toString()).toList();
        int expected = ReplicaPlacement.replicasPerNode(SHARDS, copies, relief).get(node.system().address().toString());
        assertTrue(expected > 0, "the placement gives the node no copy among " + relief);
        List<Double> seen = new CopyOnWriteArrayList<>();
        try {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(2)).until(() -> {
                double now = node.hosted();
                seen.add(now);
                return now == expected;
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("the node did not come to host its " + expected + " copies in 120 s; "
                    + "polled every 2 s: " + seen, e);
        }
        return expected;
    }

    @Test
    void withOneCopyAGracefulLeaveHandsEveryShardsSessionsToItsNewNode() throws Exception {
        try (TestCluster cluster = cluster(certificates, 1)) {
            ReliefNode second = join(cluster);
            write(cluster.edge("writer", true));
            awaitSettled(second, cluster, 1);
            assertTrue(second.entries() > 0, "the leaving node holds sessions of its own (one copy each)");

            second.leave();
            assertNothingLostOrResurrected(cluster, "reader");
        }
    }

    /**
     * A node that crashes hands nothing off, and Cluster Sharding starts a shard only when a
     * message comes for it: without {@code ReplicaKeeper} the crashed node's replicas stayed down
     * until their shard was next used, each shard on one copy. Here nothing is read or written
     * after the crash, and every replica runs again on the survivors, copied from its peer.
     */
    @Test
    void withTwoCopiesTheReplicasOfACrashedNodeStartAgainWithoutTraffic() throws Exception {
        try (TestCluster cluster = cluster(certificates, 2)) {
            ReliefNode second = join(cluster);
            ReliefNode third = join(cluster);
            write(cluster.edge("writer", true));
            awaitSettled(third, cluster, 2);
            int before = (int) second.hosted();

            // Downed, as the Split Brain Resolver downs a node that crashed: its region hands nothing off.
            Cluster.get(second.system()).manager().tell(new Down(third.system().address()));
            NodeBootstrap.awaitTermination(third.system(), TestCluster.STOP_BOUND);
            forget(cluster, third.system());
            int expected = awaitSettled(second, cluster, 2);
            assertTrue(expected > before, "the placement gives the survivor some of the crashed node's replicas ("
                    + before + " before, " + expected + " after): the ports drawn make this test prove nothing");
            assertNothingLostOrResurrected(cluster, "reader");
        }
    }

    /**
     * A node joining under writes, deletes and principal-index changes: Pekko drops the messages
     * it buffered for a shard between the start and the end of that shard's hand-off, and the relay
     * sends a write or a delete some replica has not confirmed again after a quarter of
     * request-timeout; the edge does the same for an index change (its replicas answer the edge).
     * Without that, a delete that met a hand-off failed with "retry it" once its relay stopped
     * waiting (CI44), a write waited for the edge's timeout and its retry, and an index change
     * failed after the edge's timeout (one relay: nowhere to retry).
     */
    @Test
    void withTwoCopiesWritesAndDeletesWhileANodeJoinsAllSucceed() throws Exception {
        try (TestCluster cluster = cluster(certificates, 2)) {
            join(cluster);
            EdgeCache host = cluster.edge("writer", true);
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> host.set("warm-up", bytes("x"), null).get(10, TimeUnit.SECONDS) > 0);

            ReliefNode newcomer = join(cluster);
            List<String> failures = new CopyOnWriteArrayList<>();
            AtomicInteger operations = new AtomicInteger();
            AtomicBoolean settled = new AtomicBoolean();
            long deadline = System.nanoTime() + Duration.ofSeconds(150).toNanos();
            List<Thread> lanes = new ArrayList<>();
            for (int lane = 0; lane < 8; lane++) {
                int l = lane;
                Thread thread = new Thread(() -> {
                    for (int i = 0; !settled.get() && System.nanoTime() < deadline && i < 5_000; i++) {
                        String key = "j-" + l + "-" + i;
                        String principal = "user-" + l + "-" + i; // principals are sharded apart from their sessions
                        for (String op : List.of("set", "index-add", "index-remove", "delete")) {
                            try {
                                (switch (op) {
                                    case "set" -> host.set(key, bytes("v"), null);
                                    case "index-add" -> host.indexAdd(principal, key, System.currentTimeMillis(),
                                            System.currentTimeMillis() + 600_000);
                                    case "index-remove" -> host.indexRemove(principal, List.of(key));
                                    default -> host.delete(key);
                                }).get(15, TimeUnit.SECONDS);
                                operations.incrementAndGet();
                            } catch (Exception e) {
                                failures.add(op + " " + key + ": " + (e.getCause() == null ? e : e.getCause()));
                            }
                        }
                    }
                }, "join-load-" + lane);
                thread.start();
                lanes.add(thread);
            }
            try {
                awaitSettled(newcomer, cluster, 2);
            } finally {
                settled.set(true);
                for (Thread lane : lanes) {
                    lane.join(Duration.ofSeconds(40).toMillis());
                }
            }
            assertEquals(List.of(), failures, "writes, deletes and index changes that failed while the node joined ("
                    + operations.get() + " succeeded)");
            assertTrue(operations.get() >= 200, "only " + operations.get() + " operations ran while the shards moved");
        }
    }

    @Test
    void withTwoCopiesANodeJoinsAndTheOriginalNodesLeaveWithoutLoss() throws Exception {
        try (TestCluster cluster = cluster(certificates, 2)) {
            ReliefNode second = join(cluster);
            write(cluster.edge("writer", true));

            ReliefNode newcomer = join(cluster);
            awaitSettled(newcomer, cluster, 2);
            assertTrue(newcomer.entries() > 0, "the joining node took copies, with their sessions");

            second.leave();
            // The first relief node (TestCluster's) leaves too: every copy now lives on the newcomer.
            ActorSystem<Void> first = cluster.servers.get(1);
            first.terminate();
            NodeBootstrap.awaitTermination(first, TestCluster.STOP_BOUND);
            forget(cluster, first);
            forget(cluster, second.system());
            assertEquals(SHARDS * 2, awaitSettled(newcomer, cluster, 2), "the newcomer, alone, hosts every copy");
            assertNothingLostOrResurrected(cluster, "reader");
        }
    }
}

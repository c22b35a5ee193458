package org.globalsessions.client.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

import org.globalsessions.runtime.bootstrap.NodeBootstrap;
import org.globalsessions.actors.node.ServerNode;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.HostPort;
import org.globalsessions.runtime.config.Role;
import org.globalsessions.runtime.protocol.Tier;
import org.globalsessions.testkit.FreePorts;
import org.globalsessions.shm.ShmLru;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sibling started as a node of its own (role {@code sibling}) on the relay host: the same
 * actor, attaching to the relay's L2 table by path, found by the relay through the receptionist.
 */
class SeparateSiblingTest {

    @TempDir
    Path dir;

    @Test
    void aSiblingOnItsOwnNodeServesItsRelay() throws Exception {
        Path certs = dir.resolve("certs");
        Path l2 = dir.resolve("l2.lru");
        int relayPort = FreePorts.next();
        List<HostPort> seed = List.of(new HostPort("127.0.0.1", relayPort));
        List<ActorSystem<Void>> servers = new ArrayList<>();
        try {
            // The sibling starts first, before the relay has created the table: it retries.
            servers.add(ServerNode.start(TestCluster.node(certs, List.of(Role.SIBLING), FreePorts.next(), seed,
                    Map.of("sibling.table-path", l2.toString()))));
            servers.add(ServerNode.start(TestCluster.node(certs, List.of(Role.RELAY), relayPort, List.of(),
                    Map.of("relay.table.path", l2.toString(), "relay.table.el-count", 100))));
            servers.add(ServerNode.start(TestCluster.node(certs, List.of(Role.RELIEF_EXPANSION, Role.RELIEF_AGING), FreePorts.next(), seed, Map.of())));
            await().atMost(Duration.ofSeconds(60)).until(() -> servers.stream().allMatch(s ->
                    Cluster.get(s).selfMember().status() == MemberStatus.up()));

            GlobalSessionsSettings edgeSettings = TestCluster.node(certs, List.of(), 0, List.of(), Map.of(
                    "edge.relays", List.of("127.0.0.1:" + relayPort),
                    "edge.table.path", dir.resolve("l1.lru").toString(),
                    "edge.table.el-count", 100));
            try (EdgeCache edge = EdgeCache.start(edgeSettings)) {
                await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                        .until(() -> edge.set("s1", "v".getBytes(StandardCharsets.UTF_8), null).get(10, TimeUnit.SECONDS) > 0);
                byte[] key = "s1".getBytes(StandardCharsets.UTF_8);
                try (ShmLru table = ShmLru.attach(l2)) {
                    await().atMost(Duration.ofSeconds(10)).until(() -> table.get(key) != null); // the relay cached the write
                    table.remove(key);
                    edge.l1().remove(key);
                    EdgeCache.Session session = edge.get("s1").get(15, TimeUnit.SECONDS).orElseThrow();
                    assertArrayEquals("v".getBytes(StandardCharsets.UTF_8), session.value());
                    assertEquals(Tier.EXPANSION, session.tier());
                    // Only the sibling writes promotions: it attached to the relay's table and wrote it there.
                    await().atMost(Duration.ofSeconds(10)).until(() -> table.get(key) != null);
                    // The relay answers from L2 once it holds its lease: a relay a few seconds old may still be on
                    // probation (docs/consistency.md) and pass lookups on. Ask until it answers from L2.
                    await().atMost(Duration.ofSeconds(15)).until(() -> {
                        edge.l1().remove(key);
                        return edge.get("s1").get(15, TimeUnit.SECONDS).orElseThrow().tier() == Tier.L2;
                    });
                }
            }
        } finally {
            servers.forEach(ActorSystem::terminate);
            for (ActorSystem<Void> server : servers) {
                NodeBootstrap.awaitTermination(server, TestCluster.STOP_BOUND);
            }
        }
    }
}

package org.globalsessions.client.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

import org.globalsessions.runtime.bootstrap.NodeBootstrap;
import org.globalsessions.runtime.bootstrap.PekkoConfig;
import org.globalsessions.runtime.protocol.ActorNames;
import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.RelayCommand;
import org.globalsessions.runtime.protocol.WriterIds;
import org.globalsessions.actors.node.ServerNode;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.HostPort;
import org.globalsessions.runtime.config.Role;
import org.globalsessions.testkit.FreePorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the caller sees when a part of the cluster is missing: a clear failure, never a silent miss. */
class FailureTest {

    @TempDir
    Path dir;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aRelayThatDoesNotAnswerFailsTheRequestNamingIt() throws Exception {
        Path certs = dir.resolve("certs");
        HostPort nobody = new HostPort("127.0.0.1", FreePorts.next());
        GlobalSessionsSettings settings = TestCluster.node(certs, List.of(), 0, List.of(), Map.of(
                "edge.relays", List.of(nobody.toString()),
                "edge.first-contact-timeout", "2s",
                "request-timeout", "1s",
                "edge.table.path", dir.resolve("l1.lru").toString(),
                "edge.table.el-count", 100));
        try (EdgeCache edge = EdgeCache.start(settings)) {
            ExecutionException failure = assertThrows(ExecutionException.class, () -> edge.get("anyone").get(20, TimeUnit.SECONDS));
            EdgeException.Timeout timeout = assertInstanceOf(EdgeException.Timeout.class, failure.getCause());
            assertTrue(timeout.getMessage().contains(nobody.toString()), timeout.getMessage());
            failure = assertThrows(ExecutionException.class, () -> edge.set("anyone", bytes("x"), null).get(20, TimeUnit.SECONDS));
            assertInstanceOf(EdgeException.Timeout.class, failure.getCause());
        }
    }

    @Test
    void withoutReliefNodesRequestsFailSayingSo() throws Exception {
        Path certs = dir.resolve("certs");
        int port = FreePorts.next();
        ActorSystem<Void> relay = ServerNode.start(TestCluster.node(certs, List.of(Role.RELAY, Role.SIBLING), port, List.of(),
                Map.of("relay.table.path", dir.resolve("l2.lru").toString(), "relay.table.el-count", 100)));
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> Cluster.get(relay).selfMember().status() == MemberStatus.up());
            GlobalSessionsSettings settings = TestCluster.node(certs, List.of(), 0, List.of(), Map.of(
                    "edge.relays", List.of("127.0.0.1:" + port),
                    "edge.table.path", dir.resolve("l1.lru").toString(),
                    "edge.table.el-count", 100));
            try (EdgeCache edge = EdgeCache.start(settings)) {
                // The relay is Up before it has found its sibling through the receptionist; until then it says
                // "has no sibling", which is right too: wait for the answer that names the missing tier.
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    ExecutionException lookup = assertThrows(ExecutionException.class, () -> edge.get("s1").get(20, TimeUnit.SECONDS));
                    assertTrue(lookup.getCause().getMessage().contains("no relief-expansion node is up in the cluster"),
                            lookup.getCause().getMessage());
                });
                ExecutionException failure = assertThrows(ExecutionException.class, () -> edge.set("s1", bytes("x"), null).get(20, TimeUnit.SECONDS));
                assertTrue(failure.getCause().getMessage().contains("no relief-expansion node is up"), failure.getCause().getMessage());
            }
        } finally {
            relay.terminate();
            NodeBootstrap.awaitTermination(relay, TestCluster.STOP_BOUND);
        }
    }

    /**
     * A shard moving between nodes drops what its region buffered for it, so a replica may never
     * see an index change. Its replicas answer the edge, so the edge sends the change again to its
     * relay after a quarter of {@code request-timeout}, well before it would give up on the relay
     * (with one relay, that failed the change). A stand-in relay drops the first copy.
     */
    @Test
    void anIndexChangeNoReplicaAcknowledgedIsSentAgainBeforeTheTimeout() throws Exception {
        Path certs = dir.resolve("certs");
        int port = FreePorts.next();
        AtomicInteger copies = new AtomicInteger();
        Behavior<RelayCommand> dropsTheFirstCopy = Behaviors.receive(RelayCommand.class)
                .onMessage(RelayCommand.Subscribe.class, s -> {
                    s.edge().tell(new EdgeCommand.Welcome(s.as(), 1, 0, s.sentNanos(), true, WriterIds.NONE));
                    return Behaviors.same();
                })
                .onMessage(RelayCommand.IndexAdd.class, add -> {
                    if (copies.incrementAndGet() > 1) {
                        add.replyTo().tell(new EdgeCommand.IndexAck(add.requestId(), 0, 1));
                    }
                    return Behaviors.same();
                })
                .build();
        ActorSystem<Void> relay = NodeBootstrap.start(Behaviors.setup(context -> {
            context.spawn(dropsTheFirstCopy, ActorNames.RELAY);
            return Behaviors.empty();
        }), TestCluster.node(certs, List.of(Role.RELAY), port, List.of(), Map.of()), PekkoConfig.Kind.GATEWAY);
        try {
            GlobalSessionsSettings settings = TestCluster.node(certs, List.of(), 0, List.of(), Map.of(
                    "edge.relays", List.of("127.0.0.1:" + port),
                    "request-timeout", "2s",
                    "edge.table.path", dir.resolve("l1.lru").toString(),
                    "edge.table.el-count", 100));
            try (EdgeCache edge = EdgeCache.start(settings)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> !edge.liveRelays().isEmpty());
                long start = System.nanoTime();
                edge.indexAdd("alice", "s-1", System.currentTimeMillis(), System.currentTimeMillis() + 60_000).get(20, TimeUnit.SECONDS);
                long tookMillis = (System.nanoTime() - start) / 1_000_000;
                assertEquals(2, copies.get(), "the change went again once, to the same relay");
                assertTrue(tookMillis < 2_000, "answered by the copy sent again, not after the timeout: " + tookMillis + " ms");
            }
        } finally {
            relay.terminate();
            NodeBootstrap.awaitTermination(relay, TestCluster.STOP_BOUND);
        }
    }
}

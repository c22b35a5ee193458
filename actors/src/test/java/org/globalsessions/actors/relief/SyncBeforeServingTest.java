package org.globalsessions.actors.relief;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.globalsessions.actors.TestCluster;
import org.globalsessions.actors.metrics.NodeMetrics;
import org.globalsessions.runtime.bootstrap.NodeBootstrap;
import org.globalsessions.runtime.bootstrap.PekkoConfig;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.Role;
import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.HybridClock;
import org.globalsessions.runtime.protocol.RelayCommand;
import org.globalsessions.runtime.protocol.ShardCommand;
import org.globalsessions.runtime.protocol.SiblingCommand;
import org.globalsessions.runtime.testing.TestNodes;

/**
 * A copy of an expansion shard that starts (a new node, a crash, a move) must not acknowledge a
 * write before it has its peer copy's state: the peer may hold the tombstone of a logout that
 * refuses it. The copy under test is the real {@link ExpansionShard} (copy 1) in a one-node
 * cluster over mutual TLS; its peer (copy 0) is a probe, so the test decides when the peer's
 * state arrives. A write that came first waits, then is refused by the tombstone; a read it
 * cannot answer meanwhile goes to the peer; once synced, writes are answered at once.
 */
class SyncBeforeServingTest {

    private static final String SHARD = "0";
    private static final Duration ALLOCATION = Duration.ofSeconds(30);

    @TempDir
    Path certificates;

    private ActorSystem<Void> system;
    private TestProbe<ShardCommand> peer;
    private TestProbe<EdgeCommand> client;
    private TestProbe<RelayCommand> relay;
    private final HybridClock clock = new HybridClock();

    @BeforeEach
    void start() {
        GlobalSessionsSettings settings = new TestNodes(certificates).node(List.of(Role.RELIEF_EXPANSION), TestNodes.freePort(),
                List.of(), Map.of("relief.replication-factor", 2, "hashing.shards", 1));
        system = NodeBootstrap.start(Behaviors.empty(), settings, PekkoConfig.Kind.NODE);
        peer = TestProbe.create(system);
        client = TestProbe.create(system);
        relay = TestProbe.create(system);
        ClusterSharding sharding = ClusterSharding.get(system);
        sharding.init(Entity.of(ExpansionShard.key(0), ctx -> forwardTo(peer.ref())));
        sharding.init(Entity.of(AgingShard.key(1), ctx -> Behaviors.ignore()));
        NodeMetrics metrics = new NodeMetrics(new SimpleMeterRegistry());
        sharding.init(Entity.of(ExpansionShard.key(1), ctx -> ExpansionShard.create(ctx.getEntityId(), 1, settings, metrics)));
    }

    @AfterEach
    void stop() throws InterruptedException {
        system.terminate();
        NodeBootstrap.awaitTermination(system, TestCluster.STOP_BOUND);
    }

    private static Behavior<ShardCommand> forwardTo(ActorRef<ShardCommand> probe) {
        return Behaviors.receiveMessage(message -> {
            probe.tell(message);
            return Behaviors.same();
        });
    }

    private ShardCommand.ShardPut put(String key, long version, long requestId) {
        return new ShardCommand.ShardPut(key, "v".getBytes(StandardCharsets.UTF_8), version, 60_000, requestId, client.ref(),
                relay.ref(), requestId, 2);
    }

    @Test
    void aWriteWaitsForThePeersTombstoneAndAReadGoesToThePeerUntilTheCopyIsSynced() {
        EntityRef<ShardCommand> copy = ClusterSharding.get(system).entityRefFor(ExpansionShard.key(1), SHARD);
        long stale = clock.next();
        long logout = clock.next();

        copy.tell(put("logged-out", stale, 1)); // starts the copy, which asks its peer for its state
        ShardCommand.SyncRequest request = peer.expectMessageClass(ShardCommand.SyncRequest.class, ALLOCATION);
        client.expectNoMessage(Duration.ofMillis(500)); // not acknowledged: the copy does not know the shard's tombstones yet

        TestProbe<SiblingCommand> sibling = TestProbe.create(system);
        copy.tell(new ShardCommand.ShardGet("elsewhere", 2, client.ref(), sibling.ref(), 0));
        ShardCommand.ShardGet forwarded = peer.expectMessageClass(ShardCommand.ShardGet.class);
        assertEquals("elsewhere", forwarded.key());
        assertEquals(1, forwarded.hops(), "asked of the peer once, never bounced back");

        request.replyTo().tell(new ShardCommand.SyncChunk(List.of(
                new ShardCommand.SyncEntry("logged-out", null, logout, 0, System.currentTimeMillis() + 60_000)),
                request.syncId(), 0, 1));
        EdgeCommand.PutRefused refused = client.expectMessageClass(EdgeCommand.PutRefused.class);
        assertEquals(1, refused.requestId());
        assertTrue(refused.deleted(), "the peer's tombstone refuses the write that waited for it");

        long fresh = clock.next();
        copy.tell(put("new-session", fresh, 3));
        EdgeCommand.PutAck ack = client.expectMessageClass(EdgeCommand.PutAck.class);
        assertEquals(3, ack.requestId());
        assertEquals(fresh, ack.version());
    }
}

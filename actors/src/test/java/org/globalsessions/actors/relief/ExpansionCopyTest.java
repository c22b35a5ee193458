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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.globalsessions.actors.TestCluster;
import org.globalsessions.actors.metrics.NodeMetrics;
import org.globalsessions.actors.node.ServerNode;
import org.globalsessions.runtime.bootstrap.NodeBootstrap;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.Role;
import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.HybridClock;
import org.globalsessions.runtime.protocol.RelayCommand;
import org.globalsessions.runtime.protocol.ShardCommand;
import org.globalsessions.runtime.protocol.SiblingCommand;
import org.globalsessions.runtime.testing.TestNodes;
import org.globalsessions.runtime.bootstrap.FreePorts;

/**
 * When an expansion copy must hold writes back. The copy under test is the real
 * {@link ExpansionShard} in a one-node cluster over mutual TLS; the copies it talks to (its peer,
 * its aging copy) are probes, so the test decides when they answer.
 * <ul>
 * <li>A copy that starts (a new node, a crash, a move) must not acknowledge a write before it has
 * its peer copy's state: the peer may hold the tombstone of a logout that refuses it. A write
 * that came first waits, then is refused by the tombstone; a read it cannot answer meanwhile
 * goes on down its lineage (to its aging copy); once synced, writes are answered at once.
 * <li>A copy whose demotions pile up faster than an answering aging copy confirms them holds new
 * writes until confirmations come back, instead of giving up (losing) the oldest demotions.
 * </ul>
 */
class ExpansionCopyTest {

    private static final String SHARD = "0";
    private static final Duration ALLOCATION = Duration.ofSeconds(30);

    @TempDir
    Path certificates;

    private ActorSystem<Void> system;
    private TestProbe<ShardCommand> peer;
    private TestProbe<ShardCommand> aging;
    private TestProbe<EdgeCommand> client;
    private TestProbe<RelayCommand> relay;
    private final HybridClock clock = new HybridClock();

    /** A one-node cluster whose expansion copy {@code underTest} is real and whose other copies forward to probes. */
    private void start(int copies, int underTest, int entriesPerShard) {
        GlobalSessionsSettings settings = new TestNodes(certificates).node(List.of(Role.RELIEF_EXPANSION), FreePorts.next(),
                List.of(), Map.of("relief.replication-factor", copies, "hashing.shards", 1,
                        "relief.expansion.entries-per-shard", entriesPerShard));
        system = ServerNode.startSystem(Behaviors.empty(), settings);
        peer = TestProbe.create(system);
        aging = TestProbe.create(system);
        client = TestProbe.create(system);
        relay = TestProbe.create(system);
        ClusterSharding sharding = ClusterSharding.get(system);
        if (copies > 1) {
            sharding.init(Entity.of(ExpansionShard.key((underTest + 1) % copies), ctx -> forwardTo(peer.ref())));
        }
        sharding.init(Entity.of(AgingShard.key(underTest), ctx -> forwardTo(aging.ref())));
        NodeMetrics metrics = new NodeMetrics(new SimpleMeterRegistry());
        sharding.init(Entity.of(ExpansionShard.key(underTest),
                ctx -> ExpansionShard.create(ctx.getEntityId(), underTest, settings, metrics)));
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
    void aWriteWaitsForThePeersTombstoneUntilTheCopyIsSynced() {
        start(2, 1, 1_000);
        EntityRef<ShardCommand> copy = ClusterSharding.get(system).entityRefFor(ExpansionShard.key(1), SHARD);
        long stale = clock.next();
        long logout = clock.next();

        copy.tell(put("logged-out", stale, 1)); // starts the copy, which asks its peer for its state
        ShardCommand.SyncRequest request = peer.expectMessageClass(ShardCommand.SyncRequest.class, ALLOCATION);
        client.expectNoMessage(Duration.ofMillis(500)); // not acknowledged: the copy does not know the shard's tombstones yet

        TestProbe<SiblingCommand> sibling = TestProbe.create(system);
        copy.tell(new ShardCommand.ShardGet("elsewhere", 2, client.ref(), sibling.ref()));
        ShardCommand.ShardGet forwarded = aging.expectMessageClass(ShardCommand.ShardGet.class);
        assertEquals("elsewhere", forwarded.key());
        assertEquals(0, forwarded.hops(), "down its own lineage first (whose aging copy passes it on to the peer's)");

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

    @Test
    void writesWaitWhileDemotionsPileUpBeforeAnAgingCopyThatAnswersAndGoOnAsItConfirms() {
        start(1, 0, 1); // one entry per shard: every write evicts the previous session into aging
        EntityRef<ShardCommand> copy = ClusterSharding.get(system).entityRefFor(ExpansionShard.key(0), SHARD);
        copy.tell(put("s-0", clock.next(), 0));
        client.expectMessageClass(EdgeCommand.PutAck.class, ALLOCATION);
        copy.tell(put("s-1", clock.next(), 1));
        client.expectMessageClass(EdgeCommand.PutAck.class);
        ShardCommand.Demote first = aging.expectMessageClass(ShardCommand.Demote.class);
        first.replyTo().tell(new ShardCommand.Demoted(first.key(), first.seq())); // the aging copy answers

        // The kept limit is max(1 000, 4 x 1): from 500 waiting demotions on, writes wait.
        for (int i = 2; i <= 501; i++) {
            copy.tell(put("s-" + i, clock.next(), i));
        }
        assertEquals(500, client.receiveSeveralMessages(500, Duration.ofSeconds(30)).size(), "acknowledged up to the backlog");
        copy.tell(put("s-502", clock.next(), 502));
        client.expectNoMessage(Duration.ofMillis(500)); // 500 demotions wait for an aging copy that answers: this write waits

        ShardCommand.Demote next = aging.expectMessageClass(ShardCommand.Demote.class);
        next.replyTo().tell(new ShardCommand.Demoted(next.key(), next.seq()));
        EdgeCommand.PutAck released = client.expectMessageClass(EdgeCommand.PutAck.class);
        assertEquals(502, released.requestId(), "a confirmation brings the backlog down: the write that waited goes on");
    }
}

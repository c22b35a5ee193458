package org.globalsessions.actors.relief;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

import org.globalsessions.actors.TestNodes;
import org.globalsessions.actors.metrics.NodeMetrics;
import org.globalsessions.actors.node.ServerNode;
import org.globalsessions.actors.sibling.SiblingActor;
import org.globalsessions.runtime.bootstrap.NodeBootstrap;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.Role;
import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.HybridClock;
import org.globalsessions.runtime.protocol.RelayCommand;
import org.globalsessions.testkit.FreePorts;

/**
 * When an expansion replica must hold writes back. The replica under test is the real
 * {@link ExpansionReplica} in a one-node cluster over mutual TLS; the replicas it talks to (its
 * next replica, its aging replica) are probes, so the test decides when they answer.
 * <ul>
 * <li>A replica that starts (a new node, a crash, a move) must not acknowledge a write before it
 * has its next replica's state: that may hold the tombstone of a logout that refuses it. A write
 * that came first waits, then is refused by the tombstone; a read it cannot answer meanwhile
 * goes on down its lineage (to its aging replica); once copied, writes are answered at once.
 * <li>A replica whose demotions pile up faster than an answering aging replica confirms them
 * holds new writes until confirmations come back, instead of giving up (losing) the oldest
 * demotions.
 * </ul>
 */
class ExpansionReplicaTest {

    private static final String SHARD = "0";
    private static final Duration ALLOCATION = Duration.ofSeconds(30);

    @TempDir
    Path certificates;

    private ActorSystem<Void> system;
    private TestProbe<ExpansionReplica.Command> next;
    private TestProbe<AgingReplica.Command> aging;
    private TestProbe<EdgeCommand> client;
    private TestProbe<RelayCommand> relay;
    private final HybridClock clock = new HybridClock();

    /** A one-node cluster whose expansion replica {@code underTest} is real and whose other replicas forward to probes. */
    private void start(int replicas, int underTest, int entriesPerShard) {
        start(replicas, underTest, entriesPerShard, Map.of());
    }

    private void start(int replicas, int underTest, int entriesPerShard, Map<String, Object> more) {
        Map<String, Object> tuning = new java.util.HashMap<>(more);
        tuning.putAll(Map.of("relief.replication-factor", replicas, "hashing.shards", 1,
                "relief.expansion.entries-per-shard", entriesPerShard));
        GlobalSessionsSettings settings = TestNodes.node(certificates, List.of(Role.RELIEF_EXPANSION), FreePorts.next(),
                List.of(), tuning);
        system = ServerNode.startSystem(Behaviors.empty(), settings);
        next = TestProbe.create(system);
        aging = TestProbe.create(system);
        client = TestProbe.create(system);
        relay = TestProbe.create(system);
        ClusterSharding sharding = ClusterSharding.get(system);
        if (replicas > 1) {
            sharding.init(Entity.of(ExpansionReplica.typeKey((underTest + 1) % replicas), ctx -> forwardTo(next.ref())));
        }
        sharding.init(Entity.of(AgingReplica.typeKey(underTest), ctx -> forwardTo(aging.ref())));
        NodeMetrics metrics = new NodeMetrics(new SimpleMeterRegistry());
        sharding.init(Entity.of(ExpansionReplica.typeKey(underTest),
                ctx -> ExpansionReplica.create(ctx.getEntityId(), underTest, settings, metrics)));
    }

    @AfterEach
    void stop() throws InterruptedException {
        system.terminate();
        NodeBootstrap.awaitTermination(system, TestNodes.STOP_BOUND);
    }

    private static <M> Behavior<M> forwardTo(ActorRef<M> probe) {
        return Behaviors.receiveMessage(message -> {
            probe.tell(message);
            return Behaviors.same();
        });
    }

    /**
     * The replica's report to the relay that it stored write {@code token} ({@link #put} uses the
     * request id); reports of writes it refused (already answered to the client) are passed over.
     */
    private RelayCommand.Stored stored(long token, Duration max) {
        while (true) {
            RelayCommand.Stored report = relay.expectMessageClass(RelayCommand.Stored.class, max);
            if (report.stored()) {
                assertEquals(token, report.token(), report.toString());
                return report;
            }
        }
    }

    private ExpansionReplica.Put put(String key, long version, long requestId) {
        return new ExpansionReplica.Put(key, "v".getBytes(StandardCharsets.UTF_8), version, 60_000, requestId, client.ref(),
                relay.ref(), requestId, 2);
    }

    @Test
    void aWriteWaitsForTheNextReplicasTombstoneUntilTheReplicaHasCopied() {
        start(2, 1, 1_000);
        EntityRef<ExpansionReplica.Command> replica = ClusterSharding.get(system).entityRefFor(ExpansionReplica.typeKey(1), SHARD);
        long stale = clock.next();
        long logout = clock.next();

        replica.tell(put("logged-out", stale, 1)); // starts the replica, which asks its next replica for its state
        ReplicaSync.SyncRequest request = next.expectMessageClass(ReplicaSync.SyncRequest.class, ALLOCATION);
        relay.expectNoMessage(Duration.ofMillis(500)); // not reported stored: the replica does not know the shard's tombstones yet

        TestProbe<SiblingActor.Promote> sibling = TestProbe.create(system);
        replica.tell(new Lineage.Get("elsewhere", 2, client.ref(), sibling.ref()));
        Lineage.Get forwarded = aging.expectMessageClass(Lineage.Get.class);
        assertEquals("elsewhere", forwarded.key());
        assertEquals(0, forwarded.hops(), "down its own lineage first (whose aging replica passes it on to the next replica's)");

        request.replyTo().tell(new ReplicaSync.SyncChunk(List.of(
                new ReplicaSync.SyncEntry("logged-out", null, logout, 0, System.currentTimeMillis() + 60_000)),
                request.syncId(), 0, 1));
        EdgeCommand.PutRefused refused = client.expectMessageClass(EdgeCommand.PutRefused.class);
        assertEquals(1, refused.requestId());
        assertTrue(refused.deleted(), "the next replica's tombstone refuses the write that waited for it");

        long fresh = clock.next();
        replica.tell(put("new-session", fresh, 3));
        assertEquals(fresh, stored(3, Duration.ofSeconds(3)).version());
    }

    /** A write of {@code key} reaching the replica under test at the place in its chain that {@code rest} and {@code storedBy} say. */
    private ExpansionReplica.Put chained(String key, long version, long requestId, int replicas, long ifVersion, long rest,
                                         long storedBy) {
        return new ExpansionReplica.Put(key, "v".getBytes(StandardCharsets.UTF_8), version, 60_000, requestId, client.ref(),
                relay.ref(), requestId, replicas, ifVersion, rest, storedBy);
    }

    /** Starts the replica under test ({@code underTest} of {@code replicas}) and lets it copy an empty next replica. */
    private EntityRef<ExpansionReplica.Command> copied(int replicas, int underTest) {
        start(replicas, underTest, 1_000);
        EntityRef<ExpansionReplica.Command> replica = ClusterSharding.get(system).entityRefFor(ExpansionReplica.typeKey(underTest), SHARD);
        replica.tell(new ExpansionReplica.Touch("nothing")); // starts it: it asks its next replica for its state
        ReplicaSync.SyncRequest request = next.expectMessageClass(ReplicaSync.SyncRequest.class, ALLOCATION);
        request.replyTo().tell(new ReplicaSync.SyncChunk(List.of(), request.syncId(), 0, 1));
        return replica;
    }

    /**
     * Issue 20 item 2: a write travels down the chain of the shard's replicas, so the relay sends it
     * once and hears of it once. A replica stores it and passes it on to the next replica of the
     * chain, adding itself to the replicas that stored it; the last reports to the relay, naming
     * them all; a replica that refuses it answers the writer and the relay, and passes nothing on.
     */
    @Test
    void aWriteIsPassedDownTheChainAndTheLastReplicaReportsEveryReplicaThatStoredIt() {
        EntityRef<ExpansionReplica.Command> replica = copied(3, 1); // its next replica, 2, is the probe

        long first = clock.next();
        replica.tell(chained("s", first, 1, 3, RelayCommand.Put.ANY, 0b100, 0b001)); // replica 0 stored it
        ExpansionReplica.Put passed = next.expectMessageClass(ExpansionReplica.Put.class);
        assertEquals(List.of(first, 0L, 0b011L, 1L, RelayCommand.Put.ANY),
                List.of(passed.version(), passed.rest(), passed.storedBy(), passed.token(), passed.ifVersion()));
        relay.expectNoMessage(Duration.ofMillis(300)); // not the last: it reports nothing

        replica.tell(chained("s", first, 1, 3, RelayCommand.Put.ANY, 0, 0b001)); // the last of the chain (sent again)
        RelayCommand.Stored report = stored(1, Duration.ofSeconds(3));
        assertEquals(List.of(0b011L, 3), List.of(report.storedBy(), report.replicas()));

        replica.tell(chained("s", first - 1, 2, 3, RelayCommand.Put.ANY, 0b100, 0b001)); // older than held
        assertEquals(2, client.expectMessageClass(EdgeCommand.PutRefused.class).requestId());
        assertFalse(relay.expectMessageClass(RelayCommand.Stored.class).stored());
        next.expectNoMessage(Duration.ofMillis(300)); // refused: the chain ends here
    }

    /** A conditional write is decided by replica 0, which passes it on as a plain write; one it refuses goes no further. */
    @Test
    void replicaZeroDecidesAConditionalWriteAndPassesItOnDecided() {
        EntityRef<ExpansionReplica.Command> replica = copied(2, 0);
        long held = clock.next();
        replica.tell(chained("c", held, 1, 2, RelayCommand.Put.ANY, 0, 0));
        stored(1, Duration.ofSeconds(3));

        long next2 = clock.next();
        replica.tell(chained("c", next2, 2, 2, held, 0b10, 0));
        ExpansionReplica.Put passed = next.expectMessageClass(ExpansionReplica.Put.class);
        assertEquals(List.of(next2, RelayCommand.Put.ANY, 0b01L), List.of(passed.version(), passed.ifVersion(), passed.storedBy()));

        replica.tell(chained("c", clock.next(), 3, 2, held, 0b10, 0)); // names a version no longer held
        assertEquals(3, client.expectMessageClass(EdgeCommand.PutRefused.class).requestId());
        next.expectNoMessage(Duration.ofMillis(300));
    }

    private ExpansionReplica.IndexAdd indexAdd(String principal, String sessionId, long since, long requestId) {
        return new ExpansionReplica.IndexAdd(new RelayCommand.IndexAdd(principal, sessionId, since,
                System.currentTimeMillis() + 60_000, requestId, client.ref()), 2);
    }

    private ExpansionReplica.IndexList indexList(String principal, long requestId) {
        return new ExpansionReplica.IndexList(new RelayCommand.IndexList(principal, requestId, client.ref()), 0);
    }

    /** The session ids of the next listing the client gets. */
    private List<String> listed() {
        return client.expectMessageClass(EdgeCommand.IndexListing.class).entries().stream()
                .map(EdgeCommand.IndexEntry::sessionId).toList();
    }

    /**
     * Issue 21: the principal index. A replica applies adds and removes in every state (a set
     * union is merged with the copy), but a replica still copying does not list: it may lack the
     * adds acknowledged before it started, and a "log out everywhere" must find every session, so
     * its next replica answers, or (passed on by every other replica) it waits for its copy. Once copied it lists the copied entries with its own, oldest login first.
     */
    @Test
    void theIndexIsListedOnlyByAReplicaThatHasCopiedItsNextReplica() {
        start(2, 1, 1_000);
        EntityRef<ExpansionReplica.Command> replica = ClusterSharding.get(system).entityRefFor(ExpansionReplica.typeKey(1), SHARD);
        long now = System.currentTimeMillis();
        replica.tell(indexAdd("alice", "second-login", now, 1));
        ReplicaSync.SyncRequest request = next.expectMessageClass(ReplicaSync.SyncRequest.class, ALLOCATION);
        EdgeCommand.IndexAck ack = client.expectMessageClass(EdgeCommand.IndexAck.class);
        assertEquals(List.of(1L, 1, 2), List.of(ack.requestId(), ack.replica(), ack.replicas()));

        replica.tell(indexList("alice", 2));
        ExpansionReplica.IndexList passedOn = next.expectMessageClass(ExpansionReplica.IndexList.class);
        assertEquals(1, passedOn.hops(), "still copying: its next replica answers");
        replica.tell(new ExpansionReplica.IndexList(new RelayCommand.IndexList("alice", 3, client.ref()), 1));
        client.expectNoMessage(Duration.ofMillis(200)); // passed on by every other replica: it waits for the copy

        request.replyTo().tell(new ReplicaSync.SyncChunk(List.of(new ReplicaSync.SyncEntry(
                PrincipalIndex.syncKey("alice", "first-login"), null, now - 1_000, 0, now + 60_000)), request.syncId(), 0, 1));
        assertEquals(List.of("first-login", "second-login"), listed(), "copied and own, oldest login first");

        replica.tell(new ExpansionReplica.IndexRemove(new RelayCommand.IndexRemove("alice", List.of("first-login"), 4,
                client.ref()), 2));
        assertEquals(4, client.expectMessageClass(EdgeCommand.IndexAck.class).requestId());
        replica.tell(indexList("alice", 5));
        assertEquals(List.of("second-login"), listed());
    }

    /** Issue 21, bad input: an index add with an empty or too long principal name is refused by name; nothing changes. */
    @Test
    void anIndexAddWithABadPrincipalNameIsRefusedAndChangesNothing() {
        start(1, 0, 1_000);
        EntityRef<ExpansionReplica.Command> replica = ClusterSharding.get(system).entityRefFor(ExpansionReplica.typeKey(0), SHARD);
        long now = System.currentTimeMillis();
        replica.tell(indexAdd("", "a-session", now, 1));
        EdgeCommand.Failed empty = client.expectMessageClass(EdgeCommand.Failed.class, ALLOCATION);
        assertEquals("principal name is empty", empty.reason());
        replica.tell(indexAdd("x".repeat(257), "a-session", now, 2));
        EdgeCommand.Failed tooLong = client.expectMessageClass(EdgeCommand.Failed.class);
        assertTrue(tooLong.reason().contains("length=257 bytes exceeds the maximum of 256"), tooLong.reason());
        replica.tell(indexList("", 3));
        assertEquals(List.of(), listed());
        replica.tell(indexList("x".repeat(257), 4));
        assertEquals(List.of(), listed());
    }

    /** Issue 22 item 4: a session larger than a replica's whole byte budget is refused, naming both sizes. */
    @Test
    void aSessionLargerThanTheByteBudgetIsRefusedNamingBothSizes() {
        start(1, 0, 1_000, Map.of("relief.expansion.bytes-per-shard", "1 MiB"));
        EntityRef<ExpansionReplica.Command> replica = ClusterSharding.get(system).entityRefFor(ExpansionReplica.typeKey(0), SHARD);
        byte[] big = new byte[(1 << 20) + 1];
        replica.tell(new ExpansionReplica.Put("big", big, clock.next(), 60_000, 1, client.ref(), relay.ref(), 1, 1));
        EdgeCommand.Failed refused = client.expectMessageClass(EdgeCommand.Failed.class, ALLOCATION);
        assertTrue(refused.reason().contains("relief.expansion.bytes-per-shard = 1048576")
                && refused.reason().contains((1 << 20) + 1 + 3 + ReliefStore.ENTRY_OVERHEAD + " bytes"), refused.reason());
        assertFalse(refused.reason().contains("big"), "no session id in the reason: " + refused.reason());
        assertFalse(relay.expectMessageClass(RelayCommand.Stored.class).stored(), "the relay caches nothing");
        replica.tell(put("small", clock.next(), 2));
        stored(2, Duration.ofSeconds(3));
    }

    /**
     * Bug (issue 19): a starting replica released the writes that waited at the copy's timeout (or
     * past 10 000 waiting), acknowledging them before it knew its next replica's tombstones.
     */
    @Test
    void aReplicaStillCopyingAtTheTimeoutRefusesTheWritesThatWaitedAndAsksAgain() {
        start(2, 1, 1_000);
        EntityRef<ExpansionReplica.Command> replica = ClusterSharding.get(system).entityRefFor(ExpansionReplica.typeKey(1), SHARD);
        replica.tell(put("waits", clock.next(), 1));
        next.expectMessageClass(ReplicaSync.SyncRequest.class, ALLOCATION); // not answered: the next replica is slow
        EdgeCommand.Failed refused = client.expectMessageClass(EdgeCommand.Failed.class,
                ReplicaCopy.TIMEOUT.plus(Duration.ofSeconds(5)));
        assertEquals(1, refused.requestId());
        assertTrue(refused.reason().contains("still copying") && refused.reason().contains("retry"), refused.reason());
        ReplicaSync.SyncRequest again = next.expectMessageClass(ReplicaSync.SyncRequest.class);

        again.replyTo().tell(new ReplicaSync.SyncChunk(List.of(), again.syncId(), 0, 1));
        replica.tell(put("after-the-copy", clock.next(), 2));
        stored(2, Duration.ofSeconds(3)); // copied: writes are stored
    }

    /**
     * Issue 22: a chunk index from the wire sized the set of chunks received (2^31-1: 256 MiB; a
     * negative one stopped the replica, which dropped its state). Forged chunks are refused without
     * allocating, and the replica, still copying, completes with the real answer.
     */
    @Test
    void aForgedChunkOfTheNextReplicasStateIsRefusedAndTheCopyGoesOn() {
        start(2, 1, 1_000);
        EntityRef<ExpansionReplica.Command> replica = ClusterSharding.get(system).entityRefFor(ExpansionReplica.typeKey(1), SHARD);
        replica.tell(put("waits-for-the-copy", clock.next(), 1));
        ReplicaSync.SyncRequest request = next.expectMessageClass(ReplicaSync.SyncRequest.class, ALLOCATION);
        request.replyTo().tell(new ReplicaSync.SyncChunk(List.of(), request.syncId(), Integer.MAX_VALUE - 1, Integer.MAX_VALUE));
        request.replyTo().tell(new ReplicaSync.SyncChunk(List.of(), request.syncId(), -1, 1));
        request.replyTo().tell(new ReplicaSync.SyncChunk(List.of(), request.syncId(), 3, 2));
        relay.expectNoMessage(Duration.ofMillis(500)); // none of them completes the copy: the write still waits

        request.replyTo().tell(new ReplicaSync.SyncChunk(List.of(), request.syncId(), 0, 1));
        stored(1, Duration.ofSeconds(3)); // the real answer completes the copy
    }

    @Test
    void writesWaitWhileDemotionsPileUpBeforeAnAgingReplicaThatAnswersAndGoOnAsItConfirms() {
        start(1, 0, 1); // one entry per shard: every write evicts the previous session into aging
        EntityRef<ExpansionReplica.Command> replica = ClusterSharding.get(system).entityRefFor(ExpansionReplica.typeKey(0), SHARD);
        replica.tell(put("s-0", clock.next(), 0));
        stored(0, ALLOCATION);
        replica.tell(put("s-1", clock.next(), 1));
        stored(1, Duration.ofSeconds(3));
        AgingReplica.Demote first = aging.expectMessageClass(AgingReplica.Demote.class);
        first.replyTo().tell(new ExpansionReplica.Demoted(first.key(), first.seq())); // the aging replica answers

        // The kept limit is max(1 000, 4 x 1): from 500 waiting demotions on, writes wait.
        for (int i = 2; i <= 501; i++) {
            replica.tell(put("s-" + i, clock.next(), i));
        }
        assertEquals(500, relay.receiveSeveralMessages(500, Duration.ofSeconds(30)).size(), "stored up to the backlog");
        replica.tell(put("s-502", clock.next(), 502));
        relay.expectNoMessage(Duration.ofMillis(500)); // 500 demotions wait for an aging replica that answers: this write waits

        AgingReplica.Demote later = aging.expectMessageClass(AgingReplica.Demote.class);
        later.replyTo().tell(new ExpansionReplica.Demoted(later.key(), later.seq()));
        stored(502, Duration.ofSeconds(3)); // a confirmation brings the backlog down: the write that waited goes on
    }

    /** Bug (issue 19): at the cap the oldest tombstone was dropped silently; now the delete is refused, naming the setting. */
    @Test
    void aDeleteAtTheTombstoneCapIsRefusedNamingTheSetting() {
        start(1, 0, 1_000, Map.of("relief.tombstones-per-shard", 2));
        EntityRef<ExpansionReplica.Command> replica = ClusterSharding.get(system).entityRefFor(ExpansionReplica.typeKey(0), SHARD);
        replica.tell(new Lineage.Delete("gone-1", clock.next(), 1, relay.ref(), 1));
        aging.expectMessageClass(Lineage.Delete.class, ALLOCATION);
        replica.tell(new Lineage.Delete("gone-2", clock.next(), 2, relay.ref(), 1));
        aging.expectMessageClass(Lineage.Delete.class);
        replica.tell(new Lineage.Delete("gone-3", clock.next(), 3, relay.ref(), 1));
        RelayCommand.DeleteRefused refused = relay.expectMessageClass(RelayCommand.DeleteRefused.class);
        assertEquals(3, refused.deleteId());
        assertTrue(refused.reason().contains("relief.tombstones-per-shard = 2"), refused.reason());
        aging.expectNoMessage(Duration.ofMillis(300));
        replica.tell(new Lineage.Delete("gone-1", clock.next(), 4, relay.ref(), 1));
        assertEquals("gone-1", aging.expectMessageClass(Lineage.Delete.class).key(), "a key already deleted needs no room");
    }
}

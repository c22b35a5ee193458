package org.globalsessions.actors.relief;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
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
import org.globalsessions.runtime.protocol.Tier;
import org.globalsessions.testkit.FreePorts;

/**
 * A lookup walks every lineage of a shard before it answers a miss, and checks an aging hit
 * against the other lineages while its lineage was rebuilt lately; a rebuilt replica repairs its
 * lineage. Pins the loss of acknowledged sessions after a crash (a session left in one lineage
 * only, or an older version in another lineage's aging replica): the story and why is
 * {@code docs/decisions/0004-lineage-walk-after-crash.md}, the algorithm
 * {@code docs/relief-replication.md}. Real expansion and aging replicas, two of each, in a
 * one-node cluster over mutual TLS; the test hands the aging replicas their demotions directly,
 * and rebuilds a replica by stopping it. Each step's decisions are tested case by case in
 * {@link LineageWalkStepTest}.
 */
class LineageWalkTest {

    private static final String SHARD = "0";
    private static final Duration ALLOCATION = Duration.ofSeconds(30);

    @TempDir
    Path certificates;

    private ActorSystem<Void> system;
    private TestProbe<EdgeCommand> client;
    private TestProbe<SiblingActor.Promote> sibling;
    private final HybridClock clock = new HybridClock();

    @BeforeEach
    void start() {
        GlobalSessionsSettings settings = TestNodes.node(certificates, List.of(Role.RELIEF_EXPANSION, Role.RELIEF_AGING),
                FreePorts.next(), List.of(), Map.of("relief.replication-factor", 2, "hashing.shards", 1));
        system = ServerNode.startSystem(Behaviors.empty(), settings);
        ReliefTiers.init(system, settings, new NodeMetrics(new SimpleMeterRegistry()));
        client = TestProbe.create(system);
        sibling = TestProbe.create(system);
        // Start every replica, as a long-running cluster has them (a replica that starts later would
        // copy its next replica's state and so hide the divergence), and wait until each has answered the
        // replicas' own startup requests: each answers a request for its state after those.
        assertInstanceOf(EdgeCommand.NotFound.class, lookUp("warm-up", 0));
        for (int k = 0; k < 2; k++) {
            assertEquals(List.of(), heldBy(expansion(k)));
            assertEquals(List.of(), heldBy(aging(k)));
        }
    }

    @AfterEach
    void stop() throws InterruptedException {
        system.terminate();
        NodeBootstrap.awaitTermination(system, TestNodes.STOP_BOUND);
    }

    private EntityRef<ExpansionReplica.Command> expansion(int replica) {
        return ClusterSharding.get(system).entityRefFor(ExpansionReplica.typeKey(replica), SHARD);
    }

    private EntityRef<AgingReplica.Command> aging(int replica) {
        return ClusterSharding.get(system).entityRefFor(AgingReplica.typeKey(replica), SHARD);
    }

    /** A lookup as the sibling sends it: to expansion replica 0 first. */
    private EdgeCommand lookUp(String key, long requestId) {
        expansion(0).tell(new Lineage.Get(key, requestId, client.ref(), sibling.ref()));
        return client.expectMessageClass(EdgeCommand.class, ALLOCATION);
    }

    /** Aging replica {@code replica} gets (and confirms) the demotion of {@code key}, as if its expansion replica had evicted it. */
    private void demote(int replica, String key, byte[] value, long version) {
        TestProbe<ExpansionReplica.Demoted> evictor = TestProbe.create(system);
        aging(replica).tell(new AgingReplica.Demote(key, value, version, 3_600_000,
                System.currentTimeMillis() + 3_600_000, 1, evictor.ref()));
        evictor.expectMessageClass(ExpansionReplica.Demoted.class, ALLOCATION);
    }

    /** The sessions an expansion replica holds, as {@code key@version}, as a starting replica would be sent them. */
    private List<String> held(int replica) {
        return heldBy(expansion(replica));
    }

    private List<String> heldBy(RecipientRef<? super ReplicaSync.SyncRequest> replica) {
        TestProbe<ReplicaSync.SyncChunk> inspector = TestProbe.create(system);
        replica.tell(new ReplicaSync.SyncRequest(inspector.ref(), 1));
        return inspector.expectMessageClass(ReplicaSync.SyncChunk.class).entries().stream()
                .map(e -> e.key() + "@" + e.version()).sorted().toList();
    }

    private void readmit(int replica, String key, long version) {
        expansion(replica).tell(new ExpansionReplica.Readmit(key, key.getBytes(StandardCharsets.UTF_8), version, 3_600_000,
                System.currentTimeMillis() + 3_600_000));
    }

    @Test
    void aSessionOnlyTheSecondLineageHoldsIsFoundAndCopiedBackIntoTheFirst() {
        byte[] value = "only-in-aging-1".getBytes(StandardCharsets.UTF_8);
        long version = clock.next();
        demote(1, "survivor", value, version);

        EdgeCommand first = lookUp("survivor", 1);
        EdgeCommand.Found found = assertInstanceOf(EdgeCommand.Found.class, first);
        assertArrayEquals(value, found.value());
        assertEquals(version, found.version());
        assertEquals(Tier.AGING, found.tier());
        sibling.expectMessageClass(SiblingActor.Promote.class);

        // Read repair: expansion replica 0 (lineage 0, which missed it) gets the session back.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(List.of("survivor@" + version), held(0)));
    }

    /**
     * An expiry check is a probe: it finds the session but neither promotes it nor readmits it
     * (a readmission pushed a live session out of a full expansion shard, which then ended).
     */
    @Test
    void aProbeFindsASessionInAgingAndChangesNothing() {
        byte[] value = "probed".getBytes(StandardCharsets.UTF_8);
        long version = clock.next();
        demote(1, "probed", value, version);

        expansion(0).tell(Lineage.Get.probe("probed", 9, client.ref().unsafeUpcast()));
        EdgeCommand.Found found = assertInstanceOf(EdgeCommand.Found.class, client.expectMessageClass(EdgeCommand.class, ALLOCATION));
        assertEquals(version, found.version());
        assertEquals(Tier.AGING, found.tier());
        sibling.expectNoMessage(Duration.ofMillis(300));
        assertEquals(List.of(), held(0), "not readmitted to lineage 0");
        assertEquals(List.of(), held(1), "not readmitted to lineage 1");

        assertInstanceOf(EdgeCommand.Found.class, lookUp("probed", 10)); // a read is a use: it promotes and readmits
        sibling.expectMessageClass(SiblingActor.Promote.class);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(List.of("probed@" + version), held(0)));
    }

    @Test
    void anOlderVersionInTheFirstLineagesAgingReplicaIsNotServedOverANewerOneInTheSecond() {
        // Lineage 0 demoted v1; the session was written again (v2), and lineage 1 demoted v2 while
        // expansion replica 0 still held it. Then expansion replica 0 is lost and rebuilt from replica 1's
        // expansion entries (another session), which no longer include v2.
        long v1 = clock.next();
        long v2 = clock.next();
        demote(0, "rewritten", "v1".getBytes(StandardCharsets.UTF_8), v1);
        demote(1, "rewritten", "v2".getBytes(StandardCharsets.UTF_8), v2);
        long other = clock.next();
        readmit(1, "other", other);
        expansion(0).tell(ExpansionReplica.HandOff.INSTANCE); // stops; the next message starts a new replica 0, which syncs
        await().atMost(ALLOCATION).untilAsserted(() -> assertEquals(List.of("other@" + other), held(0)));

        EdgeCommand.Found found = assertInstanceOf(EdgeCommand.Found.class, lookUp("rewritten", 5));
        assertEquals(v2, found.version(), "the acknowledged newer version, not the older one lineage 0 still had");
        assertArrayEquals("v2".getBytes(StandardCharsets.UTF_8), found.value());

        // Both expansion replicas get v2 back as recent, so the next lookup is answered by lineage 0 at once.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertEquals(List.of("other@" + other, "rewritten@" + v2), held(0));
            assertEquals(List.of("other@" + other, "rewritten@" + v2), held(1));
        });
        EdgeCommand.Found again = assertInstanceOf(EdgeCommand.Found.class, lookUp("rewritten", 6));
        assertEquals(Tier.EXPANSION, again.tier());
        assertEquals(v2, again.version());
    }

    @Test
    void aRebuiltExpansionReplicasLineageTakesBackWhatTheNextLineageHadDemoted() {
        // Only lineage 1 has "demoted" (in its aging replica); expansion replica 1 holds "recent".
        long demoted = clock.next();
        demote(1, "demoted", "d".getBytes(StandardCharsets.UTF_8), demoted);
        long recent = clock.next();
        readmit(1, "recent", recent);
        expansion(0).tell(ExpansionReplica.HandOff.INSTANCE); // lost: the next message starts a new replica 0, rebuilt from replica 1

        await().atMost(ALLOCATION).untilAsserted(() -> assertEquals(List.of("recent@" + recent), held(0)));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(List.of("demoted@" + demoted), heldBy(aging(0))));
    }

    @Test
    void aRebuiltAgingReplicaTakesWhatTheNextLineageStillHoldsInExpansion() {
        // Lineage 0 had demoted "evicted" to its aging replica, which is lost; expansion replica 1 still holds it.
        long evicted = clock.next();
        readmit(1, "evicted", evicted);
        long aged = clock.next();
        demote(1, "aged", "a".getBytes(StandardCharsets.UTF_8), aged);
        aging(0).tell(AgingReplica.HandOff.INSTANCE);

        await().atMost(ALLOCATION).untilAsserted(() -> assertEquals(List.of("aged@" + aged, "evicted@" + evicted),
                heldBy(aging(0))));
        assertEquals(List.of(), held(0), "the repair went to the aging replica; expansion replica 0 is untouched");
    }

    @Test
    void aMissIsAnsweredOnceAfterEveryLineageAndATombstoneStopsTheWalk() {
        EdgeCommand.NotFound miss = assertInstanceOf(EdgeCommand.NotFound.class, lookUp("nobody", 3));
        assertEquals(0, miss.tombstoneVersion());
        client.expectNoMessage(Duration.ofMillis(300)); // one answer, from the last lineage

        // A logout reaches every replica; a stale version of the session in lineage 1's aging replica must not come back.
        long login = clock.next();
        demote(1, "logged-out", "stale".getBytes(StandardCharsets.UTF_8), login);
        long logout = clock.next();
        TestProbe<RelayCommand> relay = TestProbe.create(system);
        Lineage.Delete delete = new Lineage.Delete("logged-out", logout, 7, relay.ref(), 2);
        expansion(0).tell(delete);
        expansion(1).tell(delete);
        relay.expectMessageClass(RelayCommand.OwnersDeleted.class);
        relay.expectMessageClass(RelayCommand.OwnersDeleted.class);

        EdgeCommand.NotFound deleted = assertInstanceOf(EdgeCommand.NotFound.class, lookUp("logged-out", 4));
        assertEquals(logout, deleted.tombstoneVersion());
    }
}

package org.globalsessions.actors.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.globalsessions.actors.TestNodes;
import org.globalsessions.actors.node.ServerNode;
import org.globalsessions.runtime.bootstrap.NodeBootstrap;
import org.globalsessions.runtime.config.Role;
import org.globalsessions.runtime.protocol.RelayCommand;
import org.globalsessions.runtime.protocol.WriterIds;
import org.globalsessions.testkit.FreePorts;

/**
 * The writer-slot singleton's behaviour on a one-node cluster: distinct slots, renewals, a slot
 * free again only after its free-after time, and a restarted singleton that reads its grants
 * back from Distributed Data instead of handing a held slot out again (issue 19: clock node ids
 * unique in the cluster).
 */
class WriterSlotsTest {

    private static final Duration FREE_AFTER = Duration.ofMillis(2500);

    @TempDir
    Path certificates;

    private ActorSystem<Void> system;

    @BeforeEach
    void start() {
        system = ServerNode.startSystem(Behaviors.empty(),
                TestNodes.node(certificates, List.of(Role.RELAY), FreePorts.next(), List.of(), Map.of()));
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> Cluster.get(system).selfMember().status() == MemberStatus.up());
    }

    @AfterEach
    void stop() throws InterruptedException {
        system.terminate();
        NodeBootstrap.awaitTermination(system, TestNodes.STOP_BOUND);
    }

    /** Stops a singleton started by {@link #singleton}. */
    private enum Stop implements WriterSlots.Command {
        INSTANCE
    }

    /** A singleton instance (as the cluster singleton manager would run it) that {@link Stop} ends. */
    private ActorRef<WriterSlots.Command> singleton(String name) {
        return system.systemActorOf(Behaviors.<WriterSlots.Command>setup(context -> {
            ActorRef<WriterSlots.Command> slots = context.spawn(WriterSlots.create(FREE_AFTER), "slots");
            return Behaviors.receiveMessage(message -> {
                if (message == Stop.INSTANCE) {
                    return Behaviors.stopped();
                }
                slots.tell(message);
                return Behaviors.same();
            });
        }), name, Props.empty());
    }

    /** The slot {@code slots} grants {@code relay} for a claim naming {@code held}, claiming until it answers. */
    private static int claim(ActorRef<WriterSlots.Command> slots, TestProbe<RelayCommand> relay, int held) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        java.util.Set<Long> sent = new java.util.HashSet<>();
        while (true) {
            long now = System.nanoTime();
            sent.add(now);
            slots.tell(new WriterSlots.Claim(relay.ref(), held, now));
            RelayCommand.WriterSlot granted;
            try {
                granted = relay.expectMessageClass(RelayCommand.WriterSlot.class, Duration.ofMillis(500));
            } catch (AssertionError unanswered) {
                if (System.nanoTime() - deadline > 0) {
                    throw unanswered;
                }
                continue;
            }
            assertTrue(sent.contains(granted.sentNanos()), "the grant echoes a claim's send time: the relay's lease runs from it");
            return granted.slot();
        }
    }

    @Test
    void relaysGetDistinctSlotsAndKeepThemWhileTheyRenew() throws Exception {
        ActorRef<WriterSlots.Command> slots = singleton("writer-slots-a");
        TestProbe<RelayCommand> a = TestProbe.create(system);
        TestProbe<RelayCommand> b = TestProbe.create(system);
        int slotA = claim(slots, a, WriterIds.NONE);
        int slotB = claim(slots, b, WriterIds.NONE);
        assertNotEquals(slotA, slotB, "two relays never hold the same slot");
        long start = System.nanoTime();
        while (System.nanoTime() - start < FREE_AFTER.toNanos() * 2) { // renewals past the free-after time keep it
            assertEquals(slotA, claim(slots, a, slotA));
            assertEquals(slotB, claim(slots, b, slotB));
        }
    }

    @Test
    void aSlotNobodyRenewsIsFreeAgainOnlyAfterItsFreeAfterTime() throws Exception {
        ActorRef<WriterSlots.Command> slots = singleton("writer-slots-b");
        TestProbe<RelayCommand> a = TestProbe.create(system);
        int slotA = claim(slots, a, WriterIds.NONE);
        long grantedAt = System.nanoTime();
        TestProbe<RelayCommand> b = TestProbe.create(system);
        assertNotEquals(slotA, claim(slots, b, WriterIds.NONE), "a's slot is held while its lease may run");
        TestProbe<RelayCommand> c = TestProbe.create(system);
        int slotC;
        do { // b renews; a does not: a's slot comes back, and not before its time
            claim(slots, b, WriterIds.NONE);
            slotC = claim(slots, c, WriterIds.NONE);
            if (slotC != slotA) {
                c = TestProbe.create(system); // a newcomer each time, so it asks for a free slot again
            }
        } while (slotC != slotA && System.nanoTime() - grantedAt < FREE_AFTER.toNanos() * 8);
        assertEquals(slotA, slotC, "the lowest slot is free again once a stopped renewing long enough");
        assertTrue(System.nanoTime() - grantedAt >= FREE_AFTER.toNanos(), "not before its free-after time");
    }

    @Test
    void aRestartedSingletonReadsTheGrantsBackAndGivesNoHeldSlotAway() throws Exception {
        ActorRef<WriterSlots.Command> first = singleton("writer-slots-c");
        TestProbe<RelayCommand> a = TestProbe.create(system);
        int slotA = claim(first, a, WriterIds.NONE);
        first.tell(Stop.INSTANCE);
        TestProbe<Object> watcher = TestProbe.create(system);
        watcher.expectTerminated(first, Duration.ofSeconds(10));
        ActorRef<WriterSlots.Command> second = singleton("writer-slots-c2");
        TestProbe<RelayCommand> b = TestProbe.create(system);
        assertNotEquals(slotA, claim(second, b, WriterIds.NONE), "the new singleton knows a's grant from Distributed Data");
        assertEquals(slotA, claim(second, a, slotA), "and a keeps its slot by renewing it");
    }

    /** Grants are written at a majority: every server node keeps a replica, not only the relays. */
    @Test
    void everyServerNodeKeepsAReplicaOfTheGrants() throws Exception {
        ActorSystem<Void> relief = ServerNode.start(TestNodes.node(certificates, List.of(Role.RELIEF_EXPANSION), FreePorts.next(),
                List.of(org.globalsessions.runtime.config.GlobalSessionsSettings.nodeAddress(new org.globalsessions.runtime.config.HostPort(
                        "127.0.0.1", Cluster.get(system).selfMember().address().getPort().get()))), Map.of()));
        try {
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> java.util.stream.StreamSupport
                    .stream(Cluster.get(system).state().getMembers().spliterator(), false)
                    .filter(m -> m.status() == MemberStatus.up()).count() == 2);
            ActorRef<WriterSlots.Command> slots = singleton("writer-slots-d");
            TestProbe<RelayCommand> a = TestProbe.create(system);
            int slotA = claim(slots, a, WriterIds.NONE); // a majority of two is both: the relief node's replica answered
            assertTrue(slotA >= 0 && slotA < WriterIds.SLOTS, "slot " + slotA);
        } finally {
            relief.terminate();
            NodeBootstrap.awaitTermination(relief, TestNodes.STOP_BOUND);
        }
    }

    private static void assertTrue(boolean condition, String message) {
        org.junit.jupiter.api.Assertions.assertTrue(condition, message);
    }
}

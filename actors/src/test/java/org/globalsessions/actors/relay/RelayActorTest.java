package org.globalsessions.actors.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.globalsessions.actors.TestNodes;
import org.globalsessions.actors.metrics.NodeMetrics;
import org.globalsessions.actors.sibling.SiblingActor;
import org.globalsessions.actors.tables.Tables;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.Role;
import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.RelayCommand;
import org.globalsessions.runtime.protocol.WriterIds;
import org.globalsessions.testkit.FreePorts;
import org.globalsessions.shm.ShmLru;

/**
 * One relay actor alone, over a real L2 table, with probes for its edge and (where needed) its
 * sibling: the edge cases the tier tests of a whole cluster cannot stage.
 */
class RelayActorTest {

    @TempDir
    Path dir;

    private final ActorTestKit kit = ActorTestKit.create();
    private GlobalSessionsSettings settings;
    private ShmLru l2;
    private TestProbe<WriterSlots.Command> writerSlots;

    @AfterEach
    void tearDown() {
        kit.shutdownTestKit();
        if (l2 != null) {
            l2.close();
        }
    }

    /** A relay over a fresh L2 table ({@code relay.table.path} in {@code dir}, other settings from {@code overrides}). */
    private ActorRef<RelayCommand> relay(Map<String, Object> overrides) {
        Map<String, Object> all = new HashMap<>(overrides);
        all.put("relay.table.path", dir.resolve("l2.lru").toString());
        settings = TestNodes.node(dir, List.of(Role.RELAY), FreePorts.next(), List.of(), all);
        l2 = Tables.createRelayTable(settings);
        writerSlots = kit.createTestProbe(WriterSlots.Command.class);
        ActorRef<RelayCommand> relay = kit.spawn(RelayActor.create(settings, l2, NodeMetrics.unregistered(), writerSlots.getRef()));
        vouches(relay); // it answered: it started (and dropped what the table held from before)
        return relay;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Whether {@code relay} vouches for its edges now: its answer to a heartbeat says so. */
    private boolean vouches(ActorRef<RelayCommand> relay) {
        TestProbe<EdgeCommand> edge = kit.createTestProbe(EdgeCommand.class);
        relay.tell(new RelayCommand.Subscribe(edge.getRef(), "127.0.0.1:1", System.nanoTime(), null, false, false));
        boolean vouched = edge.expectMessageClass(EdgeCommand.Welcome.class).vouched();
        relay.tell(new RelayCommand.Unsubscribe(edge.getRef()));
        return vouched;
    }

    private void awaitVouching(ActorRef<RelayCommand> relay, boolean vouching) {
        kit.createTestProbe().awaitAssert(Duration.ofSeconds(10), Duration.ofMillis(50), () -> {
            assertEquals(vouching, vouches(relay));
            return null;
        });
    }

    /** Fast leases: max-staleness 400 ms (a lease of 200 ms, heartbeats every 50 ms). */
    private static Map<String, Object> fastLeases(Map<String, Object> more) {
        Map<String, Object> all = new HashMap<>(more);
        all.put("max-staleness", "400ms");
        all.put("edge.heartbeat-interval", "50ms");
        return all;
    }

    /**
     * A relay restarted on the L2 table it had before: sessions may have been deleted while it
     * was down, with nobody to tell it. It drops every value it finds (tombstones stay).
     */
    /** The writer id a welcome from {@code relay} gives {@code edge} now. */
    private static int writerId(ActorRef<RelayCommand> relay, TestProbe<EdgeCommand> edge) {
        relay.tell(new RelayCommand.Subscribe(edge.getRef(), "127.0.0.1:1", System.nanoTime(), null, false, false));
        return edge.expectMessageClass(EdgeCommand.Welcome.class).writerId();
    }

    /** Issue 19: writer ids come from the relay's leased slot, one per edge, and only while the lease holds. */
    @Test
    void welcomesGiveEachEdgeItsOwnWriterIdWhileTheRelayHoldsItsSlot() {
        ActorRef<RelayCommand> relay = relay(Map.of());
        TestProbe<EdgeCommand> a = kit.createTestProbe(EdgeCommand.class);
        TestProbe<EdgeCommand> b = kit.createTestProbe(EdgeCommand.class);
        assertEquals(WriterIds.NONE, writerId(relay, a), "no slot yet: no writer id");
        WriterSlots.Claim claim = writerSlots.expectMessageClass(WriterSlots.Claim.class);
        assertEquals(WriterIds.NONE, claim.slot(), "a starting relay holds no slot");
        relay.tell(new RelayCommand.WriterSlot(5, System.nanoTime() - WriterIds.SLOT_LEASE.toNanos()));
        assertEquals(WriterIds.NONE, writerId(relay, a), "a grant whose lease ran out (counted from the claim's send time) gives nothing");
        relay.tell(new RelayCommand.WriterSlot(5, System.nanoTime()));
        int idA = writerId(relay, a);
        int idB = writerId(relay, b);
        assertEquals(5, WriterIds.slotOf(idA));
        assertEquals(5, WriterIds.slotOf(idB));
        assertNotEquals(idA, idB, "two edges of one relay never share a writer id");
        assertEquals(idA, writerId(relay, a), "an edge keeps its id while its heartbeats arrive");
        // the relay renews the slot it holds (a claim naming it, within a few ticks)
        writerSlots.fishForMessage(Duration.ofSeconds(5), m -> m instanceof WriterSlots.Claim c && c.slot() == 5
                ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());
    }

    @Test
    void aRelayStartingOnATableFromBeforeDropsItsValues() {
        Map<String, Object> all = new HashMap<>();
        all.put("relay.table.path", dir.resolve("l2.lru").toString());
        GlobalSessionsSettings before = TestNodes.node(dir, List.of(Role.RELAY), FreePorts.next(), List.of(), all);
        try (ShmLru old = Tables.createRelayTable(before)) {
            old.putIfNewer(bytes("deleted-while-down"), bytes("v"), 1, Duration.ofMinutes(5), 0);
            old.tombstone(bytes("tombstoned"), 2, Duration.ofMinutes(5));
        }
        relay(Map.of());
        assertNull(l2.getEntry(bytes("deleted-while-down")));
        assertTrue(l2.getEntry(bytes("tombstoned")).tombstone(), "tombstones stay: they only make lookups miss");
    }

    /**
     * A relay answers from L2, and vouches for its edges' L1, only while it is in step with every
     * other relay (any of them may coordinate a delete): a peer that stops answering heartbeats
     * ends its lease within max-staleness / 2, and lookups go to the relief tiers meanwhile.
     */
    @Test
    void aRelayAnswersFromL2OnlyWhileInStepWithEveryOtherRelay() {
        ActorRef<RelayCommand> relay = relay(fastLeases(Map.of()));
        TestProbe<RelayCommand> peer = kit.createTestProbe(RelayCommand.class);
        kit.system().receptionist().tell(Receptionist.register(RelayActor.KEY, peer.getRef()));
        TestProbe<SiblingActor.Command> sibling = kit.createTestProbe(SiblingActor.Command.class);
        kit.system().receptionist().tell(Receptionist.register(SiblingActor.key(settings.hostname(), Tables.relayPath(settings)),
                sibling.getRef()));

        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        boolean vouched = false;
        while (!vouched && System.nanoTime() < deadline) { // the peer answers every heartbeat
            RelayCommand.PeerHeartbeat heartbeat = peer.expectMessageClass(RelayCommand.PeerHeartbeat.class, Duration.ofSeconds(5));
            heartbeat.from().tell(new RelayCommand.PeerWelcome(peer.getRef(), 42, 0, heartbeat.sentNanos()));
            vouched = vouches(relay);
        }
        assertTrue(vouched, "a relay in step with its only peer vouches after its probation");
        l2.putIfNewer(bytes("k"), bytes("v"), 1, Duration.ofMinutes(5), 0);
        TestProbe<EdgeCommand> edge = kit.createTestProbe(EdgeCommand.class);
        relay.tell(new RelayCommand.GetBatch(1, List.of(new RelayCommand.Lookup("k", 7, 0)), edge.getRef()));
        assertEquals(List.of(7L), edge.expectMessageClass(EdgeCommand.Answers.class).found().stream()
                .map(EdgeCommand.Found::requestId).toList(), "answered from L2");

        awaitVouching(relay, false); // the peer went quiet
        relay.tell(new RelayCommand.GetBatch(2, List.of(new RelayCommand.Lookup("k", 8, 0)), edge.getRef()));
        assertEquals("k", sibling.expectMessageClass(SiblingActor.Get.class).key(), "without a lease, L2 is not asked");
        assertTrue(edge.expectMessageClass(EdgeCommand.Answers.class).found().isEmpty());
    }

    /**
     * A delete another relay coordinated never arrived (its number was skipped): this relay's L2
     * may hold the session, so once the stream counts again L2's values are dropped.
     */
    @Test
    void aRelayThatMissedAnotherRelaysDeleteDropsL2() {
        ActorRef<RelayCommand> relay = relay(fastLeases(Map.of()));
        TestProbe<RelayCommand> peer = kit.createTestProbe(RelayCommand.class);
        kit.system().receptionist().tell(Receptionist.register(RelayActor.KEY, peer.getRef()));
        long[] coordinated = {0};
        Runnable answerHeartbeats = () -> {
            RelayCommand.PeerHeartbeat heartbeat = peer.expectMessageClass(RelayCommand.PeerHeartbeat.class, Duration.ofSeconds(5));
            heartbeat.from().tell(new RelayCommand.PeerWelcome(peer.getRef(), 42, coordinated[0], heartbeat.sentNanos()));
        };
        while (!vouches(relay)) {
            answerHeartbeats.run();
        }
        l2.putIfNewer(bytes("kept-by-mistake"), bytes("v"), 1, Duration.ofMinutes(5), 0);
        // Delete number 1 was lost on the way; number 2 (of another key) arrives.
        coordinated[0] = 2;
        relay.tell(new RelayCommand.PeerInvalidate("other", 5, 99, peer.getRef(), 42, 2));
        peer.fishForMessage(Duration.ofSeconds(5), m -> m instanceof RelayCommand.PeerInvalidated
                ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete()
                : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore());
        assertFalse(vouches(relay), "a missed delete ends the lease at once");
        while (!vouches(relay)) {
            answerHeartbeats.run();
        }
        assertNull(l2.getEntry(bytes("kept-by-mistake")), "the new run counted only after L2's values were dropped");
    }

    /**
     * A batch of lookups whose L2 answers are large: the relay's {@code Answers} carries at most
     * {@link RelayActor#MAX_ANSWERS_BYTES} of sessions and the rest go as single {@code Found}s, so
     * no answer grows past Artery's frame size (records may hold 64 KiB).
     */
    @Test
    void largeAnswersLeaveTheBatchAnswerAndTravelAlone() {
        ActorRef<RelayCommand> relay = relay(Map.of("relay.table.el-count", 16, "relay.table.segments", 1,
                "relay.table.record-size", 40_000));
        byte[] value = new byte[30_000];
        for (int i = 1; i <= 4; i++) {
            l2.putIfNewer(bytes("big-" + i), value, i, Duration.ofMinutes(5), 0);
        }
        l2.putIfNewer(bytes("small"), new byte[10], 9, Duration.ofMinutes(5), 0);
        awaitVouching(relay, true); // alone, a relay holds its lease after its probation
        TestProbe<EdgeCommand> edge = kit.createTestProbe(EdgeCommand.class);
        relay.tell(new RelayCommand.GetBatch(5, List.of(new RelayCommand.Lookup("big-1", 1, 0),
                new RelayCommand.Lookup("big-2", 2, 0), new RelayCommand.Lookup("big-3", 3, 0),
                new RelayCommand.Lookup("small", 4, 0), new RelayCommand.Lookup("big-4", 5, 0)), edge.getRef()));

        // 2 x 30 000 fit in 64 KiB, the third does not (nor the fourth); the small one still does.
        assertEquals(3, edge.expectMessageClass(EdgeCommand.Found.class).requestId());
        assertEquals(5, edge.expectMessageClass(EdgeCommand.Found.class).requestId());
        EdgeCommand.Answers answers = edge.expectMessageClass(EdgeCommand.Answers.class);
        assertEquals(5, answers.batchId());
        assertEquals(List.of(1L, 2L, 4L), answers.found().stream().map(EdgeCommand.Found::requestId).toList());
    }

    /**
     * A write whose {@code Stored} reports never reach the relay (lost on the way, as Artery drops
     * messages when a send queue is full) while the owner acknowledged it to the writer: once the
     * write's deadline passes, the relay must not go back to answering the older L2 copy. A probe
     * stands in for the sibling and passes nothing on, which is what the relay sees then.
     */
    @Test
    void anOlderL2CopyIsDroppedWhenAWriteIsNeverReportedStored() {
        ActorRef<RelayCommand> relay = relay(Map.of("relay.table.el-count", 64, "request-timeout", "200ms"));
        byte[] key = bytes("session-k");
        l2.putIfNewer(key, bytes("old"), 1, Duration.ofMinutes(5), 0);
        l2.putIfNewer(bytes("other"), bytes("x"), 1, Duration.ofMinutes(5), 0);
        TestProbe<SiblingActor.Command> sibling = sibling();
        TestProbe<EdgeCommand> edge = kit.createTestProbe(EdgeCommand.class);
        SiblingActor.StoreAtOwner store = put(relay, sibling, edge, "session-k", "new", 2);
        assertEquals(2, store.put().version());
        assertNotNull(l2.getEntry(key), "before its deadline the write leaves L2 alone (reads of the key go to the owner)");

        // The deadline (2 x request-timeout, checked every second) passes with no Stored.
        sibling.awaitAssert(Duration.ofSeconds(5), () -> {
            assertNull(l2.getEntry(key), "the relay kept a copy older than a write the owner may have acknowledged");
            return null;
        });
        assertNotNull(l2.getEntry(bytes("other")), "only the written key's copy is dropped");

        // So the next read asks the owner instead of answering "old" from L2 (after the write's resends).
        relay.tell(new RelayCommand.GetBatch(1, List.of(new RelayCommand.Lookup("session-k", 100, 0)), edge.getRef()));
        SiblingActor.Command next;
        do {
            next = sibling.receiveMessage(Duration.ofSeconds(3));
        } while (next instanceof SiblingActor.StoreAtOwner);
        assertEquals("session-k", ((SiblingActor.Get) next).key());
        EdgeCommand.Answers answers = edge.expectMessageClass(EdgeCommand.Answers.class);
        assertTrue(answers.found().isEmpty() && answers.notFound().isEmpty(), "L2 answered " + answers);
    }

    /** A probe registered as the relay's sibling. */
    private TestProbe<SiblingActor.Command> sibling() {
        TestProbe<SiblingActor.Command> sibling = kit.createTestProbe(SiblingActor.Command.class);
        kit.system().receptionist().tell(Receptionist.register(SiblingActor.key(settings.hostname(), Tables.relayPath(settings)),
                sibling.getRef()));
        return sibling;
    }

    /** Writes {@code key} through {@code relay} until it reaches {@code sibling} (until the relay knows its sibling it fails writes). */
    private static SiblingActor.StoreAtOwner put(ActorRef<RelayCommand> relay, TestProbe<SiblingActor.Command> sibling,
                                                 TestProbe<EdgeCommand> edge, String key, String value, long version) {
        for (int attempt = 0; attempt < 50; attempt++) {
            relay.tell(new RelayCommand.Put(key, bytes(value), version, 60_000, attempt, edge.getRef()));
            try {
                return sibling.expectMessageClass(SiblingActor.StoreAtOwner.class, Duration.ofMillis(200));
            } catch (AssertionError noSiblingYet) {
                edge.expectMessageClass(EdgeCommand.Failed.class);
            }
        }
        throw new AssertionError("the relay never found its sibling");
    }

    /** Replicas 0 and 1 ({@code Stored.storedBy} bits). */
    private static final long REPLICA_0 = 1, REPLICA_1 = 2, BOTH = REPLICA_0 | REPLICA_1;

    /** The chain's last replica reports {@code store} stored by both (so the relay never sends it again), and the edge has its acknowledgement. */
    private static void confirmed(ActorRef<RelayCommand> relay, TestProbe<EdgeCommand> edge, SiblingActor.StoreAtOwner store) {
        RelayCommand.Put put = store.put();
        relay.tell(new RelayCommand.Stored(store.token(), put.key(), put.version(), true, BOTH, 2)); // from the chain's last replica
        edge.expectMessageClass(EdgeCommand.PutAck.class);
    }

    /**
     * Bug (issue 19): the relay cached a write in L2 (and published it) on the first replica's
     * {@code Stored}, though the other replica might refuse it or never get it.
     */
    @Test
    void aWriteIsCachedOnlyOnceEveryReplicaStoredIt() {
        ActorRef<RelayCommand> relay = relay(Map.of("relay.table.el-count", 64));
        TestProbe<SiblingActor.Command> sibling = sibling();
        TestProbe<EdgeCommand> edge = kit.createTestProbe(EdgeCommand.class);
        SiblingActor.StoreAtOwner store = put(relay, sibling, edge, "session-s", "v", 5);
        RelayCommand.Stored byReplica0 = new RelayCommand.Stored(store.token(), "session-s", 5, true, REPLICA_0, 2);
        relay.tell(byReplica0);
        relay.tell(byReplica0); // a duplicate report of the same replica
        sibling.expectNoMessage(Duration.ofMillis(300));
        edge.expectNoMessage(Duration.ofMillis(100)); // nor acknowledged
        assertNull(l2.getEntry(bytes("session-s")), "one replica of two stored it: not cached yet");
        relay.tell(new RelayCommand.Stored(store.token(), "session-s", 5, true, REPLICA_1, 2));
        EdgeCommand.PutAck ack = edge.expectMessageClass(EdgeCommand.PutAck.class);
        assertEquals(new EdgeCommand.PutAck(store.put().requestId(), "session-s", 5, 2), ack, "one acknowledgement, for both replicas");
        sibling.awaitAssert(Duration.ofSeconds(3), () -> {
            assertEquals(5, l2.getEntry(bytes("session-s")).version(), "every replica stored it: cached");
            return null;
        });
    }

    /** A write of {@code key} (version 5) that a relay with {@code requestTimeout} passed to its sibling as {@code first}. */
    private record WriteInFlight(ActorRef<RelayCommand> relay, TestProbe<SiblingActor.Command> sibling,
                                 TestProbe<EdgeCommand> edge, SiblingActor.StoreAtOwner first) {
    }

    private WriteInFlight writeThroughARelay(String key, String requestTimeout) {
        ActorRef<RelayCommand> relay = relay(Map.of("relay.table.el-count", 64, "request-timeout", requestTimeout));
        TestProbe<SiblingActor.Command> sibling = sibling();
        TestProbe<EdgeCommand> edge = kit.createTestProbe(EdgeCommand.class);
        return new WriteInFlight(relay, sibling, edge, put(relay, sibling, edge, key, "v", 5));
    }

    /**
     * A shard being handed off to another node drops the messages Pekko buffered for it: a write
     * some replica has not confirmed after a quarter of request-timeout is sent again, with the
     * same token, to the replicas that have not, until the edge stops waiting.
     */
    @Test
    void aWriteIsSentAgainToTheReplicasThatHaveNotConfirmedIt() {
        WriteInFlight w = writeThroughARelay("session-r", "2s");
        assertEquals(SiblingActor.EVERY_REPLICA, w.first().toReplicas());
        w.relay().tell(new RelayCommand.Stored(w.first().token(), "session-r", 5, true, REPLICA_0, 2));

        SiblingActor.StoreAtOwner again = w.sibling().expectMessageClass(SiblingActor.StoreAtOwner.class, Duration.ofSeconds(2));
        assertEquals(w.first().token(), again.token());
        assertEquals(w.first().put(), again.put());
        assertFalse(SiblingActor.addressed(again.toReplicas(), 0), "replica 0 confirmed it: not sent to it again");
        assertTrue(SiblingActor.addressed(again.toReplicas(), 1));

        w.relay().tell(new RelayCommand.Stored(w.first().token(), "session-r", 5, true, REPLICA_1, 2));
        assertEquals(5, w.edge().expectMessageClass(EdgeCommand.PutAck.class).version());
        w.sibling().expectNoMessage(Duration.ofMillis(1_000)); // confirmed: never sent again
    }

    /** Sent again only until request-timeout has passed (the edge has tried another relay then): at most three times. */
    @Test
    void aWriteNoReplicaConfirmsIsSentAgainAtMostUntilRequestTimeout() {
        // Resends after 500, 1,000 and 1,500 ms, none after 2 s: a busy machine may delay one, never add one.
        WriteInFlight w = writeThroughARelay("session-n", "2s");
        List<SiblingActor.StoreAtOwner> resent = new ArrayList<>();
        long start = System.nanoTime();
        while (System.nanoTime() - start < Duration.ofMillis(4_000).toNanos()) {
            try {
                resent.add(w.sibling().expectMessageClass(SiblingActor.StoreAtOwner.class, Duration.ofMillis(250)));
            } catch (AssertionError none) {
                // nothing within 250 ms: look again until 4 s have passed
            }
        }
        assertTrue(resent.size() >= 1 && resent.size() <= 3, "sent again " + resent.size() + " times");
        resent.forEach(r -> assertEquals(w.first().token(), r.token()));
    }

    /** A replica (or the sibling) that refused a write told the writer why: the write is never sent again. */
    @Test
    void aRefusedWriteIsNotSentAgain() {
        WriteInFlight w = writeThroughARelay("session-f", "400ms");
        w.relay().tell(new RelayCommand.Stored(w.first().token(), "session-f", 5, false, 0, 0));
        w.sibling().expectNoMessage(Duration.ofMillis(600));
    }

    /** A delete whose tombstone some replica has not confirmed is sent again to that replica. */
    @Test
    void aDeleteIsSentAgainToTheReplicasThatHaveNotConfirmedIt() {
        WriteInFlight w = writeThroughARelay("session-t", "2s");
        confirmed(w.relay(), w.edge(), w.first());
        w.relay().tell(new RelayCommand.Delete("session-t", 6, 79, w.edge().getRef()));
        SiblingActor.DeleteAtOwners sent = w.sibling().expectMessageClass(SiblingActor.DeleteAtOwners.class);
        assertEquals(SiblingActor.EVERY_REPLICA, sent.toReplicas());
        w.relay().tell(new RelayCommand.OwnersDeleted(sent.deleteId(), "session-t", 6, 1, 2));

        SiblingActor.DeleteAtOwners again = w.sibling().expectMessageClass(SiblingActor.DeleteAtOwners.class, Duration.ofSeconds(2));
        assertEquals(sent.deleteId(), again.deleteId());
        assertTrue(SiblingActor.addressed(again.toReplicas(), 0));
        assertFalse(SiblingActor.addressed(again.toReplicas(), 1), "replica 1 confirmed it: not sent to it again");
        w.relay().tell(new RelayCommand.OwnersDeleted(sent.deleteId(), "session-t", 6, 0, 2));
        assertEquals(79, w.edge().expectMessageClass(EdgeCommand.DeleteAck.class).requestId());
    }

    /**
     * What {@code edge} is told until it has {@code count} events, in the order it applies them:
     * "k" for an arrival of k, "-k" for an invalidation of k.
     */
    private static List<String> pushed(TestProbe<EdgeCommand> edge, int count) {
        List<String> events = new ArrayList<>();
        while (events.size() < count) {
            EdgeCommand m = edge.receiveMessage(Duration.ofSeconds(5));
            if (!(m instanceof EdgeCommand.Pushed p)) {
                throw new AssertionError("arrivals or invalidations expected, got " + m + " after " + events);
            }
            p.arrivals().forEach(a -> events.add(a.key()));
            p.invalidations().forEach(i -> events.add("-" + i.key()));
        }
        return events;
    }

    /**
     * Processes on one host share its L1 (decisions 0013 and 0014), here with one receiver per
     * table: an arrival goes to one edge of each other host table, its receiver, none of the writer's; a logout's invalidation to the
     * receiver of every table, which tombstones it for every process on the host, and the delete is
     * acknowledged once the receivers confirmed it. Only a receiver's welcome vouches (renews its
     * lease); another edge of its table reads by the table's freshness word.
     */
    @Test
    void arrivalsAndInvalidationsGoToOneEdgePerHostTableAndOnlyItIsVouchedFor() {
        ActorRef<RelayCommand> relay = relay(Map.of("relay.receivers-per-table", 1));
        TestProbe<SiblingActor.Command> sibling = sibling();
        TestProbe<EdgeCommand> a1 = subscribed(relay, "host-a");
        TestProbe<EdgeCommand> a2 = subscribed(relay, "host-a");
        TestProbe<EdgeCommand> b1 = subscribed(relay, "host-b");
        TestProbe<EdgeCommand> b2 = subscribed(relay, "host-b");
        confirmed(relay, a2, put(relay, sibling, a2, "session-first", "v", 5));
        assertEquals(List.of("session-first"), pushed(b1, 1), "the arrival, to the other host's receiver");
        for (TestProbe<EdgeCommand> left : List.of(a1, a2, b2)) {
            left.expectNoMessage(Duration.ofMillis(300));
        }

        relay.tell(new RelayCommand.Delete("session-1", 6, 300, a2.getRef()));
        // (a relay coordinates deletes once it first holds its lease: up to max-staleness after it started)
        SiblingActor.DeleteAtOwners atOwners = sibling.expectMessageClass(SiblingActor.DeleteAtOwners.class, Duration.ofSeconds(10));
        relay.tell(new RelayCommand.OwnersDeleted(atOwners.deleteId(), "session-1", 6, 0, 1));
        for (TestProbe<EdgeCommand> receiver : List.of(a1, b1)) {
            EdgeCommand.Pushed p = receiver.expectMessageClass(EdgeCommand.Pushed.class);
            assertEquals(List.of("session-1"), p.invalidations().stream().map(EdgeCommand.Invalidation::key).toList());
            a2.expectNoMessage(Duration.ofMillis(100)); // not acknowledged before every receiver confirmed it
            relay.tell(new RelayCommand.EdgeInvalidated(List.of(p.invalidations().get(0).token()), receiver.getRef()));
        }
        assertEquals(300, a2.expectMessageClass(EdgeCommand.DeleteAck.class).requestId());
        b2.expectNoMessage(Duration.ofMillis(200));

        awaitVouching(relay, true);
        for (TestProbe<EdgeCommand> edge : List.of(a1, a2, b1, b2)) {
            relay.tell(new RelayCommand.Subscribe(edge.getRef(), "127.0.0.1:1", System.nanoTime(), edge == a1 || edge == a2 ? "host-a" : "host-b",
                    false, false));
            EdgeCommand.Welcome welcome = edge.expectMessageClass(EdgeCommand.Welcome.class);
            assertEquals(edge == a1 || edge == b1, welcome.vouched(), "only a table's receiver is vouched for");
        }
        // An edge whose application listens for invalidations gets each one, and is vouched for.
        relay.tell(new RelayCommand.Subscribe(b2.getRef(), "127.0.0.1:1", System.nanoTime(), "host-b", false, true));
        assertTrue(b2.expectMessageClass(EdgeCommand.Welcome.class).vouched());
        relay.tell(new RelayCommand.Delete("session-2", 7, 301, a2.getRef()));
        for (TestProbe<EdgeCommand> edge : List.of(a1, b1, b2)) {
            assertEquals(List.of("session-2"), edge.expectMessageClass(EdgeCommand.Pushed.class).invalidations().stream()
                    .map(EdgeCommand.Invalidation::key).toList());
        }
        a2.expectNoMessage(Duration.ofMillis(200));
    }

    /**
     * Arrivals leave at the end of the relay's turn through its mailbox, together: every other
     * edge gets each stored write once and in order, the writer none, and an invalidation the
     * relay makes later never comes before an arrival it made earlier.
     */
    @Test
    void everyOtherEdgeGetsEachStoredWriteInOrderAndBeforeALaterInvalidation() {
        TwoEdges t = twoEdges(Map.of("relay.table.el-count", 64));
        List<SiblingActor.StoreAtOwner> stores = new ArrayList<>();
        List<String> written = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            written.add("session-" + i);
            stores.add(put(t.relay(), t.sibling(), t.writer(), "session-" + i, "v" + i, 5));
        }
        for (SiblingActor.StoreAtOwner store : stores) { // both replicas stored it, write after write
            t.relay().tell(new RelayCommand.Stored(store.token(), store.put().key(), 5, true, BOTH, 2));
        }
        assertEquals(written, pushed(t.other(), 20));
        for (int i = 0; i < 20; i++) {
            assertEquals(EdgeCommand.PutAck.class, t.writer().receiveMessage(Duration.ofSeconds(5)).getClass(),
                    "the writer gets its acknowledgements, and no arrival of its own writes");
        }
        t.writer().expectNoMessage(Duration.ofMillis(200));
        t.other().expectNoMessage(Duration.ofMillis(200));

        SiblingActor.StoreAtOwner last = put(t.relay(), t.sibling(), t.writer(), "session-x", "vx", 5);
        t.relay().tell(new RelayCommand.Stored(last.token(), "session-x", 5, true, BOTH, 2));
        t.relay().tell(new RelayCommand.Delete("session-x", 6, 99, t.writer().getRef()));
        assertEquals(List.of("session-x", "-session-x"), pushed(t.other(), 2));
    }

    /** With {@code relay.push-window}, what the relay makes within the window reaches each edge in one message. */
    @Test
    void aPushWindowGathersABurstIntoOneMessagePerEdge() {
        TwoEdges t = twoEdges(Map.of("relay.table.el-count", 64, "relay.invalidation-timeout", "20s", "relay.push-window", "2s"));
        List<SiblingActor.StoreAtOwner> stores = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            stores.add(put(t.relay(), t.sibling(), t.writer(), "session-" + i, "v" + i, 5));
        }
        for (SiblingActor.StoreAtOwner store : stores) { // one at a time: without a window, each would leave alone
            t.relay().tell(new RelayCommand.Stored(store.token(), store.put().key(), 5, true, REPLICA_0, 1));
            t.writer().expectMessageClass(EdgeCommand.PutAck.class);
        }
        EdgeCommand.Pushed pushed = t.other().expectMessageClass(EdgeCommand.Pushed.class, Duration.ofSeconds(10));
        assertEquals(10, pushed.arrivals().size(), "the ten writes stored within the window, together: " + pushed);
    }

    /**
     * A burst of logouts: each edge gets every invalidation, numbered in order, and acknowledges
     * what one message carried in one message; every delete is acknowledged once the replicas hold
     * its tombstone and every edge confirmed it, and a welcome after them counts every invalidation.
     */
    @Test
    void aBurstOfDeletesIsInvalidatedOnEveryEdgeInOrderAndAcknowledgedTogether() {
        TwoEdges t = twoEdges(Map.of("relay.table.el-count", 64));
        SiblingActor.StoreAtOwner first = put(t.relay(), t.sibling(), t.writer(), "session-first", "v", 5); // the relay knows its sibling
        t.relay().tell(new RelayCommand.Stored(first.token(), "session-first", 5, true, REPLICA_0, 1));
        t.writer().expectMessageClass(EdgeCommand.PutAck.class);
        int deletes = 30;
        for (int i = 0; i < deletes; i++) {
            t.relay().tell(new RelayCommand.Delete("session-" + i, 6, 1_000 + i, t.writer().getRef()));
        }
        List<Long> deleteIds = new ArrayList<>();
        for (int i = 0; i < deletes; i++) {
            SiblingActor.DeleteAtOwners atOwners = t.sibling().expectMessageClass(SiblingActor.DeleteAtOwners.class);
            deleteIds.add(atOwners.deleteId());
            t.relay().tell(new RelayCommand.OwnersDeleted(atOwners.deleteId(), atOwners.key(), 6, 0, 1));
        }
        for (TestProbe<EdgeCommand> edge : List.of(t.writer(), t.other())) {
            List<Long> seqs = new ArrayList<>();
            while (seqs.size() < deletes) {
                EdgeCommand.Pushed p = edge.expectMessageClass(EdgeCommand.Pushed.class, Duration.ofSeconds(5));
                if (p.invalidations().isEmpty()) {
                    continue; // the first write's arrival
                }
                p.invalidations().forEach(i -> seqs.add(i.seq()));
                assertNotNull(p.ackTo(), "every one of these wants an acknowledgement");
                t.relay().tell(new RelayCommand.EdgeInvalidated(p.invalidations().stream().map(EdgeCommand.Invalidation::token)
                        .toList(), edge.getRef()));
            }
            assertEquals(LongStream.rangeClosed(seqs.get(0), seqs.get(0) + deletes - 1).boxed().toList(), seqs,
                    "numbered without a gap, in order");
        }
        Set<Long> acknowledged = new HashSet<>();
        for (int i = 0; i < deletes; i++) {
            acknowledged.add(t.writer().expectMessageClass(EdgeCommand.DeleteAck.class).requestId());
        }
        assertEquals(LongStream.range(1_000, 1_000 + deletes).boxed().collect(Collectors.toSet()), acknowledged);

        t.relay().tell(new RelayCommand.Subscribe(t.other().getRef(), "127.0.0.1:1", System.nanoTime(), null, false, false));
        EdgeCommand.Welcome welcome = t.other().expectMessageClass(EdgeCommand.Welcome.class);
        assertTrue(welcome.invalidations() >= deletes, "the welcome counts the invalidations sent before it: " + welcome);
    }

    /** A relay, the probe standing for its sibling, and two edges subscribed to it. */
    private record TwoEdges(ActorRef<RelayCommand> relay, TestProbe<SiblingActor.Command> sibling, TestProbe<EdgeCommand> writer,
                            TestProbe<EdgeCommand> other) {
    }

    private TwoEdges twoEdges(Map<String, Object> overrides) {
        ActorRef<RelayCommand> relay = relay(overrides);
        TestProbe<SiblingActor.Command> sibling = sibling();
        return new TwoEdges(relay, sibling, subscribed(relay), subscribed(relay));
    }

    /** An edge subscribed to {@code relay}, with a table of its own, its welcome received. */
    private TestProbe<EdgeCommand> subscribed(ActorRef<RelayCommand> relay) {
        return subscribed(relay, null);
    }

    /** An edge on host table {@code table} subscribed to {@code relay}, its welcome received. */
    private TestProbe<EdgeCommand> subscribed(ActorRef<RelayCommand> relay, String table) {
        TestProbe<EdgeCommand> edge = kit.createTestProbe(EdgeCommand.class);
        relay.tell(new RelayCommand.Subscribe(edge.getRef(), "127.0.0.1:1", System.nanoTime(), table, false, false));
        edge.expectMessageClass(EdgeCommand.Welcome.class);
        return edge;
    }

    /** A delete of {@code key} (version 6) that a relay passed to its sibling as {@code deleteId}, from {@code edge}. */
    private record DeleteInFlight(ActorRef<RelayCommand> relay, TestProbe<EdgeCommand> edge, long deleteId) {
    }

    private DeleteInFlight deleteThroughARelay(String key, long requestId) {
        ActorRef<RelayCommand> relay = relay(Map.of("relay.table.el-count", 64));
        TestProbe<SiblingActor.Command> sibling = sibling();
        TestProbe<EdgeCommand> edge = kit.createTestProbe(EdgeCommand.class);
        confirmed(relay, edge, put(relay, sibling, edge, key, "v", 5)); // the relay knows its sibling from here on
        relay.tell(new RelayCommand.Delete(key, 6, requestId, edge.getRef()));
        return new DeleteInFlight(relay, edge, sibling.expectMessageClass(SiblingActor.DeleteAtOwners.class).deleteId());
    }

    /** A replica at its tombstone cap refuses a delete: the edge's delete fails with the reason, naming the setting. */
    @Test
    void aDeleteRefusedAtTheTombstoneCapFailsWithTheReason() {
        DeleteInFlight d = deleteThroughARelay("session-d", 77);
        ActorRef<RelayCommand> relay = d.relay();
        TestProbe<EdgeCommand> edge = d.edge();
        relay.tell(new RelayCommand.DeleteRefused(d.deleteId(),
                "expansion shard 0 replica 1 holds relief.tombstones-per-shard = 2 tombstones"));
        EdgeCommand.Failed failed = edge.expectMessageClass(EdgeCommand.Failed.class);
        assertEquals(77, failed.requestId());
        assertTrue(failed.reason().contains("relief.tombstones-per-shard = 2"), failed.reason());
        assertTrue(l2.getEntry(bytes("session-d")).tombstone(), "the L2 tombstone stays: it is final");
    }

    /** Bug (issue 19): owner acks of a delete were counted, so replica 0 answering twice read as both replicas. */
    @Test
    void aDeleteIsAcknowledgedOnlyOnceEveryReplicaHoldsTheTombstone() {
        DeleteInFlight d = deleteThroughARelay("session-o", 78);
        ActorRef<RelayCommand> relay = d.relay();
        TestProbe<EdgeCommand> edge = d.edge();
        long deleteId = d.deleteId();
        relay.tell(new RelayCommand.OwnersDeleted(deleteId, "session-o", 6, 0, 2));
        relay.tell(new RelayCommand.OwnersDeleted(deleteId, "session-o", 6, 0, 2));
        edge.expectNoMessage(Duration.ofMillis(300));
        relay.tell(new RelayCommand.OwnersDeleted(deleteId, "session-o", 6, 1, 2));
        assertEquals(78, edge.expectMessageClass(EdgeCommand.DeleteAck.class).requestId());
    }
}

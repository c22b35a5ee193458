package org.globalsessions.client.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;

import org.globalsessions.actors.sibling.SiblingActor;
import org.globalsessions.runtime.bootstrap.PekkoConfig;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.HybridClock;
import org.globalsessions.runtime.protocol.WriterIds;
import org.globalsessions.runtime.protocol.RelayCommand;
import org.globalsessions.runtime.protocol.Tier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data flow of DESIGN.md through real ActorSystems on 127.0.0.1 over mutual TLS: a relay
 * with its sibling, one expansion and one aging node, and edges on two simulated hosts. The
 * tables are small so that pressure moves values down the tiers within a test. Edges do not
 * store arrivals here, so a read on the other host walks the tiers.
 */
class TierTest {

    @TempDir
    static Path certificates;

    private static TestCluster cluster;
    private static EdgeCache hostA;
    private static EdgeCache hostB;

    @BeforeAll
    static void start() {
        cluster = new TestCluster(certificates, Map.of(
                "hashing.shards", 4,
                "relay.table.el-count", 16,
                "relay.table.segments", 1,
                "relay.table.record-size", 256,
                "edge.table.el-count", 4000,
                "edge.table.record-size", 256,
                "relief.expansion.entries-per-shard", 24,
                "relief.aging.entries-per-shard", 1000,
                // The tests follow a session down the tiers and back: with arrivals stored, a
                // write on host A would be in host B's L1 before B asked (SessionCacheManagerTest).
                "edge.store-arrivals", false));
        hostA = cluster.edge("a", true);
        hostB = cluster.edge("b", true);
        // First contact includes TLS handshakes and shard allocation: wait until a write goes through.
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> hostA.set("warm-up", bytes("x"), null).get(10, TimeUnit.SECONDS) > 0);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static <T> T done(CompletableFuture<T> future) throws Exception {
        return future.get(15, TimeUnit.SECONDS);
    }

    @Test
    void setOnOneHostIsFoundOnAnotherThroughTheRelayThenFromItsL1() throws Exception {
        long version = done(hostA.set("flow-1", bytes("alice"), Duration.ofMinutes(5)));
        Optional<EdgeCache.Session> remote = done(hostB.get("flow-1"));
        assertTrue(remote.isPresent());
        assertArrayEquals(bytes("alice"), remote.get().value());
        assertEquals(version, remote.get().version());
        assertTrue(remote.get().tier() == Tier.L2 || remote.get().tier() == Tier.EXPANSION, remote.get().tier().toString());

        // The answer completes the get before the edge writes L1 (EdgeCacheActor.onFound): wait for it.
        await().atMost(Duration.ofSeconds(5)).until(() -> hostB.getLocal("flow-1").isPresent());
        Optional<EdgeCache.Session> local = done(hostB.get("flow-1"));
        assertEquals(Tier.L1, local.get().tier(), "the value was written into host B's L1");
        assertArrayEquals(bytes("alice"), hostB.getLocal("flow-1").orElseThrow().value());
    }

    @Test
    void valueEvictedFromL2IsRecoveredFromExpansion() throws Exception {
        for (int i = 0; i < 40; i++) {
            done(hostA.set("l2-pressure-" + i, bytes("v" + i), null));
        }
        Optional<EdgeCache.Session> first = done(hostB.get("l2-pressure-0"));
        assertArrayEquals(bytes("v0"), first.orElseThrow().value());
        assertEquals(Tier.EXPANSION, first.get().tier(), "the 16-entry L2 no longer holds the first of 40 keys");
    }

    @Test
    void valueEvictedFromExpansionIsFoundInAging() throws Exception {
        int n = 300; // 4 shards x 24 entries in expansion
        for (int i = 0; i < n; i++) {
            done(hostA.set("aging-" + i, bytes("old-" + i), null));
        }
        List<Tier> tiers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Optional<EdgeCache.Session> found = done(hostB.get("aging-" + i));
            assertArrayEquals(bytes("old-" + i), found.orElseThrow().value(), "session aging-" + i);
            tiers.add(found.get().tier());
        }
        assertTrue(tiers.stream().allMatch(t -> t == Tier.AGING), "the oldest sessions come from the aging tier: " + tiers);
    }

    /** Bug (issue 19): touch reached the expansion replicas only, so a demoted session in active use expired in aging. */
    @Test
    void aTouchedSessionThatWasDemotedDoesNotExpireInAging() throws Exception {
        // The TTL leaves the pressure 12 s to demote it before it would expire untouched (300 writes take
        // seconds on a busy machine), and the touches go on 4 s past that TTL.
        Duration ttl = Duration.ofSeconds(15);
        long written = System.nanoTime();
        done(hostA.set("touch-aging", bytes("in-use"), ttl));
        for (int i = 0; i < 300; i++) { // 4 shards x 24 entries in expansion: it is demoted to aging (not touched meanwhile)
            done(hostA.set("touch-pressure-" + i, bytes("x"), null));
        }
        assertTrue(System.nanoTime() - written < ttl.minusSeconds(3).toNanos(), "the pressure took too long to stage the case");
        long until = written + ttl.plusSeconds(4).toNanos();
        while (System.nanoTime() < until) { // in active use past its TTL, after the demotion
            hostA.touch("touch-aging");
            Thread.sleep(500); // paces the uses (one every 500 ms); nothing is waited for here
        }
        Optional<EdgeCache.Session> found = done(hostB.get("touch-aging"));
        assertArrayEquals(bytes("in-use"), found.orElseThrow(() -> new AssertionError("the touched session expired")).value());
    }

    @Test
    void deleteMissesEverywhereAndAStaleCopyIsRefused() throws Exception {
        long version = done(hostA.set("logout-1", bytes("bob"), null));
        assertTrue(done(hostB.get("logout-1")).isPresent());
        await().atMost(Duration.ofSeconds(5)).until(() -> hostB.getLocal("logout-1").isPresent()); // "host B caches it", just after answering

        done(hostA.delete("logout-1"));
        assertTrue(hostB.getLocal("logout-1").isEmpty(), "the acknowledged delete reached host B's L1");
        assertTrue(done(hostB.get("logout-1")).isEmpty());
        assertTrue(done(hostA.get("logout-1")).isEmpty());

        // A late copy of the old version, sent straight to the relay, is refused by the owner.
        ActorRefResolver resolver = ActorRefResolver.get(cluster.servers.get(0));
        ActorRef<RelayCommand> relay = resolver.resolveActorRef(
                PekkoConfig.address("global-sessions", GlobalSessionsSettings.clusterAddress(cluster.relayAddress)) + "/user/relay");
        TestProbe<EdgeCommand> probe = TestProbe.create(cluster.servers.get(0));
        relay.tell(new RelayCommand.Put("logout-1", bytes("bob-stale"), version, 60_000, 1, probe.getRef()));
        // The first replica of the shard's chain refuses it, and passes nothing on: one refusal (the
        // next message the probe gets is the answer below).
        EdgeCommand.PutRefused refused = probe.expectMessageClass(EdgeCommand.PutRefused.class, Duration.ofSeconds(10));
        assertTrue(refused.deleted());
        // A stale promotion into L2 is refused too: the relay still answers "deleted".
        ActorRef<SiblingActor.Command> sibling = resolver.resolveActorRef(
                PekkoConfig.address("global-sessions", GlobalSessionsSettings.clusterAddress(cluster.relayAddress)) + "/user/sibling");
        sibling.tell(new SiblingActor.Promote("logout-1", bytes("bob-stale"), version, 60_000, 0));
        relay.tell(new RelayCommand.GetBatch(2, List.of(new RelayCommand.Lookup("logout-1", 2, 0)), probe.getRef()));
        EdgeCommand.NotFound notFound = probe.expectMessageClass(EdgeCommand.Answers.class, Duration.ofSeconds(10)).notFound().get(0);
        assertTrue(notFound.tombstoneVersion() > version);
        assertTrue(done(hostB.get("logout-1")).isEmpty(), "the deleted session never comes back");

        // A logged-out id is dead: writing it again fails (a new login takes a new id).
        ExecutionException again = assertThrows(ExecutionException.class, () -> done(hostA.set("logout-1", bytes("bob-again"), null)));
        assertTrue(assertInstanceOf(EdgeException.StaleWrite.class, again.getCause()).deleted());
        assertTrue(done(hostB.get("logout-1")).isEmpty());
    }

    /** Bug (issue 19): an L1 tombstone sent every get of a deleted id to the relay instead of answering it. */
    @Test
    void aDeletedIdIsAnsweredEmptyFromL1WithoutARemoteCall() throws Exception {
        done(hostA.set("logout-2", bytes("carol"), null));
        done(hostA.delete("logout-2"));
        assertTrue(hostB.l1().getEntry(bytes("logout-2")).tombstone(), "the invalidation left a tombstone in host B's L1");
        long before = hostB.remoteGets();
        CompletableFuture<Optional<EdgeCache.Session>> get = hostB.get("logout-2");
        assertTrue(get.isDone(), "answered in the caller's thread");
        assertTrue(get.get().isEmpty());
        assertEquals(before, hostB.remoteGets());
    }

    /** Bug (issue 19): a write after a logout from a writer whose clock is minutes ahead brought the session back. */
    @Test
    void aWriteAfterALogoutIsRefusedWhateverTheWritersClock() throws Exception {
        EdgeCache ahead = cluster.edge("ahead", true, new HybridClock(() -> System.currentTimeMillis() + 600_000, 11));
        try {
            done(hostA.set("logout-3", bytes("dave"), null));
            done(hostA.delete("logout-3"));
            ahead.l1().remove(bytes("logout-3")); // as if this host missed the invalidation
            ExecutionException failure = assertThrows(ExecutionException.class,
                    () -> done(ahead.set("logout-3", bytes("back-from-the-future"), null)));
            EdgeException.StaleWrite stale = assertInstanceOf(EdgeException.StaleWrite.class, failure.getCause());
            assertTrue(stale.deleted(), stale.getMessage());
            assertFalse(stale.getMessage().contains("logout-3"), "session ids are secrets: " + stale.getMessage());
            assertTrue(done(hostB.get("logout-3")).isEmpty());
        } finally {
            ahead.close();
        }
    }

    /**
     * Issue 19: the node part of a version was a random number, so two writers could draw the
     * same one. Now every write is stamped with the writer id this process's relay leased it, and
     * no two processes hold the same id: two hosts' writes carry their own ids, of the relay's slot.
     */
    @Test
    void writesAreStampedWithTheWriterIdTheirRelayLeasedAndNoOtherProcessHolds() throws Exception {
        long a = done(hostA.set("writer-1", bytes("a"), null));
        long b = done(hostB.set("writer-2", bytes("b"), null));
        int idA = HybridClock.nodeOf(a);
        int idB = HybridClock.nodeOf(b);
        assertEquals(hostA.writerId(), idA, "host A stamps with the id its relay gave it");
        assertEquals(hostB.writerId(), idB, "host B stamps with the id its relay gave it");
        assertNotEquals(idA, idB, "two processes never hold the same writer id");
        assertEquals(WriterIds.slotOf(idA), WriterIds.slotOf(idB), "both from the one relay's slot");
        done(hostA.delete("writer-1"));
        assertEquals(idA, HybridClock.nodeOf(hostA.l1().getEntry(bytes("writer-1")).version()), "deletes too");
    }

    /**
     * Lookups of one key made while one is in flight share it. The edge's actor is held (a listener
     * waits) while the 100 lookups are made, so the first answer cannot arrive between two of them:
     * on a busy machine it did (CI, load 9: 2 requests), and a lookup after an answer is a new one.
     */
    @Test
    void concurrentGetsOfOneMissingKeySendOneRequest() throws Exception {
        done(hostA.set("single-flight", bytes("once"), null));
        long before = hostB.remoteGets();
        CountDownLatch release = new CountDownLatch(1);
        TestCluster.holdActor(hostB, release, Duration.ofSeconds(30));
        List<CompletableFuture<Optional<EdgeCache.Session>>> gets = new ArrayList<>();
        try {
            for (int i = 0; i < 100; i++) {
                gets.add(hostB.get("single-flight"));
            }
        } finally {
            release.countDown();
        }
        for (CompletableFuture<Optional<EdgeCache.Session>> get : gets) {
            assertArrayEquals(bytes("once"), done(get).orElseThrow().value());
        }
        assertEquals(1, hostB.remoteGets() - before, "100 concurrent gets of one missing key send one request");
    }

    @Test
    void aRelayAnswersABatchAtOnceWithWhatL2HoldsAndPassesTheRestOn() throws Exception {
        done(hostA.set("batch-l2", bytes("in-l2"), null));
        await().atMost(Duration.ofSeconds(10)).until(() -> done(hostB.getFromRelay("batch-l2")).orElseThrow().tier() == Tier.L2);
        ActorRef<RelayCommand> relay = ActorRefResolver.get(cluster.servers.get(0)).resolveActorRef(
                PekkoConfig.address("global-sessions", GlobalSessionsSettings.clusterAddress(cluster.relayAddress)) + "/user/relay");
        TestProbe<EdgeCommand> probe = TestProbe.create(cluster.servers.get(0));
        relay.tell(new RelayCommand.GetBatch(77, List.of(new RelayCommand.Lookup("batch-l2", 1, 0),
                new RelayCommand.Lookup("batch-nobody", 2, 0)), probe.getRef()));
        EdgeCommand.Answers answers = probe.expectMessageClass(EdgeCommand.Answers.class, Duration.ofSeconds(10));
        assertEquals(77, answers.batchId());
        assertEquals(List.of(1L), answers.found().stream().map(EdgeCommand.Found::requestId).toList());
        assertArrayEquals(bytes("in-l2"), answers.found().get(0).value());
        assertTrue(answers.notFound().isEmpty());
        assertEquals(2, probe.expectMessageClass(EdgeCommand.NotFound.class, Duration.ofSeconds(10)).requestId(),
                "the lookup L2 could not answer was answered by the tiers behind the relay");
    }

    @Test
    void concurrentLookupsTravelInBatchesAndEachGetsItsOwnAnswer() throws Exception {
        int written = 60; // L2 keeps the last 16; all are in expansion (4 shards x 24)
        for (int i = 0; i < written; i++) {
            done(hostA.set("batch-" + i, bytes("value-" + i), null));
        }
        done(hostA.set("batch-deleted", bytes("gone"), null));
        done(hostA.delete("batch-deleted"));
        long batchesBefore = hostB.lookupBatches();
        Map<String, CompletableFuture<Optional<EdgeCache.Session>>> lookups = new java.util.LinkedHashMap<>();
        // Newest first: the sessions L2 holds are asked before any answer from expansion is promoted into
        // L2's 16 entries, pushing them out (oldest first, CI saw no L2 answer at all once).
        for (int i = written - 1; i >= 0; i--) {
            lookups.put("batch-" + i, hostB.getFromRelay("batch-" + i));
            lookups.put("batch-missing-" + i, hostB.getFromRelay("batch-missing-" + i));
        }
        lookups.put("batch-deleted", hostB.getFromRelay("batch-deleted"));
        java.util.Set<Tier> tiers = java.util.EnumSet.noneOf(Tier.class);
        for (Map.Entry<String, CompletableFuture<Optional<EdgeCache.Session>>> e : lookups.entrySet()) {
            Optional<EdgeCache.Session> answer = done(e.getValue());
            if (e.getKey().startsWith("batch-missing-") || e.getKey().equals("batch-deleted")) {
                assertTrue(answer.isEmpty(), e.getKey());
            } else {
                assertArrayEquals(bytes("value-" + e.getKey().substring("batch-".length())), answer.orElseThrow().value(), e.getKey());
                tiers.add(answer.get().tier());
            }
        }
        assertEquals(java.util.EnumSet.of(Tier.L2, Tier.EXPANSION), tiers, "batches mix L2 answers with lookups passed on");
        long batches = hostB.lookupBatches() - batchesBefore;
        assertTrue(batches > 0 && batches < lookups.size() / 2,
                lookups.size() + " lookups issued together left in " + batches + " batches");
    }

    @Test
    void aSessionNobodyWroteIsEmpty() throws Exception {
        assertTrue(done(hostB.get("never-written")).isEmpty());
    }

    @Test
    void badKeysAreRefusedBeforeAnythingIsSent() {
        long before = hostA.remoteGets();
        assertEquals("key is empty", assertThrows(IllegalArgumentException.class, () -> hostA.get("")).getMessage());
        String whitespace = assertThrows(IllegalArgumentException.class, () -> hostA.set("a b", bytes("x"), null)).getMessage();
        assertTrue(whitespace.contains("contains whitespace (U+0020) at index 1"), whitespace);
        assertFalse(whitespace.contains("a b"), "a key (a session id) stays out of messages: " + whitespace);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> hostA.set("k".repeat(300), bytes("x"), null)).getMessage()
                .contains("exceeds the maximum of 256"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> hostA.set("big", new byte[1000], null)).getMessage()
                .contains("exceeds record_size=256"));
        assertEquals(before, hostA.remoteGets());
    }

    /** Bug (issue 19): a session TTL above the tombstone TTL let a copy of a logged-out session outlive its tombstone. */
    @Test
    void aSetWithATtlAboveTheMaximumIsRefusedAndStoresNothing() {
        long before = hostA.remoteGets();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> hostA.set("too-long", bytes("x"), Duration.ofHours(25)));
        assertTrue(e.getMessage().contains("ttl=PT25H exceeds relief.max-session-ttl=PT24H"), e.getMessage());
        assertNull(hostA.l1().getEntry(bytes("too-long")));
        assertEquals(before, hostA.remoteGets());
    }

    @Test
    void staleWriteFailsTheFutureAndDropsTheLocalCopy() throws Exception {
        // An edge whose wall clock runs an hour behind makes versions older than the delete.
        EdgeCache late = cluster.edge("late", true, new HybridClock(() -> System.currentTimeMillis() - 3_600_000, 9));
        done(hostA.set("race", bytes("first"), null));
        done(hostA.delete("race"));
        ExecutionException failure = assertThrows(ExecutionException.class,
                () -> late.set("race", bytes("from-the-past"), null).get(15, TimeUnit.SECONDS));
        EdgeException.StaleWrite stale = assertInstanceOf(EdgeException.StaleWrite.class, failure.getCause());
        assertTrue(stale.deleted(), stale.getMessage());
        assertTrue(late.getLocal("race").isEmpty(), "the refused write does not stay in L1");
        assertTrue(done(hostB.get("race")).isEmpty());
    }
}

package org.globalsessions.client.lifecycle;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.globalsessions.client.SessionCacheManager;
import org.globalsessions.client.internal.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lifecycle layer against a real cluster (ActorSystems over mutual TLS in this JVM). */
class SessionLifecycleTest {

    @TempDir
    static Path certificates;

    private static TestCluster cluster;
    private static SessionCacheManager cache;
    private static final MeterRegistry meters = new SimpleMeterRegistry();

    /** A clock the test moves. */
    static final class ManualClock extends Clock {
        volatile Instant now = Instant.parse("2026-12-06T10:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    @BeforeAll
    static void start() {
        cluster = new TestCluster(certificates, Map.of("hashing.shards", 8));
        var files = cluster.files;
        cache = SessionCacheManager.builder()
                .relays(cluster.relayAddress.toString())
                .certificates(files.keyFile(), files.certFile(), files.caFile())
                .table(cluster.shm.resolve("lifecycle.lru"))
                .elCount(1000).recordSize(512)
                .meterRegistry(meters)
                .build();
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> cache.set("warm-up", new byte[] {1}).toCompletableFuture().get(10, TimeUnit.SECONDS) > 0);
    }

    @AfterAll
    static void stop() {
        if (cache != null) {
            cache.close();
        }
        cluster.close();
    }

    private static <T> T done(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(15, TimeUnit.SECONDS);
    }

    private static double acknowledgedSets() {
        return meters.get("global_sessions_client_sets").tag("outcome", "acknowledged").counter().count();
    }

    /**
     * The stored last use of {@code id}: this host's table holds it while this process holds its
     * lease; a late heartbeat on a busy machine can end the lease (and the table's values) for a
     * while, and then the tiers behind it answer.
     */
    private static Instant storedLastAccess(String id) throws Exception {
        Optional<byte[]> local = cache.getLocal(id);
        byte[] stored = local.isPresent() ? local.get() : done(cache.get(id)).orElseThrow();
        return SessionRecordCodec.decode(stored).lastAccessedAt();
    }

    /**
     * A slide never undoes a change saved after the read it slides. Host A holds version 1 in its
     * table (arrivals are off, so B's later write does not reach A's table); host B saves an
     * attribute (version 2); A's read is then due a slide of version 1. The slide is written only
     * over version 1, so it is refused and B's change stays. (A plain write of the slide, as
     * before, replaced it with A's older attributes.)
     */
    @Test
    void aSlideOfAnOlderReadDoesNotUndoAChangeSavedSince() throws Exception {
        try (TestCluster quiet = new TestCluster(certificates, Map.of("relay.publish-arrivals", false))) {
            SessionCacheManager hostA = quiet.client("slide-a.lru").build();
            SessionCacheManager hostB = quiet.client("slide-b.lru").build();
            try {
                TestCluster.awaitWritable(hostA);
                TestCluster.awaitWritable(hostB);
                ManualClock clock = new ManualClock();
                SessionLifecycle onA = new SessionLifecycle(hostA, 0.25, clock);
                SessionLifecycle onB = new SessionLifecycle(hostB, 0.25, clock);
                String id = UUID.randomUUID().toString();
                SessionRecord first = onA.create(Duration.ofMinutes(30), Duration.ofHours(8))
                        .withAttributes(Map.of("a", new byte[] {1}));
                done(onA.save(id, first));
                assertTrue(hostA.getLocal(id).isPresent(), "A's table holds version 1");
                SessionRecord changed = done(onB.peek(id)).orElseThrow().withAttributes(Map.of("a", new byte[] {1}, "b", new byte[] {2}));
                done(onB.save(id, changed));

                clock.advance(Duration.ofMinutes(10)); // past a quarter of the interval: A's read is due a slide
                assertEquals(Set.of("a"), done(onA.find(id)).orElseThrow().attributes().keySet(), "A read its older copy");
                // The refused slide drops A's copy of version 1: A then reads what the cluster holds.
                await().atMost(Duration.ofSeconds(10)).until(() -> hostA.getLocal(id).isEmpty());
                assertEquals(Set.of("a", "b"), done(onA.peek(id)).orElseThrow().attributes().keySet(), "B's change stays");
            } finally {
                hostA.close();
                hostB.close();
            }
        }
    }

    private static SessionRecord record(SessionLifecycle sessions, String attribute) {
        return sessions.create(Duration.ofMinutes(30), Duration.ofHours(8)).withAttributes(Map.of(attribute, new byte[] {1}));
    }

    /** A rotation moves the session to its new id and logs the old one out; the old id is never valid again. */
    @Test
    void aRotationMovesTheSessionAndLogsTheOldIdOut() throws Exception {
        SessionLifecycle sessions = new SessionLifecycle(cache);
        String old = UUID.randomUUID().toString();
        String rotated = UUID.randomUUID().toString();
        done(sessions.save(old, record(sessions, "user")));
        SessionLifecycle.Versioned read = done(sessions.read(old)).orElseThrow();
        done(sessions.rotate(old, rotated, read.record().withAttributes(Map.of("user", new byte[] {2})), read.version()));
        assertEquals(Optional.empty(), done(sessions.find(old)));
        assertArrayEquals(new byte[] {2}, done(sessions.find(rotated)).orElseThrow().attributes().get("user"));
        var dead = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> sessions.save(old, read.record()).toCompletableFuture().get(15, TimeUnit.SECONDS));
        assertTrue(((org.globalsessions.client.StaleSessionException) dead.getCause()).loggedOut(), "the old id is logged out");
    }

    /**
     * The states a rotation passes through, each stopped there (as if its process died): before the
     * commit only the old id is the session, after it only the new one, and a write of the old id
     * from a read before the commit cannot bring it back.
     */
    @Test
    void beforeItsCommitARotationLeavesTheOldIdAndAfterItTheNewOneAndNothingRevivesTheOld() throws Exception {
        SessionLifecycle sessions = new SessionLifecycle(cache);
        String old = UUID.randomUUID().toString();
        String rotated = UUID.randomUUID().toString();
        SessionRecord record = record(sessions, "user");
        long before = done(sessions.save(old, record));
        done(cache.set(rotated, StoredSession.pending(old, record), Duration.ofMinutes(30))); // step 1 only
        assertTrue(done(sessions.peek(old)).isPresent(), "before the commit: the old id");
        assertEquals(Optional.empty(), done(sessions.peek(rotated)), "before the commit: not the new id");

        done(cache.setIf(old, StoredSession.moved(rotated), Duration.ofMinutes(30), before)); // the commit
        assertEquals(Optional.empty(), done(sessions.peek(old)), "after the commit: not the old id");
        assertTrue(done(sessions.peek(rotated)).isPresent(), "after the commit: the new id");

        var revived = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> sessions.saveIf(old, record, before).toCompletableFuture().get(15, TimeUnit.SECONDS));
        assertInstanceOf(org.globalsessions.client.StaleSessionException.class, revived.getCause());
        assertEquals(Optional.empty(), done(sessions.peek(old)), "a write from a read before the commit is refused");
        assertTrue(done(sessions.peek(rotated)).isPresent());
    }

    /** A rotation over a version written over since is refused, and nothing changes: the old id stays the session. */
    @Test
    void aRotationOverAVersionWrittenSinceChangesNothing() throws Exception {
        SessionLifecycle sessions = new SessionLifecycle(cache);
        String old = UUID.randomUUID().toString();
        String rotated = UUID.randomUUID().toString();
        long first = done(sessions.save(old, record(sessions, "user")));
        done(sessions.save(old, record(sessions, "cart"))); // another request's save
        var refused = assertThrows(java.util.concurrent.ExecutionException.class, () -> sessions.rotate(old, rotated,
                record(sessions, "user"), first).toCompletableFuture().get(15, TimeUnit.SECONDS));
        assertFalse(assertInstanceOf(org.globalsessions.client.StaleSessionException.class, refused.getCause()).loggedOut());
        assertEquals(Set.of("cart"), done(sessions.peek(old)).orElseThrow().attributes().keySet());
        assertEquals(Optional.empty(), done(sessions.peek(rotated)));
    }

    @Test
    void readsSlideTheStoredLastUseOnlyOncePerFractionOfTheInterval() throws Exception {
        ManualClock clock = new ManualClock();
        SessionLifecycle sessions = new SessionLifecycle(cache, 0.25, clock);
        String id = UUID.randomUUID().toString();
        Instant created = clock.now;
        SessionRecord record = sessions.create(Duration.ofMinutes(30), Duration.ofHours(8))
                .withAttributes(Map.of("user", new byte[] {'a'}));
        done(sessions.save(id, record));
        double writes = acknowledgedSets();

        for (int minute = 1; minute <= 7; minute++) { // 7 reads within the first 7.5 minutes: nothing written
            clock.advance(Duration.ofMinutes(1));
            SessionRecord read = done(sessions.find(id)).orElseThrow();
            assertEquals(clock.now, read.lastAccessedAt(), "the record returned is used now");
            assertEquals(created, storedLastAccess(id), "read at minute " + minute + " wrote nothing");
        }
        clock.advance(Duration.ofSeconds(30)); // 7.5 minutes: a quarter of the interval
        assertEquals(created, done(sessions.peek(id)).orElseThrow().lastAccessedAt(), "peek is no use");
        assertEquals(created, storedLastAccess(id), "peek wrote nothing");
        SessionRecord slid = done(sessions.find(id)).orElseThrow();
        await().atMost(Duration.ofSeconds(15)).until(() -> acknowledgedSets() == writes + 1);
        assertEquals(clock.now, storedLastAccess(id), "the slide was written");
        assertArrayEquals(new byte[] {'a'}, slid.attributes().get("user"));

        clock.advance(Duration.ofMinutes(1));
        done(sessions.find(id));
        assertEquals(created.plus(Duration.ofSeconds(450)), storedLastAccess(id), "one minute after the slide: nothing written");
    }

    @Test
    void aSessionUnusedForItsIntervalOrPastItsLifetimeIsNotFound() throws Exception {
        ManualClock clock = new ManualClock();
        SessionLifecycle sessions = new SessionLifecycle(cache, 0.25, clock);
        String idle = UUID.randomUUID().toString();
        done(sessions.save(idle, sessions.create(Duration.ofMinutes(30), Duration.ofHours(8))));
        clock.advance(Duration.ofMinutes(30));
        assertEquals(Optional.empty(), done(sessions.find(idle)));

        String old = UUID.randomUUID().toString();
        done(sessions.save(old, sessions.create(Duration.ofMinutes(30), Duration.ofMinutes(40))));
        for (int i = 0; i < 3; i++) { // used every 10 minutes: slides, but not past the lifetime
            clock.advance(Duration.ofMinutes(10));
            assertTrue(done(sessions.find(old)).isPresent(), "used at minute " + (i + 1) * 10);
        }
        clock.advance(Duration.ofMinutes(10));
        assertEquals(Optional.empty(), done(sessions.find(old)), "40 minutes after creation, however recently used");
    }

    @Test
    void everyTierDropsTheSessionWhenTheRecordExpires() throws Exception {
        SessionLifecycle sessions = new SessionLifecycle(cache);
        String id = UUID.randomUUID().toString();
        done(sessions.save(id, sessions.create(Duration.ofSeconds(1), Duration.ofHours(1))));
        assertTrue(done(cache.get(id)).isPresent());
        await().atMost(Duration.ofSeconds(15)).until(() -> done(cache.get(id)).isEmpty());
    }

    @Test
    void anExpiredRecordIsNotStored() {
        ManualClock clock = new ManualClock();
        SessionLifecycle sessions = new SessionLifecycle(cache, 0.25, clock);
        SessionRecord record = sessions.create(Duration.ofMinutes(1), Duration.ofHours(1));
        clock.advance(Duration.ofMinutes(1));
        String id = UUID.randomUUID().toString();
        var e = assertThrows(IllegalArgumentException.class, () -> sessions.save(id, record));
        assertTrue(e.getMessage().contains("expired at 2026-12-06T10:01:00Z"), e.getMessage());
        assertEquals(Optional.empty(), cache.getLocal(id));
    }

    @Test
    void bytesThatAreNotASessionRecordFailTheReadNamingWhy() throws Exception {
        SessionLifecycle sessions = new SessionLifecycle(cache);
        String id = UUID.randomUUID().toString();
        done(cache.set(id, "{\"user\":\"alice\",\"role\":\"admin\",\"more\":1}".getBytes()));
        var e = assertThrows(java.util.concurrent.ExecutionException.class, () -> done(sessions.find(id)));
        Throwable cause = e.getCause() instanceof CompletionException c ? c.getCause() : e.getCause();
        assertInstanceOf(IllegalArgumentException.class, cause);
        assertTrue(cause.getMessage().contains("does not start with the magic"), cause.getMessage());
    }

    @Test
    void deleteLogsTheSessionOut() throws Exception {
        SessionLifecycle sessions = new SessionLifecycle(cache);
        String id = UUID.randomUUID().toString();
        done(sessions.save(id, sessions.create(Duration.ofMinutes(5), Duration.ofHours(1))));
        done(sessions.delete(id));
        assertEquals(Optional.empty(), done(sessions.find(id)));
    }

    @Test
    void slideDueAndTimeLeftAsATable() {
        SessionLifecycle sessions = new SessionLifecycle(cache, 0.25, new ManualClock());
        Instant t0 = Instant.parse("2026-12-06T10:00:00Z");
        SessionRecord r = SessionRecord.create(t0, Duration.ofMinutes(40), Duration.ofHours(1));
        assertFalse(sessions.slideDue(r, t0));
        assertFalse(sessions.slideDue(r, t0.plus(Duration.ofMinutes(10)).minusMillis(1)));
        assertTrue(sessions.slideDue(r, t0.plus(Duration.ofMinutes(10))));
        assertEquals(Duration.ofMinutes(40), SessionLifecycle.timeLeft(r, t0));
        assertEquals(Duration.ofMinutes(20), SessionLifecycle.timeLeft(r.accessedAt(t0.plus(Duration.ofMinutes(40))), t0.plus(Duration.ofMinutes(40))));
        assertEquals(Duration.ofMillis(1), SessionLifecycle.timeLeft(r, t0.plus(Duration.ofMinutes(40)).minusNanos(1)));
        assertEquals(Duration.ZERO, SessionLifecycle.timeLeft(r, t0.plus(Duration.ofMinutes(40))));
        assertThrows(IllegalArgumentException.class, () -> new SessionLifecycle(cache, 0, Clock.systemUTC()));
        assertThrows(IllegalArgumentException.class, () -> new SessionLifecycle(cache, 1.5, Clock.systemUTC()));
    }
}

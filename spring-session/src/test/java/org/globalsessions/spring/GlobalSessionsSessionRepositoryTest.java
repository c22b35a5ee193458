package org.globalsessions.spring;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;

import java.io.Serializable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.session.events.AbstractSessionEvent;
import org.springframework.session.events.SessionCreatedEvent;
import org.springframework.session.events.SessionDeletedEvent;
import org.springframework.session.events.SessionExpiredEvent;

import org.globalsessions.client.SessionCacheManager;
import org.globalsessions.client.lifecycle.SessionLifecycle;

/** The repository on two simulated hosts (each its own table) against a real node in this JVM. */
class GlobalSessionsSessionRepositoryTest {

    @TempDir
    static Path certificates;

    private static TestNode node;
    private static SessionCacheManager cacheA;
    private static SessionCacheManager cacheB;
    private static final List<AbstractSessionEvent> eventsA = new CopyOnWriteArrayList<>();
    private static final List<AbstractSessionEvent> eventsB = new CopyOnWriteArrayList<>();
    private static GlobalSessionsSessionRepository hostA;
    private static GlobalSessionsSessionRepository hostB;

    record Cart(String owner, List<String> items) implements Serializable {
    }

    /** Not Serializable. */
    record Connection(String url) {
    }

    @BeforeAll
    static void start() {
        node = new TestNode(certificates);
        cacheA = node.client("a");
        cacheB = node.client("b");
        hostA = repository(cacheA, Duration.ofMinutes(30), eventsA);
        hostB = repository(cacheB, Duration.ofMinutes(30), eventsB);
    }

    private static GlobalSessionsSessionRepository repository(SessionCacheManager cache, Duration interval,
                                                              List<AbstractSessionEvent> events) {
        return new GlobalSessionsSessionRepository(new SessionLifecycle(cache),
                new JdkSessionAttributeSerializer(GlobalSessionsSessionRepositoryTest.class.getClassLoader()),
                interval, Duration.ofHours(8), event -> events.add((AbstractSessionEvent) event));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        node.closeWith(cacheA, cacheB);
    }

    private static double acknowledgedSets(SessionCacheManager cache) {
        return cache.meterRegistry().get("global_sessions_client_sets").tag("outcome", "acknowledged").counter().count();
    }

    @Test
    void aSessionSavedOnOneHostIsFoundOnAnotherWithItsAttributes() {
        GlobalSessionsSession session = hostA.createSession();
        session.setAttribute("cart", new Cart("alice", List.of("book")));
        session.setAttribute("visits", 3);
        hostA.save(session);
        assertEquals(1, eventsA.stream().filter(e -> e instanceof SessionCreatedEvent c && c.getSessionId().equals(session.getId())).count());

        GlobalSessionsSession found = hostB.findById(session.getId());
        assertNotNull(found);
        assertEquals(new Cart("alice", List.of("book")), found.getAttribute("cart"));
        assertEquals(Integer.valueOf(3), found.getAttribute("visits"));
        assertEquals(Set.of("cart", "visits"), found.getAttributeNames());
        assertEquals(session.getCreationTime().toEpochMilli(), found.getCreationTime().toEpochMilli());
        assertEquals(Duration.ofMinutes(30), found.getMaxInactiveInterval());
        assertFalse(found.isExpired());
    }

    @Test
    void aRequestThatChangesNothingWritesNothing() {
        GlobalSessionsSession session = hostA.createSession();
        session.setAttribute("user", "bob");
        hostA.save(session);
        await().atMost(Duration.ofSeconds(10)).until(() -> acknowledgedSets(cacheA) > 0);
        double writes = acknowledgedSets(cacheA);
        for (int i = 0; i < 20; i++) { // what SessionRepositoryFilter does per request: find, use, save
            GlobalSessionsSession found = hostA.findById(session.getId());
            assertEquals("bob", found.getAttribute("user"));
            found.setLastAccessedTime(java.time.Instant.now());
            hostA.save(found);
        }
        assertEquals(writes, acknowledgedSets(cacheA), "20 requests within the slide fraction wrote nothing");
    }

    @Test
    void anAttributeThatCannotBeSerializedIsRefusedNamingItAndNothingIsStored() {
        GlobalSessionsSession session = hostA.createSession();
        session.setAttribute("user", "carol");
        session.setAttribute("db", new Connection("jdbc:x"));
        var e = assertThrows(IllegalArgumentException.class, () -> hostA.save(session));
        assertTrue(e.getMessage().contains("session attribute 'db' of type " + Connection.class.getName()), e.getMessage());
        assertTrue(e.getMessage().contains("is not java.io.Serializable"), e.getMessage());
        assertNull(hostA.findById(session.getId()));
        assertTrue(eventsA.stream().noneMatch(ev -> ev.getSessionId().equals(session.getId())), "no created event");
    }

    @Test
    void aSessionLargerThanTheRecordsIsRefusedNamingTheSizes() {
        GlobalSessionsSession session = hostA.createSession();
        session.setAttribute("blob", new byte[TestNode.RECORD_SIZE]);
        var e = assertThrows(IllegalArgumentException.class, () -> hostA.save(session));
        assertTrue(e.getMessage().contains(String.valueOf(TestNode.RECORD_SIZE)), e.getMessage());
        assertNull(hostA.findById(session.getId()));
    }

    @Test
    void changeSessionIdMovesTheSessionAndLogsTheOldIdOut() {
        GlobalSessionsSession session = hostA.createSession();
        session.setAttribute("user", "dave");
        hostA.save(session);
        String old = session.getId();
        assertNotNull(hostB.findById(old));

        GlobalSessionsSession loaded = hostA.findById(old);
        String rotated = loaded.changeSessionId();
        assertNotEquals(old, rotated);
        hostA.save(loaded);
        assertNull(hostA.findById(old));
        assertEquals("dave", hostB.findById(rotated).getAttribute("user"));
        await().atMost(Duration.ofSeconds(5)).until(() -> hostB.findById(old) == null);
    }

    @Test
    void deleteByIdLogsTheSessionOutOnEveryHostAndPublishesDeleted() {
        GlobalSessionsSession session = hostA.createSession();
        session.setAttribute("user", "erin");
        hostA.save(session);
        assertNotNull(hostB.findById(session.getId())); // host B holds it now

        hostA.deleteById(session.getId());
        assertNull(hostA.findById(session.getId()));
        await().atMost(Duration.ofSeconds(5)).until(() -> hostB.findById(session.getId()) == null);
        List<SessionDeletedEvent> here = deleted(eventsA, session.getId());
        assertEquals(1, here.size(), "published once where it was deleted, though the logout comes back from the cluster");
        assertEquals("erin", here.get(0).getSession().getAttribute("user"), "with the session as it was");
        await().atMost(Duration.ofSeconds(10)).until(() -> deleted(eventsB, session.getId()).size() == 1);
        assertNull(deleted(eventsB, session.getId()).get(0).getSession().getAttribute("user"), "elsewhere: the id only");

        GlobalSessionsSession stale = hostB.createSession(); // a save under the dead id changes nothing
        assertNull(hostB.findById(session.getId()));
        assertNotNull(stale);
    }

    private static List<SessionDeletedEvent> deleted(List<AbstractSessionEvent> events, String id) {
        return events.stream().filter(e -> e instanceof SessionDeletedEvent d && d.getSessionId().equals(id))
                .map(SessionDeletedEvent.class::cast).toList();
    }

    /**
     * A session left idle past its interval expires in the cache: every instance publishes one
     * {@link SessionExpiredEvent} with the session as the cache held it last (after the relief
     * tiers' sweep, every 10 s), and no deleted event.
     */
    @Test
    void aSessionThatExpiresInTheCachePublishesExpiredOnEveryInstance() {
        List<AbstractSessionEvent> shortA = new CopyOnWriteArrayList<>();
        List<AbstractSessionEvent> shortB = new CopyOnWriteArrayList<>();
        GlobalSessionsSessionRepository idleA = repository(cacheA, Duration.ofSeconds(1), shortA);
        repository(cacheB, Duration.ofSeconds(1), shortB);
        GlobalSessionsSession session = idleA.createSession();
        session.setAttribute("user", "frank");
        idleA.save(session);
        String id = session.getId();
        await().atMost(Duration.ofSeconds(40)).until(() -> expired(shortA, id).size() == 1 && expired(shortB, id).size() == 1);
        assertEquals("frank", expired(shortB, id).get(0).getSession().getAttribute("user"), "the session as it was last held");
        assertNull(idleA.findById(id));
        assertTrue(deleted(shortA, id).isEmpty() && deleted(shortB, id).isEmpty(), "an expiry is not a logout");
    }

    private static List<SessionExpiredEvent> expired(List<AbstractSessionEvent> events, String id) {
        return events.stream().filter(e -> e instanceof SessionExpiredEvent x && x.getSessionId().equals(id))
                .map(SessionExpiredEvent.class::cast).toList();
    }

    @Test
    void changesOfTwoInstancesToDifferentAttributesAreBothKept() {
        GlobalSessionsSession session = hostA.createSession();
        session.setAttribute("user", "frank");
        hostA.save(session);
        GlobalSessionsSession onA = hostA.findById(session.getId());
        GlobalSessionsSession onB = hostB.findById(session.getId());

        onB.setAttribute("theme", "dark");
        hostB.save(onB);
        await().atMost(Duration.ofSeconds(5)).until(() -> "dark".equals(hostA.findById(session.getId()).getAttribute("theme")));
        onA.setAttribute("cart", new Cart("frank", List.of("pen")));
        hostA.save(onA); // onA was loaded before B's change

        GlobalSessionsSession merged = hostB.findById(session.getId());
        await().atMost(Duration.ofSeconds(5)).until(() -> hostB.findById(session.getId()).getAttribute("cart") != null);
        merged = hostB.findById(session.getId());
        assertEquals("dark", merged.getAttribute("theme"));
        assertEquals("frank", merged.getAttribute("user"));
        assertEquals(new Cart("frank", List.of("pen")), merged.getAttribute("cart"));
    }

    @Test
    void aSessionUsedWithinItsIntervalStaysAndAnIdleOneIsGone() throws InterruptedException {
        GlobalSessionsSessionRepository shortLived = repository(cacheA, Duration.ofSeconds(1), new CopyOnWriteArrayList<>());
        GlobalSessionsSession session = shortLived.createSession();
        session.setAttribute("user", "gina");
        shortLived.save(session);
        long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (System.nanoTime() < until) { // used every 100 ms for 3 intervals: each slide keeps it
            assertNotNull(shortLived.findById(session.getId()));
            Thread.sleep(100); // paces the uses (a request every 100 ms); nothing is waited for here
        }
        assertNotNull(shortLived.findById(session.getId()));
        // Watched through the cache itself: a findById is a use, which slides the session.
        await().atMost(Duration.ofSeconds(10)).until(() -> cacheA.get(session.getId()).toCompletableFuture().join().isEmpty()
                && cacheB.get(session.getId()).toCompletableFuture().join().isEmpty());
        assertNull(shortLived.findById(session.getId()));
        assertNull(hostB.findById(session.getId()));
    }

    @Test
    void anIdThatCannotBeASessionIdIsNoSession() {
        assertNull(hostA.findById("not a session id"));
        assertNull(hostA.findById(""));
        hostA.deleteById("not a session id");
    }

    @Test
    void aSessionThatNeverExpiresIsRefused() {
        GlobalSessionsSession session = hostA.createSession();
        var e = assertThrows(IllegalArgumentException.class, () -> session.setMaxInactiveInterval(Duration.ofSeconds(-1)));
        assertTrue(e.getMessage().contains("maxInactiveInterval=PT-1S"), e.getMessage());
    }
}

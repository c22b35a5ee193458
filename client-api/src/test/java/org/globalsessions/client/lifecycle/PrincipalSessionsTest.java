package org.globalsessions.client.lifecycle;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.globalsessions.client.PrincipalSession;
import org.globalsessions.client.SessionCacheManager;
import org.globalsessions.client.internal.TestCluster;

/**
 * The principal index (issue 21 item 3) through the client, against a real cluster (ActorSystems
 * over mutual TLS in this JVM, two replicas per shard) and two hosts, each with its own table.
 */
class PrincipalSessionsTest {

    private static final Duration TTL = Duration.ofMinutes(10);

    @TempDir
    static Path certificates;

    private static TestCluster cluster;
    private static SessionCacheManager hostA;
    private static SessionCacheManager hostB;

    @BeforeAll
    static void start() {
        cluster = new TestCluster(certificates, Map.of("hashing.shards", 8));
        hostA = cluster.client("principal-a.lru").build();
        hostB = cluster.client("principal-b.lru").build();
        TestCluster.awaitWritable(hostA);
        TestCluster.awaitWritable(hostB);
    }

    @AfterAll
    static void stop() {
        cluster.closeWith(hostA, hostB);
    }

    private static <T> T done(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(15, TimeUnit.SECONDS);
    }

    /** A session stored on {@code host}: its new id. */
    private static String session(SessionCacheManager host) throws Exception {
        String id = UUID.randomUUID().toString();
        done(host.set(id, new byte[] {7}, TTL));
        return id;
    }

    private static List<String> ids(SessionCacheManager host, String principal) throws Exception {
        return done(host.sessionsOf(principal)).stream().map(PrincipalSession::sessionId).toList();
    }

    @Test
    void loginsOnTwoHostsAtOnceAreBothListedOnEitherHostOldestFirst() throws Exception {
        String principal = "alice-" + UUID.randomUUID();
        String onA = session(hostA);
        String onB = session(hostB);
        Instant now = Instant.now();
        CompletableFuture<Void> a = hostA.indexSession(principal, onA, now.minusSeconds(1), TTL).toCompletableFuture();
        CompletableFuture<Void> b = hostB.indexSession(principal, onB, now, TTL).toCompletableFuture();
        done(CompletableFuture.allOf(a, b));
        assertEquals(List.of(onA, onB), ids(hostA, principal));
        assertEquals(List.of(onA, onB), ids(hostB, principal));
        assertEquals(List.of(), ids(hostA, "nobody-" + UUID.randomUUID()));
    }

    @Test
    void aLoggedOutSessionIsNeverListedAgain() throws Exception {
        String principal = "bob-" + UUID.randomUUID();
        String kept = session(hostA);
        String loggedOut = session(hostB);
        done(hostA.indexSession(principal, kept, Instant.now(), TTL));
        done(hostB.indexSession(principal, loggedOut, Instant.now(), TTL));
        done(hostB.delete(loggedOut)); // a logout that leaves its index entry behind
        assertEquals(List.of(kept), ids(hostA, principal), "the entry of a logged-out session is dropped when listed");
        done(hostA.indexSession(principal, loggedOut, Instant.now(), TTL)); // a late add after the logout
        assertEquals(List.of(kept), ids(hostB, principal));
    }

    @Test
    void logoutAllEndsEverySessionOfThePrincipalOnEveryHostAndNoOther() throws Exception {
        String principal = "carol-" + UUID.randomUUID();
        String onA = session(hostA);
        String onB = session(hostB);
        String someoneElse = session(hostA);
        done(hostA.indexSession(principal, onA, Instant.now(), TTL));
        done(hostB.indexSession(principal, onB, Instant.now(), TTL));
        done(hostA.indexSession("dave-" + UUID.randomUUID(), someoneElse, Instant.now(), TTL));
        assertTrue(done(hostB.get(onA)).isPresent() && done(hostA.get(onB)).isPresent(), "each host holds both");

        assertEquals(2, done(hostB.logoutAll(principal)));
        for (SessionCacheManager host : List.of(hostA, hostB)) {
            assertEquals(Optional.empty(), done(host.get(onA)));
            assertEquals(Optional.empty(), done(host.get(onB)));
        }
        assertTrue(done(hostA.get(someoneElse)).isPresent(), "another principal's session stays");
        assertEquals(List.of(), ids(hostA, principal));
        assertEquals(0, done(hostA.logoutAll(principal)), "the index entries went with the sessions");
    }

    @Test
    void theCapRefusesALoginBeyondItAndNothingIsIndexed() throws Exception {
        String principal = "erin-" + UUID.randomUUID();
        PrincipalSessions capped = new PrincipalSessions(hostA, 2, PrincipalSessions.AtCap.REFUSE);
        String first = session(hostA);
        String second = session(hostB);
        String third = session(hostA);
        assertEquals(List.of(), done(capped.login(principal, first, Instant.now().minusSeconds(2), TTL)));
        assertEquals(List.of(), done(capped.login(principal, second, Instant.now().minusSeconds(1), TTL)));
        assertEquals(List.of(), done(capped.login(principal, second, Instant.now(), TTL)), "the same session again counts once");
        ExecutionException refused = assertThrows(ExecutionException.class, () -> done(capped.login(principal, third, Instant.now(), TTL)));
        SessionLimitException limit = assertInstanceOf(SessionLimitException.class, refused.getCause());
        assertEquals(2, limit.sessions());
        assertTrue(limit.getMessage().contains("max-sessions-per-principal=2"), limit.getMessage());
        assertEquals(List.of(first, second), ids(hostB, principal));

        done(hostB.delete(first)); // a logout makes room
        assertEquals(List.of(), done(capped.login(principal, third, Instant.now(), TTL)));
        assertEquals(List.of(second, third), ids(hostA, principal));
    }

    @Test
    void theCapEndsTheOldestSessionForANewLogin() throws Exception {
        String principal = "frank-" + UUID.randomUUID();
        PrincipalSessions capped = new PrincipalSessions(hostB, 2, PrincipalSessions.AtCap.END_OLDEST);
        String oldest = session(hostA);
        String middle = session(hostB);
        String newest = session(hostA);
        done(capped.login(principal, oldest, Instant.now().minusSeconds(2), TTL));
        done(capped.login(principal, middle, Instant.now().minusSeconds(1), TTL));
        assertEquals(List.of(oldest), done(capped.login(principal, newest, Instant.now(), TTL)));
        assertEquals(Optional.empty(), done(hostA.get(oldest)), "the oldest was logged out, on every host");
        assertEquals(List.of(middle, newest), ids(hostA, principal));
    }

    @Test
    void aBadPrincipalNameIsRefusedByNameAndNothingChanges() throws Exception {
        String principal = "grace-" + UUID.randomUUID();
        String id = session(hostA);
        done(hostA.indexSession(principal, id, Instant.now(), TTL));
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> hostA.indexSession("", id, Instant.now(), TTL));
        assertEquals("principal name is empty", empty.getMessage());
        IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                () -> hostA.logoutAll("é".repeat(129)));
        assertEquals("principal name length=258 bytes exceeds the maximum of 256", tooLong.getMessage());
        assertThrows(IllegalArgumentException.class, () -> hostA.sessionsOf(""));
        assertThrows(IllegalArgumentException.class, () -> new PrincipalSessions(hostA, 2, PrincipalSessions.AtCap.REFUSE)
                .login("", id, Instant.now(), TTL));
        IllegalArgumentException atCap = assertThrows(IllegalArgumentException.class, () -> PrincipalSessions.AtCap.parse("oldest"));
        assertEquals("at-cap=oldest: must be refuse or end-oldest", atCap.getMessage());
        assertEquals(List.of(id), ids(hostB, principal), "nothing stored changed");
        assertTrue(done(hostB.get(id)).isPresent());
    }
}

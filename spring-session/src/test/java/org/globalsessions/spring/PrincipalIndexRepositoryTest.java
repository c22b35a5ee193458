package org.globalsessions.spring;

import static org.junit.jupiter.api.Assertions.*;

import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.session.FindByIndexNameSessionRepository;

import org.globalsessions.client.SessionCacheManager;
import org.globalsessions.client.lifecycle.PrincipalSessions;
import org.globalsessions.client.lifecycle.SessionLifecycle;
import org.globalsessions.client.lifecycle.SessionLimitException;

/**
 * The repository as a {@link FindByIndexNameSessionRepository} (issue 21 items 3 and 4): two
 * simulated hosts, each its own table, against a real node in this JVM.
 */
class PrincipalIndexRepositoryTest extends TwoHostFixture {

    private static GlobalSessionsSessionRepository hostA;
    private static GlobalSessionsSessionRepository hostB;

    /** What Spring Security's context looks like to {@code PrincipalNameIndexResolver}: {@code authentication?.name}. */
    public record Context(Authentication authentication) implements Serializable {
        public Authentication getAuthentication() {
            return authentication;
        }
    }

    public record Authentication(String name) implements Serializable {
        public String getName() {
            return name;
        }
    }

    @BeforeAll
    static void start() {
        hostA = repository(cacheA, new PrincipalSessions(cacheA));
        hostB = repository(cacheB, new PrincipalSessions(cacheB));
    }

    static GlobalSessionsSessionRepository repository(SessionCacheManager cache, PrincipalSessions principals) {
        return new GlobalSessionsSessionRepository(new SessionLifecycle(cache),
                new JdkSessionAttributeSerializer(PrincipalIndexRepositoryTest.class.getClassLoader()),
                Duration.ofMinutes(30), Duration.ofHours(8), null, principals);
    }

    /** A session of {@code principal} saved on {@code host}: by the principal attribute, or ({@code viaContext}) a security context. */
    static String login(GlobalSessionsSessionRepository host, String principal, boolean viaContext) {
        GlobalSessionsSession session = host.createSession();
        if (viaContext) {
            session.setAttribute(GlobalSessionsSessionRepository.SPRING_SECURITY_CONTEXT, new Context(new Authentication(principal)));
        } else {
            session.setAttribute(FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME, principal);
        }
        host.save(session);
        return session.getId();
    }

    @Test
    void sessionsOfAPrincipalSavedOnTwoHostsAreFoundOnEitherButNotOnceLoggedOut() {
        String principal = "alice-" + UUID.randomUUID();
        String onA = login(hostA, principal, false);
        String onB = login(hostB, principal, true);
        login(hostA, "someone-else-" + UUID.randomUUID(), false);

        assertEquals(Set.of(onA, onB), hostA.findByPrincipalName(principal).keySet());
        assertEquals(List.of(onA, onB), List.copyOf(hostB.findByIndexNameAndIndexValue(
                FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME, principal).keySet()), "oldest login first");
        assertEquals(Set.of(), hostA.findByIndexNameAndIndexValue("another-index", principal).keySet());

        hostB.deleteById(onA);
        assertEquals(Set.of(onB), hostA.findByPrincipalName(principal).keySet());
    }

    @Test
    void aNewIdAtLoginIsIndexedAndTheOldOneIsNot() {
        String principal = "bob-" + UUID.randomUUID();
        GlobalSessionsSession session = hostA.createSession();
        session.setAttribute("visits", 1);
        hostA.save(session); // anonymous: nothing indexed
        String anonymous = session.getId();
        GlobalSessionsSession loggingIn = hostB.findById(anonymous);
        loggingIn.changeSessionId();
        loggingIn.setAttribute(GlobalSessionsSessionRepository.SPRING_SECURITY_CONTEXT, new Context(new Authentication(principal)));
        hostB.save(loggingIn);
        assertEquals(Set.of(loggingIn.getId()), hostA.findByPrincipalName(principal).keySet());
    }

    @Test
    void logoutAllEndsEverySessionOfThePrincipalOnEveryHost() {
        String principal = "carol-" + UUID.randomUUID();
        String onA = login(hostA, principal, true);
        String onB = login(hostB, principal, true);
        assertEquals(2, hostB.logoutAll(principal));
        for (GlobalSessionsSessionRepository host : List.of(hostA, hostB)) {
            assertNull(host.findById(onA));
            assertNull(host.findById(onB));
        }
        assertEquals(Set.of(), hostA.findByPrincipalName(principal).keySet());
    }

    @Test
    void theCapRefusesALoginBeyondItAndNothingIsStored() {
        GlobalSessionsSessionRepository capped = repository(cacheA, new PrincipalSessions(cacheA, 1, PrincipalSessions.AtCap.REFUSE));
        String principal = "dave-" + UUID.randomUUID();
        String first = login(capped, principal, true);
        GlobalSessionsSession second = capped.createSession();
        second.setAttribute(GlobalSessionsSessionRepository.SPRING_SECURITY_CONTEXT, new Context(new Authentication(principal)));
        SessionLimitException refused = assertThrows(SessionLimitException.class, () -> capped.save(second));
        assertEquals(1, refused.cap());
        assertNull(hostB.findById(second.getId()), "nothing stored");
        assertEquals(Set.of(first), hostB.findByPrincipalName(principal).keySet());
    }

    @Test
    void theCapEndsTheOldestSessionForANewLogin() {
        GlobalSessionsSessionRepository capped = repository(cacheA, new PrincipalSessions(cacheA, 1, PrincipalSessions.AtCap.END_OLDEST));
        String principal = "erin-" + UUID.randomUUID();
        String first = login(capped, principal, false);
        String second = login(capped, principal, false);
        assertNull(hostB.findById(first), "the oldest was logged out");
        assertEquals(Set.of(second), hostB.findByPrincipalName(principal).keySet());
    }

    @Test
    void anEmptyOrTooLongPrincipalNameIsRefusedAndNothingIsStored() {
        for (String bad : List.of("", "x".repeat(257))) {
            GlobalSessionsSession session = hostA.createSession();
            session.setAttribute(FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME, bad);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> hostA.save(session));
            assertTrue(e.getMessage().startsWith("principal name"), e.getMessage());
            assertNull(hostB.findById(session.getId()), "nothing stored");
        }
        assertThrows(IllegalArgumentException.class, () -> hostA.findByPrincipalName(""));
    }
}

package org.globalsessions.spring;

import static org.globalsessions.spring.PrincipalIndexRepositoryTest.login;
import static org.globalsessions.spring.PrincipalIndexRepositoryTest.repository;
import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.web.authentication.session.SessionAuthenticationException;

import org.globalsessions.client.lifecycle.PrincipalSessions;
import org.globalsessions.client.lifecycle.PrincipalSessions.AtCap;
import org.globalsessions.spring.PrincipalIndexRepositoryTest.Authentication;
import org.globalsessions.spring.PrincipalIndexRepositoryTest.Context;

/**
 * The cap checked at login, as Spring Security's form login runs it: the check, then (if it
 * passed) the login's session saved with a new id and the user's security context. The user's
 * earlier sessions are saved on host A, the login happens on host B (each its own table),
 * against a real node in this JVM.
 */
class GlobalSessionsConcurrencyControlTest extends TwoHostFixture {

    private static GlobalSessionsSessionRepository hostA;

    @BeforeAll
    static void start() {
        hostA = repository(cacheA, new PrincipalSessions(cacheA));
    }

    /** Host B with this cap: its repository and its check share the principal index, as the auto-configuration makes them. */
    private record HostB(GlobalSessionsSessionRepository repository, GlobalSessionsConcurrencyControl check) {

        static HostB capped(int cap, AtCap atCap) {
            PrincipalSessions principals = new PrincipalSessions(cacheB, cap, atCap);
            return new HostB(PrincipalIndexRepositoryTest.repository(cacheB, principals), new GlobalSessionsConcurrencyControl(principals));
        }

        /** The anonymous session the login form was served with (it holds the form's CSRF token). */
        GlobalSessionsSession loginForm() {
            GlobalSessionsSession session = repository.createSession();
            session.setAttribute("csrf", UUID.randomUUID().toString());
            repository.save(session);
            return session;
        }

        /** {@code session} signs in as {@code principal}: the check, then the new id and the context saved. */
        void signIn(GlobalSessionsSession session, String principal) {
            MockHttpServletRequest login = new MockHttpServletRequest("POST", "/login");
            login.setSession(new org.springframework.mock.web.MockHttpSession(null, session.getId()));
            check.onAuthentication(UsernamePasswordAuthenticationToken.authenticated(principal, null, List.of()), login,
                    new MockHttpServletResponse());
            session.changeSessionId();
            session.setAttribute(GlobalSessionsSessionRepository.SPRING_SECURITY_CONTEXT, new Context(new Authentication(principal)));
            repository.save(session);
        }
    }

    /** Under the cap, or at it with end-oldest: the login passes, and its save indexes it (ending the oldest, if so). */
    @ParameterizedTest(name = "cap {0}, at-cap {1}")
    @CsvSource({"2, REFUSE, true", "1, END_OLDEST, false"})
    void aLoginTheCapAllowsPassesAndIsIndexed(int cap, AtCap atCap, boolean earlierStays) {
        HostB host = HostB.capped(cap, atCap);
        String principal = "alice-" + UUID.randomUUID();
        String earlier = login(hostA, principal, true);
        GlobalSessionsSession session = host.loginForm();
        host.signIn(session, principal);
        assertEquals(earlierStays ? Set.of(earlier, session.getId()) : Set.of(session.getId()),
                hostA.findByPrincipalName(principal).keySet());
        assertEquals(earlierStays, hostA.findById(earlier) != null, "the earlier session is signed in");
    }

    @Test
    void aLoginAtTheCapIsRefusedWithAReadableMessageAndNothingIsStored() {
        HostB host = HostB.capped(2, AtCap.REFUSE);
        String principal = "bob-" + UUID.randomUUID();
        Set<String> signedIn = Set.of(login(hostA, principal, true), login(hostA, principal, true));
        GlobalSessionsSession third = host.loginForm();
        String anonymous = third.getId();

        SessionAuthenticationException refused = assertThrows(SessionAuthenticationException.class, () -> host.signIn(third, principal));
        assertEquals(principal + " already has 2 sessions, the most allowed; log out on another device first", refused.getMessage());
        assertEquals(anonymous, third.getId(), "the refused login kept its id");
        assertEquals(signedIn, hostA.findByPrincipalName(principal).keySet(), "nothing indexed");
        assertNull(hostA.findById(anonymous).getAttribute(GlobalSessionsSessionRepository.SPRING_SECURITY_CONTEXT), "nothing stored");
    }

    /**
     * Spring Security's failure handler keeps the exception in the session for the login page,
     * and a session is one record of the tables: the refusal must stay small (a stack trace
     * would make it several KB).
     */
    @Test
    void theRefusalIsSmallEnoughToKeepInTheSession() {
        HostB host = HostB.capped(1, AtCap.REFUSE);
        String principal = "carol-" + UUID.randomUUID();
        login(hostA, principal, true);
        SessionAuthenticationException refused = assertThrows(SessionAuthenticationException.class,
                () -> host.signIn(host.loginForm(), principal));
        assertEquals(0, refused.getStackTrace().length);
        byte[] kept = new JdkSessionAttributeSerializer(getClass().getClassLoader()).serialize("SPRING_SECURITY_LAST_EXCEPTION", refused);
        assertTrue(kept.length < 1024, kept.length + " bytes");
    }

    /** A name the index refuses would fail the count: these checks pass it, so they never ask. */
    @Test
    void withoutACapOrWithEndOldestTheCheckDoesNotAskTheCluster() {
        for (HostB host : List.of(HostB.capped(0, AtCap.REFUSE), HostB.capped(1, AtCap.END_OLDEST))) {
            assertDoesNotThrow(() -> host.check().onAuthentication(UsernamePasswordAuthenticationToken.authenticated("", null, List.of()),
                    new MockHttpServletRequest("POST", "/login"), new MockHttpServletResponse()));
        }
        assertThrows(IllegalArgumentException.class, () -> HostB.capped(1, AtCap.REFUSE).check().onAuthentication(
                UsernamePasswordAuthenticationToken.authenticated("", null, List.of()), new MockHttpServletRequest("POST", "/login"),
                new MockHttpServletResponse()));
    }

    /**
     * A session already signed in as the principal that signs in again counts as one of the
     * principal's sessions: its save indexes it under its new id while the old id still counts,
     * and refuses at the cap. The check refuses it too, with a readable page instead of that
     * save's HTTP 500; if the save ever stops counting the old id, the check must follow.
     */
    @Test
    void aSignedInSessionSigningInAgainAtTheCapPassesAsSpringSecuritysOwnCheckLetsIt() {
        HostB host = HostB.capped(1, AtCap.REFUSE);
        String principal = "erin-" + UUID.randomUUID();
        GlobalSessionsSession session = host.loginForm();
        host.signIn(session, principal);
        String first = session.getId();

        host.signIn(session, principal); // the check and the save count this session once, under its old or new id
        assertNotEquals(first, session.getId());
        assertEquals(Set.of(session.getId()), hostA.findByPrincipalName(principal).keySet());
        assertThrows(SessionAuthenticationException.class, () -> host.signIn(host.loginForm(), principal), "another session is refused");
    }
}

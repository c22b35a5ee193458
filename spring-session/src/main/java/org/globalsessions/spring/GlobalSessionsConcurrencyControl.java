package org.globalsessions.spring;

import java.util.Objects;
import java.util.concurrent.CompletionException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.core.Authentication;
import org.springframework.security.web.authentication.session.SessionAuthenticationException;
import org.springframework.security.web.authentication.session.SessionAuthenticationStrategy;

import org.globalsessions.client.lifecycle.PrincipalSessions;

/**
 * The cap on sessions per principal ({@code global-sessions.session.max-sessions-per-principal}
 * with {@code at-cap=refuse}) checked where Spring Security decides a login, as its own
 * {@code ConcurrentSessionControlAuthenticationStrategy} with {@code maxSessionsPreventsLogin}
 * does: a login that finds its principal at the cap fails with a
 * {@link SessionAuthenticationException} before anything is written, so the form login's failure
 * handler sends the user back to the login page with the reason ("alice already has 2 sessions,
 * the most allowed; log out on another device first"). Without it the refusal comes from
 * {@link GlobalSessionsSessionRepository#save} when Spring Session commits the session at the end
 * of the request, after the response was decided: an HTTP 500.
 *
 * <h2>Wiring</h2>
 * The application adds it to its login's session strategies:
 * <pre>{@code
 * http.sessionManagement(session -> session.addSessionAuthenticationStrategy(cap))
 * }</pre>
 * {@code addSessionAuthenticationStrategy} runs it before the id change Spring Security makes at
 * login (a refused login keeps its id) and keeps that protection against session fixation;
 * {@code sessionAuthenticationStrategy(cap)} would replace it. The auto-configuration makes this
 * bean whenever Spring Security is on the class path, cap or not, so that a configuration naming
 * it does not stop starting when the cap is turned off; without a cap, or with
 * {@code at-cap=end-oldest} (the save logs the oldest sessions out), it passes every login
 * without asking the cluster.
 *
 * <h2>Counting</h2>
 * The principal is the authentication's name, the name the repository indexes the session under
 * when the login's security context is saved. The count is the principal's live sessions as the
 * save will count them ({@link PrincipalSessions#login}): all of them but the request's own session,
 * which signing in again keeps (the save counts it once, under its old or its new id), as Spring
 * Security's own check does.
 *
 * <h2>The save stays the guard</h2>
 * Two logins of one principal at the same moment may both pass this check (neither is indexed
 * yet). The save counts again before it writes, so a login indexed between the two counts is
 * refused there (an HTTP 500, as before); logins that race through both counts leave the
 * principal above the cap until one ends, and every further login is refused.
 *
 * <h2>The refusal</h2>
 * Spring Security's failure handler keeps the exception in the session
 * ({@code WebAttributes.AUTHENTICATION_EXCEPTION}) for the login page, and a session is stored
 * whole in one record of the tables (8 KiB in the sample, 1 KiB by default). The exception
 * therefore carries no stack trace: with the 62 frames of a form login on Tomcat (the sample) it
 * serializes to 5.9 KB, without them to 0.7 KB. Its message names the principal and the counts,
 * never a session id.
 *
 * <h2>Failures</h2>
 * A cluster that cannot answer fails the login with the client's exception (an error page), as
 * the save would: the check never guesses. A principal name the index cannot hold (empty, over
 * 256 UTF-8 bytes) fails it with {@link IllegalArgumentException}, as the save would.
 *
 * <p>Costs one listing of the principal index per login, with {@code at-cap=refuse} only.
 * Thread-safe; holds nothing besides the {@link PrincipalSessions}.
 */
public final class GlobalSessionsConcurrencyControl implements SessionAuthenticationStrategy {

    private static final Logger log = LoggerFactory.getLogger(GlobalSessionsConcurrencyControl.class);

    private final PrincipalSessions principals;

    /** @param principals the principal index and its cap, the repository's */
    public GlobalSessionsConcurrencyControl(PrincipalSessions principals) {
        this.principals = Objects.requireNonNull(principals, "principals");
    }

    /**
     * Passes the login, or refuses it at the cap.
     *
     * @throws SessionAuthenticationException if the cap refuses and the principal holds as many
     *                                        live sessions as it allows, or more
     */
    @Override
    public void onAuthentication(Authentication authentication, HttpServletRequest request, HttpServletResponse response) {
        int cap = principals.maxSessions();
        if (cap == 0 || principals.atCap() != PrincipalSessions.AtCap.REFUSE) {
            return;
        }
        String principal = authentication.getName();
        jakarta.servlet.http.HttpSession current = request.getSession(false);
        String own = current == null ? null : current.getId(); // signing in again: this session counts once, as the save counts it
        int live;
        try {
            live = (int) principals.sessionsOf(principal).toCompletableFuture().join().stream()
                    .filter(s -> !s.sessionId().equals(own)).count();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
        if (live >= cap) {
            log.debug("a login of {} was refused: {} live sessions, the cap is {}", principal, live, cap);
            SessionAuthenticationException refused = new SessionAuthenticationException(refusal(principal, live, cap));
            refused.setStackTrace(new StackTraceElement[0]);
            throw refused;
        }
    }

    /** What the user reads: {@code principal} holds {@code live} sessions, at or above {@code cap}. */
    static String refusal(String principal, int live, int cap) {
        String sessions = live + (live == 1 ? " session" : " sessions");
        String allowed = live == cap ? "the most allowed" : "more than the " + cap + " allowed";
        return principal + " already has " + sessions + ", " + allowed + "; log out on another device first";
    }
}

package org.globalsessions.client.lifecycle;

import org.globalsessions.client.SessionCacheException;

/**
 * A login refused because its principal holds as many live sessions as the cap allows
 * ({@link PrincipalSessions.AtCap#REFUSE}); nothing was stored or indexed for it.
 */
public final class SessionLimitException extends SessionCacheException {

    private final int sessions;
    private final int cap;

    public SessionLimitException(int sessions, int cap) {
        super("the principal holds " + sessions + " live sessions, the cap (max-sessions-per-principal=" + cap
                + ", at-cap=refuse); this login is refused: log out of another session first");
        this.sessions = sessions;
        this.cap = cap;
    }

    /** The principal's live sessions when the login was refused. */
    public int sessions() {
        return sessions;
    }

    public int cap() {
        return cap;
    }
}

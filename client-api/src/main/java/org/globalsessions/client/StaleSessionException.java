package org.globalsessions.client;

/**
 * A {@code set} refused: the session id was logged out ({@link #loggedOut()}: a logout is final, and
 * a logged-out id is never written again, whatever the writer's clock; applications issue a new
 * session id per login), or the expansion replicas hold a newer write. The local copy was dropped.
 * The message names no session id.
 */
public final class StaleSessionException extends SessionCacheException {

    private final long newerVersion;
    private final boolean loggedOut;

    public StaleSessionException(String message, long newerVersion, boolean loggedOut) {
        super(message);
        this.newerVersion = newerVersion;
        this.loggedOut = loggedOut;
    }

    public long newerVersion() {
        return newerVersion;
    }

    public boolean loggedOut() {
        return loggedOut;
    }
}

package org.globalsessions.client;

/**
 * A {@code set} the expansion replicas refused because they already hold a newer version: a later write, or
 * a logout ({@link #loggedOut()}) made after this write was. The local copy was dropped.
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

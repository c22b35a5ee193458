package org.globalsessions.client;

/** The cluster could not serve a request; the message says what failed and where. */
public class SessionCacheException extends RuntimeException {

    public SessionCacheException(String message) {
        super(message);
    }

    /** No relay (or the relief tier behind it) answered in time. */
    public static final class Unavailable extends SessionCacheException {
        public Unavailable(String message) {
            super(message);
        }
    }
}

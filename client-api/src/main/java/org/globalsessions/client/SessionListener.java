package org.globalsessions.client;

/**
 * Told about sessions changed elsewhere. Runs on the manager's callback executor; an exception
 * it throws is logged and never affects the cache.
 */
public interface SessionListener {

    /** The session was logged out (deleted) somewhere; this host no longer returns it. */
    default void onInvalidated(String key) {
    }

    /** A new version of the session was written somewhere. */
    default void onArrival(String key, byte[] value) {
    }
}

package org.globalsessions.client.internal;

/** A request the cluster could not serve; the message says what failed and where. */
public class EdgeException extends RuntimeException {

    public EdgeException(String message) {
        super(message);
    }

    /** The edge cannot serve calls: nothing upstream answers, or the edge itself stopped. */
    public static class Unavailable extends EdgeException {
        public Unavailable(String message) {
            super(message);
        }
    }

    /** No relay (or the relief tier behind it) answered in time. */
    public static final class Timeout extends Unavailable {
        public Timeout(String message) {
            super(message);
        }
    }

    /**
     * A write refused because the session was logged out (a tombstone is final: a deleted id is
     * never written again), or because the expansion replicas hold a newer version. The message
     * names no session id (ids are secrets).
     */
    public static final class StaleWrite extends EdgeException {
        private final long newerVersion;
        private final boolean deleted;

        public StaleWrite(long version, long newerVersion, boolean deleted) {
            super(deleted
                    ? "write refused: the session was logged out (delete at version " + newerVersion + "), and a logged-out "
                            + "session id is never written again; applications issue a new session id per login"
                    : "write at version " + version + " refused: the expansion replicas hold a newer write at version "
                            + newerVersion);
            this.newerVersion = newerVersion;
            this.deleted = deleted;
        }

        public long newerVersion() {
            return newerVersion;
        }

        public boolean deleted() {
            return deleted;
        }
    }
}

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
     * The expansion replicas refused a write because they hold a newer version: a later write, or a delete
     * (logout) made after this write was.
     */
    public static final class StaleWrite extends EdgeException {
        private final long newerVersion;
        private final boolean deleted;

        public StaleWrite(String key, long version, long newerVersion, boolean deleted) {
            super("write of session " + key + " at version " + version + " refused: the owner holds "
                    + (deleted ? "a delete" : "a write") + " at version " + newerVersion);
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

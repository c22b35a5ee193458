package org.globalsessions.bench.webfarm;

/**
 * The load generator's protocol with an app process, over one TCP connection on 127.0.0.1 per
 * (client thread, app process): the smallest that keeps its cost out of what is measured (the
 * app times the backend call alone). A request is one op byte, followed for a session op by
 * the session id ({@code DataOutput.writeUTF}); the answer is one status byte, followed by a
 * message ({@code writeUTF}) after {@link #FAILED} and by {@link AppStats.Snapshot#write} after
 * the {@code OK} of {@link #STATS}. One request in flight per connection.
 */
final class Protocol {

    /** Stores a new session (~300 bytes, 30-minute TTL); timed as a login. */
    static final byte LOGIN = 1;
    /** Reads a session: {@link #FOUND} or {@link #MISSING}; timed as a validation. */
    static final byte VALIDATE = 2;
    /** Deletes a session; timed as a logout. */
    static final byte LOGOUT = 3;
    /** Reads a session as {@link #VALIDATE} does, but not timed or counted: the check of a logged-out id. */
    static final byte CHECK = 4;
    /** Drops what the app has recorded so far (the measured period starts). */
    static final byte RESET = 5;
    /** Answers what the app recorded since the last {@link #RESET} or {@code STATS}, and starts again. */
    static final byte STATS = 6;

    static final byte OK = 0;
    static final byte FOUND = 1;
    static final byte MISSING = 2;
    static final byte FAILED = 3;

    private Protocol() {
    }

    /** The request byte of a workload step. */
    static byte op(Users.Kind kind) {
        return switch (kind) {
            case LOGIN -> LOGIN;
            case VALIDATE -> VALIDATE;
            case LOGOUT -> LOGOUT;
        };
    }
}

package org.globalsessions.bench.webfarm;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.Supplier;

/**
 * The users of the web farm and where each one's session stands: a user with no live session
 * logs in (a new session id each time, as an application issues one per login), then validates
 * it {@value #VALIDATIONS_PER_SESSION} times, then logs out and starts over. The load generator
 * draws a user (Zipf popularity), {@link #claim}s it, sends the step to an app process and
 * {@link #complete}s it with the outcome.
 *
 * <p>Concurrency: a user is busy from {@code claim} to {@code complete}, so two clients never act
 * for one user at once (a claim of a busy user returns null and the client draws another: with
 * 50 clients the hottest users are sometimes busy, which flattens the top of the distribution a
 * little). The claim is a CAS on the user's busy flag (acquire) and {@code complete} clears it
 * after writing the user's state (release), so the next claimer of that user, on any thread,
 * sees the state the last one left.
 */
final class Users {

    static final int VALIDATIONS_PER_SESSION = 20;

    /** What a step does to the user's session. */
    enum Kind { LOGIN, VALIDATE, LOGOUT }

    /** One step of one user: {@code sessionId} is the new id of a login, the live one otherwise. */
    record Step(int user, Kind kind, String sessionId) {
    }

    /** The live session of each user, null while logged out. Guarded by {@link #busy}. */
    private final String[] sessions;
    /** Validations done in the live session. Guarded by {@link #busy}. */
    private final int[] validations;
    private final AtomicIntegerArray busy;

    Users(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("count=" + count + " must be at least 1");
        }
        this.sessions = new String[count];
        this.validations = new int[count];
        this.busy = new AtomicIntegerArray(count);
    }

    int size() {
        return sessions.length;
    }

    /**
     * Claims {@code user} and returns its next step, or null if another client holds it;
     * {@code newId} gives the session id of a login.
     */
    Step claim(int user, Supplier<String> newId) {
        if (!busy.compareAndSet(user, 0, 1)) {
            return null;
        }
        String session = sessions[user];
        if (session == null) {
            return new Step(user, Kind.LOGIN, newId.get());
        }
        return new Step(user, validations[user] < VALIDATIONS_PER_SESSION ? Kind.VALIDATE : Kind.LOGOUT, session);
    }

    /**
     * Applies the outcome of {@code step} and frees its user. A failed login leaves the user
     * logged out (the next step logs in again, with a new id); a validation counts whatever it
     * found (the caller counts one that found nothing); a logout ends the session even if it
     * failed, since a logged-out id is never used again.
     */
    void complete(Step step, boolean ok) {
        int user = step.user();
        switch (step.kind()) {
            case LOGIN -> {
                if (ok) {
                    sessions[user] = step.sessionId();
                    validations[user] = 0;
                }
            }
            case VALIDATE -> validations[user]++;
            case LOGOUT -> sessions[user] = null;
        }
        busy.set(user, 0);
    }
}

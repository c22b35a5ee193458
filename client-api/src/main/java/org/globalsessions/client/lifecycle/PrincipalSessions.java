package org.globalsessions.client.lifecycle;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.globalsessions.client.PrincipalSession;
import org.globalsessions.client.SessionCacheManager;
import org.globalsessions.client.SessionStore;
import org.globalsessions.runtime.protocol.Principals;

/**
 * The sessions of a principal (a user), with a cap on how many one principal may hold: logins
 * are indexed in the cluster's principal index ({@link SessionCacheManager#indexSession}), so
 * every host finds a user's sessions ({@link #sessionsOf}) and can end them all ({@link #logoutAll}).
 *
 * <h2>The cap</h2>
 * With {@code maxSessions} above 0, a {@link #login} that would give the principal more live
 * sessions than that either is refused ({@link AtCap#REFUSE}: it fails with
 * {@link SessionLimitException} and nothing is indexed) or ends the principal's oldest sessions
 * first ({@link AtCap#END_OLDEST}: each logged out, final as every logout). The count is the
 * index as listed at the login, live sessions only (a session logged out or expired no longer
 * counts); two logins of one principal at the same moment may both pass it, and the next login
 * then sees the excess. 0: no cap.
 *
 * <p>Thread-safe; holds no state besides its settings.
 */
public final class PrincipalSessions {

    /** What a login at the cap does. */
    public enum AtCap {
        /** The login fails with {@link SessionLimitException}. */
        REFUSE,
        /** The principal's oldest sessions are logged out to make room. */
        END_OLDEST;

        /**
         * {@code refuse} or {@code end-oldest} (any case, {@code _} for {@code -}).
         *
         * @throws IllegalArgumentException naming the value and the ones accepted
         */
        public static AtCap parse(String value) {
            String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT).replace('_', '-');
            return switch (v) {
                case "refuse" -> REFUSE;
                case "end-oldest" -> END_OLDEST;
                default -> throw new IllegalArgumentException("at-cap=" + value + ": must be refuse or end-oldest");
            };
        }
    }

    private final SessionStore cache;
    private final int maxSessions;
    private final AtCap atCap;

    /**
     * @param maxSessions the most live sessions one principal may hold; 0 for no cap
     * @throws IllegalArgumentException if {@code maxSessions} is negative or above {@link Principals#MAX_SESSIONS}
     */
    public PrincipalSessions(SessionStore cache, int maxSessions, AtCap atCap) {
        this.cache = Objects.requireNonNull(cache, "cache");
        this.atCap = Objects.requireNonNull(atCap, "atCap");
        if (maxSessions < 0 || maxSessions > Principals.MAX_SESSIONS) {
            throw new IllegalArgumentException("maxSessions=" + maxSessions + ": must be 0 (no cap) to " + Principals.MAX_SESSIONS);
        }
        this.maxSessions = maxSessions;
    }

    /** No cap. */
    public PrincipalSessions(SessionStore cache) {
        this(cache, 0, AtCap.REFUSE);
    }

    /**
     * Indexes session {@code sessionId} as a login of {@code principal} at {@code at}, for
     * {@code ttl} (the session's latest end), applying the cap first. Completes with the ids of
     * the sessions it ended to make room (empty unless {@link AtCap#END_OLDEST}); fails with
     * {@link SessionLimitException} at the cap with {@link AtCap#REFUSE}. The same session
     * indexed again (a new id for it, a save) counts once.
     *
     * @throws IllegalArgumentException if the principal name is empty, longer than 256 UTF-8 bytes
     *                                  or holds a control character, or {@code ttl} is out of range (nothing changes)
     */
    public CompletionStage<List<String>> login(String principal, String sessionId, Instant at, Duration ttl) {
        return login(principal, sessionId, at, ttl, null);
    }

    /**
     * {@link #login(String, String, Instant, Duration)} of a session that had the id {@code replacing}
     * until now (a rotation at login; null: none): it counts once, under either id.
     */
    public CompletionStage<List<String>> login(String principal, String sessionId, Instant at, Duration ttl, String replacing) {
        Principals.check(principal);
        if (maxSessions == 0) {
            return cache.indexSession(principal, sessionId, at, ttl).thenApply(done -> List.of());
        }
        return cache.sessionsOf(principal).thenCompose(sessions -> {
            List<PrincipalSession> others = new ArrayList<>(sessions);
            others.removeIf(s -> s.sessionId().equals(sessionId) || s.sessionId().equals(replacing));
            int excess = others.size() - maxSessions + 1;
            if (excess <= 0) {
                return cache.indexSession(principal, sessionId, at, ttl).thenApply(done -> List.<String>of());
            }
            if (atCap == AtCap.REFUSE) {
                return CompletableFuture.failedFuture(new SessionLimitException(others.size(), maxSessions));
            }
            List<String> oldest = others.subList(0, excess).stream().map(PrincipalSession::sessionId).toList();
            CompletableFuture<?>[] ends = oldest.stream().map(id -> cache.delete(id).toCompletableFuture())
                    .toArray(CompletableFuture[]::new);
            return CompletableFuture.allOf(ends)
                    .thenCompose(ended -> cache.unindexSessions(principal, oldest))
                    .thenCompose(removed -> cache.indexSession(principal, sessionId, at, ttl))
                    .thenApply(done -> oldest);
        });
    }

    /** Removes {@code sessionId} from {@code principal}'s sessions (its logout; not needed for correctness, see {@link SessionCacheManager#sessionsOf}). */
    public CompletionStage<Void> logout(String principal, String sessionId) {
        return cache.unindexSessions(principal, List.of(sessionId));
    }

    /** The live sessions of {@code principal}, oldest login first ({@link SessionCacheManager#sessionsOf}). */
    public CompletionStage<List<PrincipalSession>> sessionsOf(String principal) {
        return cache.sessionsOf(principal);
    }

    /** Logs out every session of {@code principal} on every host ({@link SessionCacheManager#logoutAll}). */
    public CompletionStage<Integer> logoutAll(String principal) {
        return cache.logoutAll(principal);
    }

    public int maxSessions() {
        return maxSessions;
    }

    public AtCap atCap() {
        return atCap;
    }
}

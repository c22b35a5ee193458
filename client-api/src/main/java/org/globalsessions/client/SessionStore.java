package org.globalsessions.client;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * One keyspace of sessions: the default one of a {@link SessionCacheManager}, or one of its
 * {@linkplain SessionCacheManager#namespace namespaces}. The methods mean what
 * {@link SessionCacheManager}'s of the same name do; a namespace adds its own limits.
 */
public interface SessionStore {

    /** The session's bytes, if any tier holds it. */
    CompletionStage<Optional<byte[]>> get(String key);

    /** Stores a session; {@code ttl} null for the keyspace's default. Completes with its version once the expansion replicas have it. */
    CompletionStage<Long> set(String key, byte[] value, Duration ttl);

    /**
     * Stores a session only if its current version is {@code ifVersion} (one a read returned);
     * fails with {@link StaleSessionException} if another write came first. See
     * {@link SessionCacheManager#setIf}.
     */
    CompletionStage<Long> setIf(String key, byte[] value, Duration ttl, long ifVersion);

    /** The session with its version, expiry and the tier that answered, if any tier holds it. */
    CompletionStage<Optional<SessionInfo>> lookup(String key);

    /** Logs the session out everywhere; completes once no tier will return it. */
    CompletionStage<Void> delete(String key);

    /** Marks the session as used: slides its expiry in every tier. */
    void touch(String key);

    /** Tells {@code listener} about this keyspace's sessions logged out or expired anywhere, and written elsewhere. */
    void addListener(SessionListener listener);

    /** Indexes session {@code sessionId} of this keyspace for {@code principal}, for {@code ttl}. */
    CompletionStage<Void> indexSession(String principal, String sessionId, Instant loggedInAt, Duration ttl);

    /** Removes sessions of this keyspace from {@code principal}'s index. */
    CompletionStage<Void> unindexSessions(String principal, Collection<String> sessionIds);

    /** The live sessions of {@code principal} in this keyspace, oldest login first. */
    CompletionStage<List<PrincipalSession>> sessionsOf(String principal);

    /** Logs out every session of {@code principal} in this keyspace; completes with how many index entries were ended. */
    CompletionStage<Integer> logoutAll(String principal);
}

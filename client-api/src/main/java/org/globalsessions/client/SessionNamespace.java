package org.globalsessions.client;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

import org.globalsessions.runtime.config.GlobalSessionsSettings;

/**
 * A keyspace of its own on a {@link SessionCacheManager}'s cluster and tables (the seed's
 * {@code path_types}): {@code edge.namespaces.<name>}, reached with
 * {@link SessionCacheManager#namespace}. One cluster serves several, each with its own limits:
 * <ul>
 *   <li><b>Keys.</b> A session {@code id} of namespace {@code carts} is stored as {@code carts:id}
 *   in every tier. No other namespace's key, and no key of the default keyspace (which refuses
 *   keys starting with a namespace's prefix), can be the same; listeners, the principal index and
 *   "log out everywhere" see this namespace's sessions only, by their own ids.</li>
 *   <li><b>Record size.</b> Key + value of a session is at most {@link #recordSize()} bytes; a larger
 *   one is refused naming both sizes, and nothing is stored. The host's table holds every namespace
 *   (its record size must fit the largest, with its prefix).</li>
 *   <li><b>TTL.</b> A session set without one lives {@link #defaultTtl()}; one set with a TTL above
 *   {@link #maxLifetime()} is refused naming both, and nothing is stored. A {@link #touch} slides
 *   it by its TTL, never past what the relief tiers allow ({@code relief.max-session-ttl}).</li>
 * </ul>
 * Everything else (leases, logouts, versions, events) is the manager's. Thread-safe.
 */
public final class SessionNamespace implements SessionStore {

    private final SessionCacheManager cache;
    private final GlobalSessionsSettings.Namespace settings;
    private final String prefix;
    private final Function<String, String> ownName;

    SessionNamespace(SessionCacheManager cache, GlobalSessionsSettings.Namespace settings) {
        this.cache = cache;
        this.settings = settings;
        this.prefix = settings.prefix();
        this.ownName = stored -> stored.startsWith(prefix) ? stored.substring(prefix.length()) : null;
    }

    public String name() {
        return settings.name();
    }

    /** The most bytes of key + value one session may take. */
    public int recordSize() {
        return settings.recordSize();
    }

    /** The TTL of a session set without one. */
    public Duration defaultTtl() {
        return settings.defaultTtl();
    }

    /** The longest TTL a session may be given. */
    public Duration maxLifetime() {
        return settings.maxLifetime();
    }

    /** {@code key} as every tier stores it; refused (by the edge) if malformed. */
    private String stored(String key) {
        if (key == null) {
            throw new NullPointerException("key");
        }
        if (key.isEmpty()) {
            throw new IllegalArgumentException("key is empty");
        }
        return prefix + key;
    }

    @Override
    public CompletionStage<Optional<byte[]>> get(String key) {
        return cache.getStored(stored(key));
    }

    @Override
    public CompletionStage<Optional<SessionInfo>> lookup(String key) {
        return cache.lookupStored(stored(key));
    }

    /** The session decoded from JSON as {@code type}, if any tier holds it. */
    public <T> CompletionStage<Optional<T>> get(String key, Class<T> type) {
        return cache.decoded(key, get(key), type);
    }

    /** The session's bytes if this host's table holds them; never waits for the network. */
    public Optional<byte[]> getLocal(String key) {
        return cache.getLocalStored(stored(key));
    }

    /** Stores a session with this namespace's default TTL. */
    public CompletionStage<Long> set(String key, byte[] value) {
        return set(key, value, null);
    }

    /**
     * Stores a session; completes with its version once the expansion replicas have it.
     *
     * @param ttl time to live, sliding with {@link #touch}; null for {@link #defaultTtl()}
     * @throws IllegalArgumentException if the key is malformed, key + value exceed {@link #recordSize()},
     *                                  or {@code ttl} exceeds {@link #maxLifetime()} (nothing is stored)
     */
    @Override
    public CompletionStage<Long> set(String key, byte[] value, Duration ttl) {
        return set(key, value, ttl, 0);
    }

    /** A conditional write ({@link SessionCacheManager#setIf}) within this namespace's limits. */
    @Override
    public CompletionStage<Long> setIf(String key, byte[] value, Duration ttl, long ifVersion) {
        if (ifVersion <= 0) {
            throw new IllegalArgumentException("ifVersion=" + ifVersion + ": a conditional write names the version a read returned");
        }
        return set(key, value, ttl, ifVersion);
    }

    private CompletionStage<Long> set(String key, byte[] value, Duration ttl, long ifVersion) {
        String stored = stored(key);
        int keyBytes = key.getBytes(StandardCharsets.UTF_8).length;
        if (value != null && keyBytes + value.length > settings.recordSize()) {
            throw new IllegalArgumentException("a session of " + value.length + " bytes with its " + keyBytes
                    + "-byte key exceeds namespace " + name() + "'s record-size of " + settings.recordSize()
                    + " bytes (edge.namespaces." + name() + ".record-size)");
        }
        if (ttl != null && ttl.compareTo(settings.maxLifetime()) > 0) {
            throw new IllegalArgumentException("ttl=" + ttl + " exceeds namespace " + name() + "'s max-lifetime="
                    + settings.maxLifetime() + " (edge.namespaces." + name() + ".max-lifetime)");
        }
        return cache.setStored(stored, value, ttl == null ? settings.defaultTtl() : ttl, ifVersion);
    }

    /** Stores {@code session} encoded as JSON (Jackson) with this namespace's default TTL. */
    public CompletionStage<Long> set(String key, Object session) {
        return set(key, session, null);
    }

    /** Stores {@code session} encoded as JSON (Jackson); refused as {@link #set(String, byte[], Duration)} refuses. */
    public CompletionStage<Long> set(String key, Object session, Duration ttl) {
        return set(key, cache.encode(session), ttl);
    }

    @Override
    public CompletionStage<Void> delete(String key) {
        return cache.deleteStored(stored(key));
    }

    @Override
    public void touch(String key) {
        cache.touchStored(stored(key));
    }

    @Override
    public void addListener(SessionListener listener) {
        cache.addListener(listener, ownName);
    }

    @Override
    public CompletionStage<Void> indexSession(String principal, String sessionId, Instant loggedInAt, Duration ttl) {
        return cache.indexStored(principal, stored(sessionId), loggedInAt, ttl);
    }

    @Override
    public CompletionStage<Void> unindexSessions(String principal, Collection<String> sessionIds) {
        return cache.unindexStored(principal, sessionIds.stream().map(this::stored).toList());
    }

    @Override
    public CompletionStage<List<PrincipalSession>> sessionsOf(String principal) {
        return cache.sessionsOf(principal, ownName);
    }

    @Override
    public CompletionStage<Integer> logoutAll(String principal) {
        return cache.logoutAll(principal, ownName);
    }
}

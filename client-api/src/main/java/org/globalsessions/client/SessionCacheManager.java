package org.globalsessions.client;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Function;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.typesafe.config.ConfigFactory;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.globalsessions.client.internal.EdgeCache;
import org.globalsessions.client.internal.EdgeException;
import org.globalsessions.runtime.config.ConfigFiles;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.SettingsException;
import org.globalsessions.runtime.metrics.MetricsTls;
import org.globalsessions.runtime.metrics.PrometheusEndpoint;
import org.globalsessions.runtime.tls.CertificateExpiry;
import org.globalsessions.runtime.metrics.TableMetrics;
import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.HybridClock;
import org.globalsessions.runtime.protocol.SessionTag;
import org.globalsessions.runtime.protocol.Tier;

/**
 * The session cache of a front-end process: the host's shared-memory table (L1), backed by the
 * relays and relief tiers of a global-sessions cluster. One instance per process; processes on
 * one host share L1, and exactly one of them creates it ({@code manageSection(true)}).
 *
 * <pre>{@code
 * try (SessionCacheManager sessions = SessionCacheManager.builder()
 *         .relays("10.0.0.5:25520")
 *         .certificates(Path.of("/etc/global-sessions/certs"))
 *         .build()) {
 *     sessions.set(sessionId, new UserSession("alice", roles)).toCompletableFuture().join();
 *     Optional<UserSession> s = sessions.get(sessionId, UserSession.class).toCompletableFuture().join();
 *     sessions.delete(sessionId);                 // logout, in every tier
 * }
 * }</pre>
 *
 * <h2>Semantics</h2>
 * <ul>
 *   <li>{@code get} of a session this host holds completes before it returns (no network);
 *   otherwise when the relay or a relief tier answers. Empty if no tier has it.</li>
 *   <li>{@code set} is readable on this host at once; its stage completes with the write's
 *   version once the expansion replicas stored it, or fails ({@link StaleSessionException} if a newer write
 *   exists, or the id was logged out).</li>
 *   <li>{@code delete} (logout) completes once the expansion replicas hold the tombstone and the other hosts
 *   were told; from then on no tier returns the session, and the id is dead: every later write of it
 *   fails with {@link StaleSessionException#loggedOut()} true, whatever the writer's clock.
 *   <b>Issue a new session id per login</b>; never reuse a logged-out one.</li>
 * </ul>
 *
 * <h2>Threads</h2>
 * Thread-safe. Stages that wait for the network complete on the callback executor (by default
 * two daemon threads of this manager), never on the threads that carry network traffic, so a
 * callback may block without stalling the cache. Exceptions thrown by listeners are logged and
 * never affect the cache.
 */
public final class SessionCacheManager implements SessionStore, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SessionCacheManager.class);
    private static final ObjectMapper SEED_JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS, JsonReadFeature.ALLOW_TRAILING_COMMA).build();

    private final EdgeCache edge;
    private final Executor callbacks;
    private final ExecutorService ownedCallbacks;
    private final ObjectMapper mapper;
    private final Metrics metrics;
    private final PrometheusEndpoint endpoint;
    private final CertificateExpiry certificateExpiry;
    /** The namespaces of {@code edge.namespaces}, by name. */
    private final Map<String, SessionNamespace> namespaces;
    /** Their prefixes, which no key of the default keyspace may start with (empty: none configured). */
    private final String[] reservedPrefixes;

    /**
     * The seed's constructor: {@code lru} and {@code relay} are the two configuration objects a
     * seed application passes ({@code conf.lru}, {@code conf.my_messages}), as parsed JSON
     * (nested {@code Map}s). Relative certificate paths are relative to the working directory.
     */
    public SessionCacheManager(Map<String, ?> lru, Map<String, ?> relay) {
        this(ConfigFiles.seedClient(lru, relay, Path.of("").toAbsolutePath(), ConfigFactory.empty()), null, null, null,
                new HybridClock());
    }

    SessionCacheManager(GlobalSessionsSettings settings, Executor callbackExecutor, ObjectMapper mapper, MeterRegistry registry,
                        HybridClock clock) {
        this.ownedCallbacks = callbackExecutor == null ? Executors.newFixedThreadPool(2, daemonThreads()) : null;
        this.callbacks = callbackExecutor != null ? callbackExecutor : ownedCallbacks;
        this.mapper = mapper != null ? mapper : JsonMapper.builder().findAndAddModules().build();
        try {
            this.edge = EdgeCache.start(settings, clock);
        } catch (RuntimeException e) {
            if (ownedCallbacks != null) {
                ownedCallbacks.shutdown();
            }
            throw e;
        }
        int metricsPort = settings.metrics().port();
        MeterRegistry meters = registry != null ? registry
                : metricsPort > 0 ? PrometheusEndpoint.newRegistry() : new SimpleMeterRegistry();
        this.metrics = new Metrics(meters);
        TableMetrics.bind(meters, "l1", edge.l1());
        io.micrometer.core.instrument.Gauge.builder("global_sessions_client_health", this, m -> m.health().level())
                .description("2 serving (L1 answers), 1 degraded (lookups go to the relays), 0 unavailable").register(meters);
        if (metricsPort > 0 && meters instanceof PrometheusMeterRegistry prometheus) {
            this.endpoint = PrometheusEndpoint.start(prometheus, settings.metrics().hostname(), metricsPort, MetricsTls.context(settings));
        } else {
            if (metricsPort > 0) {
                log.warn("metrics.port = {} ignored: the registry given to the builder is not a Prometheus registry", metricsPort);
            }
            this.endpoint = null;
        }
        this.certificateExpiry = CertificateExpiry.start(settings.tls(), meters);
        Map<String, SessionNamespace> named = new java.util.LinkedHashMap<>();
        settings.edge().namespaces().forEach((name, ns) -> named.put(name, new SessionNamespace(this, ns)));
        this.namespaces = java.util.Collections.unmodifiableMap(named);
        this.reservedPrefixes = settings.edge().namespaces().values().stream()
                .map(GlobalSessionsSettings.Namespace::prefix).toArray(String[]::new);
    }

    // ---- namespaces -------------------------------------------------------------------------------

    /**
     * The namespace {@code name} of {@code edge.namespaces}: a keyspace of its own, with its own
     * record size, default TTL and longest lifetime, on the same cluster and tables.
     *
     * @throws IllegalArgumentException if this manager has no namespace of that name (the message lists those it has)
     */
    public SessionNamespace namespace(String name) {
        SessionNamespace ns = namespaces.get(name);
        if (ns == null) {
            throw new IllegalArgumentException("no namespace \"" + name + "\": this manager's namespaces are "
                    + (namespaces.isEmpty() ? "none" : namespaces.keySet()) + " (edge.namespaces)");
        }
        return ns;
    }

    /** The namespaces of {@code edge.namespaces}, by name. */
    public Map<String, SessionNamespace> namespaces() {
        return namespaces;
    }

    /**
     * {@code key} as the default keyspace stores it: unchanged, but refused if it starts with a
     * namespace's prefix (such a key belongs to that namespace's sessions).
     */
    private String own(String key) {
        if (key != null) {
            for (String prefix : reservedPrefixes) {
                if (key.startsWith(prefix)) {
                    throw new IllegalArgumentException("key " + SessionTag.of(key) + " starts with \"" + prefix
                            + "\", which is namespace " + prefix.substring(0, prefix.length() - 1)
                            + "'s: use namespace(\"" + prefix.substring(0, prefix.length() - 1) + "\") for its sessions");
                }
            }
        }
        return key;
    }

    /** The default keyspace's name for a stored key, or null if it is a namespace's. */
    private String ownKey(String stored) {
        for (String prefix : reservedPrefixes) {
            if (stored.startsWith(prefix)) {
                return null;
            }
        }
        return stored;
    }

    public static SessionCacheManagerBuilder builder() {
        return new SessionCacheManagerBuilder();
    }

    /**
     * A manager from a configuration file: a native one (HOCON or JSON with a
     * {@code global-sessions} section, see {@code reference.conf}, keys under
     * {@code global-sessions.edge}), or a seed client file holding {@code lru} and one relay
     * section (any name, e.g. {@code my_messages}).
     */
    public static SessionCacheManager fromConfig(Path file) {
        return new SessionCacheManager(settingsOf(file), null, null, null, new HybridClock());
    }

    static GlobalSessionsSettings settingsOf(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new SettingsException(file + ": cannot read: " + e.getMessage(), e);
        }
        JsonNode root;
        try {
            root = SEED_JSON.readTree(text);
        } catch (JsonProcessingException e) {
            root = null; // not JSON: a native HOCON file
        }
        if (root == null || !root.isObject() || root.has(GlobalSessionsSettings.ROOT) || !root.has("lru")) {
            return ConfigFiles.load(file);
        }
        List<String> relaySections = new ArrayList<>();
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("lru") && root.get(name).isObject()) {
                relaySections.add(name);
            }
        }
        if (relaySections.size() != 1) {
            throw new SettingsException(file + ": a seed client file holds \"lru\" and exactly one relay section; found "
                    + relaySections);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> lru = SEED_JSON.convertValue(root.get("lru"), Map.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> relay = SEED_JSON.convertValue(root.get(relaySections.get(0)), Map.class);
        Path dir = file.toAbsolutePath().getParent();
        return ConfigFiles.seedClient(lru, relay, dir, ConfigFactory.empty());
    }

    // ---- sessions as bytes ------------------------------------------------------------------------

    /** The session's bytes, if any tier holds it. */
    @Override
    public CompletionStage<Optional<byte[]>> get(String key) {
        return fetch(own(key), EdgeCache.Session::value);
    }

    /**
     * The session with its version, expiry and the tier that answered ({@code l1}, {@code l2},
     * {@code expansion}, {@code aging}), if any tier holds it.
     */
    @Override
    public CompletionStage<Optional<SessionInfo>> lookup(String key) {
        return lookupStored(own(key));
    }

    CompletionStage<Optional<SessionInfo>> lookupStored(String stored) {
        return fetch(stored, s -> new SessionInfo(s.value(), s.version(),
                s.expiresAtMillis() == 0 ? null : Instant.ofEpochMilli(s.expiresAtMillis()),
                s.tier().id()));
    }

    /**
     * An L1 hit completes in the caller's thread, already done; anything else completes on the
     * thread that has the answer, its callbacks on the callback executor ({@link CallbackFuture}),
     * with the meters recorded either way. {@code view} (ours, cheap) is applied before completing.
     */
    private <T> CompletionStage<Optional<T>> fetch(String key, Function<EdgeCache.Session, T> view) {
        EdgeCache.Session local = edge.l1Hit(key);
        if (local != null) {
            metrics.l1Found.increment(); // counted, not timed: timing it would cost more than the hit
            return CompletableFuture.completedFuture(local == EdgeCache.DELETED ? Optional.empty() : Optional.of(view.apply(local)));
        }
        long start = System.nanoTime();
        CompletableFuture<Optional<EdgeCache.Session>> found = edge.afterL1Miss(key);
        return answer(found, (session, failure) -> {
            if (failure != null) {
                metrics.get.failed(start);
                throw wrap(failure);
            }
            metrics.found(session, start);
            return session.map(view);
        });
    }

    /**
     * What {@code handler} makes of the edge's answer, as a {@link CallbackFuture} completed on the
     * answering thread; an exception {@code handler} throws fails it (wrapped as
     * {@code handleAsync} would).
     */
    private <E, T> CompletionStage<T> answer(CompletableFuture<E> edgeAnswer, BiFunction<E, Throwable, T> handler) {
        CallbackFuture<T> result = new CallbackFuture<>(callbacks);
        edgeAnswer.whenComplete((value, failure) -> {
            try {
                result.complete(handler.apply(value, failure));
            } catch (RuntimeException e) {
                result.completeExceptionally(new CompletionException(e));
            }
        });
        return result;
    }

    /**
     * Whether this host's table (L1) answers lookups now, without asking a relay: a process on
     * this host (one the relays send the table's invalidations to) holds a lease from a relay
     * it has been in step with for {@code max-staleness} (from about that long after the host's
     * first process started; lost while no relay answers its heartbeats). Without it every lookup
     * asks a relay, and fails with {@link SessionCacheException.Unavailable} if none answers:
     * that is how a logout stays final within {@code max-staleness} on every host.
     */
    public boolean l1Leased() {
        return edge.l1Leased();
    }

    /** Whether this manager can serve now; also the gauge {@code global_sessions_client_health} (2, 1, 0). */
    public Health health() {
        if (edge.stopped() || edge.liveRelays().isEmpty()) {
            return Health.UNAVAILABLE;
        }
        return edge.l1Leased() ? Health.SERVING : Health.DEGRADED;
    }

    /** The relays this manager currently considers reachable, "host:port". */
    public List<String> liveRelays() {
        return edge.liveRelays().stream().map(Object::toString).toList();
    }

    /** {@link #getInto}'s answer when this host's table cannot answer: ask {@link #get(String)}. */
    public static final int NOT_LOCAL = -1;

    /**
     * The L1 hit without allocation: copies the session's bytes into {@code buffer} if this host's
     * table holds them and may answer, and returns how many; {@link #NOT_LOCAL} (-1) otherwise (not
     * on this host, logged out, or no lease), when {@link #get(String)} has the answer. Never waits
     * for the network. A hit is counted in {@code global_sessions_client_gets{tier="l1"}}.
     *
     * <p>If the session is longer than {@code buffer}, nothing is copied and its length is
     * returned all the same: compare the result with {@code buffer.length}. A buffer of
     * {@link #maxSessionBytes()} bytes always fits. Reuse one buffer per thread: with ASCII
     * session ids, a hit then allocates nothing.
     *
     * <pre>{@code
     * int n = sessions.getInto(id, buffer);
     * Optional<byte[]> bytes = n == SessionCacheManager.NOT_LOCAL ? sessions.get(id).toCompletableFuture().join()
     *         : Optional.of(Arrays.copyOf(buffer, n));   // or parse buffer[0, n) in place
     * }</pre>
     *
     * @throws IllegalArgumentException if the key is malformed (empty, too long, whitespace or control characters)
     * @throws NullPointerException     if {@code key} or {@code buffer} is null
     */
    public int getInto(String key, byte[] buffer) {
        int length = edge.l1Into(reservedPrefixes.length == 0 ? key : own(key), buffer);
        if (length != NOT_LOCAL) {
            metrics.l1Found.increment();
        }
        return length;
    }

    /** The longest session this host's table can hold (its record size): a {@link #getInto} buffer this long always fits. */
    public int maxSessionBytes() {
        return edge.l1().settings().recordSize();
    }

    /** The session's bytes if this host's table holds them; never waits for the network. */
    public Optional<byte[]> getLocal(String key) {
        return getLocalStored(own(key));
    }

    Optional<byte[]> getLocalStored(String stored) {
        return edge.getLocal(stored).map(EdgeCache.Session::value);
    }

    /** The stored bytes under {@code stored}, a namespace's key with its prefix. */
    CompletionStage<Optional<byte[]>> getStored(String stored) {
        return fetch(stored, EdgeCache.Session::value);
    }

    /** Stores a session with the default TTL; completes with its version once the expansion replicas have it. */
    public CompletionStage<Long> set(String key, byte[] value) {
        return set(key, value, null);
    }

    /**
     * Stores a session; completes with its version once the expansion replicas have it.
     *
     * @param ttl time to live, sliding with {@link #touch}; null for the configured default
     * @throws IllegalArgumentException if the key is malformed, key + value exceed the table's record size, or
     *                                  {@code ttl} exceeds {@code relief.max-session-ttl} (nothing is stored)
     */
    @Override
    public CompletionStage<Long> set(String key, byte[] value, Duration ttl) {
        return setStored(own(key), value, ttl, 0);
    }

    /**
     * Stores a session only if its current version is {@code ifVersion}, one a read returned
     * ({@link #lookup}): a conditional write (compare and set), for read-modify-write without losing
     * another process's write. Completes with the new version once every expansion replica has it;
     * fails with {@link StaleSessionException} if another write came first (read again and retry),
     * or the id was logged out ({@code loggedOut()}); then nothing is stored. Unlike {@link #set},
     * the host's table holds the value only once the cluster acknowledged it.
     *
     * @throws IllegalArgumentException as {@link #set(String, byte[], Duration)}, or if {@code ifVersion} is not positive
     */
    @Override
    public CompletionStage<Long> setIf(String key, byte[] value, Duration ttl, long ifVersion) {
        if (ifVersion <= 0) {
            throw new IllegalArgumentException("ifVersion=" + ifVersion + ": a conditional write names the version a read returned");
        }
        return setStored(own(key), value, ttl, ifVersion);
    }

    /**
     * Stores {@code value} under {@code stored} (a namespace's key with its prefix, checked by the
     * namespace), if its version is {@code ifVersion} (0: whatever it is).
     */
    CompletionStage<Long> setStored(String stored, byte[] value, Duration ttl, long ifVersion) {
        long start = System.nanoTime();
        CompletableFuture<Long> written = ifVersion == 0 ? edge.set(stored, value, ttl) : edge.setIf(stored, value, ttl, ifVersion);
        return answer(written, (version, failure) -> {
            if (failure != null) {
                metrics.setFailed.increment();
                metrics.set.failed(start);
                throw wrap(failure);
            }
            metrics.setAcknowledged.increment();
            metrics.set.ok(start);
            return version;
        });
    }

    // ---- typed sessions ---------------------------------------------------------------------------

    /** Stores {@code session} encoded as JSON (Jackson) with the default TTL. */
    public CompletionStage<Long> set(String key, Object session) {
        return set(key, session, null);
    }

    /**
     * Stores {@code session} encoded as JSON (Jackson).
     *
     * @throws IllegalArgumentException if the encoded session is larger than the table's records
     */
    public CompletionStage<Long> set(String key, Object session, Duration ttl) {
        byte[] encoded = encode(session);
        int recordSize = edge.l1().settings().recordSize();
        int keyBytes = key == null ? 0 : key.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (keyBytes + encoded.length > recordSize) {
            throw new IllegalArgumentException("session of " + session.getClass().getName() + " encodes to " + encoded.length
                    + " bytes; with its " + keyBytes + "-byte key that exceeds record_size=" + recordSize
                    + ": raise the table's record size or keep less in the session");
        }
        return set(key, encoded, ttl);
    }

    /** {@code session} as JSON (Jackson). */
    byte[] encode(Object session) {
        try {
            return mapper.writeValueAsBytes(session);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("session of " + session.getClass().getName() + " cannot be encoded as JSON: "
                    + e.getOriginalMessage(), e);
        }
    }

    /** The session decoded from JSON as {@code type}, if any tier holds it. */
    public <T> CompletionStage<Optional<T>> get(String key, Class<T> type) {
        return decoded(key, get(key), type);
    }

    /** {@code bytes} of session {@code key} decoded from JSON as {@code type}. */
    <T> CompletionStage<Optional<T>> decoded(String key, CompletionStage<Optional<byte[]>> bytes, Class<T> type) {
        return bytes.thenApply(found -> found.map(b -> {
            try {
                return mapper.readValue(b, type);
            } catch (IOException e) {
                throw new SessionCacheException("session " + SessionTag.of(key) + " cannot be decoded as " + type.getName() + ": " + e.getMessage());
            }
        }));
    }

    // ---- delete, touch, listeners ----------------------------------------------------------------

    /** Logs the session out everywhere; completes once no tier will return it. */
    @Override
    public CompletionStage<Void> delete(String key) {
        return deleteStored(own(key));
    }

    /** Logs out the session stored under {@code stored}, a namespace's key with its prefix. */
    CompletionStage<Void> deleteStored(String stored) {
        long start = System.nanoTime();
        return answer(edge.delete(stored), (done, failure) -> {
            if (failure != null) {
                metrics.delete.failed(start);
                throw wrap(failure);
            }
            metrics.delete.ok(start);
            return null;
        });
    }

    // ---- the principal index ------------------------------------------------------------------------

    /**
     * Indexes session {@code sessionId} for {@code principal} (a user name), logged in at
     * {@code loggedInAt}, for {@code ttl}: {@link #sessionsOf} and {@link #logoutAll} find it
     * from any host. Completes once every expansion replica of the principal's shard has the
     * entry. Index it for as long as the session may live (its absolute lifetime); a session
     * logged out earlier is never listed (see {@link #sessionsOf}).
     *
     * @throws IllegalArgumentException if the principal name is empty, longer than 256 UTF-8 bytes
     *                                  or holds a control character, the session id is malformed,
     *                                  or {@code ttl} is not positive or exceeds {@code relief.max-session-ttl}
     *                                  (nothing is sent)
     */
    @Override
    public CompletionStage<Void> indexSession(String principal, String sessionId, Instant loggedInAt, Duration ttl) {
        return indexStored(principal, own(sessionId), loggedInAt, ttl);
    }

    CompletionStage<Void> indexStored(String principal, String sessionId, Instant loggedInAt, Duration ttl) {
        Duration max = edge.settings().relief().maxSessionTtl();
        if (ttl == null || ttl.isNegative() || ttl.isZero() || ttl.compareTo(max) > 0) {
            throw new IllegalArgumentException("ttl=" + ttl + ": an index entry lives more than 0 and at most "
                    + "relief.max-session-ttl=" + max);
        }
        long since = loggedInAt.toEpochMilli();
        return answer(edge.indexAdd(principal, sessionId, since, System.currentTimeMillis() + ttl.toMillis()), this::orThrow);
    }

    /**
     * Removes {@code sessionIds} from {@code principal}'s index (a logout does not need it: a
     * logged-out session is never listed; this keeps the index small).
     *
     * @throws IllegalArgumentException if the principal name is empty, too long or holds a control character
     */
    @Override
    public CompletionStage<Void> unindexSessions(String principal, Collection<String> sessionIds) {
        return unindexStored(principal, sessionIds.stream().map(this::own).toList());
    }

    CompletionStage<Void> unindexStored(String principal, Collection<String> sessionIds) {
        return answer(edge.indexRemove(principal, List.copyOf(sessionIds)), this::orThrow);
    }

    /**
     * The live sessions of {@code principal}, oldest login first, from any host and tier: the
     * index entries whose session some tier still holds. An entry whose session was logged out
     * or expired is left out (and removed from the index), so the index never brings a deleted
     * session back. Fails (as {@link SessionCacheException.Unavailable}) rather than leave out a
     * session it could not look up.
     *
     * @throws IllegalArgumentException if the principal name is empty, too long or holds a control character
     */
    @Override
    public CompletionStage<List<PrincipalSession>> sessionsOf(String principal) {
        return sessionsOf(principal, this::ownKey);
    }

    /**
     * {@link #sessionsOf(String)} of one keyspace: {@code name} gives an index entry's session id
     * as the keyspace names it, null for another keyspace's (left alone).
     */
    CompletionStage<List<PrincipalSession>> sessionsOf(String principal, Function<String, String> name) {
        CompletableFuture<List<PrincipalSession>> live = edge.indexList(principal).thenApply(all -> all.stream()
                .filter(e -> name.apply(e.sessionId()) != null).toList()).thenComposeAsync(entries -> {
            List<CompletableFuture<Boolean>> held = new ArrayList<>(entries.size());
            for (EdgeCommand.IndexEntry e : entries) {
                held.add(getStored(e.sessionId()).toCompletableFuture().thenApply(Optional::isPresent));
            }
            return CompletableFuture.allOf(held.toArray(CompletableFuture[]::new)).thenApply(all -> {
                List<PrincipalSession> out = new ArrayList<>();
                List<String> gone = new ArrayList<>();
                for (int i = 0; i < entries.size(); i++) {
                    EdgeCommand.IndexEntry e = entries.get(i);
                    if (held.get(i).join()) {
                        out.add(new PrincipalSession(name.apply(e.sessionId()), Instant.ofEpochMilli(e.sinceMillis()),
                                Instant.ofEpochMilli(e.expiresAtMillis())));
                    } else {
                        gone.add(e.sessionId());
                    }
                }
                if (!gone.isEmpty()) {
                    edge.indexRemove(principal, gone).whenComplete((done, failure) -> {
                        if (failure != null) {
                            log.debug("index entries of ended sessions not removed (they expire): {}", failure.toString());
                        }
                    });
                }
                return out;
            });
        }, callbacks);
        return answer(live, this::orThrow);
    }

    /**
     * Logs out every session of {@code principal} on every host ("log out everywhere"): each a
     * {@link #delete}, final as a delete is, then removes them from the index. Completes with how
     * many index entries were ended (sessions already logged out or expired included) once every
     * delete has; if one fails the stage fails and the index keeps the entries (retry: a delete
     * again is harmless).
     *
     * @throws IllegalArgumentException if the principal name is empty, too long or holds a control character
     */
    @Override
    public CompletionStage<Integer> logoutAll(String principal) {
        return logoutAll(principal, this::ownKey);
    }

    /** {@link #logoutAll(String)} of one keyspace, as {@link #sessionsOf(String, Function)} names it. */
    CompletionStage<Integer> logoutAll(String principal, Function<String, String> name) {
        CompletableFuture<Integer> ended = edge.indexList(principal).thenComposeAsync(entries -> {
            List<String> ids = entries.stream().map(EdgeCommand.IndexEntry::sessionId).filter(id -> name.apply(id) != null).toList();
            CompletableFuture<?>[] deletes = ids.stream().map(id -> deleteStored(id).toCompletableFuture())
                    .toArray(CompletableFuture[]::new);
            return CompletableFuture.allOf(deletes)
                    .thenCompose(all -> ids.isEmpty() ? CompletableFuture.completedFuture(null) : edge.indexRemove(principal, ids))
                    .thenApply(removed -> ids.size());
        }, callbacks);
        return answer(ended, this::orThrow);
    }

    /** The value, or the failure as this API throws it. */
    private <T> T orThrow(T value, Throwable failure) {
        if (failure != null) {
            throw wrap(failure);
        }
        return value;
    }

    /** Marks the session as used: slides its expiry here, at its relay and at its expansion replicas. */
    @Override
    public void touch(String key) {
        edge.touch(own(key));
    }

    void touchStored(String stored) {
        edge.touch(stored);
    }

    /** Tells {@code listener} about sessions logged out or expired anywhere, and written elsewhere ({@link SessionListener}). */
    @Override
    public void addListener(SessionListener listener) {
        addListener(listener, this::ownKey);
    }

    /** {@link #addListener(SessionListener)} for one keyspace: {@code name} gives a stored key as it names it, null if not its. */
    void addListener(SessionListener listener, Function<String, String> name) {
        edge.addListener(new EdgeCache.Listener() {
            @Override
            public void onInvalidated(String stored, long version) {
                String key = name.apply(stored);
                if (key != null) {
                    call("an invalidation", () -> listener.onInvalidated(key));
                }
            }

            @Override
            public void onExpired(String stored, byte[] value, long version) {
                String key = name.apply(stored);
                if (key != null) {
                    call("an expiry", () -> listener.onExpired(key, value));
                }
            }

            @Override
            public void onArrival(String stored, byte[] value, long version) {
                String key = name.apply(stored);
                if (key != null) {
                    call("an arrival", () -> listener.onArrival(key, value));
                }
            }
        }, overrides(listener, "onArrival", String.class, byte[].class), overrides(listener, "onInvalidated", String.class));
    }

    /**
     * Whether {@code listener} overrides {@link SessionListener}'s method {@code name}: only for
     * {@code onArrival} and {@code onInvalidated} does this process ask the relays for every
     * arrival and every invalidation (else the receivers of each host table get them, to store them in
     * the host's L1 or tombstone it there).
     */
    static boolean overrides(SessionListener listener, String name, Class<?>... parameters) {
        try {
            return listener.getClass().getMethod(name, parameters).getDeclaringClass() != SessionListener.class;
        } catch (NoSuchMethodException e) {
            throw new AssertionError("SessionListener declares " + name, e);
        }
    }

    /** Runs a listener's {@code call} on the callback executor; what it throws is logged, never passed on. */
    private void call(String event, Runnable call) {
        callbacks.execute(() -> {
            try {
                call.run();
            } catch (RuntimeException e) {
                log.warn("a session listener threw on {}; the cache is unaffected", event, e);
            }
        });
    }

    /** The meters this manager records into (request latency, sets, gets by tier, L1 table). */
    public MeterRegistry meterRegistry() {
        return metrics.registry;
    }

    /** Statistics of this host's shared-memory table. */
    public TableStats tableStats() {
        var s = edge.l1().stats();
        return new TableStats(s.capacity(), s.entries(), s.hits(), s.misses(), s.evictions(), s.expirations(), s.lockRecoveries());
    }

    /** Stops talking to the cluster and unmaps the table (which stays for the host's other processes). */
    @Override
    public void close() {
        if (endpoint != null) {
            endpoint.close();
        }
        if (certificateExpiry != null) {
            certificateExpiry.close();
        }
        edge.close();
        if (ownedCallbacks != null) {
            ownedCallbacks.shutdown();
            try {
                ownedCallbacks.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static RuntimeException wrap(Throwable failure) {
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof EdgeException.StaleWrite stale) {
            return new StaleSessionException(stale.getMessage(), stale.newerVersion(), stale.deleted());
        }
        if (cause instanceof EdgeException.Unavailable unavailable) {
            return new SessionCacheException.Unavailable(unavailable.getMessage());
        }
        if (cause instanceof RuntimeException runtime && !(cause instanceof EdgeException)) {
            return runtime;
        }
        return new SessionCacheException(cause.getMessage());
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger n = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, "global-sessions-callbacks-" + n.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /**
     * Micrometer meters of this client, each registered once and held in a field: a request
     * looks no meter up by name or tag (that would cost more than an L1 hit).
     */
    private static final class Metrics {
        final MeterRegistry registry;
        final Counter setAcknowledged;
        final Counter setFailed;
        final Counter l1Found;
        private final Map<Tier, Counter> found = new java.util.EnumMap<>(Tier.class);
        private final Counter miss;
        final RequestTimers get;
        final RequestTimers set;
        final RequestTimers delete;

        Metrics(MeterRegistry registry) {
            this.registry = registry;
            this.get = new RequestTimers(registry, "get");
            this.set = new RequestTimers(registry, "set");
            this.delete = new RequestTimers(registry, "delete");
            this.setAcknowledged = Counter.builder("global_sessions_client_sets").tag("outcome", "acknowledged")
                    .description("sets the expansion replicas stored").register(registry);
            this.setFailed = Counter.builder("global_sessions_client_sets").tag("outcome", "failed")
                    .description("sets that failed or were refused").register(registry);
            for (Tier tier : Tier.values()) {
                found.put(tier, Counter.builder("global_sessions_client_gets").tag("tier", tier.id())
                        .description("gets by the tier that answered").register(registry));
            }
            this.l1Found = found.get(Tier.L1);
            this.miss = Counter.builder("global_sessions_client_gets").tag("tier", "none")
                    .description("gets no tier could answer").register(registry);
        }

        void found(Optional<EdgeCache.Session> session, long start) {
            session.ifPresentOrElse(s -> found.get(s.tier()).increment(), miss::increment);
            get.ok(start);
        }
    }

    /** The latency timers of one request path, by outcome. */
    private static final class RequestTimers {
        private final Timer ok;
        private final Timer error;

        RequestTimers(MeterRegistry registry, String path) {
            this.ok = timer(registry, path, "ok");
            this.error = timer(registry, path, "error");
        }

        void ok(long start) {
            ok.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }

        void failed(long start) {
            error.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }

        private static Timer timer(MeterRegistry registry, String path, String outcome) {
            return Timer.builder("global_sessions_client_request").tag("path", path).tag("outcome", outcome)
                    .publishPercentileHistogram().description("request latency as the application sees it").register(registry);
        }
    }
}

package org.globalsessions.client.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.globalsessions.runtime.bootstrap.NodeBootstrap;
import org.globalsessions.runtime.bootstrap.PekkoConfig;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.HostPort;
import org.globalsessions.runtime.hashing.ConsistentRing;
import org.globalsessions.runtime.protocol.ActorNames;
import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.HybridClock;
import org.globalsessions.runtime.protocol.RelayCommand;
import org.globalsessions.runtime.protocol.Tier;
import org.globalsessions.shm.Entry;
import org.globalsessions.shm.ShmLru;

/**
 * The edge of a front-end process: the host's L1 table, and a client of the relays. This is
 * what {@code SessionCacheManager} wraps; the {@link EdgeCacheActor} is its mailbox for replies
 * and events.
 *
 * <h2>Paths</h2>
 * <ul>
 *   <li><b>get</b>: an L1 hit is served in the caller's thread (a completed future, no actor
 *   hop). A miss (or an L1 tombstone, which a later login may have superseded) sends one lookup per key to the key's relay straight from the caller's
 *   thread ({@code tell} is thread-safe): concurrent gets of one key share it (single-flight).
 *   The answer arrives at the actor, which writes the value into L1 and completes the future.
 *   Lookups travel in {@code GetBatch} messages with at most {@value #LOOKUP_WINDOW} batches
 *   per relay unanswered: a lone lookup leaves at once in a batch of one, and lookups made
 *   while the window is full wait and leave together (up to {@value #MAX_LOOKUPS_PER_BATCH})
 *   when the relay answers a batch. Under load a relay and its edges exchange a few large
 *   messages instead of one per lookup, which is what a remote message costs most in; each
 *   caller still waits for its own answer. A batch the relay never answers frees its place
 *   in the window at the request timeout.</li>
 *   <li><b>set</b>: a new version from the hybrid clock, written into L1 at once (so this host
 *   reads its own write), then sent to the relay; the future completes when every copy of the
 *   owner shard acknowledged it (a retry is idempotent: a copy that has the version says so). If the owner refuses (a newer write or a delete exists), the L1 copy is
 *   dropped and the future fails with {@link EdgeException.StaleWrite}.</li>
 *   <li><b>delete</b>: a tombstone in L1 at once, then the relay carries it everywhere; the
 *   future completes when the owners hold it and the relays and edges were told.</li>
 * </ul>
 *
 * <h2>Relays</h2>
 * Keys are spread over the configured relays by consistent hashing. Every relay gets a
 * heartbeat ({@code Subscribe}) each {@code heartbeat-interval}; one that has not answered for
 * {@code relay-down-after} (or, at first contact, {@code first-contact-timeout}) is skipped, and
 * its keys go to the next relay on the ring. A request that times out is retried once on the
 * next live relay; if that fails too, the future fails with {@link EdgeException.Timeout}
 * naming the relays tried.
 *
 * <h2>Concurrency</h2>
 * Thread-safe. Futures complete on the actor's thread: callers must not block in callbacks
 * (client-api moves them to the caller's executor).
 */
public final class EdgeCache implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EdgeCache.class);
    private static final int MAX_KEY_BYTES = 256;

    /** A session as found: its value, version, expiry (epoch ms, 0 for none) and where it came from. */
    public record Session(byte[] value, long version, long expiresAtMillis, Tier tier) {
    }

    /** Told about invalidations and arrivals; exceptions are logged and contained. */
    public interface Listener {
        default void onInvalidated(String key, long version) {
        }

        default void onArrival(String key, byte[] value, long version) {
        }
    }

    private enum Kind { GET, PUT, DELETE }

    /** Lookup batches a relay may have unanswered before further lookups wait to leave together. */
    static final int LOOKUP_WINDOW = 2;
    /** The most lookups one batch carries. */
    static final int MAX_LOOKUPS_PER_BATCH = 64;

    /** A lookup batch sent to {@code relay} and not answered yet. */
    private record Batch(RelayState relay, long deadlineNanos) {
    }

    private static final class RelayState {
        final HostPort address;
        final ActorRef<RelayCommand> ref;
        volatile long lastWelcomeNanos;
        volatile boolean everWelcomed;
        volatile long suspectSinceNanos;
        volatile long incarnation;
        /** Lookups waiting for a place in the window. */
        final ConcurrentLinkedQueue<RelayCommand.Lookup> lookups = new ConcurrentLinkedQueue<>();
        /** Batches sent and not answered. */
        final AtomicInteger batchesOut = new AtomicInteger();

        RelayState(HostPort address, ActorRef<RelayCommand> ref) {
            this.address = address;
            this.ref = ref;
        }
    }

    private record Pending(Kind kind, String key, RelayCommand message, CompletableFuture<?> future,
                           List<HostPort> tried, long deadlineNanos, long version, AtomicInteger acks) {
    }

    private final GlobalSessionsSettings settings;
    private final ShmLru l1;
    private final HybridClock clock;
    private final ActorSystem<EdgeCommand> system;
    private final Map<HostPort, RelayState> relays = new ConcurrentHashMap<>();
    private final ConsistentRing<HostPort> ring;
    private final ConcurrentHashMap<Long, Pending> pending = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, CompletableFuture<Optional<Session>>> inflight = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong requestIds = new AtomicLong();
    private final long startedNanos = System.nanoTime();
    private final Duration defaultTtl;
    private final LongAdder l1Hits = new LongAdder();
    private final AtomicLong remoteGets = new AtomicLong();
    private final ConcurrentHashMap<Long, Batch> batches = new ConcurrentHashMap<>();
    private final AtomicLong batchIds = new AtomicLong();
    /** Set once construction finished: the actor's timer does nothing before. */
    private volatile boolean ready;
    private volatile boolean closed;

    private EdgeCache(GlobalSessionsSettings settings, ShmLru l1, HybridClock clock) {
        this.settings = settings;
        this.l1 = l1;
        this.clock = clock;
        this.defaultTtl = settings.relief().defaultSessionTtl();
        this.ring = new ConsistentRing<>(settings.edge().relays());
        this.system = NodeBootstrap.start(EdgeCacheActor.create(this, settings.edge().heartbeatInterval()), settings,
                PekkoConfig.Kind.EDGE);
        ActorRefResolver resolver = ActorRefResolver.get(system);
        for (HostPort relay : settings.edge().relays()) {
            ActorRef<RelayCommand> ref = resolver.resolveActorRef(ActorNames.relayPath(settings.systemName(), relay));
            relays.put(relay, new RelayState(relay, ref));
        }
        ready = true;
        heartbeat();
    }

    /** Opens (or creates, with {@code manage-section}) the host's L1 and starts the edge's ActorSystem. */
    public static EdgeCache start(GlobalSessionsSettings settings) {
        return start(settings, new HybridClock());
    }

    /** The same, versioning writes with {@code clock} (tests give one with a skewed wall clock). */
    public static EdgeCache start(GlobalSessionsSettings settings, HybridClock clock) {
        if (settings.edge().relays().isEmpty()) {
            throw new IllegalArgumentException("edge.relays is empty: an edge needs at least one relay address");
        }
        ShmLru l1 = EdgeTable.open(settings);
        try {
            return new EdgeCache(settings, l1, clock);
        } catch (RuntimeException e) {
            l1.close();
            throw e;
        }
    }

    // ---- API ----------------------------------------------------------------------------------

    /** The session if L1 holds it (no network); empty on an L1 miss. */
    public Optional<Session> getLocal(String key) {
        byte[] k = checkKey(key);
        byte[] value = l1.get(k);
        return value == null ? Optional.empty() : Optional.of(new Session(value, 0, 0, Tier.L1));
    }

    /**
     * The session for {@code key} if this host's table holds a live value of it (an L1 hit,
     * counted), else null: a miss, or a tombstone, which {@link #get} takes to the relay. The
     * whole hit path: no future, no optional, nothing leaves the caller's thread.
     */
    public Session l1Hit(String key) {
        Entry entry = l1.getEntry(checkKey(key));
        if (entry == null || entry.tombstone()) {
            return null;
        }
        l1Hits.increment();
        return new Session(entry.value(), entry.version(), entry.expiresAtMillis(), Tier.L1);
    }

    /**
     * The session for {@code key}: completed at once on an L1 hit, else when a relay or relief
     * tier answers. Empty if no tier has it (or it was deleted).
     */
    public CompletableFuture<Optional<Session>> get(String key) {
        Session local = l1Hit(key);
        return local != null ? CompletableFuture.completedFuture(Optional.of(local)) : getFromRelay(key);
    }

    /**
     * The session for {@code key} as the relay and the tiers behind it know it, whatever this
     * host's table holds: what {@link #get} does after an L1 miss or tombstone (a later login may
     * have written a newer version elsewhere, so the relay, whose owners hold the truth, decides).
     * Concurrent lookups of one key share one request.
     */
    public CompletableFuture<Optional<Session>> getFromRelay(String key) {
        checkKey(key);
        checkOpen();
        CompletableFuture<Optional<Session>> created = new CompletableFuture<>();
        CompletableFuture<Optional<Session>> shared = inflight.putIfAbsent(key, created);
        if (shared != null) {
            return shared;
        }
        created.whenComplete((session, failure) -> inflight.remove(key, created));
        remoteGets.incrementAndGet();
        long id = requestIds.incrementAndGet();
        send(id, Kind.GET, key, new RelayCommand.Get(key, id, system, 0), created, 0, new ArrayList<>());
        return created;
    }

    /**
     * Stores {@code value} as the new version of session {@code key}: readable from this host's
     * L1 at once, and everywhere once the returned future completes with the version.
     *
     * @param ttl time to live (sliding with {@link #touch}); null for the default session TTL
     */
    public CompletableFuture<Long> set(String key, byte[] value, Duration ttl) {
        byte[] k = checkKey(key);
        Duration t = ttl == null || ttl.isZero() ? defaultTtl : ttl;
        long version = clock.next();
        if (!l1.putIfNewer(k, value, version, t)) { // validates sizes before anything is sent
            version = clock.next();
            l1.putIfNewer(k, value, version, t);
        }
        checkOpen();
        CompletableFuture<Long> future = new CompletableFuture<>();
        long id = requestIds.incrementAndGet();
        send(id, Kind.PUT, key, new RelayCommand.Put(key, value, version, t.toMillis(), id, system), future, version, new ArrayList<>());
        return future;
    }

    /**
     * Deletes (logs out) session {@code key} in every tier. The future completes when the owners
     * hold the tombstone and the relays and edges were told; from then on no tier returns it.
     */
    public CompletableFuture<Void> delete(String key) {
        byte[] k = checkKey(key);
        long version = clock.next();
        l1.removeIfNotNewer(k, version, settings.relief().tombstoneTtl());
        checkOpen();
        CompletableFuture<Void> future = new CompletableFuture<>();
        long id = requestIds.incrementAndGet();
        send(id, Kind.DELETE, key, new RelayCommand.Delete(key, version, id, system), future, version, new ArrayList<>());
        return future;
    }

    /** Slides the session's expiry here, at its relay and at its owner (no answer awaited). */
    public void touch(String key) {
        byte[] k = checkKey(key);
        l1.touch(k);
        RelayState relay = relayFor(key, List.of());
        if (relay != null) {
            relay.ref.tell(new RelayCommand.Touch(key));
        }
    }

    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    public ShmLru l1() {
        return l1;
    }

    public GlobalSessionsSettings settings() {
        return settings;
    }

    /** Gets this edge served from L1. */
    public long l1Hits() {
        return l1Hits.sum();
    }

    /** Gets this edge sent to a relay (one per key in flight, whatever the number of callers). */
    public long remoteGets() {
        return remoteGets.get();
    }

    /** Lookup batches this edge sent (each carries one lookup or more). */
    public long lookupBatches() {
        return batchIds.get();
    }

    /** The relays currently considered live. */
    public List<HostPort> liveRelays() {
        long now = System.nanoTime();
        return relays.values().stream().filter(r -> isLive(r, now)).map(r -> r.address).toList();
    }

    /** Unsubscribes, stops the ActorSystem, unmaps L1 (the file stays for the host's other processes). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (RelayState relay : relays.values()) {
            relay.ref.tell(new RelayCommand.Unsubscribe(system));
        }
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("edge: the actor system did not stop within 10 s: {}", e.toString());
        }
        EdgeException closedError = new EdgeException("the session cache was closed");
        pending.values().forEach(p -> p.future().completeExceptionally(closedError));
        pending.clear();
        l1.close();
    }

    // ---- sending, timeouts, failover ----------------------------------------------------------

    private void send(long id, Kind kind, String key, RelayCommand message, CompletableFuture<?> future, long version,
                      List<HostPort> tried) {
        RelayState relay = relayFor(key, tried);
        if (relay == null) {
            future.completeExceptionally(new EdgeException.Timeout("no relay is reachable for " + kind.name().toLowerCase()
                    + " of session " + key + ": tried " + tried));
            return;
        }
        tried.add(relay.address);
        long timeout = timeoutNanos(relay);
        // A retried lookup asks another copy of the owner shard.
        RelayCommand attempt = message instanceof RelayCommand.Get get
                ? new RelayCommand.Get(get.key(), get.requestId(), get.replyTo(), tried.size() - 1) : message;
        pending.put(id, new Pending(kind, key, attempt, future, tried, System.nanoTime() + timeout, version, new AtomicInteger()));
        if (attempt instanceof RelayCommand.Get get) {
            relay.lookups.add(new RelayCommand.Lookup(get.key(), get.requestId(), get.attempt()));
            sendLookups(relay);
        } else {
            relay.ref.tell(attempt);
        }
    }

    /**
     * Sends the lookups waiting for {@code relay} in batches while its window has room. Called by
     * the thread that queued a lookup and by the actor when a batch is answered or expired;
     * whichever of them changed the queue or the window last sees the other's change, so no
     * lookup is left waiting with room in the window.
     */
    private void sendLookups(RelayState relay) {
        while (!relay.lookups.isEmpty()) {
            int out = relay.batchesOut.get();
            if (out >= LOOKUP_WINDOW) {
                return;
            }
            if (!relay.batchesOut.compareAndSet(out, out + 1)) {
                continue;
            }
            List<RelayCommand.Lookup> lookups = new ArrayList<>();
            RelayCommand.Lookup lookup;
            while (lookups.size() < MAX_LOOKUPS_PER_BATCH && (lookup = relay.lookups.poll()) != null) {
                lookups.add(lookup);
            }
            if (lookups.isEmpty()) {
                relay.batchesOut.decrementAndGet();
                continue;
            }
            long batchId = batchIds.incrementAndGet();
            batches.put(batchId, new Batch(relay, System.nanoTime() + timeoutNanos(relay)));
            relay.ref.tell(new RelayCommand.GetBatch(batchId, lookups, system));
        }
    }

    /** A batch left the relay (answered, or given up): its place in the window is free again. */
    private void batchDone(long batchId) {
        Batch batch = batches.remove(batchId);
        if (batch != null) {
            batch.relay().batchesOut.decrementAndGet();
            sendLookups(batch.relay());
        }
    }

    /** How long a request to {@code relay} may go unanswered (longer before its first answer: the TLS handshake). */
    private long timeoutNanos(RelayState relay) {
        return relay.everWelcomed ? settings.requestTimeout().toNanos() + 500_000_000L : settings.edge().firstContactTimeout().toNanos();
    }

    /** The first live relay on the ring from {@code key} that was not tried yet; null if none. */
    private RelayState relayFor(String key, List<HostPort> tried) {
        long now = System.nanoTime();
        HostPort chosen = ring.first(key, a -> !tried.contains(a) && isLive(relays.get(a), now));
        return chosen == null ? null : relays.get(chosen);
    }

    private boolean isLive(RelayState relay, long now) {
        if (relay.suspectSinceNanos != 0 && relay.suspectSinceNanos - relay.lastWelcomeNanos > 0) {
            return false;
        }
        if (relay.everWelcomed) {
            return now - relay.lastWelcomeNanos < settings.edge().relayDownAfter().toNanos();
        }
        return now - startedNanos < settings.edge().firstContactTimeout().toNanos();
    }

    /** Called by the actor on its timer: fails or retries requests past their deadline. */
    void expireRequests() {
        if (!ready) {
            return;
        }
        long now = System.nanoTime();
        for (Map.Entry<Long, Batch> e : batches.entrySet()) {
            if (now - e.getValue().deadlineNanos() > 0) {
                batchDone(e.getKey()); // its lookups time out (and are retried) on their own deadlines
            }
        }
        for (Map.Entry<Long, Pending> e : pending.entrySet()) {
            Pending p = e.getValue();
            if (now - p.deadlineNanos() > 0 && pending.remove(e.getKey(), p)) {
                HostPort last = p.tried().get(p.tried().size() - 1);
                RelayState relay = relays.get(last);
                relay.suspectSinceNanos = now;
                log.warn("edge: relay {} did not answer a {} of session {} in time; trying the next relay", last,
                        p.kind().name().toLowerCase(), p.key());
                if (p.tried().size() < 2 && relayFor(p.key(), p.tried()) != null) {
                    send(e.getKey(), p.kind(), p.key(), p.message(), p.future(), p.version(), p.tried());
                } else {
                    p.future().completeExceptionally(new EdgeException.Timeout("no answer for the " + p.kind().name().toLowerCase()
                            + " of session " + p.key() + " from relay(s) " + p.tried() + " (or the relief tiers behind them) within "
                            + settings.requestTimeout().toMillis() + " ms each"));
                }
            }
        }
    }

    /** Called by the actor on its timer. */
    void heartbeat() {
        if (!ready) {
            return;
        }
        for (RelayState relay : relays.values()) {
            relay.ref.tell(new RelayCommand.Subscribe(system, relay.address.toString()));
        }
    }

    // ---- replies and events (on the actor's thread) -------------------------------------------

    @SuppressWarnings("unchecked")
    private <T> CompletableFuture<T> take(long requestId, Kind kind) {
        Pending p = pending.remove(requestId);
        if (p == null) {
            return null; // late answer to a request that timed out or was retried
        }
        if (p.kind() != kind) {
            p.future().completeExceptionally(new EdgeException("protocol error: a " + kind + " answer to a " + p.kind() + " request"));
            return null;
        }
        return (CompletableFuture<T>) p.future();
    }

    void onFound(EdgeCommand.Found found) {
        clock.observe(found.version());
        try {
            l1.putIfNewer(bytes(found.key()), found.value(), found.version(), Duration.ofMillis(found.ttlMillis()), found.expiresAtMillis());
        } catch (IllegalArgumentException e) {
            log.debug("edge: session {} is larger than L1 records: {}", found.key(), e.getMessage());
        }
        CompletableFuture<Optional<Session>> future = take(found.requestId(), Kind.GET);
        if (future != null) {
            future.complete(Optional.of(new Session(found.value(), found.version(), found.expiresAtMillis(), found.tier())));
        }
    }

    void onAnswers(EdgeCommand.Answers answers) {
        answers.found().forEach(this::onFound);
        answers.notFound().forEach(this::onNotFound);
        batchDone(answers.batchId());
    }

    void onNotFound(EdgeCommand.NotFound notFound) {
        if (notFound.tombstoneVersion() != 0) {
            clock.observe(notFound.tombstoneVersion());
            l1.removeIfNotNewer(bytes(notFound.key()), notFound.tombstoneVersion(), settings.relief().tombstoneTtl());
        }
        CompletableFuture<Optional<Session>> future = take(notFound.requestId(), Kind.GET);
        if (future != null) {
            future.complete(Optional.empty());
        }
    }

    /** One copy of the owner stored the write; it is done when every copy has. */
    void onPutAck(EdgeCommand.PutAck ack) {
        Pending p = pending.get(ack.requestId());
        if (p == null || p.acks().incrementAndGet() < ack.acksNeeded()) {
            return;
        }
        CompletableFuture<Long> future = take(ack.requestId(), Kind.PUT);
        if (future != null) {
            future.complete(ack.version());
        }
    }

    void onPutRefused(EdgeCommand.PutRefused refused) {
        clock.observe(refused.newerVersion());
        Pending p = pending.get(refused.requestId());
        CompletableFuture<Long> future = take(refused.requestId(), Kind.PUT);
        if (future != null) {
            // Drop the optimistic L1 copy; a newer value, if any, comes back on the next miss.
            l1.removeIfNotNewer(bytes(refused.key()), p.version(), refused.deleted() ? settings.relief().tombstoneTtl() : Duration.ofSeconds(1));
            future.completeExceptionally(new EdgeException.StaleWrite(refused.key(), p.version(), refused.newerVersion(), refused.deleted()));
        }
    }

    void onDeleteAck(EdgeCommand.DeleteAck ack) {
        CompletableFuture<Void> future = take(ack.requestId(), Kind.DELETE);
        if (future != null) {
            future.complete(null);
        }
    }

    void onFailed(EdgeCommand.Failed failed) {
        Pending p = pending.remove(failed.requestId());
        if (p != null) {
            p.future().completeExceptionally(new EdgeException(failed.reason()));
        }
    }

    void onInvalidate(EdgeCommand.Invalidate invalidate, ActorRef<EdgeCommand> self) {
        clock.observe(invalidate.version());
        l1.removeIfNotNewer(bytes(invalidate.key()), invalidate.version(), settings.relief().tombstoneTtl());
        if (invalidate.token() != 0) {
            invalidate.ackTo().tell(new RelayCommand.EdgeInvalidated(invalidate.token(), self));
        }
        for (Listener listener : listeners) {
            try {
                listener.onInvalidated(invalidate.key(), invalidate.version());
            } catch (RuntimeException e) {
                log.warn("edge: an invalidation listener threw; the cache is unaffected", e);
            }
        }
    }

    void onArrival(EdgeCommand.Arrival arrival) {
        clock.observe(arrival.version());
        byte[] k = bytes(arrival.key());
        Duration ttl = Duration.ofMillis(arrival.ttlMillis());
        try {
            if (settings.edge().storeArrivals()) {
                l1.putIfNewer(k, arrival.value(), arrival.version(), ttl);
            } else {
                l1.replaceIfNewer(k, arrival.value(), arrival.version(), ttl, 0);
            }
        } catch (IllegalArgumentException e) {
            log.debug("edge: arrival of {} not cached: {}", arrival.key(), e.getMessage());
        }
        for (Listener listener : listeners) {
            try {
                listener.onArrival(arrival.key(), arrival.value(), arrival.version());
            } catch (RuntimeException e) {
                log.warn("edge: an arrival listener threw; the cache is unaffected", e);
            }
        }
    }

    void onWelcome(EdgeCommand.Welcome welcome) {
        RelayState relay;
        try {
            relay = relays.get(HostPort.parse(welcome.as()));
        } catch (IllegalArgumentException e) {
            return;
        }
        if (relay != null) {
            if (relay.everWelcomed && relay.incarnation != welcome.incarnation()) {
                log.info("edge: relay {} restarted", relay.address);
            }
            relay.incarnation = welcome.incarnation();
            relay.lastWelcomeNanos = System.nanoTime();
            relay.everWelcomed = true;
        }
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** A session key: 1–256 bytes of UTF-8, no whitespace or control characters. */
    static byte[] checkKey(String key) {
        if (key == null) {
            throw new NullPointerException("key");
        }
        if (key.isEmpty()) {
            throw new IllegalArgumentException("key is empty");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if ((c <= ' ' || c >= 0x7f) && (Character.isWhitespace(c) || Character.isISOControl(c))) { // printable ASCII: fine
                throw new IllegalArgumentException("key=\"" + key.replaceAll("\\p{Cntrl}", "?") + "\" contains whitespace or a control character at index " + i);
            }
        }
        byte[] bytes = bytes(key);
        if (bytes.length > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("key length=" + bytes.length + " bytes exceeds the maximum of " + MAX_KEY_BYTES);
        }
        return bytes;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the session cache is closed");
        }
    }

    private static byte[] bytes(String key) {
        return key.getBytes(StandardCharsets.UTF_8);
    }
}

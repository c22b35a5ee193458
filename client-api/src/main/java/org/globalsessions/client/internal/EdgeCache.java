package org.globalsessions.client.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.globalsessions.runtime.bootstrap.NodeBootstrap;
import org.globalsessions.runtime.tls.TlsPeers;
import org.globalsessions.runtime.bootstrap.PekkoConfig;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.HostPort;
import org.globalsessions.runtime.lease.TableLease;
import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.HybridClock;
import org.globalsessions.runtime.protocol.Principals;
import org.globalsessions.runtime.protocol.WriterIds;
import org.globalsessions.runtime.protocol.RelayCommand;
import org.globalsessions.runtime.protocol.SessionTag;
import org.globalsessions.runtime.protocol.Tier;
import org.globalsessions.shm.Entry;
import org.globalsessions.shm.ShmLru;

/**
 * The edge of a front-end process: the host's L1 table, and a client of the relays. This is
 * what {@code SessionCacheManager} wraps. Its parts, one concern each: the
 * {@link RelayDirectory} (which relay a key goes to, which relays are live), the
 * {@link LookupWindow} (lookups travel in batches), the {@link PendingRequests} (requests in
 * flight, their timeouts and retries) and the {@link EdgeCacheActor} (the mailbox for replies
 * and events).
 *
 * <h2>Paths</h2>
 * <ul>
 *   <li><b>get</b>: an L1 hit is served in the caller's thread (a completed future, no actor
 *   hop), and so is an L1 tombstone (empty: a tombstone is final). A miss sends one lookup per key to the key's relay straight from the caller's
 *   thread ({@code tell} is thread-safe): concurrent gets of one key share it (single-flight).
 *   The answer arrives at the actor, which completes the future, then writes the value into L1.
 *   Lookups leave through the {@link LookupWindow}.</li>
 *   <li><b>set</b>: a new version from the hybrid clock, written into L1 at once (so this host
 *   reads its own write), then sent to the relay; the future completes when every copy of the
 *   key's shard acknowledged it (a retry is idempotent: a replica that has the version says so). If the expansion replicas refuse (a newer write or a delete exists), the L1 copy is
 *   dropped and the future fails with {@link EdgeException.StaleWrite}.</li>
 *   <li><b>delete</b>: a tombstone in L1 at once, then the relay carries it everywhere; the
 *   future completes when the expansion replicas hold it and the relays and edges were told.</li>
 * </ul>
 * A request that no relay answers in time fails with {@link EdgeException.Timeout} naming the
 * relays tried ({@link RelayDirectory}, {@link PendingRequests}).
 *
 * <h2>Lease</h2>
 * L1 answers only while this process holds its lease ({@link TableLease}, rule ANY): a relay it
 * has been in step with (every numbered invalidation arrived) answered a heartbeat within
 * max-staleness / 2 and vouched. Otherwise a get goes to the relay, so a logout is final on this
 * host within max-staleness whatever was lost on the way ({@code docs/consistency.md}). A fault
 * in the edge's actor fails the requests it concerns and the edge goes on; if its actor system
 * stops, every call fails at once with {@link EdgeException.Unavailable}.
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

    /**
     * What {@link #l1Hit} returns for an id this host's table holds a tombstone of: the session was
     * logged out, and a tombstone is final, so the answer is "none" with no remote call.
     */
    public static final Session DELETED = new Session(null, 0, 0, Tier.L1);

    /**
     * Told about invalidations, expiries and arrivals; exceptions are logged and contained. An
     * invalidation or expiry heard from several relays (or reported twice) is told once.
     */
    public interface Listener {
        default void onInvalidated(String key, long version) {
        }

        /** The session ended without a logout (its time ran out, or the aging tier pushed it out); its last value. */
        default void onExpired(String key, byte[] value, long version) {
        }

        default void onArrival(String key, byte[] value, long version) {
        }
    }

    private final GlobalSessionsSettings settings;
    private final ShmLru l1;
    private final HybridClock clock;
    private final RelayDirectory relays;
    private final LookupWindow lookups;
    private final PendingRequests requests;
    private final TableLease<HostPort> lease;
    private final WriterLease writers = new WriterLease();
    private final ActorSystem<EdgeCommand> system;
    private final ConcurrentHashMap<String, CompletableFuture<Optional<Session>>> inflight = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Duration defaultTtl;
    private final WallMillis wallClock = new WallMillis();
    private final AtomicLong remoteGets = new AtomicLong();
    private volatile boolean closed;

    /**
     * Every part exists before the ActorSystem starts (the actor is given them whole); the
     * relays are resolved once it runs. Until then the actor's timer finds nothing to expire
     * and no relay to send heartbeats to.
     */
    private EdgeCache(GlobalSessionsSettings settings, ShmLru l1, HybridClock clock) {
        this.settings = settings;
        this.l1 = l1;
        this.clock = clock;
        this.defaultTtl = settings.relief().defaultSessionTtl();
        this.relays = new RelayDirectory(settings, EdgeTable.identity(l1.path()));
        this.lookups = new LookupWindow(relays);
        ConnectionProblems problems = new ConnectionProblems(settings);
        this.requests = new PendingRequests(relays, lookups, settings.requestTimeout(), problems);
        this.lease = new TableLease<>(TableLease.Rule.ANY, settings.leaseDuration().toNanos(), settings.maxStaleness().toNanos(), System.nanoTime());
        this.system = NodeBootstrap.start(EdgeCacheActor.create(settings, l1, clock, writers, relays, lookups, requests, lease, listeners),
                settings, PekkoConfig.Kind.EDGE);
        problems.attach(TlsPeers.get(system));
        relays.connect(system);
        relays.heartbeat();
        // The first phase of the system's shutdown, which any stop runs: the calls fail as soon as it
        // begins, not when it ends (ending includes remoting's shutdown, seen to take over a minute on a
        // loaded host). Termination without the coordinated shutdown is caught when it completes.
        CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "global-sessions-edge-stopped",
                () -> {
                    stoppedUnexpectedly();
                    return CompletableFuture.completedFuture(Done.getInstance());
                });
        system.getWhenTerminated().whenComplete((done, error) -> stoppedUnexpectedly());
    }

    /** The actor system is stopping without {@link #close}: every pending and later call fails. Once. */
    private void stoppedUnexpectedly() {
        if (!closed && !requests.stopped()) {
            log.error("edge: its actor system stopped unexpectedly; every call fails from now on (L1 stops answering "
                    + "within max-staleness / 2): close this SessionCacheManager and build a new one");
            EdgeException stopped = new EdgeException.Unavailable("the edge stopped unexpectedly (see the log): build a new session cache");
            requests.stop(stopped);
            writers.stop(stopped);
        }
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
        ConnectionProblems.checkOwnCertificate(settings);
        ShmLru l1 = EdgeTable.open(settings);
        try {
            return new EdgeCache(settings, l1, clock);
        } catch (RuntimeException e) {
            l1.close();
            throw e;
        }
    }

    // ---- API ----------------------------------------------------------------------------------

    /** The session if L1 holds it and may answer (no network); empty on an L1 miss or without a lease. */
    public Optional<Session> getLocal(String key) {
        byte[] k = lookupKey(key);
        byte[] value = mayAnswer(System.nanoTime()) ? l1.get(k) : null;
        return value == null ? Optional.empty() : Optional.of(new Session(value, 0, 0, Tier.L1));
    }

    /**
     * The session for {@code key} if this host's table holds a live value of it and may answer
     * (the table is {@linkplain #l1Leased leased}; an L1 hit), {@link #DELETED}
     * if it holds a tombstone (final: the id was logged out, so that answer needs no lease), else
     * null: a miss, or a value without a lease, which {@link #get} takes to the relay. The whole
     * hit path: no future, no optional, nothing leaves the caller's thread.
     */
    public Session l1Hit(String key) {
        Entry entry = l1.getEntry(lookupKey(key));
        if (entry == null || !entry.tombstone() && !mayAnswer(System.nanoTime())) {
            return null;
        }
        if (entry.tombstone()) {
            return DELETED;
        }
        return new Session(entry.value(), entry.version(), entry.expiresAtMillis(), Tier.L1);
    }

    /**
     * Copies the value of session {@code key} into {@code buffer} if this host's table holds a
     * live value and may answer (an L1 hit) and returns its length; {@link ShmLru#MISSING} (-1)
     * otherwise: a miss, a tombstone or no lease, which {@link #get} answers. A value longer than
     * {@code buffer} is not copied: its length is returned all the same ({@link ShmLru#getInto}).
     * Allocates nothing for an ASCII key ({@link #lookupKey}), and reads the clock once: the
     * lease's monotonic reading tells the table's wall-clock time too ({@link WallMillis}).
     */
    public int l1Into(String key, byte[] buffer) {
        byte[] k = lookupKey(key);
        long now = System.nanoTime();
        if (!mayAnswer(now)) {
            return ShmLru.MISSING; // checked first, so the buffer is untouched by a value that may not be served
        }
        return l1.getInto(k, buffer, wallClock.at(now));
    }

    /**
     * The session for {@code key}: completed at once on an L1 hit, else when a relay or relief
     * tier answers. Empty if no tier has it (or it was deleted).
     */
    public CompletableFuture<Optional<Session>> get(String key) {
        Session local = l1Hit(key);
        return local == null ? afterL1Miss(key)
                : CompletableFuture.completedFuture(local == DELETED ? Optional.empty() : Optional.of(local));
    }

    /**
     * The session for {@code key} as the relay and the tiers behind it know it, whatever this
     * host's table holds. Concurrent lookups of one key share one request.
     */
    public CompletableFuture<Optional<Session>> getFromRelay(String key) {
        checkKey(key);
        return afterL1Miss(key);
    }

    /**
     * What {@link #get} does once {@link #l1Hit} returned null for {@code key}: asks its relay.
     * The key is not checked again ({@code l1Hit} checked it).
     */
    public CompletableFuture<Optional<Session>> afterL1Miss(String key) {
        checkOpen();
        CompletableFuture<Optional<Session>> created = new CompletableFuture<>();
        CompletableFuture<Optional<Session>> shared = inflight.putIfAbsent(key, created);
        if (shared != null) {
            return shared;
        }
        created.whenComplete((session, failure) -> inflight.remove(key, created));
        remoteGets.incrementAndGet();
        long id = requests.nextId();
        requests.send(id, PendingRequests.Kind.GET, key, new RelayCommand.Get(key, id, system, 0), created, 0, new ArrayList<>());
        return created;
    }

    /**
     * Stores {@code value} as the new version of session {@code key}: readable from this host's
     * L1 at once, and everywhere once the returned future completes with the version. A logged-out
     * id is never written again: the future fails with {@link EdgeException.StaleWrite} (deleted),
     * at once if this host holds the tombstone.
     *
     * @param ttl time to live (sliding with {@link #touch}); null for the default session TTL
     * @throws IllegalArgumentException if {@code ttl} exceeds {@code relief.max-session-ttl} (nothing is stored)
     */
    public CompletableFuture<Long> set(String key, byte[] value, Duration ttl) {
        byte[] k = checkKey(key);
        Duration t = ttlOf(ttl);
        l1.checkEntry(k, value); // sizes are refused before anything is stored or sent
        checkOpen();
        return writing(() -> {
            long version = stamp();
            if (!l1.putIfNewer(k, value, version, t)) {
                Entry held = l1.getEntry(k);
                if (held != null && held.tombstone()) { // logged out here: final, nothing is sent
                    return CompletableFuture.failedFuture(new EdgeException.StaleWrite(version, held.version(), true));
                }
                version = stamp();
                l1.putIfNewer(k, value, version, t);
            }
            CompletableFuture<Long> future = new CompletableFuture<>();
            long id = requests.nextId();
            requests.send(id, PendingRequests.Kind.PUT, key, new RelayCommand.Put(key, value, version, t.toMillis(), id, system), future,
                    version, new ArrayList<>());
            return future;
        });
    }

    /** The TTL a write of {@code ttl} (null or zero: the default) is given; refused past {@code relief.max-session-ttl}. */
    private Duration ttlOf(Duration ttl) {
        Duration t = ttl == null || ttl.isZero() ? defaultTtl : ttl;
        Duration max = settings.relief().maxSessionTtl();
        if (t.compareTo(max) > 0) {
            throw new IllegalArgumentException("ttl=" + t + " exceeds relief.max-session-ttl=" + max
                    + ": a session may not outlive the tombstone of its logout (raise relief.max-session-ttl and relief.tombstone-ttl)");
        }
        return t;
    }

    /**
     * Stores {@code value} as the new version of session {@code key} only if its current version
     * is {@code ifVersion} (one a read returned): a conditional write, decided by the session's
     * expansion replica 0. Unlike {@link #set}, nothing is written to L1 before the cluster
     * acknowledges it (no process on this host may read a write that may be refused); once it is,
     * L1 holds it. Refused (the future fails with {@link EdgeException.StaleWrite}) when another
     * write came first, the session left the expansion tier or expired, or it was logged out; then
     * this host's copy of version {@code ifVersion} is dropped, so the next read asks the relay.
     *
     * @throws IllegalArgumentException if {@code ifVersion} is not positive, or as {@link #set} (nothing is stored)
     */
    public CompletableFuture<Long> setIf(String key, byte[] value, Duration ttl, long ifVersion) {
        if (ifVersion <= 0) {
            throw new IllegalArgumentException("ifVersion=" + ifVersion + ": a conditional write names the version a read returned");
        }
        byte[] k = checkKey(key);
        Duration t = ttlOf(ttl);
        l1.checkEntry(k, value);
        checkOpen();
        return writing(() -> {
            long version = stamp();
            Entry held = l1.getEntry(k);
            if (held != null && held.tombstone()) { // logged out here: final, nothing is sent
                return CompletableFuture.failedFuture(new EdgeException.StaleWrite(version, held.version(), true));
            }
            CompletableFuture<Long> future = new CompletableFuture<>();
            long id = requests.nextId();
            requests.send(id, PendingRequests.Kind.PUT, key, new RelayCommand.Put(key, value, version, t.toMillis(), id, system,
                    ifVersion), future, version, new ArrayList<>());
            return future.whenComplete((stored, failure) -> {
                if (failure == null) {
                    l1.putIfNewer(k, value, stored, t);
                } else if (!(failure instanceof EdgeException.StaleWrite stale && stale.deleted())) {
                    l1.removeVersion(k, ifVersion);
                }
            });
        });
    }

    /**
     * Deletes (logs out) session {@code key} in every tier. The future completes when the expansion replicas
     * hold the tombstone and the relays and edges were told; from then on no tier returns it.
     */
    public CompletableFuture<Void> delete(String key) {
        byte[] k = checkKey(key);
        checkOpen();
        return writing(() -> {
            long version = stamp();
            l1.tombstone(k, version, settings.relief().tombstoneTtl());
            CompletableFuture<Void> future = new CompletableFuture<>();
            long id = requests.nextId();
            requests.send(id, PendingRequests.Kind.DELETE, key, new RelayCommand.Delete(key, version, id, system), future, version,
                    new ArrayList<>());
            return future;
        });
    }

    /**
     * Adds session {@code sessionId}, logged in at {@code sinceMillis}, to the index record of
     * {@code principal} until {@code expiresAtMillis}: done when every expansion replica of the
     * principal's shard has it.
     *
     * @throws IllegalArgumentException naming what is wrong with the principal name or the session id (nothing is sent)
     */
    public CompletableFuture<Void> indexAdd(String principal, String sessionId, long sinceMillis, long expiresAtMillis) {
        String key = Principals.indexKey(Principals.check(principal));
        checkKey(sessionId);
        return indexRequest(PendingRequests.Kind.INDEX, key,
                id -> new RelayCommand.IndexAdd(principal, sessionId, sinceMillis, expiresAtMillis, id, system));
    }

    /** Removes {@code sessionIds} from the index record of {@code principal}: done when every expansion replica has. */
    public CompletableFuture<Void> indexRemove(String principal, List<String> sessionIds) {
        String key = Principals.indexKey(Principals.check(principal));
        return indexRequest(PendingRequests.Kind.INDEX, key, id -> new RelayCommand.IndexRemove(principal, List.copyOf(sessionIds), id, system));
    }

    /** The index record of {@code principal} as an expansion replica holds it, oldest login first. */
    public CompletableFuture<List<EdgeCommand.IndexEntry>> indexList(String principal) {
        String key = Principals.indexKey(Principals.check(principal));
        return indexRequest(PendingRequests.Kind.LISTING, key, id -> new RelayCommand.IndexList(principal, id, system));
    }

    private <T> CompletableFuture<T> indexRequest(PendingRequests.Kind kind, String key,
                                                  java.util.function.LongFunction<RelayCommand> message) {
        checkOpen();
        CompletableFuture<T> future = new CompletableFuture<>();
        long id = requests.nextId();
        requests.send(id, kind, key, message.apply(id), future, 0, new ArrayList<>());
        return future;
    }

    /**
     * Runs {@code write} now if this process holds a writer id ({@link WriterLease}), else once a
     * relay's welcome brings one; the write fails as unavailable if none comes within the request
     * timeout (the first contact timeout until this process has held one), and nothing is stored
     * then. A failure of {@code write} fails the future.
     */
    private <T> CompletableFuture<T> writing(Supplier<CompletableFuture<T>> write) {
        if (writers.current(System.nanoTime()) != WriterIds.NONE) {
            return started(write);
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        // At start the relays may still be claiming their writer slots (the singleton starts with the
        // cluster): the first id gets as long as a first contact.
        Duration wait = writers.everHeld() ? settings.requestTimeout() : settings.edge().firstContactTimeout();
        writers.await(wait, () -> settings.edge().relays() + ", answering: " + relays.liveRelays()).whenComplete((ready, failure) -> {
            CompletableFuture<T> written = failure != null ? CompletableFuture.failedFuture(failure)
                    : closed ? CompletableFuture.failedFuture(new EdgeException("the session cache was closed")) : started(write);
            written.whenComplete((value, error) -> {
                if (error != null) {
                    result.completeExceptionally(error);
                } else {
                    result.complete(value);
                }
            });
        });
        return result;
    }

    private static <T> CompletableFuture<T> started(Supplier<CompletableFuture<T>> write) {
        try {
            return write.get();
        } catch (EdgeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** A version stamped with a writer id this process holds. */
    private long stamp() {
        long version = writers.stamp(clock);
        if (version < 0) { // the id ran out between the check and the stamp (this process was held up)
            throw new EdgeException.Unavailable("this process's writer id ran out before the write was stamped (was it paused?): "
                    + "the write was not sent; try again");
        }
        return version;
    }

    /** Slides the session's expiry here, at its relay and at its expansion replicas (no answer awaited). */
    public void touch(String key) {
        byte[] k = checkKey(key);
        l1.touch(k);
        RelayDirectory.Relay relay = relays.relayFor(key, List.of());
        if (relay != null) {
            relay.ref.tell(new RelayCommand.Touch(key));
        }
    }

    /**
     * Tells {@code listener} of the events to come. {@code arrivals}, {@code invalidations}:
     * whether it wants every arrival, every invalidation; relays send this process every one from
     * then on (a heartbeat tells them now), where otherwise one or two processes of each host
     * table, its receivers (decision 0014), get them, to store them in the table or tombstone it.
     */
    public void addListener(Listener listener, boolean arrivals, boolean invalidations) {
        listeners.add(listener);
        boolean changed = arrivals && relays.askEveryArrival();
        changed |= invalidations && relays.askEveryInvalidation();
        if (changed && !closed) {
            relays.heartbeat();
        }
    }

    /** The writer id this process holds now ({@link WriterIds#NONE} if none): for tests. */
    int writerId() {
        return writers.current(System.nanoTime());
    }

    /** How long the edge was held up so far, the stall in progress included ({@link EdgeStalls}): for tests that stage stalls. */
    long heldUpNanos() {
        return relays.stalls().heldUpNanos(System.nanoTime());
    }

    /** The edge's actor system (its guardian is the edge's actor): for tests that stage faults. */
    ActorSystem<EdgeCommand> system() {
        return system;
    }

    public ShmLru l1() {
        return l1;
    }

    public GlobalSessionsSettings settings() {
        return settings;
    }

    /** Gets this edge sent to a relay (one per key in flight, whatever the number of callers). */
    public long remoteGets() {
        return remoteGets.get();
    }

    /** Lookup batches this edge sent (each carries one lookup or more). */
    public long lookupBatches() {
        return lookups.batchesSent();
    }

    /**
     * Whether L1 may answer lookups now: a process on this host, this one or another, holds a
     * lease from a relay it has been in step with for {@code max-staleness} (about that long after
     * the host's first process started). Without one, every lookup asks a relay.
     */
    public boolean l1Leased() {
        return mayAnswer(System.nanoTime());
    }

    /** Whether this process's own lease holds: a relay sends it every invalidation (its table's receiver). For tests. */
    boolean ownLease() {
        return lease.fresh(System.nanoTime());
    }

    /**
     * Whether L1 may answer at {@code now}: this process's lease holds, or the table's freshness
     * word is in the future. The word is raised only by a process whose own lease holds, to its
     * end, and such a lease means every invalidation sent before it began is in the shared table:
     * the table's receivers apply each one for the whole host (decision 0014), so the other
     * processes read by the word.
     */
    private boolean mayAnswer(long now) {
        if (lease.fresh(now)) {
            return true;
        }
        long word = l1.freshUntilNanos();
        return word != 0 && word - now > 0;
    }

    /** Whether the edge stopped (its actor system ended without {@link #close}): every call fails. */
    public boolean stopped() {
        return !closed && (requests.stopped() || system.whenTerminated().isCompleted());
    }

    /** The relays currently considered live. */
    public List<HostPort> liveRelays() {
        return relays.liveRelays();
    }

    /** Unsubscribes, stops the ActorSystem, unmaps L1 (the file stays for the host's other processes). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        relays.unsubscribe();
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("edge: the actor system did not stop within 10 s: {}", e.toString());
        }
        EdgeException closedError = new EdgeException("the session cache was closed");
        requests.failAll(closedError);
        writers.stop(closedError);
        l1.close();
    }

    // ---- helpers ------------------------------------------------------------------------------

    /**
     * Per thread, one array per key length for the ASCII keys of {@link #lookupKey} that cannot
     * be viewed ({@link KeyView}): session ids of one application have one length, so after its
     * first lookup a thread encodes its keys into the same array. Safe because the table reads
     * the key and keeps nothing.
     */
    private static final ThreadLocal<byte[][]> ASCII_KEYS = ThreadLocal.withInitial(() -> new byte[MAX_KEY_BYTES + 1][]);

    /** A session key: 1–256 bytes of UTF-8, no whitespace or control characters. */
    static byte[] checkKey(String key) {
        return checkKey(key, false);
    }

    /**
     * {@link #checkKey(String)} for a table lookup, which reads the key and keeps nothing: a key
     * of printable ASCII is the string's own bytes ({@link KeyView}), or else encoded into this
     * thread's array of its length ({@link #ASCII_KEYS}); either is valid until the thread's next
     * call and must not be written. No allocation for an ASCII key.
     */
    static byte[] lookupKey(String key) {
        if (key != null) {
            byte[] own = KeyView.printableAscii(key, MAX_KEY_BYTES);
            if (own != null) {
                return own;
            }
        }
        return checkKey(key, true);
    }

    /**
     * {@link #checkKey(String)}; with {@code reuse}, an ASCII key is encoded in the same pass
     * into this thread's array of its length ({@link #ASCII_KEYS}), valid until the thread's
     * next call: no allocation.
     */
    private static byte[] checkKey(String key, boolean reuse) {
        if (key == null) {
            throw new NullPointerException("key");
        }
        if (key.isEmpty()) {
            throw new IllegalArgumentException("key is empty");
        }
        int n = key.length();
        byte[] ascii = reuse && n <= MAX_KEY_BYTES ? asciiScratch(n) : null;
        for (int i = 0; i < n; i++) {
            char c = key.charAt(i);
            if ((c <= ' ' || c >= 0x7f) && (Character.isWhitespace(c) || Character.isISOControl(c))) { // printable ASCII: fine
                // The key itself stays out of the message (session ids are secrets): its tag names it.
                throw new IllegalArgumentException("key " + SessionTag.of(key) + " (" + key.length() + " characters) contains "
                        + (Character.isWhitespace(c) ? "whitespace" : "a control character") + " (U+"
                        + String.format("%04X", (int) c) + ") at index " + i);
            }
            if (ascii != null) {
                if (c < 0x80) {
                    ascii[i] = (byte) c;
                } else {
                    ascii = null; // not ASCII: UTF-8 below
                }
            }
        }
        if (ascii != null) {
            return ascii;
        }
        byte[] bytes = bytes(key);
        if (bytes.length > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("key length=" + bytes.length + " bytes exceeds the maximum of " + MAX_KEY_BYTES);
        }
        return bytes;
    }

    private static byte[] asciiScratch(int length) {
        byte[][] byLength = ASCII_KEYS.get();
        byte[] scratch = byLength[length];
        if (scratch == null) {
            scratch = byLength[length] = new byte[length];
        }
        return scratch;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the session cache is closed");
        }
    }

    static byte[] bytes(String key) {
        return key.getBytes(StandardCharsets.UTF_8);
    }
}

package org.globalsessions.client.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.HostPort;
import org.globalsessions.runtime.lease.TableLease;
import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.HybridClock;
import org.globalsessions.runtime.protocol.RelayCommand;
import org.globalsessions.shm.ShmLru;

/**
 * The edge's mailbox: the guardian of an edge's ActorSystem, the {@code replyTo} of every
 * request its {@link EdgeCache} sends, and the subscriber of its relays' invalidations and
 * arrivals. It handles the {@link EdgeCommand.Reply replies} (write what was found into L1,
 * complete the request's future) and the {@link EdgeCommand.Event events} (apply invalidations
 * and arrivals to L1 and tell the listeners; record welcomes), and on a timer it expires
 * overdue requests and lookup batches and sends heartbeats. It keeps no state of its own: the
 * table, the pending requests, the lookup window and the relay directory are the edge's.
 *
 * <h2>Concurrency</h2>
 * One actor: handlers run one at a time, on Pekko's threads. They never block; futures
 * complete on this thread (client-api moves callbacks to the caller's executor), and a listener
 * that throws is logged and contained.
 */
final class EdgeCacheActor extends AbstractBehavior<EdgeCommand> {

    private static final Logger log = LoggerFactory.getLogger(EdgeCacheActor.class);
    private static final Duration TICK = Duration.ofMillis(50);
    /** How many keys an edge remembers telling its listeners about, per kind of event. */
    static final int EVENTS_REMEMBERED = 65_536;
    /** How long a key told about is not told again: past the relief sweep (10 s) that reports an expiry twice at most. */
    static final long EVENT_WINDOW_MILLIS = 60_000;

    private enum Tick implements EdgeCommand {
        INSTANCE
    }

    private final GlobalSessionsSettings settings;
    private final ShmLru l1;
    private final HybridClock clock;
    private final WriterLease writers;
    private final RelayDirectory relays;
    private final LookupWindow lookups;
    private final PendingRequests requests;
    private final TableLease<HostPort> lease;
    private final long leaseNanos;
    private final List<EdgeCache.Listener> listeners;
    /**
     * Keys told to the listeners lately: an invalidation comes from each relay, and an expiry from
     * each relay and possibly from both relief tiers, some seconds apart.
     */
    private final RecentKeys invalidationsTold = new RecentKeys(EVENTS_REMEMBERED, EVENT_WINDOW_MILLIS);
    private final RecentKeys expiriesTold = new RecentKeys(EVENTS_REMEMBERED, EVENT_WINDOW_MILLIS);
    private final long ticksPerHeartbeat;
    private long ticks;

    private EdgeCacheActor(ActorContext<EdgeCommand> context, GlobalSessionsSettings settings, ShmLru l1, HybridClock clock,
                           WriterLease writers, RelayDirectory relays, LookupWindow lookups, PendingRequests requests, TableLease<HostPort> lease,
                           List<EdgeCache.Listener> listeners) {
        super(context);
        this.settings = settings;
        this.l1 = l1;
        this.clock = clock;
        this.writers = writers;
        this.relays = relays;
        this.lookups = lookups;
        this.requests = requests;
        this.lease = lease;
        this.leaseNanos = settings.leaseDuration().toNanos();
        this.listeners = listeners;
        this.ticksPerHeartbeat = Math.max(1, settings.edge().heartbeatInterval().toMillis() / TICK.toMillis());
    }

    static Behavior<EdgeCommand> create(GlobalSessionsSettings settings, ShmLru l1, HybridClock clock, WriterLease writers,
                                        RelayDirectory relays,
                                        LookupWindow lookups, PendingRequests requests, TableLease<HostPort> lease,
                                        List<EdgeCache.Listener> listeners) {
        Behavior<EdgeCommand> edge = Behaviors.withTimers(timers -> {
            timers.startTimerWithFixedDelay(Tick.INSTANCE, TICK);
            return Behaviors.setup(context -> new EdgeCacheActor(context, settings, l1, clock, writers, relays, lookups, requests, lease, listeners));
        });
        // Handlers contain their own failures (handled); anything else restarts the actor, whose
        // state lives in the parts it is given, rather than stopping the edge's ActorSystem.
        return Behaviors.supervise(edge).onFailure(Exception.class, SupervisorStrategy.restart());
    }

    @Override
    public Receive<EdgeCommand> createReceive() {
        return newReceiveBuilder()
                .onMessage(EdgeCommand.Found.class, m -> handled(m, () -> onFound(m)))
                .onMessage(EdgeCommand.NotFound.class, m -> handled(m, () -> onNotFound(m)))
                .onMessage(EdgeCommand.Answers.class, m -> handled(m, () -> onAnswers(m)))
                .onMessage(EdgeCommand.PutAck.class, m -> handled(m, () -> onPutAck(m)))
                .onMessage(EdgeCommand.PutRefused.class, m -> handled(m, () -> onPutRefused(m)))
                .onMessage(EdgeCommand.DeleteAck.class, m -> handled(m, () -> onDeleteAck(m)))
                .onMessage(EdgeCommand.IndexAck.class, m -> handled(m, () -> onIndexAck(m)))
                .onMessage(EdgeCommand.IndexListing.class, m -> handled(m, () -> onIndexListing(m)))
                .onMessage(EdgeCommand.Failed.class, m -> handled(m, () -> onFailed(m)))
                .onMessage(EdgeCommand.Pushed.class, m -> handled(m, () -> onPushed(m)))
                .onMessage(EdgeCommand.Expired.class, m -> handled(m, () -> onExpired(m)))
                .onMessage(EdgeCommand.Welcome.class, m -> handled(m, () -> onWelcome(m)))
                .onMessageEquals(Tick.INSTANCE, () -> handled(Tick.INSTANCE, this::onTick))
                .build();
    }

    /**
     * Runs {@code action} for {@code message}; if it throws (a table lock that timed out, a key the
     * table refuses), the failure is logged and contained: the requests the message answers fail
     * with an error saying so, and the edge goes on. An invalidation that could not be applied
     * is not counted, so the relay's next welcome shows it missing and the lease ends.
     */
    private Behavior<EdgeCommand> handled(EdgeCommand message, Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            logContained(message.getClass().getSimpleName(), e);
            EdgeException failure = new EdgeException("the edge could not handle the answer to this request: "
                    + e.getClass().getSimpleName());
            answeredRequests(message).forEach(id -> {
                PendingRequests.Pending p = requests.remove(id);
                if (p != null) {
                    p.future().completeExceptionally(failure);
                }
            });
        }
        return this;
    }

    /** Runs {@code action}; returns false, having logged it, if it throws. */
    private boolean contained(String what, Runnable action) {
        try {
            action.run();
            return true;
        } catch (RuntimeException e) {
            logContained(what, e);
            return false;
        }
    }

    private static void logContained(String what, RuntimeException e) {
        // The exception's message may name a session: only its type goes to the log at WARN.
        log.warn("edge: handling a {} failed with {}; the edge goes on (details at DEBUG)", what, e.getClass().getName());
        log.debug("edge: the failure", e);
    }

    /** The ids of the requests {@code message} answers (none for events). */
    private static List<Long> answeredRequests(EdgeCommand message) {
        if (message instanceof EdgeCommand.Answers answers) {
            List<Long> ids = new ArrayList<>();
            answers.found().forEach(f -> ids.add(f.requestId()));
            answers.notFound().forEach(n -> ids.add(n.requestId()));
            return ids;
        }
        if (message instanceof EdgeCommand.Answer answer) {
            return List.of(answer.requestId());
        }
        return List.of();
    }

    private void onTick() {
        long now = System.nanoTime();
        long stalled = relays.stalls().tick(now);
        if (stalled > 0) {
            // Held up, not abandoned: answers may wait in the mailbox, and welcomes with them.
            log.warn("edge: held up for {} ms (process stopped, GC pause, starved CPU or a blocked handler); "
                    + "requests in flight get that much longer, and relays are not judged by it", stalled / 1_000_000);
            requests.stalled(stalled);
            relays.heartbeat();
        }
        lookups.expire(now);
        requests.expire(now);
        lease.tick(now, l1.freshUntilNanos(), this::dropTable);
        vouch(now);
        if (++ticks % ticksPerHeartbeat == 0) {
            relays.heartbeat();
            if (l1.usable()) { // a table truncated under this process was logged once; its calls fail saying so
                l1.publishCounters(); // this process's lock-free hits and misses, for the host's other processes and inspect
            }
        }
    }

    // ---- replies ------------------------------------------------------------------------------

    /**
     * Completes the caller's get first, then keeps the value in L1, on this same actor. The order
     * changes neither answer: the caller gets the value upstream sent whichever comes first, and
     * whether L1 keeps it is decided by when it was asked, not by when the caller heard (an
     * invalidation that reaches this actor is handled after this message, so it still tombstones
     * what is written here; a write or delete by the caller after it heard carries a newer version
     * than the one observed just below, and putIfNewer refuses this older one). What it does
     * change: for about a microsecond after a get completes, this host's L1 may not hold the value
     * yet, so a get in that window asks the relay again.
     */
    private void onFound(EdgeCommand.Found found) {
        clock.observe(found.version());
        PendingRequests.Pending asked = requests.get(found.requestId());
        // An answer that took longer than a lease may predate a delete this edge was told about
        // meanwhile (and a late one, whose request timed out, is older still): pass it on, don't keep it.
        boolean keep = asked != null && System.nanoTime() - asked.sentNanos() < leaseNanos;
        CompletableFuture<Optional<EdgeCache.Session>> future = requests.take(found.requestId(), PendingRequests.Kind.GET);
        if (future != null) {
            future.complete(Optional.of(new EdgeCache.Session(found.value(), found.version(), found.expiresAtMillis(), found.tier())));
        }
        if (keep) {
            try {
                l1.putIfNewer(EdgeCache.bytes(found.key()), found.value(), found.version(), Duration.ofMillis(found.ttlMillis()), found.expiresAtMillis());
            } catch (IllegalArgumentException e) {
                log.debug("edge: a session larger than L1 records is not cached: {}", e.getMessage());
            }
        }
    }

    private void onAnswers(EdgeCommand.Answers answers) {
        answers.found().forEach(this::onFound);
        answers.notFound().forEach(this::onNotFound);
        lookups.done(answers.batchId());
    }

    private void onNotFound(EdgeCommand.NotFound notFound) {
        if (notFound.tombstoneVersion() != 0) {
            clock.observe(notFound.tombstoneVersion());
            l1.tombstone(EdgeCache.bytes(notFound.key()), notFound.tombstoneVersion(), settings.relief().tombstoneTtl());
        }
        CompletableFuture<Optional<EdgeCache.Session>> future = requests.take(notFound.requestId(), PendingRequests.Kind.GET);
        if (future != null) {
            future.complete(Optional.empty());
        }
    }

    /** Every expansion replica of the key's shard stored the write (the relay counted them, each by its k). */
    private void onPutAck(EdgeCommand.PutAck ack) {
        CompletableFuture<Long> future = requests.take(ack.requestId(), PendingRequests.Kind.PUT);
        if (future != null) {
            future.complete(ack.version());
        }
    }

    /**
     * Records replica {@code replica}'s acknowledgement of request {@code requestId} (of
     * {@code kind}); once every replica 0..{@code replicas}-1 has acknowledged, the request's
     * future, taken (completed by the caller), else null.
     */
    private <T> CompletableFuture<T> ackedByEveryReplica(long requestId, PendingRequests.Kind kind, int replica, int replicas) {
        PendingRequests.Pending p = requests.get(requestId);
        if (p == null || p.kind() != kind || !p.acks().ack(replica, replicas)) {
            return null;
        }
        return requests.take(requestId, kind);
    }

    private void onPutRefused(EdgeCommand.PutRefused refused) {
        clock.observe(refused.newerVersion());
        PendingRequests.Pending p = requests.get(refused.requestId());
        CompletableFuture<Long> future = requests.take(refused.requestId(), PendingRequests.Kind.PUT);
        if (future != null) {
            // A logged-out id: tombstone it here too (final). Else drop the optimistic L1 copy; the newer value comes back on the next miss.
            byte[] k = EdgeCache.bytes(refused.key());
            if (refused.deleted()) {
                l1.tombstone(k, refused.newerVersion(), settings.relief().tombstoneTtl());
            } else {
                l1.removeVersion(k, p.version());
            }
            future.completeExceptionally(new EdgeException.StaleWrite(p.version(), refused.newerVersion(), refused.deleted()));
        }
    }

    private void onDeleteAck(EdgeCommand.DeleteAck ack) {
        CompletableFuture<Void> future = requests.take(ack.requestId(), PendingRequests.Kind.DELETE);
        if (future != null) {
            future.complete(null);
        }
    }

    /** Expansion replica k of the principal's shard applied the change; it is done when every replica k has. */
    private void onIndexAck(EdgeCommand.IndexAck ack) {
        CompletableFuture<Void> future = ackedByEveryReplica(ack.requestId(), PendingRequests.Kind.INDEX, ack.replica(), ack.replicas());
        if (future != null) {
            future.complete(null);
        }
    }

    private void onIndexListing(EdgeCommand.IndexListing listing) {
        CompletableFuture<List<EdgeCommand.IndexEntry>> future = requests.take(listing.requestId(), PendingRequests.Kind.LISTING);
        if (future != null) {
            future.complete(listing.entries());
        }
    }

    private void onFailed(EdgeCommand.Failed failed) {
        PendingRequests.Pending p = requests.remove(failed.requestId());
        if (p != null) {
            // The cluster could not serve it (no sibling, a shard out of reach, a replica still copying, a
            // session larger than a replica's byte budget). A write's optimistic L1 copy goes: it may be stored nowhere.
            if (p.kind() == PendingRequests.Kind.PUT) {
                l1.removeVersion(EdgeCache.bytes(failed.key()), p.version());
            }
            p.future().completeExceptionally(new EdgeException.Unavailable(failed.reason()));
        }
    }

    // ---- events -------------------------------------------------------------------------------

    /**
     * A relay's arrivals, then its invalidations, each applied on its own: one that fails is
     * logged and the others still apply. The invalidations applied are acknowledged together; one
     * that could not be applied is neither acknowledged nor counted, so the relay's next welcome
     * shows it missing and the lease ends.
     */
    private void onPushed(EdgeCommand.Pushed pushed) {
        for (EdgeCommand.Arrival arrival : pushed.arrivals()) {
            contained("arrival", () -> onArrival(arrival));
        }
        List<Long> applied = new ArrayList<>();
        for (EdgeCommand.Invalidation invalidation : pushed.invalidations()) {
            if (contained("invalidation", () -> onInvalidation(pushed.epoch(), invalidation)) && invalidation.token() != 0) {
                applied.add(invalidation.token());
            }
        }
        if (!applied.isEmpty() && pushed.ackTo() != null) {
            pushed.ackTo().tell(new RelayCommand.EdgeInvalidated(applied, getContext().getSelf()));
        }
    }

    private void onInvalidation(long epoch, EdgeCommand.Invalidation invalidate) {
        clock.observe(invalidate.version());
        l1.tombstone(EdgeCache.bytes(invalidate.key()), invalidate.version(), settings.relief().tombstoneTtl());
        lease.invalidated(epoch, invalidate.seq(), System.nanoTime());
        if (listeners.isEmpty() || !invalidationsTold.firstTime(invalidate.key(), System.currentTimeMillis())) {
            return;
        }
        for (EdgeCache.Listener listener : listeners) {
            try {
                listener.onInvalidated(invalidate.key(), invalidate.version());
            } catch (RuntimeException e) {
                log.warn("edge: an invalidation listener threw; the cache is unaffected", e);
            }
        }
    }

    /** Sessions that ended without a logout, as a relief node checked them: told to the listeners, once each. */
    private void onExpired(EdgeCommand.Expired expired) {
        if (listeners.isEmpty()) {
            return;
        }
        long now = System.currentTimeMillis();
        for (EdgeCommand.EndedSession session : expired.sessions()) {
            if (!expiriesTold.firstTime(session.key(), now)) {
                continue;
            }
            for (EdgeCache.Listener listener : listeners) {
                try {
                    listener.onExpired(session.key(), session.value(), session.version());
                } catch (RuntimeException e) {
                    log.warn("edge: an expiry listener threw; the cache is unaffected", e);
                }
            }
        }
    }

    private void onWelcome(EdgeCommand.Welcome welcome) {
        RelayDirectory.Relay relay = relays.welcomed(welcome);
        if (relay != null) {
            long now = System.nanoTime();
            lease.welcome(relay.address, welcome.incarnation(), welcome.invalidations(), welcome.sentNanos(), welcome.vouched(), now);
            writers.welcomed(relay.address, welcome.writerId(), welcome.sentNanos());
            vouch(now);
        }
    }

    /** Tells the host's other processes how long this one vouches for the table. */
    private void vouch(long now) {
        if (lease.fresh(now)) {
            l1.extendFreshUntil(lease.until());
        }
    }

    /** Nobody on this host vouches for the table: drop what it holds (tombstones stay). */
    private void dropTable() {
        int dropped = l1.dropLiveEntries();
        if (dropped > 0) {
            log.info("edge: dropped {} sessions from L1 ({}): no process on this host kept it fresh, so deletes may have "
                    + "been missed; they are read from the relays again", dropped, l1.path());
        }
    }

    private void onArrival(EdgeCommand.Arrival arrival) {
        clock.observe(arrival.version());
        byte[] k = EdgeCache.bytes(arrival.key());
        Duration ttl = Duration.ofMillis(arrival.ttlMillis());
        try {
            if (settings.edge().storeArrivals()) {
                l1.putIfNewer(k, arrival.value(), arrival.version(), ttl);
            } else {
                l1.replaceIfNewer(k, arrival.value(), arrival.version(), ttl, 0);
            }
        } catch (IllegalArgumentException e) {
            log.debug("edge: an arrival not cached: {}", e.getMessage());
        }
        for (EdgeCache.Listener listener : listeners) {
            try {
                listener.onArrival(arrival.key(), arrival.value(), arrival.version());
            } catch (RuntimeException e) {
                log.warn("edge: an arrival listener threw; the cache is unaffected", e);
            }
        }
    }
}

package org.globalsessions.client.internal;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.globalsessions.runtime.config.GlobalSessionsSettings;
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

    private enum Tick implements EdgeCommand {
        INSTANCE
    }

    private final GlobalSessionsSettings settings;
    private final ShmLru l1;
    private final HybridClock clock;
    private final RelayDirectory relays;
    private final LookupWindow lookups;
    private final PendingRequests requests;
    private final List<EdgeCache.Listener> listeners;
    private final long ticksPerHeartbeat;
    private long ticks;

    private EdgeCacheActor(ActorContext<EdgeCommand> context, GlobalSessionsSettings settings, ShmLru l1, HybridClock clock,
                           RelayDirectory relays, LookupWindow lookups, PendingRequests requests,
                           List<EdgeCache.Listener> listeners) {
        super(context);
        this.settings = settings;
        this.l1 = l1;
        this.clock = clock;
        this.relays = relays;
        this.lookups = lookups;
        this.requests = requests;
        this.listeners = listeners;
        this.ticksPerHeartbeat = Math.max(1, settings.edge().heartbeatInterval().toMillis() / TICK.toMillis());
    }

    static Behavior<EdgeCommand> create(GlobalSessionsSettings settings, ShmLru l1, HybridClock clock, RelayDirectory relays,
                                        LookupWindow lookups, PendingRequests requests, List<EdgeCache.Listener> listeners) {
        return Behaviors.withTimers(timers -> {
            timers.startTimerWithFixedDelay(Tick.INSTANCE, TICK);
            return Behaviors.setup(context -> new EdgeCacheActor(context, settings, l1, clock, relays, lookups, requests, listeners));
        });
    }

    @Override
    public Receive<EdgeCommand> createReceive() {
        return newReceiveBuilder()
                .onMessage(EdgeCommand.Found.class, m -> handled(() -> onFound(m)))
                .onMessage(EdgeCommand.NotFound.class, m -> handled(() -> onNotFound(m)))
                .onMessage(EdgeCommand.Answers.class, m -> handled(() -> onAnswers(m)))
                .onMessage(EdgeCommand.PutAck.class, m -> handled(() -> onPutAck(m)))
                .onMessage(EdgeCommand.PutRefused.class, m -> handled(() -> onPutRefused(m)))
                .onMessage(EdgeCommand.DeleteAck.class, m -> handled(() -> onDeleteAck(m)))
                .onMessage(EdgeCommand.Failed.class, m -> handled(() -> onFailed(m)))
                .onMessage(EdgeCommand.Invalidate.class, m -> handled(() -> onInvalidate(m)))
                .onMessage(EdgeCommand.Arrival.class, m -> handled(() -> onArrival(m)))
                .onMessage(EdgeCommand.Welcome.class, m -> handled(() -> relays.welcomed(m)))
                .onMessageEquals(Tick.INSTANCE, () -> handled(this::onTick))
                .build();
    }

    private Behavior<EdgeCommand> handled(Runnable action) {
        action.run();
        return this;
    }

    private void onTick() {
        long now = System.nanoTime();
        lookups.expire(now);
        requests.expire(now);
        if (++ticks % ticksPerHeartbeat == 0) {
            relays.heartbeat();
        }
    }

    // ---- replies ------------------------------------------------------------------------------

    private void onFound(EdgeCommand.Found found) {
        clock.observe(found.version());
        try {
            l1.putIfNewer(EdgeCache.bytes(found.key()), found.value(), found.version(), Duration.ofMillis(found.ttlMillis()), found.expiresAtMillis());
        } catch (IllegalArgumentException e) {
            log.debug("edge: a session larger than L1 records is not cached: {}", e.getMessage());
        }
        CompletableFuture<Optional<EdgeCache.Session>> future = requests.take(found.requestId(), PendingRequests.Kind.GET);
        if (future != null) {
            future.complete(Optional.of(new EdgeCache.Session(found.value(), found.version(), found.expiresAtMillis(), found.tier())));
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
            l1.removeIfNotNewer(EdgeCache.bytes(notFound.key()), notFound.tombstoneVersion(), settings.relief().tombstoneTtl());
        }
        CompletableFuture<Optional<EdgeCache.Session>> future = requests.take(notFound.requestId(), PendingRequests.Kind.GET);
        if (future != null) {
            future.complete(Optional.empty());
        }
    }

    /** One expansion replica of the key's shard stored the write; it is done when every replica has. */
    private void onPutAck(EdgeCommand.PutAck ack) {
        PendingRequests.Pending p = requests.get(ack.requestId());
        if (p == null || p.acks().incrementAndGet() < ack.acksNeeded()) {
            return;
        }
        CompletableFuture<Long> future = requests.take(ack.requestId(), PendingRequests.Kind.PUT);
        if (future != null) {
            future.complete(ack.version());
        }
    }

    private void onPutRefused(EdgeCommand.PutRefused refused) {
        clock.observe(refused.newerVersion());
        PendingRequests.Pending p = requests.get(refused.requestId());
        CompletableFuture<Long> future = requests.take(refused.requestId(), PendingRequests.Kind.PUT);
        if (future != null) {
            // Drop the optimistic L1 copy; a newer value, if any, comes back on the next miss.
            l1.removeIfNotNewer(EdgeCache.bytes(refused.key()), p.version(), refused.deleted() ? settings.relief().tombstoneTtl() : Duration.ofSeconds(1));
            future.completeExceptionally(new EdgeException.StaleWrite(refused.key(), p.version(), refused.newerVersion(), refused.deleted()));
        }
    }

    private void onDeleteAck(EdgeCommand.DeleteAck ack) {
        CompletableFuture<Void> future = requests.take(ack.requestId(), PendingRequests.Kind.DELETE);
        if (future != null) {
            future.complete(null);
        }
    }

    private void onFailed(EdgeCommand.Failed failed) {
        PendingRequests.Pending p = requests.remove(failed.requestId());
        if (p != null) {
            p.future().completeExceptionally(new EdgeException(failed.reason()));
        }
    }

    // ---- events -------------------------------------------------------------------------------

    private void onInvalidate(EdgeCommand.Invalidate invalidate) {
        clock.observe(invalidate.version());
        l1.removeIfNotNewer(EdgeCache.bytes(invalidate.key()), invalidate.version(), settings.relief().tombstoneTtl());
        if (invalidate.token() != 0) {
            invalidate.ackTo().tell(new RelayCommand.EdgeInvalidated(invalidate.token(), getContext().getSelf()));
        }
        for (EdgeCache.Listener listener : listeners) {
            try {
                listener.onInvalidated(invalidate.key(), invalidate.version());
            } catch (RuntimeException e) {
                log.warn("edge: an invalidation listener threw; the cache is unaffected", e);
            }
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

package org.globalsessions.actors.relay;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

import org.globalsessions.actors.metrics.NodeMetrics;
import org.globalsessions.actors.sibling.SiblingActor;
import org.globalsessions.actors.tables.Tables;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.lease.TableLease;
import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.RelayCommand;
import org.globalsessions.runtime.protocol.ReplicaAcks;
import org.globalsessions.runtime.protocol.Tier;
import org.globalsessions.shm.Entry;
import org.globalsessions.shm.ShmLru;

/**
 * The relay: the entry point of edges into the
 * cluster, with its own shared-memory table (L2) for its share of the keys.
 *
 * <h2>Paths</h2>
 * <ul>
 *   <li><b>get</b>: an L2 hit (or tombstone) is answered here; a miss goes to the sibling, which
 *   asks the key's expansion replicas; the expansion replicas answer the edge directly, and the sibling writes the value
 *   into L2. One remote hop from the edge for an L2 hit; three for a relief hit.</li>
 *   <li><b>put</b>: goes to the expansion replicas through the sibling, once to each relief node
 *   (the first replica there passes it down the chain of the others on that node); the last of each
 *   chain reports {@code Stored} here, naming the replicas that stored it, and only once the reports
 *   name every replica is the value written into L2, published to the other relays and to the
 *   edges, and acknowledged to the writer ({@code PutAck}), so nothing an expansion replica refused,
 *   or that one replica alone holds, is ever cached or published. A replica that refuses answers
 *   the writer itself.</li>
 *   <li><b>delete</b> (logout): tombstone in L2 at once; then, in parallel, the expansion replicas record the
 *   tombstone, every other relay tombstones its L2, and the receivers of each host table
 *   ({@link Subscribers}) tombstone that table, as does every edge whose application listens; the edge
 *   gets {@code DeleteAck} once the expansion replicas and everyone who answers within the invalidation
 *   timeout have done so (stragglers are logged by address).</li>
 * </ul>
 * What the edges are told unasked (arrivals, invalidations) waits for the end of the relay's turn
 * through its mailbox and leaves in one message per edge ({@link EdgeOutbox}).
 *
 * <h2>Lease</h2>
 * L2 answers only while this relay holds its lease ({@link TableLease}, rule ALL): in step with
 * every other relay's numbered deletes, renewed by heartbeats to them every max-staleness / 8.
 * Without it lookups go to the sibling, and this relay's welcomes tell its edges it does not
 * vouch for them (their L1 leases then run out). It vouches only for an edge it sends every
 * invalidation to. It drops L2's values when it starts and when a
 * stream from another relay counts after a break; deletes that arrive before it first holds its
 * lease wait for it. See {@code docs/consistency.md}.
 *
 * <h2>Writer ids</h2>
 * The relay claims a writer-id slot from the {@link WriterSlots} singleton and renews it every
 * second; while it holds it, every welcome gives the edge its writer id ({@link EdgeWriterIds}).
 *
 * <h2>Concurrency</h2>
 * One actor; L2 operations take well under a microsecond, so they run inline. Edges subscribe
 * by heartbeat and are dropped when silent for {@code relay.edge-expiry}.
 */
public final class RelayActor extends AbstractBehavior<RelayCommand> {

    public static final ServiceKey<RelayCommand> KEY = ServiceKey.create(RelayCommand.class, "global-sessions-relay");
    private static final Duration TICK = Duration.ofSeconds(1);
    /** How soon a relay without a writer slot claims again (the singleton may just be starting). */
    private static final Duration CLAIM_RETRY = Duration.ofMillis(200);
    /** How long a relay is without a writer slot before it says so. */
    private static final Duration NO_SLOT_WARNING = Duration.ofSeconds(20);

    /** One adapter for both subscriptions: a message adapter is per class, so a second one would replace the first. */
    private record ListingChanged(Receptionist.Listing listing) implements RelayCommand {
    }

    private enum Tick implements RelayCommand {
        INSTANCE
    }

    /** A claim for a writer slot went unanswered so far: claim again. */
    private enum ClaimAgain implements RelayCommand {
        INSTANCE
    }

    /** The end of this turn through the mailbox: send what was queued for the edges meanwhile ({@link EdgeOutbox}). */
    private enum Flush implements RelayCommand {
        INSTANCE
    }

    /** Heartbeats to the other relays, and the lease's probation clock. */
    private enum LeaseTick implements RelayCommand {
        INSTANCE
    }

    private record InvalidationTimeout(long deleteId) implements RelayCommand {
    }

    private record OwnersTimeout(long deleteId) implements RelayCommand {
    }

    /** Writes and deletes the relief replicas have not all confirmed yet: send them again ({@link #onResend}). */
    private enum Resend implements RelayCommand {
        INSTANCE
    }

    /**
     * A write forwarded to the expansion replicas; {@code stored}: the replicas that reported it
     * stored so far; {@code sentNanos}: when it was last sent to them.
     */
    private static final class PendingPut {
        final RelayCommand.Put put;
        final long startNanos;
        final long deadlineNanos;
        final ReplicaAcks stored = new ReplicaAcks();
        long sentNanos;

        PendingPut(RelayCommand.Put put, long startNanos, long deadlineNanos) {
            this.put = put;
            this.startNanos = startNanos;
            this.sentNanos = startNanos;
            this.deadlineNanos = deadlineNanos;
        }
    }

    private static final class PendingDelete {
        final RelayCommand.Delete delete;
        final long startNanos = System.nanoTime();
        long ownersSentNanos = startNanos;
        final Set<ActorRef<RelayCommand>> peers;
        final Set<ActorRef<EdgeCommand>> edges;
        final ReplicaAcks owners = new ReplicaAcks();
        boolean ownersDone;
        boolean invalidationDone;

        PendingDelete(RelayCommand.Delete delete, Set<ActorRef<RelayCommand>> peers, Set<ActorRef<EdgeCommand>> edges) {
            this.delete = delete;
            this.peers = peers;
            this.edges = edges;
        }
    }

    private final GlobalSessionsSettings settings;
    private final ServiceKey<SiblingActor.Command> siblingKey;
    private final NodeMetrics metrics;
    private final ShmLru l2;
    private final TimerScheduler<RelayCommand> timers;
    private final ActorRef<WriterSlots.Command> writerSlots;
    private final EdgeWriterIds<ActorRef<EdgeCommand>> writerIds = new EdgeWriterIds<>();
    /** Since when this relay has held no writer slot (it warns once that long), or 0 while it holds one. */
    private long noSlotSinceNanos = System.nanoTime();
    private boolean warnedNoSlot;
    private final long incarnation = ThreadLocalRandom.current().nextLong();
    private final Subscribers edges;
    private final Map<Long, PendingPut> pendingPuts = new HashMap<>();
    /** Per key with writes in {@link #pendingPuts}: how many, and the newest version among them. */
    private final Map<String, long[]> keysInFlight = new HashMap<>();
    private final Map<Long, PendingDelete> deletes = new HashMap<>();
    /** Every other relay the receptionist lists, reachable or not (an unreachable one may still coordinate deletes). */
    private Set<ActorRef<RelayCommand>> peers = Set.of();
    /** Other relays that sent heartbeats lately, by when: they get this relay's deletes even before the receptionist lists them. */
    private final Map<ActorRef<RelayCommand>, Long> heartbeatingPeers = new HashMap<>();
    /** This relay's lease on L2: in step with every other relay's deletes. */
    private final TableLease<ActorRef<RelayCommand>> lease;
    /** Deletes coordinated so far in this incarnation: each {@code PeerInvalidate} carries its number. */
    private long deletesCoordinated;
    /** Deletes that arrived before this relay first held its lease: coordinated once it does. */
    private final List<RelayCommand.Delete> startingDeletes = new ArrayList<>();
    private boolean everLeased;
    private ActorRef<SiblingActor.Command> sibling;
    private long nextToken = 1;
    /** Invalidations sent to the subscribed edges in this incarnation: each carries its number. */
    private long invalidationsSent;
    /** Arrivals and invalidations waiting for {@link Flush}. */
    private final EdgeOutbox outbox;
    /** Whether a {@link Flush} is in the mailbox. */
    private boolean flushQueued;

    private RelayActor(ActorContext<RelayCommand> context, TimerScheduler<RelayCommand> timers,
                       GlobalSessionsSettings settings, ShmLru l2, NodeMetrics metrics, ActorRef<WriterSlots.Command> writerSlots) {
        super(context);
        this.writerSlots = writerSlots;
        this.settings = settings;
        this.siblingKey = SiblingActor.key(settings.hostname(), Tables.relayPath(settings));
        this.metrics = metrics;
        this.l2 = l2;
        this.timers = timers;
        this.outbox = new EdgeOutbox(MAX_ANSWERS_BYTES, incarnation, context.getSelf());
        this.edges = new Subscribers(settings.relay().receiversPerTable(), settings.maxStaleness().toNanos());
        var receptionist = context.getSystem().receptionist();
        receptionist.tell(Receptionist.register(KEY, context.getSelf()));
        ActorRef<Receptionist.Listing> listings = context.messageAdapter(Receptionist.Listing.class, ListingChanged::new);
        receptionist.tell(Receptionist.subscribe(siblingKey, listings));
        receptionist.tell(Receptionist.subscribe(KEY, listings));
        timers.startTimerWithFixedDelay(Tick.INSTANCE, TICK);
        claimWriterSlot();
        this.lease = new TableLease<>(TableLease.Rule.ALL, settings.leaseDuration().toNanos(), settings.maxStaleness().toNanos(),
                System.nanoTime());
        timers.startTimerWithFixedDelay(LeaseTick.INSTANCE, settings.maxStaleness().dividedBy(8));
        // A table this relay did not keep while it was down may hold sessions deleted meanwhile.
        int dropped = l2.dropLiveEntries();
        if (dropped > 0) {
            context.getLog().info("relay {}: dropped {} sessions its table held from before this start (deletes may have "
                    + "happened while it was down); they are read from the relief tiers again", settings.address(), dropped);
        }
    }

    /**
     * A relay serving from {@code l2}, a table the caller created and closes, that claims its
     * writer-id slot from {@code writerSlots} ({@link WriterSlots#init}).
     */
    public static Behavior<RelayCommand> create(GlobalSessionsSettings settings, ShmLru l2, NodeMetrics metrics,
                                                ActorRef<WriterSlots.Command> writerSlots) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> new RelayActor(context, timers, settings, l2, metrics, writerSlots)));
    }

    @Override
    public Receive<RelayCommand> createReceive() {
        return newReceiveBuilder()
                .onMessage(RelayCommand.GetBatch.class, this::onGetBatch)
                .onMessage(RelayCommand.Put.class, this::onPut)
                .onMessage(RelayCommand.Delete.class, this::onDelete)
                .onMessage(RelayCommand.Touch.class, this::onTouch)
                .onMessage(RelayCommand.IndexAdd.class, add -> toSibling("index_add", add.requestId(), add.principal(),
                        add.replyTo(), new SiblingActor.IndexAtOwners(add)))
                .onMessage(RelayCommand.IndexRemove.class, remove -> toSibling("index_remove", remove.requestId(),
                        remove.principal(), remove.replyTo(), new SiblingActor.IndexRemoveAtOwners(remove)))
                .onMessage(RelayCommand.IndexList.class, list -> toSibling("index_list", list.requestId(), list.principal(),
                        list.replyTo(), new SiblingActor.IndexListAtOwner(list)))
                .onMessage(RelayCommand.Subscribe.class, this::onSubscribe)
                .onMessage(RelayCommand.Unsubscribe.class, u -> {
                    edges.remove(u.edge());
                    return this;
                })
                .onMessage(RelayCommand.Stored.class, this::onStored)
                .onMessage(RelayCommand.OwnersDeleted.class, this::onOwnersDeleted)
                .onMessage(RelayCommand.DeleteRefused.class, this::onDeleteRefused)
                .onMessage(RelayCommand.EdgeInvalidated.class, this::onEdgeInvalidated)
                .onMessage(RelayCommand.PeerInvalidate.class, this::onPeerInvalidate)
                .onMessage(RelayCommand.PeerInvalidated.class, this::onPeerInvalidated)
                .onMessage(RelayCommand.PeerArrival.class, this::onPeerArrival)
                .onMessageEquals(Flush.INSTANCE, () -> {
                    flushQueued = false;
                    outbox.send();
                    return this;
                })
                .onMessage(RelayCommand.Expired.class, this::onExpired)
                .onMessage(RelayCommand.PeerHeartbeat.class, this::onPeerHeartbeat)
                .onMessage(RelayCommand.PeerWelcome.class, this::onPeerWelcome)
                .onMessage(RelayCommand.WriterSlot.class, this::onWriterSlot)
                .onMessageEquals(ClaimAgain.INSTANCE, () -> {
                    if (!writerIds.holdsSlot(System.nanoTime())) {
                        claimWriterSlot();
                    }
                    return this;
                })
                .onMessageEquals(LeaseTick.INSTANCE, this::onLeaseTick)
                .onMessage(ListingChanged.class, changed -> changed.listing().isForKey(KEY)
                        ? onPeersChanged(changed.listing()) : onSiblingsChanged(changed.listing()))
                .onMessage(InvalidationTimeout.class, this::onInvalidationTimeout)
                .onMessage(OwnersTimeout.class, this::onOwnersTimeout)
                .onMessageEquals(Tick.INSTANCE, this::onTick)
                .onMessageEquals(Resend.INSTANCE, this::onResend)
                .onSignal(PostStop.class, stop -> this)
                .build();
    }

    // ---- get, put, touch --------------------------------------------------------------------

    /**
     * Session bytes one {@code Answers} message carries at most; answers past it go on their own.
     * With records of up to 64 KiB, 64 answers together could exceed Artery's maximum frame
     * (256 KiB by default), which would drop the whole message.
     */
    static final int MAX_ANSWERS_BYTES = 64 * 1024;

    private Behavior<RelayCommand> onGetBatch(RelayCommand.GetBatch batch) {
        metrics.relayRequest("get_batch");
        List<EdgeCommand.Found> found = new ArrayList<>();
        List<EdgeCommand.NotFound> notFound = new ArrayList<>();
        int bytes = 0;
        for (RelayCommand.Lookup lookup : batch.lookups()) {
            EdgeCommand answer = fromL2(new RelayCommand.Get(lookup.key(), lookup.requestId(), batch.replyTo(), lookup.attempt()));
            if (answer instanceof EdgeCommand.Found f) {
                int size = f.key().length() + f.value().length;
                if (bytes + size <= MAX_ANSWERS_BYTES) {
                    found.add(f);
                    bytes += size;
                } else {
                    batch.replyTo().tell(f); // on its own: the batch's answer stays far below Artery's frame size
                }
            } else if (answer instanceof EdgeCommand.NotFound n) {
                notFound.add(n);
            }
        }
        batch.replyTo().tell(new EdgeCommand.Answers(batch.batchId(), found, notFound));
        return this;
    }

    /**
     * L2's answer to {@code get} ({@code Found}, or {@code NotFound} for a tombstone), or null
     * when L2 cannot answer: then the lookup went on to the sibling (or failed, without one), and
     * its answer reaches the edge from there.
     */
    private EdgeCommand fromL2(RelayCommand.Get get) {
        Entry entry = lease.fresh(System.nanoTime()) ? l2(get.key()) : null;
        metrics.relayRequest(entry != null ? "get_l2" : "get_forwarded");
        if (entry != null && (entry.tombstone() || !newerWriteInFlight(get.key(), entry.version()))) {
            return entry.tombstone()
                    ? new EdgeCommand.NotFound(get.requestId(), get.key(), entry.version())
                    : new EdgeCommand.Found(get.requestId(), get.key(), entry.value(), entry.version(), entry.expiresAtMillis(),
                            entry.ttlMillis(), Tier.L2);
        }
        if (sibling == null) {
            get.replyTo().tell(noSibling(get.requestId(), get.key()));
        } else {
            sibling.tell(new SiblingActor.Get(get.key(), get.requestId(), get.replyTo(), get.attempt()));
        }
        return null;
    }

    /**
     * Whether a write of {@code key} newer than {@code version} passed through here and the expansion replicas
     * have not reported it stored yet. The writer's host reads its own write from L1 at once, so the
     * writer may tell another host to read before this relay replaced its L2 copy or
     * tombstone with the new value: such a read goes to the expansion replicas instead of being answered with
     * the previous version, or "deleted" for a login right after a logout. One map lookup.
     */
    private boolean newerWriteInFlight(String key, long version) {
        long[] inFlight = keysInFlight.get(key);
        return inFlight != null && inFlight[1] > version;
    }

    private void putInFlight(RelayCommand.Put put) {
        long[] inFlight = keysInFlight.computeIfAbsent(put.key(), k -> new long[2]);
        inFlight[0]++;
        inFlight[1] = Math.max(inFlight[1], put.version());
    }

    private void putDone(RelayCommand.Put put) {
        long[] inFlight = keysInFlight.get(put.key());
        if (inFlight != null && --inFlight[0] == 0) {
            keysInFlight.remove(put.key());
        }
    }

    /**
     * A write no expansion replica reported stored in time: it was refused, or it was stored and
     * every {@code Stored} was lost on the way (Artery drops messages when a send queue is full).
     * In the second case the writer holds an acknowledgement and L2 an older version, which reads
     * would get from here on: drop that copy, so the next read asks the expansion replicas (and caches its answer).
     */
    private void forgetOlder(RelayCommand.Put put) {
        Entry entry = l2(put.key());
        if (entry != null && !entry.tombstone() && entry.version() < put.version()) { // a tombstone is final: it stays
            l2.remove(bytes(put.key()));
        }
    }

    /** The L2 entry of {@code key}, or null; a key L2 cannot hold is simply not cached here. */
    private Entry l2(String key) {
        try {
            return l2.getEntry(bytes(key));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private Behavior<RelayCommand> onPut(RelayCommand.Put put) {
        metrics.relayRequest("put");
        if (sibling == null) {
            put.replyTo().tell(noSibling(put.requestId(), put.key()));
            return this;
        }
        long token = nextToken++;
        long now = System.nanoTime();
        pendingPuts.put(token, new PendingPut(put, now, now + 2 * settings.requestTimeout().toNanos()));
        putInFlight(put);
        sibling.tell(new SiblingActor.StoreAtOwner(put, getContext().getSelf(), token, SiblingActor.EVERY_REPLICA));
        resendLater();
        return this;
    }

    private Behavior<RelayCommand> onStored(RelayCommand.Stored stored) {
        if (!stored.stored()) {
            // Refused by a replica or by the sibling, which told the writer why: never sent again.
            PendingPut refused = pendingPuts.remove(stored.token());
            if (refused != null) {
                putDone(refused.put);
                forgetOlder(refused.put);
            }
            return this;
        }
        PendingPut pending = pendingPuts.get(stored.token());
        if (pending == null || !pending.stored.ackAll(stored.storedBy(), stored.replicas())) {
            return this; // cached and published only once every replica stored it
        }
        pendingPuts.remove(stored.token());
        RelayCommand.Put put = pending.put;
        put.replyTo().tell(new EdgeCommand.PutAck(put.requestId(), put.key(), put.version(), stored.replicas()));
        putDone(put);
        cache(put.key(), put.value(), put.version(), put.ttlMillis());
        if (settings.relay().publishArrivals()) {
            RelayCommand.PeerArrival arrival = new RelayCommand.PeerArrival(put.key(), put.value(), put.version(), put.ttlMillis());
            peers.forEach(peer -> peer.tell(arrival));
            outbox.arrival(new EdgeCommand.Arrival(put.key(), put.value(), put.version(), put.ttlMillis()),
                    edges.arrivalTargets(put.replyTo()));
            flushLater();
        }
        return this;
    }

    /**
     * Sends what the outbox holds after {@code relay.push-window}, or, with none, once the relay
     * has worked through the messages already in its mailbox: the arrivals and invalidations made
     * meanwhile leave together.
     */
    private void flushLater() {
        if (!flushQueued && !outbox.isEmpty()) {
            flushQueued = true;
            Duration window = settings.relay().pushWindow();
            if (window.isZero()) {
                getContext().getSelf().tell(Flush.INSTANCE);
            } else {
                timers.startSingleTimer(Flush.INSTANCE, window);
            }
        }
    }

    private void cache(String key, byte[] value, long version, long ttlMillis) {
        try {
            l2.putIfNewer(bytes(key), value, version, Duration.ofMillis(ttlMillis), 0);
        } catch (IllegalArgumentException e) {
            getContext().getLog().debug("relay: a session not cached in L2: {}", e.getMessage());
        }
    }

    private Behavior<RelayCommand> onPeerArrival(RelayCommand.PeerArrival arrival) {
        try {
            l2.replaceIfNewer(bytes(arrival.key()), arrival.value(), arrival.version(), Duration.ofMillis(arrival.ttlMillis()), 0);
        } catch (IllegalArgumentException e) {
            getContext().getLog().debug("relay: an arrival not cached: {}", e.getMessage());
        }
        return this;
    }

    private Behavior<RelayCommand> onTouch(RelayCommand.Touch touch) {
        metrics.relayRequest("touch");
        try {
            l2.touch(bytes(touch.key()));
        } catch (IllegalArgumentException e) {
            return this;
        }
        if (sibling != null) {
            sibling.tell(new SiblingActor.Touch(touch.key()));
        }
        return this;
    }

    // ---- the principal index: kept by the expansion replicas alone, nothing in L2 ----------------

    /** Passes a principal index request on to the sibling (or fails it without one). */
    private Behavior<RelayCommand> toSibling(String request, long requestId, String principal, ActorRef<EdgeCommand> replyTo,
                                             SiblingActor.Command message) {
        metrics.relayRequest(request);
        if (sibling == null) {
            replyTo.tell(noSibling(requestId, org.globalsessions.runtime.protocol.Principals.indexKey(String.valueOf(principal))));
        } else {
            sibling.tell(message);
        }
        return this;
    }

    // ---- delete -----------------------------------------------------------------------------

    private Behavior<RelayCommand> onDelete(RelayCommand.Delete delete) {
        metrics.relayRequest("delete");
        if (!everLeased) {
            // Another relay that does not know this one yet would not hear of this delete: wait
            // until this relay is in step with every relay it knows (at most about max-staleness).
            startingDeletes.add(delete);
            return this;
        }
        if (sibling == null) {
            delete.replyTo().tell(noSibling(delete.requestId(), delete.key()));
            return this;
        }
        tombstone(delete.key(), delete.version());
        long deleteId = nextToken++;
        Set<ActorRef<RelayCommand>> toldPeers = new HashSet<>(peers);
        toldPeers.addAll(heartbeatingPeers.keySet());
        PendingDelete pending = new PendingDelete(delete, toldPeers, new HashSet<>(edges.invalidationTargets()));
        deletes.put(deleteId, pending);
        sibling.tell(new SiblingActor.DeleteAtOwners(delete.key(), delete.version(), deleteId, getContext().getSelf(),
                SiblingActor.EVERY_REPLICA));
        resendLater();
        RelayCommand.PeerInvalidate toPeers = new RelayCommand.PeerInvalidate(delete.key(), delete.version(), deleteId,
                getContext().getSelf(), incarnation, ++deletesCoordinated);
        pending.peers.forEach(peer -> peer.tell(toPeers));
        invalidate(delete.key(), delete.version(), deleteId, pending.edges);
        pending.invalidationDone = pending.peers.isEmpty() && pending.edges.isEmpty();
        if (!pending.invalidationDone) {
            timers.startSingleTimer("invalidation-" + deleteId, new InvalidationTimeout(deleteId), settings.relay().invalidationTimeout());
        }
        timers.startSingleTimer("owners-" + deleteId, new OwnersTimeout(deleteId), settings.requestTimeout());
        return this;
    }

    private void tombstone(String key, long version) {
        try {
            l2.tombstone(bytes(key), version, settings.relief().tombstoneTtl());
        } catch (IllegalArgumentException e) {
            getContext().getLog().debug("relay: a delete left no L2 tombstone: {}", e.getMessage());
        }
    }

    private Behavior<RelayCommand> onOwnersDeleted(RelayCommand.OwnersDeleted done) {
        PendingDelete pending = deletes.get(done.deleteId());
        if (pending != null && pending.owners.ack(done.replica(), done.replicas())) {
            pending.ownersDone = true;
            timers.cancel("owners-" + done.deleteId());
            completeIfDone(done.deleteId(), pending);
        }
        return this;
    }

    /** A replica at its tombstone cap refused the delete: it fails, naming the setting to raise. */
    private Behavior<RelayCommand> onDeleteRefused(RelayCommand.DeleteRefused refused) {
        PendingDelete pending = deletes.remove(refused.deleteId());
        if (pending != null) {
            timers.cancel("owners-" + refused.deleteId());
            timers.cancel("invalidation-" + refused.deleteId());
            metrics.deleteDone(false, pending.startNanos);
            pending.delete.replyTo().tell(new EdgeCommand.Failed(pending.delete.requestId(), pending.delete.key(),
                    "relay " + settings.address() + ": the delete was refused: " + refused.reason()));
        }
        return this;
    }

    private Behavior<RelayCommand> onEdgeInvalidated(RelayCommand.EdgeInvalidated ack) {
        for (long token : ack.tokens()) {
            PendingDelete pending = deletes.get(token);
            if (pending != null && pending.edges.remove(ack.edge())) {
                invalidationProgress(token, pending);
            }
        }
        return this;
    }

    private Behavior<RelayCommand> onPeerInvalidated(RelayCommand.PeerInvalidated ack) {
        PendingDelete pending = deletes.get(ack.deleteId());
        if (pending != null && pending.peers.remove(ack.peer())) {
            invalidationProgress(ack.deleteId(), pending);
        }
        return this;
    }

    private void invalidationProgress(long deleteId, PendingDelete pending) {
        if (!pending.invalidationDone && pending.peers.isEmpty() && pending.edges.isEmpty()) {
            pending.invalidationDone = true;
            timers.cancel("invalidation-" + deleteId);
            completeIfDone(deleteId, pending);
        }
    }

    private Behavior<RelayCommand> onInvalidationTimeout(InvalidationTimeout timeout) {
        PendingDelete pending = deletes.get(timeout.deleteId());
        if (pending != null && !pending.invalidationDone) {
            getContext().getLog().warn("relay: a delete: no confirmation within {} ms from {} other relay(s) {} and "
                            + "{} edge(s) {}; acknowledging it anyway (they drop their copies when the invalidation reaches them)",
                    settings.relay().invalidationTimeout().toMillis(), pending.peers.size(),
                    addresses(pending.peers), pending.edges.size(), addresses(pending.edges));
            metrics.invalidationStragglers(pending.peers.size() + pending.edges.size());
            pending.invalidationDone = true;
            completeIfDone(timeout.deleteId(), pending);
        }
        return this;
    }

    private Behavior<RelayCommand> onOwnersTimeout(OwnersTimeout timeout) {
        PendingDelete pending = deletes.remove(timeout.deleteId());
        if (pending != null) {
            timers.cancel("invalidation-" + timeout.deleteId());
            metrics.deleteDone(false, pending.startNanos);
            pending.delete.replyTo().tell(new EdgeCommand.Failed(pending.delete.requestId(), pending.delete.key(),
                    "relay " + settings.address() + ": the relief tiers did not confirm the tombstone within "
                            + settings.requestTimeout().toMillis() + " ms; the delete may be incomplete, retry it"));
        }
        return this;
    }

    private void completeIfDone(long deleteId, PendingDelete pending) {
        if (pending.ownersDone && pending.invalidationDone) {
            deletes.remove(deleteId);
            metrics.deleteDone(true, pending.startNanos);
            pending.delete.replyTo().tell(new EdgeCommand.DeleteAck(pending.delete.requestId(), pending.delete.key(), pending.delete.version()));
        }
    }

    private Behavior<RelayCommand> onPeerInvalidate(RelayCommand.PeerInvalidate invalidate) {
        tombstone(invalidate.key(), invalidate.version());
        lease.invalidated(invalidate.epoch(), invalidate.seq(), System.nanoTime());
        invalidate.replyTo().tell(new RelayCommand.PeerInvalidated(invalidate.deleteId(), getContext().getSelf()));
        // Edges subscribe to every relay, so the coordinating relay reaches its receivers itself;
        // this copy keeps this relay's receivers' leases counted (token 0: no answer needed).
        invalidate(invalidate.key(), invalidate.version(), 0, edges.invalidationTargets());
        return this;
    }

    /**
     * A relief node found these sessions ended without a logout: every subscribed edge is told,
     * for its listeners (tables keep their copies: each expires by its own time).
     */
    private Behavior<RelayCommand> onExpired(RelayCommand.Expired expired) {
        metrics.expiriesTold(expired.sessions().size());
        EdgeCommand.Expired toEdges = new EdgeCommand.Expired(expired.sessions());
        edges.all().forEach(edge -> edge.tell(toEdges));
        return this;
    }

    /**
     * Queues the next invalidation for {@code to}, the edges it carries ({@link Subscribers#invalidationTargets}),
     * numbered: an edge that finds a number skipped (or a welcome counting more than it received) knows it missed one.
     */
    private void invalidate(String key, long version, long token, Collection<ActorRef<EdgeCommand>> to) {
        outbox.invalidation(new EdgeCommand.Invalidation(key, version, token, ++invalidationsSent), to);
        flushLater();
    }

    // ---- membership -------------------------------------------------------------------------

    private Behavior<RelayCommand> onSubscribe(RelayCommand.Subscribe subscribe) {
        outbox.send(); // the welcome counts every invalidation numbered so far: they go before it
        long now = System.nanoTime();
        edges.heard(subscribe, now);
        // Only an edge sent every invalidation may renew its lease: another of its table reads by the table's freshness word.
        subscribe.edge().tell(new EdgeCommand.Welcome(subscribe.as(), incarnation, invalidationsSent, subscribe.sentNanos(),
                lease.fresh(now) && edges.carries(subscribe.edge()), writerIds.heartbeat(subscribe.edge(), now)));
        return this;
    }

    private Behavior<RelayCommand> onSiblingsChanged(Receptionist.Listing listing) {
        ActorRef<SiblingActor.Command> chosen = null;
        for (ActorRef<SiblingActor.Command> candidate : listing.getServiceInstances(siblingKey)) {
            if (chosen == null || candidate.path().address().hasLocalScope()) {
                chosen = candidate; // prefer the one in this JVM
            }
        }
        if (chosen == null && sibling != null) {
            getContext().getLog().warn("relay {}: its sibling is gone; misses, writes and deletes fail until a sibling on this host is back",
                    settings.address());
        }
        sibling = chosen;
        return this;
    }

    private Behavior<RelayCommand> onPeersChanged(Receptionist.Listing listing) {
        Set<ActorRef<RelayCommand>> all = new HashSet<>(listing.getAllServiceInstances(KEY));
        all.remove(getContext().getSelf());
        peers = Set.copyOf(all);
        requirePeers();
        return this;
    }

    // ---- the lease: in step with every other relay ----------------------------------------------

    private Behavior<RelayCommand> onPeerHeartbeat(RelayCommand.PeerHeartbeat heartbeat) {
        if (heartbeatingPeers.put(heartbeat.from(), System.nanoTime()) == null) {
            requirePeers();
        }
        heartbeat.from().tell(new RelayCommand.PeerWelcome(getContext().getSelf(), incarnation, deletesCoordinated, heartbeat.sentNanos()));
        return this;
    }

    private Behavior<RelayCommand> onPeerWelcome(RelayCommand.PeerWelcome welcome) {
        lease.welcome(welcome.from(), welcome.epoch(), welcome.invalidations(), welcome.sentNanos(), true, System.nanoTime());
        return this;
    }

    /** The lease depends on every relay that is listed or heartbeats: either may coordinate deletes. */
    private void requirePeers() {
        Set<ActorRef<RelayCommand>> required = new HashSet<>(peers);
        required.addAll(heartbeatingPeers.keySet());
        lease.require(required, System.nanoTime());
    }

    private Behavior<RelayCommand> onLeaseTick() {
        long now = System.nanoTime();
        RelayCommand.PeerHeartbeat heartbeat = new RelayCommand.PeerHeartbeat(getContext().getSelf(), now);
        peers.forEach(peer -> peer.tell(heartbeat));
        lease.tick(now, 0, this::dropL2);
        if (!everLeased && lease.fresh(now)) {
            everLeased = true;
            startingDeletes.forEach(this::onDelete);
            startingDeletes.clear();
        }
        return this;
    }

    /** A stream from another relay counted after a break: deletes it coordinated meanwhile may be missing from L2. */
    private void dropL2() {
        int dropped = l2.dropLiveEntries();
        if (dropped > 0) {
            getContext().getLog().info("relay {}: dropped {} sessions from L2: it was not in step with every other relay's "
                    + "deletes for a while; they are read from the relief tiers again", settings.address(), dropped);
        }
    }

    private Behavior<RelayCommand> onTick() {
        l2.publishCounters(); // so that inspect, another process, shows this relay's lock-free lookups within a tick
        long now = System.nanoTime();
        long expiry = settings.relay().edgeExpiry().toNanos();
        edges.expire(now, expiry);
        writerIds.expire(now);
        claimWriterSlot();
        if (heartbeatingPeers.values().removeIf(lastSeen -> now - lastSeen > expiry)) {
            requirePeers();
        }
        for (Iterator<PendingPut> i = pendingPuts.values().iterator(); i.hasNext(); ) {
            PendingPut pending = i.next();
            if (now - pending.deadlineNanos > 0) {
                i.remove();
                putDone(pending.put);
                forgetOlder(pending.put);
            }
        }
        return this;
    }

    /**
     * How long a write or a delete waits for every relief replica's confirmation before it is sent
     * again to those that have not confirmed: a quarter of {@code request-timeout}, so it is sent
     * up to three more times before the edge stops waiting.
     */
    private Duration resendAfter() {
        return settings.requestTimeout().dividedBy(4);
    }

    /**
     * Sends again the writes and deletes that some relief replica has not confirmed within
     * {@link #resendAfter}, to those replicas only, until {@code request-timeout} has passed since
     * the edge sent them (then the edge has tried another relay). A message to a shard that is
     * being handed off to another node is dropped by Pekko ({@code ShardRegion}, "Avoiding
     * reordering of buffered messages at shard handoff"): sent again, it reaches the shard's new
     * home. Both are idempotent at a replica: the same write again counts as stored, a tombstone
     * again changes nothing.
     */
    private Behavior<RelayCommand> onResend() {
        if (pendingPuts.isEmpty() && deletes.isEmpty()) {
            timers.cancel(Resend.INSTANCE); // an idle relay does not wake for it
            return this;
        }
        if (sibling == null) {
            return this;
        }
        long now = System.nanoTime();
        long after = resendAfter().toNanos();
        long until = settings.requestTimeout().toNanos();
        int puts = 0;
        for (Map.Entry<Long, PendingPut> e : pendingPuts.entrySet()) {
            PendingPut pending = e.getValue();
            if (now - pending.sentNanos >= after && now - pending.startNanos < until) {
                pending.sentNanos = now;
                sibling.tell(new SiblingActor.StoreAtOwner(pending.put, getContext().getSelf(), e.getKey(), pending.stored.missing()));
                puts++;
            }
        }
        int dels = 0;
        for (Map.Entry<Long, PendingDelete> e : deletes.entrySet()) {
            PendingDelete pending = e.getValue();
            if (!pending.ownersDone && now - pending.ownersSentNanos >= after && now - pending.startNanos < until) {
                pending.ownersSentNanos = now;
                RelayCommand.Delete delete = pending.delete;
                sibling.tell(new SiblingActor.DeleteAtOwners(delete.key(), delete.version(), e.getKey(), getContext().getSelf(),
                        pending.owners.missing()));
                dels++;
            }
        }
        metrics.resent("put", puts);
        metrics.resent("delete", dels);
        return this;
    }

    /** Looks for writes and deletes to send again every half {@link #resendAfter} while any is waiting. */
    private void resendLater() {
        if (!timers.isTimerActive(Resend.INSTANCE)) {
            timers.startTimerWithFixedDelay(Resend.INSTANCE, resendAfter().dividedBy(2));
        }
    }

    /** Renews this relay's writer-id slot, or claims one (the singleton answers {@code WriterSlot}). */
    private void claimWriterSlot() {
        long now = System.nanoTime();
        if (writerIds.holdsSlot(now)) {
            noSlotSinceNanos = 0;
        } else if (noSlotSinceNanos == 0) {
            noSlotSinceNanos = now;
        } else if (!warnedNoSlot && now - noSlotSinceNanos > NO_SLOT_WARNING.toNanos()) {
            warnedNoSlot = true;
            getContext().getLog().warn("relay {}: no writer slot for {} s (the writer-slots singleton on the relay nodes has not "
                    + "answered, or a majority of the cluster is unreachable): its edges cannot write unless another relay gives "
                    + "them a writer id", settings.address(), NO_SLOT_WARNING.toSeconds());
        }
        writerSlots.tell(new WriterSlots.Claim(getContext().getSelf(), writerIds.slot(), now));
        if (!writerIds.holdsSlot(now)) { // without a slot its edges cannot write: ask again soon, not at the next tick
            timers.startSingleTimer(ClaimAgain.INSTANCE, CLAIM_RETRY);
        }
    }

    private Behavior<RelayCommand> onWriterSlot(RelayCommand.WriterSlot granted) {
        writerIds.slotGranted(granted.slot(), granted.sentNanos());
        if (warnedNoSlot && writerIds.holdsSlot(System.nanoTime())) {
            warnedNoSlot = false;
            getContext().getLog().info("relay {}: holds writer slot {} again", settings.address(), granted.slot());
        }
        return this;
    }

    private EdgeCommand.Failed noSibling(long requestId, String key) {
        return new EdgeCommand.Failed(requestId, key, "relay " + settings.address()
                + " has no sibling: start one on this host (role sibling) to reach the relief tiers");
    }

    private static List<String> addresses(Set<? extends ActorRef<?>> refs) {
        // an edge is known by its gateway link, named after the edge's address
        return refs.stream().map(r -> r.path().address().hasLocalScope() ? r.path().name() : r.path().address().hostPort()).sorted().collect(Collectors.toCollection(ArrayList::new));
    }

    private static byte[] bytes(String key) {
        return key.getBytes(StandardCharsets.UTF_8);
    }
}

package org.globalsessions.actors.relief;

import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

import org.globalsessions.actors.metrics.NodeMetrics;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.Role;
import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.Principals;
import org.globalsessions.runtime.protocol.RelayCommand;
import org.globalsessions.runtime.protocol.ReplicaAcks;
import org.globalsessions.runtime.protocol.Tier;
import org.globalsessions.runtime.protocol.Wire;

/**
 * Replica k of a shard of the expansion tier (entity type {@code relief-expansion-k}): the
 * shard's current versions, up to a capacity. It stores writes (refusing versions older than what
 * it holds, tombstones included), keeps the shard's principal index ({@link PrincipalIndex}),
 * answers lookups or passes them down its lineage, hands what
 * its LRU evicts to aging replica k and keeps it until that one confirms it, and passes deletes
 * on to aging replica k after recording their tombstone.
 *
 * <p>States, each a behaviour: {@link #copying} (it started and copies from its next replica;
 * writes wait, and are refused with a retryable failure at the copy's timeout or when too many
 * wait, while the copy is asked again; principal index listings go to the next replica, or wait
 * like writes; index adds and removes are applied, a union with the copy), {@link #serving}, and {@link #holding} (too many
 * demotions wait for an aging replica that answers; writes wait until confirmations bring them
 * down). Every other message is handled the same way in every state. The algorithm: {@code
 * docs/relief-replication.md}.
 *
 * <p>Invariants: a write is acknowledged only once the replica knows the shard's tombstones (it
 * has copied its next replica's whole state; it never gives up copying); an evicted session is
 * answered for here until the aging replica has it.
 */
public final class ExpansionReplica {

    /** What an expansion replica accepts. */
    public sealed interface Command permits Put, Touch, Readmit, Demoted, IndexAdd, IndexRemove, IndexList, HandOff, Sweep,
            Redeliver, Lineage, ReplicaSync {
    }

    /**
     * A write, travelling down a chain of the shard's replicas (those on one relief node; every
     * replica, from 0, for a conditional write): the receiver stores it unless it holds a newer
     * version or a tombstone (with {@code ifVersion}, a conditional write, unless its version is
     * not that one: replica 0 decides), then passes it to the first replica of {@code rest} (bit k:
     * replica k), or, when none is left, reports {@code Stored} to {@code relay} naming every
     * replica of the chain that stored it ({@code storedBy} and itself) of {@code replicas}. A
     * replica that refuses answers the writer ({@code PutRefused} or {@code Failed}) and the relay
     * ({@code Stored}, not stored), and the chain ends there.
     */
    public record Put(String key, byte[] value, long version, long ttlMillis, long requestId, ActorRef<EdgeCommand> replyTo,
                      ActorRef<RelayCommand> relay, long token, int replicas, long ifVersion, long rest, long storedBy)
            implements Command, Wire {

        /** A write stored whatever the current version (if newer) by its receiver alone, which then reports it. */
        public Put(String key, byte[] value, long version, long ttlMillis, long requestId, ActorRef<EdgeCommand> replyTo,
                   ActorRef<RelayCommand> relay, long token, int replicas) {
            this(key, value, version, ttlMillis, requestId, replyTo, relay, token, replicas, RelayCommand.Put.ANY, 0, 0);
        }

        /**
         * This write as replica {@code next} of {@code rest} gets it from replica {@code by}, which
         * stored it: a plain write (the condition, if any, was decided).
         */
        Put passedOn(int next, int by) {
            return new Put(key, value, version, ttlMillis, requestId, replyTo, relay, token, replicas, RelayCommand.Put.ANY,
                    rest & ~(1L << next), storedBy | (1L << by));
        }
    }

    /** Slide the entry's expiry. */
    public record Touch(String key) implements Command, Wire {
    }

    /** A value a lookup found in another replica, handed back to this one as recent (merged by version). */
    public record Readmit(String key, byte[] value, long version, long ttlMillis, long expiresAtMillis) implements Command, Wire {
    }

    /** Aging replica k has the demotion {@code seq} of {@code key} (stored, or refused as older than what it holds). */
    public record Demoted(String key, long seq) implements Command, Wire {
    }

    /**
     * Apply {@code add} to the principal's index record ({@link PrincipalIndex}); answer
     * {@code IndexAck} naming this replica k (of {@code acksNeeded}), or {@code Failed}, to its {@code replyTo}.
     */
    public record IndexAdd(RelayCommand.IndexAdd add, int acksNeeded) implements Command, Wire {
    }

    /** Apply {@code remove} to the principal's index record; answered like {@link IndexAdd}. */
    public record IndexRemove(RelayCommand.IndexRemove remove, int acksNeeded) implements Command, Wire {
    }

    /**
     * Answer {@code IndexListing} with the principal's index record; a replica still copying its
     * next replica passes it on to that one ({@code hops} counts the replicas passed, at most all of them).
     */
    public record IndexList(RelayCommand.IndexList list, int hops) implements Command, Wire {
    }

    /** The stop message Cluster Sharding sends when the shard moves (local only). */
    public enum HandOff implements Command {
        INSTANCE
    }

    /** Timer message: drop expired entries and tombstones. */
    private enum Sweep implements Command {
        INSTANCE
    }

    /** Timer message: send unconfirmed demotions again. */
    private enum Redeliver implements Command {
        INSTANCE
    }

    /** Demotions unconfirmed at a time per replica: 24 shards × 2 replicas × 32 stay below Artery's send queue (3 072). */
    static final int WINDOW = 32;
    static final Duration REDELIVER_AFTER = Duration.ofSeconds(3);
    private static final Duration REDELIVERY_CHECK = Duration.ofSeconds(1);
    /** Writes held while copying (beyond that they are refused) or holding (beyond that they are applied at once, logged). */
    static final int STASH = 10_000;

    /** The entity type of replica {@code replica}. */
    public static EntityTypeKey<Command> typeKey(int replica) {
        return EntityTypeKey.create(Command.class, "relief-expansion-" + replica);
    }

    /** Starts replica {@code replica}'s entity type: hosted on relief-expansion nodes, a proxy elsewhere. */
    static ActorRef<ShardingEnvelope<Command>> init(ActorSystem<?> system, int replica, GlobalSessionsSettings settings,
                                                    NodeMetrics metrics) {
        Entity<Command, ShardingEnvelope<Command>> entity = Entity.of(typeKey(replica),
                ctx -> create(ctx.getEntityId(), replica, settings, metrics));
        return ClusterSharding.get(system).init(ReliefTiers.placed(entity, system, Role.RELIEF_EXPANSION, replica,
                settings.relief().replicationFactor(), HandOff.INSTANCE));
    }

    public static Behavior<Command> create(String entityId, int replica, GlobalSessionsSettings settings, NodeMetrics metrics) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> Behaviors.withStash(STASH,
                stash -> new ExpansionReplica(context, timers, stash, entityId, replica, settings, metrics).start())));
    }

    private final ActorContext<Command> context;
    private final StashBuffer<Command> stash;
    private final ReplicaCore core;
    private final ReplicaCopy copy;
    private final EntityRef<AgingReplica.Command> aging;
    private final long defaultTtlMillis;
    /** The longest session TTL ({@code relief.max-session-ttl}): a session never outlives the tombstone of its logout. */
    private final long maxTtlMillis;
    /** Evicted entries aging replica k has not confirmed yet. */
    private final Demotions demotions;
    private boolean givingUp;

    private ExpansionReplica(ActorContext<Command> context, TimerScheduler<Command> timers, StashBuffer<Command> stash,
                             String entityId, int replica, GlobalSessionsSettings settings, NodeMetrics metrics) {
        this.context = context;
        this.stash = stash;
        int capacity = settings.relief().expansionEntriesPerShard();
        this.demotions = new Demotions(WINDOW, Math.max(1_000, 4 * capacity), REDELIVER_AFTER.toMillis());
        this.core = new ReplicaCore(context, entityId, replica, settings.relief().replicationFactor(), Tier.EXPANSION, capacity,
                0, settings.relief().agingTtl(), settings.relief(), metrics, demotions);
        this.copy = new ReplicaCopy(core.expansion(replica + 1), context.getSelf().narrow(), timers, context.getLog(), core.who(),
                (long) capacity + settings.relief().tombstonesPerShard()
                        + settings.relief().agingEntriesPerShard()); // index entries: about one per session of the shard
        this.aging = core.aging(replica);
        this.defaultTtlMillis = settings.relief().defaultSessionTtl().toMillis();
        this.maxTtlMillis = settings.relief().maxSessionTtl().toMillis();
        timers.startTimerWithFixedDelay(Sweep.INSTANCE, ReplicaCore.SWEEP_INTERVAL);
        timers.startTimerWithFixedDelay(Redeliver.INSTANCE, REDELIVERY_CHECK);
    }

    /** A replica of a shard kept as one replica serves at once; else it copies its next replica first. */
    private Behavior<Command> start() {
        if (core.replicas == 1) {
            return serving();
        }
        copy.request();
        return copying();
    }

    /**
     * Copying from the next replica: writes wait (a replica that does not yet know the shard's
     * tombstones must not acknowledge a write they would refuse); everything else is served. It
     * never gives up: at the copy's timeout the writes that waited are refused with a retryable
     * failure and the copy is asked again; a write that finds the stash full is refused at once.
     */
    private Behavior<Command> copying() {
        return withDemotions(Behaviors::same)
                .onMessage(Put.class, put -> {
                    if (stash.isFull()) {
                        refuseWhileCopying(put);
                    } else {
                        stash.stash(put);
                    }
                    return Behaviors.same();
                })
                .onMessage(IndexList.class, this::listWhileCopying)
                .onMessage(ReplicaSync.SyncChunk.class, chunk -> copy.received(merged(chunk), this::copied))
                .onMessageEquals(ReplicaSync.CopyTimeout.INSTANCE, () -> {
                    int waited = stash.size();
                    stash.forEach(this::refuseWhileCopying); // only writes and listings wait while copying
                    stash.clear();
                    return copy.askAgainWhileCopying(waited);
                })
                .build();
    }

    /**
     * Fails a write or a listing that waited ({@code waiting}) with a retryable error: this replica
     * cannot acknowledge a write before it knows the shard's tombstones, nor list an index it may not wholly hold.
     */
    private void refuseWhileCopying(Command waiting) {
        if (waiting instanceof IndexList list) {
            list.list().replyTo().tell(new EdgeCommand.Failed(list.list().requestId(), Principals.indexKey(list.list().principal()),
                    core.who() + " is still copying its next replica's state (it may not hold every index entry yet); retry"));
            return;
        }
        Put put = (Put) waiting;
        core.metrics.write(Tier.EXPANSION, false);
        put.replyTo().tell(new EdgeCommand.Failed(put.requestId(), put.key(), core.who() + " is still copying its next replica's "
                + "state (it must know the shard's tombstones before it acknowledges a write); the write was not acknowledged: "
                + "retry it"));
    }

    /** The replica knows what its next replica knew: it repairs its lineage if it was rebuilt, and applies the writes that waited. */
    private Behavior<Command> copied() {
        if (core.rebuilt()) {
            aging.tell(new AgingReplica.RepairLineage());
        }
        return demotions.backlogged(ReplicaCore.now()) ? holding() : stash.unstashAll(serving());
    }

    /**
     * A replica still copying may not know every entry of the record (it has not seen the adds
     * acknowledged before it started): its next replica, which it copies from, answers instead;
     * the last replica asked (every replica copying: the shard just started) waits for its copy,
     * as a write does.
     */
    private Behavior<Command> listWhileCopying(IndexList list) {
        if (list.hops() + 1 < core.replicas) {
            core.expansion(core.replica + 1).tell(new IndexList(list.list(), list.hops() + 1));
        } else if (stash.isFull()) {
            refuseWhileCopying(list);
        } else {
            stash.stash(list);
        }
        return Behaviors.same();
    }

    private Behavior<Command> serving() {
        return afterCopying(withDemotions(Behaviors::same))
                .onMessage(Put.class, put -> demotions.backlogged(ReplicaCore.now())
                        ? hold(put, "for the aging tier to confirm demotions", holding())
                        : write(put))
                .build();
    }

    /** Too many demotions wait for an aging replica that answers: writes wait until it catches up. */
    private Behavior<Command> holding() {
        return afterCopying(withDemotions(this::releaseIfCaughtUp))
                .onMessage(Put.class, put -> hold(put, "for the aging tier to confirm demotions", Behaviors.same()))
                .build();
    }

    private Behavior<Command> releaseIfCaughtUp() {
        return demotions.backlogged(ReplicaCore.now()) ? Behaviors.same() : stash.unstashAll(serving());
    }

    /** Stashes {@code put} and goes on as {@code then}; with the stash full, applies it at once (holding only: the replica has copied). */
    private Behavior<Command> hold(Put put, String waitingFor, Behavior<Command> then) {
        if (stash.isFull()) {
            context.getLog().warn("{}: {} writes wait ({}); applying the newest at once", core.who(), STASH, waitingFor);
            write(put);
            return Behaviors.same();
        }
        stash.stash(put);
        return then;
    }

    /** What every state does alike, and the confirmations of demotions, after which the state goes on as {@code then}. */
    private BehaviorBuilder<Command> withDemotions(Supplier<Behavior<Command>> then) {
        return Behaviors.receive(Command.class)
                .onMessage(Lineage.Get.class, core::lookUp)
                .onMessage(Lineage.Delete.class, this::delete)
                .onMessage(Touch.class, touch -> core.touch(touch.key()))
                .onMessage(IndexAdd.class, this::indexAdd)
                .onMessage(IndexRemove.class, this::indexRemove)
                .onMessage(Readmit.class, readmit -> {
                    afterWrite(core.store.put(readmit.key(), new ReliefStore.Item(readmit.value(), readmit.version(),
                            readmit.ttlMillis(), readmit.expiresAtMillis()), ReplicaCore.now()).evicted());
                    return Behaviors.same();
                })
                .onMessage(ReplicaSync.SyncRequest.class, core::sendState)
                .onMessageEquals(Sweep.INSTANCE, core::sweep)
                .onMessageEquals(HandOff.INSTANCE, () -> core.handOff(typeKey(core.replica)))
                .onSignal(PostStop.class, core::stopped)
                .onMessage(Demoted.class, confirmed -> {
                    confirm(confirmed);
                    return then.get();
                })
                .onMessageEquals(Redeliver.INSTANCE, () -> {
                    redeliver();
                    return then.get(); // the aging tier may have gone quiet: writes no longer wait for it
                });
    }

    /** Answers {@code list} from this replica's index. */
    private Behavior<Command> list(IndexList list) {
        RelayCommand.IndexList request = list.list();
        request.replyTo().tell(new EdgeCommand.IndexListing(request.requestId(),
                core.index.list(request.principal(), ReplicaCore.now())));
        return Behaviors.same();
    }

    /** Applies an index add (checked: its fields come off the wire), answering the edge. */
    private Behavior<Command> indexAdd(IndexAdd add) {
        RelayCommand.IndexAdd a = add.add();
        long now = ReplicaCore.now();
        String problem = Principals.problem(a.principal());
        if (problem == null && (a.sessionId() == null || a.sessionId().isEmpty())) {
            problem = "principal index: the session id is empty";
        }
        if (problem == null) {
            long expiresAt = Math.min(a.expiresAtMillis(), now + maxTtlMillis);
            problem = core.index.add(a.principal(), a.sessionId(), new PrincipalIndex.Entry(a.sinceMillis(), expiresAt), now);
        }
        a.replyTo().tell(problem == null ? new EdgeCommand.IndexAck(a.requestId(), core.replica, add.acksNeeded())
                : new EdgeCommand.Failed(a.requestId(), Principals.indexKey(String.valueOf(a.principal())), problem));
        return Behaviors.same();
    }

    private Behavior<Command> indexRemove(IndexRemove remove) {
        RelayCommand.IndexRemove r = remove.remove();
        core.index.remove(r.principal(), r.sessionIds());
        r.replyTo().tell(new EdgeCommand.IndexAck(r.requestId(), core.replica, remove.acksNeeded()));
        return Behaviors.same();
    }

    /** Once copying is over: a chunk is merged (the answer to a request asked again is still tracked), a late timeout logged. */
    private BehaviorBuilder<Command> afterCopying(BehaviorBuilder<Command> builder) {
        return builder
                .onMessage(IndexList.class, this::list)
                .onMessage(ReplicaSync.SyncChunk.class, chunk -> copy.received(merged(chunk), Behaviors::same))
                .onMessageEquals(ReplicaSync.CopyTimeout.INSTANCE, copy::timedOutAfterCopying);
    }

    /** Merges {@code chunk}; what the LRU evicts to make room goes to the aging replica. */
    private ReplicaSync.SyncChunk merged(ReplicaSync.SyncChunk chunk) {
        afterWrite(core.merge(chunk));
        return chunk;
    }

    private Behavior<Command> write(Put put) {
        long now = ReplicaCore.now();
        long ttl = put.ttlMillis() > 0 ? Math.min(put.ttlMillis(), maxTtlMillis) : defaultTtlMillis; // edges refuse longer ones
        ReliefStore.Item item = new ReliefStore.Item(put.value(), put.version(), ttl, now + ttl);
        ReliefStore.WriteResult result = put.ifVersion() == RelayCommand.Put.ANY ? core.store.put(put.key(), item, now)
                : core.store.putIf(put.key(), item, put.ifVersion(), now);
        core.metrics.write(Tier.EXPANSION, result.stored());
        if (result.stored()) {
            demotions.remove(put.key()); // an older version on its way to aging: the aging replica may keep it or not
            afterWrite(result.evicted());
            passOn(put);
            return Behaviors.same();
        }
        if (result.tooLarge() > 0) {
            core.metrics.tooLarge(Tier.EXPANSION);
            put.replyTo().tell(new EdgeCommand.Failed(put.requestId(), put.key(), core.who() + ": the session takes "
                    + result.tooLarge() + " bytes, more than relief.expansion.bytes-per-shard = " + core.store.byteBudget()
                    + ": nothing stored (raise the setting, or store less in a session)"));
        } else {
            put.replyTo().tell(new EdgeCommand.PutRefused(put.requestId(), put.key(), result.newerVersion(), result.deleted()));
        }
        put.relay().tell(new RelayCommand.Stored(put.token(), put.key(), put.version(), false, 0, put.replicas()));
        return Behaviors.same();
    }

    /**
     * After this replica stored {@code put}: on down the chain to the next replica of its
     * {@code rest}, or, as the last, the report to the relay (which then acknowledges the writer),
     * naming every replica that stored it.
     */
    private void passOn(Put put) {
        long rest = put.rest() & ReplicaAcks.all(core.replicas) & ~(1L << core.replica);
        if (rest != 0) {
            int next = Long.numberOfTrailingZeros(rest);
            core.expansion(next).tell(put.passedOn(next, core.replica));
        } else {
            put.relay().tell(new RelayCommand.Stored(put.token(), put.key(), put.version(), true,
                    put.storedBy() | (1L << core.replica), put.replicas()));
        }
    }

    private Behavior<Command> delete(Lineage.Delete delete) {
        if (core.tombstone(delete)) {
            demotions.remove(delete.key()); // the aging replica gets the tombstone, which refuses the demotion if it comes late
            aging.tell(delete); // the aging replica records the tombstone too, and answers the relay
        }
        return Behaviors.same();
    }

    /** Hands what a write pushed out of the LRU to aging replica k (kept here until it confirms). */
    private void afterWrite(List<ReliefStore.Evicted> evicted) {
        core.metrics.evictions(Tier.EXPANSION, evicted.size());
        int givenUp = 0;
        for (ReliefStore.Evicted e : evicted) {
            givenUp += demotions.add(e.key(), e.item());
        }
        if (givenUp > 0) {
            core.metrics.demotionsGivenUp(givenUp);
            if (!givingUp) {
                givingUp = true;
                context.getLog().warn("{}: {} demotions wait for the aging tier's confirmation; giving up the oldest "
                        + "(sessions lost) until it answers again: is a relief-aging node up?", core.who(), demotions.size());
            }
        }
        send(demotions.sendable(ReplicaCore.now()));
    }

    private void send(List<Demotions.Outgoing> outgoing) {
        ActorRef<Demoted> replyTo = context.getSelf().narrow();
        for (Demotions.Outgoing d : outgoing) {
            ReliefStore.Item item = d.item();
            aging.tell(new AgingReplica.Demote(d.key(), item.value(), item.version(), item.ttlMillis(), item.expiresAt(), d.seq(),
                    replyTo));
        }
    }

    private void confirm(Demoted confirmed) {
        long now = ReplicaCore.now();
        if (demotions.confirm(confirmed.key(), confirmed.seq(), now)) {
            send(demotions.sendable(now));
            if (givingUp && demotions.size() == 0) {
                givingUp = false;
                context.getLog().info("{}: the aging tier confirms demotions again", core.who());
            }
        }
    }

    private void redeliver() {
        long now = ReplicaCore.now();
        List<Demotions.Outgoing> again = demotions.overdue(now);
        core.metrics.demotionsRedelivered(again.size());
        send(again);
        send(demotions.sendable(now));
    }
}

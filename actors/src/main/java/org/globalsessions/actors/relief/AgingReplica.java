package org.globalsessions.actors.relief;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

import org.globalsessions.actors.metrics.NodeMetrics;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.Role;
import org.globalsessions.runtime.protocol.RelayCommand;
import org.globalsessions.runtime.protocol.Tier;
import org.globalsessions.runtime.protocol.Wire;

/**
 * Replica k of a shard of the aging tier (entity type {@code relief-aging-k}): what expansion
 * replica k evicted, in a slowly expiring LRU. An entry expires after the aging TTL or when its
 * own session TTL runs out, whichever is first; what this LRU evicts in turn is gone (the oldest
 * of the old). The end of its lineage: it answers a lookup or passes it to the next lineage, and
 * confirms a delete's tombstone to the relay.
 *
 * <p>States, each a behaviour: {@link #copying} (it started and copies from its next replica)
 * and {@link #serving}. It takes no writes, so nothing waits while it copies; demotions and
 * deletes are applied at once (merging by version is order-free). The algorithm: {@code
 * docs/relief-replication.md}.
 */
public final class AgingReplica {

    /** What an aging replica accepts. */
    public sealed interface Command permits Demote, Touch, RepairLineage, HandOff, Sweep, Lineage, ReplicaSync {
    }

    /**
     * An entry expansion replica k evicted; answered with {@code Demoted(key, seq)} to
     * {@code replyTo}, until which the expansion replica keeps the entry (serves it, and sends it
     * again): a demotion is the only copy of a session in transit.
     */
    public record Demote(String key, byte[] value, long version, long ttlMillis, long expiresAtMillis, long seq,
                         ActorRef<ExpansionReplica.Demoted> replyTo) implements Command, Wire {
    }

    /**
     * Slide the entry's expiry (a session in use that was demoted here): by its TTL, at most the
     * aging TTL from now, as if it arrived again.
     */
    public record Touch(String key) implements Command, Wire {
    }

    /**
     * From expansion replica k, which was just rebuilt from its next replica: merge the next
     * lineage's aging replica's sessions, which the rebuilt expansion replica could not get back.
     */
    public record RepairLineage() implements Command, Wire {
    }

    /** The stop message Cluster Sharding sends when the shard moves (local only). */
    public enum HandOff implements Command {
        INSTANCE
    }

    /** Timer message: drop expired entries and tombstones. */
    private enum Sweep implements Command {
        INSTANCE
    }

    /** The entity type of replica {@code replica}. */
    public static EntityTypeKey<Command> typeKey(int replica) {
        return EntityTypeKey.create(Command.class, "relief-aging-" + replica);
    }

    /** Starts replica {@code replica}'s entity type: hosted on relief-aging nodes, a proxy elsewhere. */
    static ActorRef<ShardingEnvelope<Command>> init(ActorSystem<?> system, int replica, GlobalSessionsSettings settings,
                                                    NodeMetrics metrics) {
        Entity<Command, ShardingEnvelope<Command>> entity = Entity.of(typeKey(replica),
                ctx -> create(ctx.getEntityId(), replica, settings, metrics));
        return ClusterSharding.get(system).init(ReliefTiers.placed(entity, system, Role.RELIEF_AGING, replica,
                settings.relief().replicationFactor(), HandOff.INSTANCE));
    }

    public static Behavior<Command> create(String entityId, int replica, GlobalSessionsSettings settings, NodeMetrics metrics) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers ->
                new AgingReplica(context, timers, entityId, replica, settings, metrics).start()));
    }

    private final ActorContext<Command> context;
    private final ReplicaCore core;
    private final ReplicaCopy copy;

    private AgingReplica(ActorContext<Command> context, TimerScheduler<Command> timers, String entityId, int replica,
                         GlobalSessionsSettings settings, NodeMetrics metrics) {
        this.context = context;
        this.core = new ReplicaCore(context, entityId, replica, settings.relief().replicationFactor(), Tier.AGING,
                settings.relief().agingEntriesPerShard(), settings.relief().agingTtl().toMillis(), settings.relief().agingTtl(),
                settings.relief(), metrics, ReplicaCore.InTransit.NONE);
        this.copy = new ReplicaCopy(core.aging(replica + 1), context.getSelf().narrow(), timers, context.getLog(), core.who(),
                (long) settings.relief().agingEntriesPerShard() + settings.relief().tombstonesPerShard());
        timers.startTimerWithFixedDelay(Sweep.INSTANCE, ReplicaCore.SWEEP_INTERVAL);
    }

    /** A replica of a shard kept as one replica serves at once; else it copies its next replica first. */
    private Behavior<Command> start() {
        if (core.replicas == 1) {
            return serving();
        }
        copy.request();
        return copying();
    }

    /** Copying from the next replica, serving meanwhile. */
    private Behavior<Command> copying() {
        return always()
                .onMessage(ReplicaSync.SyncChunk.class, chunk -> copy.received(merged(chunk), this::copied))
                .onMessageEquals(ReplicaSync.CopyTimeout.INSTANCE, () -> copy.timedOutWhileCopying(this::copied))
                .build();
    }

    /**
     * Rebuilt from the next aging replica: this lineage also takes what the next lineage's
     * expansion replica holds (which the next aging replica never had).
     */
    private Behavior<Command> copied() {
        if (core.rebuilt()) {
            core.mergeStateOf(core.expansion(core.replica + 1), context.getSelf().narrow());
        }
        return serving();
    }

    /** Serving; a chunk is merged (the answer to a request asked again is still tracked), a late timeout logged. */
    private Behavior<Command> serving() {
        return always()
                .onMessage(ReplicaSync.SyncChunk.class, chunk -> copy.received(merged(chunk), Behaviors::same))
                .onMessageEquals(ReplicaSync.CopyTimeout.INSTANCE, copy::timedOutAfterCopying)
                .build();
    }

    /** What every state does alike. */
    private BehaviorBuilder<Command> always() {
        return Behaviors.receive(Command.class)
                .onMessage(Lineage.Get.class, core::lookUp)
                .onMessage(Lineage.Delete.class, this::delete)
                .onMessage(Demote.class, this::demote)
                .onMessage(Touch.class, touch -> core.touch(touch.key()))
                .onMessage(RepairLineage.class, repair -> {
                    context.getLog().debug("{}: its expansion replica was rebuilt; merging the sessions of aging replica {}",
                            core.who(), (core.replica + 1) % core.replicas);
                    core.mergeStateOf(core.aging(core.replica + 1), context.getSelf().narrow());
                    return Behaviors.same();
                })
                .onMessage(ReplicaSync.SyncRequest.class, core::sendState)
                .onMessageEquals(Sweep.INSTANCE, core::sweep)
                .onMessageEquals(HandOff.INSTANCE, () -> core.handOff(typeKey(core.replica)))
                .onSignal(PostStop.class, core::stopped);
    }

    /** Merges {@code chunk}; what the aging LRU evicts to make room is gone. */
    private ReplicaSync.SyncChunk merged(ReplicaSync.SyncChunk chunk) {
        core.metrics.evictions(Tier.AGING, core.merge(chunk).size());
        return chunk;
    }

    private Behavior<Command> demote(Demote demote) {
        long now = ReplicaCore.now();
        ReliefStore.WriteResult result = core.store.put(demote.key(), new ReliefStore.Item(demote.value(), demote.version(),
                demote.ttlMillis(), core.arrivalExpiry(demote.expiresAtMillis(), now)), now);
        core.metrics.write(Tier.AGING, result.stored());
        core.metrics.evictions(Tier.AGING, result.evicted().size());
        if (result.tooLarge() > 0) { // larger than this tier's whole byte budget: dropped like an eviction
            core.metrics.tooLarge(Tier.AGING);
            core.metrics.evictions(Tier.AGING, 1);
        }
        demote.replyTo().tell(new ExpansionReplica.Demoted(demote.key(), demote.seq())); // stored, or older than what is here
        return Behaviors.same();
    }

    private Behavior<Command> delete(Lineage.Delete delete) {
        if (core.tombstone(delete)) {
            delete.replyTo().tell(new RelayCommand.OwnersDeleted(delete.deleteId(), delete.key(), delete.version(), core.replica,
                    delete.acksNeeded()));
        }
        return Behaviors.same();
    }
}

package org.globalsessions.actors.relief;

import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

import org.globalsessions.actors.metrics.NodeMetrics;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.RelayCommand;
import org.globalsessions.runtime.protocol.ShardCommand;
import org.globalsessions.runtime.protocol.Tier;

/**
 * A copy of a shard of the expansion tier (the seed's "replicating" pressure relief): an owner
 * of its keys' current versions. It stores writes (refusing versions older than what it holds,
 * tombstones included), serves lookups, hands what its LRU evicts to the same copy of the same
 * shard of the aging tier, passes lookups it cannot serve on to the aging tier, and carries
 * deletes there after recording their tombstone.
 */
public final class ExpansionShard extends ReliefShard {

    private final EntityRef<ShardCommand> aging;
    private final long defaultTtlMillis;
    private final long tombstoneTtlMillis;

    private ExpansionShard(ActorContext<ShardCommand> context, TimerScheduler<ShardCommand> timers, String entityId,
                           int replica, GlobalSessionsSettings settings, NodeMetrics metrics) {
        super(context, timers, entityId, replica, Tier.EXPANSION, metrics, settings.relief().expansionEntriesPerShard(),
                settings.relief().replicationFactor(), key(replica),
                key((replica + 1) % settings.relief().replicationFactor()));
        this.aging = ClusterSharding.get(context.getSystem()).entityRefFor(AgingShard.key(replica), entityId);
        this.defaultTtlMillis = settings.relief().defaultSessionTtl().toMillis();
        this.tombstoneTtlMillis = settings.relief().tombstoneTtl().toMillis();
    }

    /** The entity type of copy {@code replica}. */
    public static EntityTypeKey<ShardCommand> key(int replica) {
        return EntityTypeKey.create(ShardCommand.class, "relief-expansion-" + replica);
    }

    public static Behavior<ShardCommand> create(String entityId, int replica, GlobalSessionsSettings settings, NodeMetrics metrics) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers ->
                new ExpansionShard(context, timers, entityId, replica, settings, metrics)));
    }

    @Override
    protected void onMiss(ShardCommand.ShardGet get) {
        aging.tell(get);
    }

    @Override
    protected Behavior<ShardCommand> onPut(ShardCommand.ShardPut put) {
        long now = now();
        long ttl = put.ttlMillis() > 0 ? put.ttlMillis() : defaultTtlMillis;
        ReliefStore.WriteResult result = store.put(put.key(), new ReliefStore.Item(put.value(), put.version(), ttl, now + ttl), now);
        metrics.write(Tier.EXPANSION, result.stored());
        if (result.stored()) {
            put.replyTo().tell(new EdgeCommand.PutAck(put.requestId(), put.key(), put.version(), put.acksNeeded()));
            demote(result);
        } else {
            put.replyTo().tell(new EdgeCommand.PutRefused(put.requestId(), put.key(), result.newerVersion(), result.deleted()));
        }
        put.relay().tell(new RelayCommand.Stored(put.token(), put.key(), put.version(), result.stored()));
        return this;
    }

    @Override
    protected Behavior<ShardCommand> onDelete(ShardCommand.ShardDelete delete) {
        long now = now();
        store.delete(delete.key(), delete.version(), now + tombstoneTtlMillis, now);
        aging.tell(delete); // the aging copy records the tombstone too, and answers the relay
        return this;
    }

    @Override
    protected Behavior<ShardCommand> onReadmit(ShardCommand.Readmit readmit) {
        demote(store.put(readmit.key(), new ReliefStore.Item(readmit.value(), readmit.version(), readmit.ttlMillis(),
                readmit.expiresAtMillis()), now()));
        return this;
    }

    @Override
    protected void afterCopy(ReliefStore.WriteResult result) {
        demote(result);
    }

    @Override
    protected Behavior<ShardCommand> onDemote(ShardCommand.Demote demote) {
        getContext().getLog().warn("relief-expansion shard {}: unexpected demotion of a key; demotions go to the aging tier", entityId);
        return this;
    }

    private void demote(ReliefStore.WriteResult result) {
        metrics.evictions(Tier.EXPANSION, result.evicted().size());
        for (ReliefStore.Evicted evicted : result.evicted()) {
            ReliefStore.Item item = evicted.item();
            aging.tell(new ShardCommand.Demote(evicted.key(), item.value(), item.version(), item.ttlMillis(), item.expiresAt()));
        }
    }
}

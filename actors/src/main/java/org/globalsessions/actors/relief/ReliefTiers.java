package org.globalsessions.actors.relief;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.ShardingMessageExtractor;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

import org.globalsessions.actors.metrics.NodeMetrics;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.Role;
import org.globalsessions.runtime.hashing.KeyHashing;
import org.globalsessions.runtime.protocol.ShardCommand;

/**
 * Cluster Sharding for the two relief tiers. One entity per shard per tier, and one Pekko
 * shard per entity: the entity id is the key's shard number ({@link KeyHashing#shardOf}), and
 * the Pekko shard id is the entity id, so the coordinator places (and rebalances) each shard of
 * keys on its own. Entities live only on nodes with the tier's role; on every other node
 * {@link #init} starts a proxy. Passivation is off: an entity holds its sessions in memory.
 */
public final class ReliefTiers {

    private final ClusterSharding sharding;
    private final KeyHashing hashing;

    private ReliefTiers(ClusterSharding sharding, KeyHashing hashing) {
        this.sharding = sharding;
        this.hashing = hashing;
    }

    /** Starts both entity types (hosting them where this node has the role, else as proxies). */
    public static ReliefTiers init(ActorSystem<?> system, GlobalSessionsSettings settings, NodeMetrics metrics) {
        ClusterSharding sharding = ClusterSharding.get(system);
        ClusterShardingSettings shardingSettings = ClusterShardingSettings.create(system).withNoPassivationStrategy();
        ShardingMessageExtractor<ShardingEnvelope<ShardCommand>, ShardCommand> extractor = new OneEntityPerShard();
        sharding.init(Entity.of(ExpansionShard.KEY, ctx -> ExpansionShard.create(ctx.getEntityId(), settings, metrics))
                .withRole(Role.RELIEF_EXPANSION.id())
                .withSettings(shardingSettings)
                .withMessageExtractor(extractor));
        sharding.init(Entity.of(AgingShard.KEY, ctx -> AgingShard.create(ctx.getEntityId(), settings, metrics))
                .withRole(Role.RELIEF_AGING.id())
                .withSettings(shardingSettings)
                .withMessageExtractor(extractor));
        return new ReliefTiers(sharding, new KeyHashing(settings.hashing().seed(), settings.hashing().shards()));
    }

    /** The expansion entity that owns {@code key}. */
    public EntityRef<ShardCommand> expansionOwner(String key) {
        return sharding.entityRefFor(ExpansionShard.KEY, hashing.entityIdOf(key));
    }

    public EntityRef<ShardCommand> agingOwner(String key) {
        return sharding.entityRefFor(AgingShard.KEY, hashing.entityIdOf(key));
    }

    public KeyHashing hashing() {
        return hashing;
    }

    /** Entity id = shard number = Pekko shard id. */
    static final class OneEntityPerShard extends ShardingMessageExtractor<ShardingEnvelope<ShardCommand>, ShardCommand> {

        @Override
        public String entityId(ShardingEnvelope<ShardCommand> envelope) {
            return envelope.entityId();
        }

        @Override
        public String shardId(String entityId) {
            return entityId;
        }

        @Override
        public ShardCommand unwrapMessage(ShardingEnvelope<ShardCommand> envelope) {
            return envelope.message();
        }
    }
}

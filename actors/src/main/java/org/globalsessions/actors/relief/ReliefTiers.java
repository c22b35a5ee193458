package org.globalsessions.actors.relief;

import java.util.ArrayList;
import java.util.List;

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
 * Cluster Sharding for the two relief tiers, each shard kept as {@code replication-factor}
 * copies. Copy {@code k} of every shard is an entity type of its own ({@code relief-expansion-k},
 * {@code relief-aging-k}) whose {@link ReplicaPlacement} puts it on the node ranked {@code k}
 * for that shard, so the copies of a shard sit on different nodes. The entity id is the key's
 * shard number ({@link KeyHashing#shardOf}) and the Pekko shard id is the entity id: one entity
 * per Pekko shard, so each shard of keys is placed on its own. Entities live only on nodes with
 * the tier's role; elsewhere {@link #init} starts proxies. Passivation is off (an entity holds
 * its sessions in memory), and when a shard moves its entity hands its state on
 * ({@link ReliefShard.HandOff}).
 */
public final class ReliefTiers {

    private final ClusterSharding sharding;
    private final KeyHashing hashing;
    private final int replicas;

    private ReliefTiers(ClusterSharding sharding, KeyHashing hashing, int replicas) {
        this.sharding = sharding;
        this.hashing = hashing;
        this.replicas = replicas;
    }

    /** Starts every copy of both entity types (hosting them where this node has the role, else as proxies). */
    public static ReliefTiers init(ActorSystem<?> system, GlobalSessionsSettings settings, NodeMetrics metrics) {
        ClusterSharding sharding = ClusterSharding.get(system);
        ClusterShardingSettings shardingSettings = ClusterShardingSettings.create(system).withNoPassivationStrategy();
        ShardingMessageExtractor<ShardingEnvelope<ShardCommand>, ShardCommand> extractor = new OneEntityPerShard();
        int copies = settings.relief().replicationFactor();
        for (int k = 0; k < copies; k++) {
            int replica = k;
            Entity<ShardCommand, ShardingEnvelope<ShardCommand>> expansion = Entity.of(ExpansionShard.key(replica),
                    ctx -> ExpansionShard.create(ctx.getEntityId(), replica, settings, metrics));
            Entity<ShardCommand, ShardingEnvelope<ShardCommand>> aging = Entity.of(AgingShard.key(replica),
                    ctx -> AgingShard.create(ctx.getEntityId(), replica, settings, metrics));
            sharding.init(copy(expansion, Role.RELIEF_EXPANSION, replica, copies, shardingSettings, extractor));
            sharding.init(copy(aging, Role.RELIEF_AGING, replica, copies, shardingSettings, extractor));
        }
        return new ReliefTiers(sharding, new KeyHashing(settings.hashing().seed(), settings.hashing().shards()), copies);
    }

    /** Copy {@code replica} of a tier's entity type: hosted on the tier's nodes, placed apart from the other copies. */
    private static Entity<ShardCommand, ShardingEnvelope<ShardCommand>> copy(Entity<ShardCommand, ShardingEnvelope<ShardCommand>> entity,
            Role role, int replica, int copies, ClusterShardingSettings settings,
            ShardingMessageExtractor<ShardingEnvelope<ShardCommand>, ShardCommand> extractor) {
        return entity.withRole(role.id())
                .withSettings(settings)
                .withMessageExtractor(extractor)
                .withAllocationStrategy(new ReplicaPlacement(role.id(), replica, copies))
                .withStopMessage(ReliefShard.HandOff.INSTANCE);
    }

    /** Every copy of the expansion shard that owns {@code key}. */
    public List<EntityRef<ShardCommand>> expansionReplicas(String key) {
        List<EntityRef<ShardCommand>> refs = new ArrayList<>(replicas);
        for (int k = 0; k < replicas; k++) {
            refs.add(expansionReplica(key, k));
        }
        return refs;
    }

    /** Copy {@code replica} (taken modulo the number of copies) of the expansion shard that owns {@code key}. */
    public EntityRef<ShardCommand> expansionReplica(String key, int replica) {
        return sharding.entityRefFor(ExpansionShard.key(Math.floorMod(replica, replicas)), hashing.entityIdOf(key));
    }

    public int replicas() {
        return replicas;
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

package org.globalsessions.actors.relief;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.IntFunction;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.ShardingMessageExtractor;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.typed.Cluster;

import org.globalsessions.actors.metrics.NodeMetrics;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.Role;
import org.globalsessions.runtime.hashing.KeyHashing;

/**
 * Cluster Sharding for the two relief tiers, each shard kept as {@code replication-factor}
 * replicas. Replica {@code k} of every shard is an entity type of its own ({@code
 * relief-expansion-k}, {@code relief-aging-k}) whose {@link ReplicaPlacement} puts it on the node
 * ranked {@code k} for that shard, so the replicas of a shard sit on different nodes. The entity
 * id is the key's shard number ({@link KeyHashing#shardOf}) and the Pekko shard id is the entity
 * id: one entity per Pekko shard, so each shard of keys is placed on its own. Entities live only
 * on nodes with the tier's role; elsewhere {@link #init} starts proxies. Passivation is off (an
 * entity holds its sessions in memory), and when a shard moves its entity hands its state on
 * (its {@code HandOff} stop message); a {@link ReplicaKeeper} on each node of a tier starts the
 * replicas placed there that are not running. See {@code docs/relief-replication.md}.
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

    /** Starts every replica of both entity types (hosting them where this node has the role, else as proxies). */
    public static ReliefTiers init(ActorSystem<?> system, GlobalSessionsSettings settings, NodeMetrics metrics) {
        int replicas = settings.relief().replicationFactor();
        List<ReplicaKeeper.Replica<?>> expansion = new ArrayList<>();
        List<ReplicaKeeper.Replica<?>> aging = new ArrayList<>();
        for (int k = 0; k < replicas; k++) {
            expansion.add(new ReplicaKeeper.Replica<>(k, ExpansionReplica.init(system, k, settings, metrics), ExpansionReplica.Command.class));
            aging.add(new ReplicaKeeper.Replica<>(k, AgingReplica.init(system, k, settings, metrics), AgingReplica.Command.class));
        }
        keep(system, Role.RELIEF_EXPANSION, settings, expansion);
        keep(system, Role.RELIEF_AGING, settings, aging);
        return new ReliefTiers(ClusterSharding.get(system), new KeyHashing(settings.hashing().seed(), settings.hashing().shards()),
                replicas);
    }

    /** On a node of the tier, keeps the tier's replicas running ({@link ReplicaKeeper}). */
    private static void keep(ActorSystem<?> system, Role role, GlobalSessionsSettings settings, List<ReplicaKeeper.Replica<?>> replicas) {
        if (Cluster.get(system).selfMember().hasRole(role.id())) {
            ReplicaKeeper.start(system, role.id(), settings.hashing().shards(), replicas);
        }
    }

    /**
     * Replica {@code replica} of a tier's entity type as sharding runs it: hosted on the tier's
     * nodes, placed apart from the other replicas, never passivated, one entity per Pekko shard,
     * stopped with {@code handOff} when its shard moves.
     */
    static <M> Entity<M, ShardingEnvelope<M>> placed(Entity<M, ShardingEnvelope<M>> entity, ActorSystem<?> system, Role role,
                                                     int replica, int replicas, M handOff) {
        return entity.withRole(role.id())
                .withSettings(ClusterShardingSettings.create(system).withNoPassivationStrategy())
                .withMessageExtractor(new OneEntityPerShard<>())
                .withAllocationStrategy(new ReplicaPlacement(role.id(), replica, replicas))
                .withStopMessage(handOff);
    }

    /** Every replica of the expansion shard that owns {@code key}. */
    public List<EntityRef<ExpansionReplica.Command>> expansionReplicas(String key) {
        return every(ExpansionReplica::typeKey, key);
    }

    /** Every replica of the aging shard that owns {@code key}. */
    public List<EntityRef<AgingReplica.Command>> agingReplicas(String key) {
        return every(AgingReplica::typeKey, key);
    }

    private <M> List<EntityRef<M>> every(IntFunction<EntityTypeKey<M>> typeKey, String key) {
        List<EntityRef<M>> refs = new ArrayList<>(replicas);
        for (int k = 0; k < replicas; k++) {
            refs.add(sharding.entityRefFor(typeKey.apply(k), hashing.entityIdOf(key)));
        }
        return refs;
    }

    /** Replica {@code replica} (taken modulo the number of replicas) of the expansion shard that owns {@code key}. */
    public EntityRef<ExpansionReplica.Command> expansionReplica(String key, int replica) {
        return sharding.entityRefFor(ExpansionReplica.typeKey(Math.floorMod(replica, replicas)), hashing.entityIdOf(key));
    }

    /**
     * A tier's membership as routing sees it.
     *
     * @param nodes       the addresses ({@code pekko://system@host:port}) of the tier's members, unreachable ones included
     * @param unreachable the addresses of those whose replicas cannot answer now
     */
    public record Membership(Collection<String> nodes, Set<String> unreachable) {
        /** Every member reachable: routing goes by the attempt alone. */
        public static final Membership ALL_REACHABLE = new Membership(List.of(), Set.of());
    }

    /**
     * The expansion replica a lookup of {@code key} asks first: replica {@code attempt}, or the
     * next one whose node the cluster can reach ({@link ReplicaPlacement#firstReachable}).
     */
    public EntityRef<ExpansionReplica.Command> reachableExpansionReplica(String key, int attempt, Membership tier) {
        return expansionReplica(key, ReplicaPlacement.firstReachable(hashing.entityIdOf(key), attempt, replicas, tier.nodes(),
                tier.unreachable()));
    }

    /**
     * The replicas of {@code key}'s shard in {@code tier} (expansion or aging) whose node is
     * unreachable, each as "replica k on node"; empty when every replica's node is reachable. A
     * write or delete needs every replica's acknowledgement, so while one of these is listed it
     * cannot be acknowledged.
     */
    public List<String> unreachableReplicas(String key, Membership tier) {
        List<String> out = new ArrayList<>();
        if (!tier.unreachable().isEmpty()) {
            List<String> homes = ReplicaPlacement.homes(hashing.entityIdOf(key), replicas, tier.nodes());
            for (int k = 0; k < homes.size(); k++) {
                if (tier.unreachable().contains(homes.get(k))) {
                    out.add("replica " + k + " on " + homes.get(k));
                }
            }
        }
        return out;
    }

    public int replicas() {
        return replicas;
    }

    public KeyHashing hashing() {
        return hashing;
    }

    /** Entity id = shard number = Pekko shard id. */
    static final class OneEntityPerShard<M> extends ShardingMessageExtractor<ShardingEnvelope<M>, M> {

        @Override
        public String entityId(ShardingEnvelope<M> envelope) {
            return envelope.entityId();
        }

        @Override
        public String shardId(String entityId) {
            return entityId;
        }

        @Override
        public M unwrapMessage(ShardingEnvelope<M> envelope) {
            return envelope.message();
        }
    }
}

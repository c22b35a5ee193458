package org.globalsessions.actors.relief;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.javadsl.StartEntity;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Keeps every replica of a relief tier running. Cluster Sharding (without remember-entities)
 * starts an entity only when a message comes for it, so after a node crashes, or after a move
 * that handed nothing on, the replicas that lived there would come back only when their shard is
 * next written or read: a shard nobody uses would run on fewer copies than configured, and a
 * second failure could lose what it holds. So each node of the tier, every {@link #INTERVAL},
 * sends {@code StartEntity} for the replicas the placement gives it ({@link ReplicaPlacement#home}
 * among the tier's Up members): a running one just acknowledges (to no one), a missing one starts
 * and copies its next replica ("Copying on start" in docs/relief-replication.md). Each replica is
 * asked by one node, its own home, so the messages are local once placement has settled.
 */
final class ReplicaKeeper {

    static final Duration INTERVAL = Duration.ofSeconds(5);

    private enum Tick { INSTANCE }

    /** One entity type of the tier, replica {@code replica}: the region to ask and the type's message class. */
    record Replica<M>(int replica, ActorRef<ShardingEnvelope<M>> region, Class<M> messages) {
        void start(String entityId) {
            region.tell(StartEntity.create(messages, entityId));
        }
    }

    private ReplicaKeeper() {
    }

    /** Starts the keeper of the tier whose nodes have {@code role}, on a node that has it. */
    static void start(ActorSystem<?> system, String role, int shards, List<Replica<?>> replicas) {
        system.systemActorOf(behavior(role, shards, replicas), "relief-keeper-" + role, Props.empty());
    }

    private static Behavior<Tick> behavior(String role, int shards, List<Replica<?>> replicas) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
            timers.startTimerWithFixedDelay(Tick.INSTANCE, INTERVAL);
            Cluster cluster = Cluster.get(context.getSystem());
            String self = cluster.selfMember().address().toString();
            return Behaviors.receiveMessage(tick -> {
                List<String> nodes = upNodes(cluster, role);
                if (nodes.contains(self)) {
                    for (int shard = 0; shard < shards; shard++) {
                        String entityId = Integer.toString(shard);
                        for (Replica<?> replica : replicas) {
                            if (self.equals(ReplicaPlacement.home(entityId, replica.replica(), nodes))) {
                                replica.start(entityId);
                            }
                        }
                    }
                }
                return Behaviors.same();
            });
        }));
    }

    /** The addresses of the tier's Up members, as the placement names nodes. */
    static List<String> upNodes(Cluster cluster, String role) {
        List<String> nodes = new ArrayList<>();
        for (Member member : cluster.state().getMembers()) {
            if (member.status() == MemberStatus.up() && member.hasRole(role)) {
                nodes.add(member.address().toString());
            }
        }
        return nodes;
    }
}

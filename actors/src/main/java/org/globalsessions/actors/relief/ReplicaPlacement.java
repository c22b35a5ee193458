package org.globalsessions.actors.relief;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

import net.openhft.hashing.LongHashFunction;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.sharding.ShardCoordinator;
import org.apache.pekko.dispatch.Futures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.collection.immutable.IndexedSeq;
import scala.concurrent.Future;

/**
 * Where replica {@code k} of each relief shard lives: rendezvous (highest-random-weight)
 * hashing over the nodes hosting the tier. Every node gets a score {@code hash(shard, node)};
 * replica {@code k} goes to the node ranked {@code k}. So the replicas of a shard sit on
 * different nodes whenever there are at least as many nodes as replicas; a joining node takes
 * just the replicas it now ranks for (about 1/n of them), and a leaving node's replicas move to
 * the next node in each shard's ranking. With fewer nodes than replicas, replica {@code k} shares
 * node {@code k mod n} with another replica (still correct, not fault-tolerant; logged once per
 * tier and condition by {@link PlacementNotices}).
 *
 * <p>Runs inside the shard coordinator (a cluster singleton); the ranking depends only on node
 * addresses, so a coordinator that moves to another node computes the same placement. See
 * {@code docs/relief-replication.md}, "Placement".
 */
public final class ReplicaPlacement extends ShardCoordinator.AbstractShardAllocationStrategy
        implements ShardCoordinator.ActorSystemDependentAllocationStrategy {

    private static final Logger log = LoggerFactory.getLogger(ReplicaPlacement.class);
    private static final LongHashFunction HASH = LongHashFunction.xx3(0x72656c696566L);
    /**
     * Replicas of one entity type moving at a time. A replica that lands is handed its old home's
     * state and copies its next replica (up to ~40 chunks of 200 entries each), so a few at a time
     * keep the copies of all four entity types well below Artery's send queue (3 072 messages);
     * with rebalance rounds every 2 s (PekkoConfig), the ~32 replicas per entity type that a
     * returning node of a two-node tier takes back (64 shards) move in about 8 waves: 16 s measured
     * (ReliefNodeFailureIT with 64 shards; issue 19 saw 2 per 10 s round not settle in 6 minutes).
     */
    static final int MOVES_IN_FLIGHT = 4;

    private final String tier;
    private final int replica;
    private final int replicas;
    private Function<ActorRef, String> nodeOf;
    /** Shared by every entity type's placement in one ActorSystem once {@link #start} ran. */
    private PlacementNotices notices = new PlacementNotices();
    private BooleanSupplier alone = () -> false;

    ReplicaPlacement(String tier, int replica, int replicas) {
        this(tier, replica, replicas, region -> region.path().address().toString());
    }

    /** @param nodeOf the node a region lives on: the ranking must depend on nodes only, never on the entity type */
    ReplicaPlacement(String tier, int replica, int replicas, Function<ActorRef, String> nodeOf) {
        this.tier = tier;
        this.replica = replica;
        this.replicas = replicas;
        this.nodeOf = nodeOf;
    }

    @Override
    public void start(ActorSystem system) {
        Cluster cluster = Cluster.get(system);
        Address self = cluster.selfAddress();
        notices = PlacementNotices.get(system);
        alone = () -> cluster.state().members().size() <= 1;
        Function<ActorRef, String> remote = nodeOf;
        // The coordinator's own region has a local address; it stands for this node.
        nodeOf = region -> region.path().address().hasLocalScope() ? self.toString() : remote.apply(region);
    }

    @Override
    public Future<ActorRef> allocateShard(ActorRef requester, String shardId, Map<ActorRef, IndexedSeq<String>> current) {
        return Futures.successful(choose(shardId, current.keySet()));
    }

    @Override
    public Future<Set<String>> rebalance(Map<ActorRef, IndexedSeq<String>> current, Set<String> inProgress) {
        return Futures.successful(moves(current, inProgress));
    }

    /**
     * The replicas to move this round: those not on the node {@link #choose} gives them, as many
     * as leave at most {@link #MOVES_IN_FLIGHT} moving (those still in progress count).
     */
    Set<String> moves(Map<ActorRef, IndexedSeq<String>> current, Set<String> inProgress) {
        Set<String> moves = new HashSet<>();
        int room = MOVES_IN_FLIGHT - inProgress.size();
        for (Map.Entry<ActorRef, IndexedSeq<String>> region : current.entrySet()) {
            for (String shard : scala.jdk.javaapi.CollectionConverters.asJava(region.getValue())) {
                if (moves.size() < room && !inProgress.contains(shard)
                        && !choose(shard, current.keySet()).equals(region.getKey())) {
                    moves.add(shard);
                }
            }
        }
        return moves;
    }

    /** The region (node) that replica {@code replica} of {@code shard} belongs on. */
    ActorRef choose(String shard, Set<ActorRef> regions) {
        notices.observe(tier, replica, replicas, regions.size(), regions.size() < replicas && alone.getAsBoolean())
                .ifPresent(ReplicaPlacement::log);
        Map<String, ActorRef> byNode = new HashMap<>();
        regions.forEach(region -> byNode.put(nodeOf.apply(region), region));
        return byNode.get(home(shard, replica, byNode.keySet()));
    }

    private static void log(PlacementNotices.Notice notice) {
        switch (notice.level()) {
            case WARN -> log.warn(notice.text());
            case INFO -> log.info(notice.text());
            case DEBUG -> log.debug(notice.text());
        }
    }

    /**
     * The node that replica {@code replica} of {@code shard} belongs on, among {@code nodes} (their
     * addresses, {@code pekko://system@host:port}): the placement as a function of membership
     * only, so an operator or a test can tell where every replica should settle.
     *
     * @throws IllegalArgumentException if {@code nodes} is empty: a replica has no home without a node
     */
    public static String home(String shard, int replica, Collection<String> nodes) {
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("no node to place replica " + replica + " of shard " + shard + " on: the node list is empty");
        }
        List<String> ranked = rank(shard, nodes);
        return ranked.get(replica % ranked.size());
    }

    /**
     * The nodes of replicas {@code 0 … replicas-1} of {@code shard} among {@code nodes}, in replica
     * order ({@link #home} of each); empty without nodes.
     */
    public static List<String> homes(String shard, int replicas, Collection<String> nodes) {
        if (nodes.isEmpty()) {
            return List.of();
        }
        List<String> ranked = rank(shard, nodes);
        List<String> homes = new ArrayList<>(replicas);
        for (int replica = 0; replica < replicas; replica++) {
            homes.add(ranked.get(replica % ranked.size()));
        }
        return homes;
    }

    /**
     * The replicas of a shard that live on the node of replica {@code replica} when its tier has
     * {@code nodes} nodes: bit k set for each replica k of {@code replicas}. Replica k's home is
     * the ((k mod nodes)+1)-th node of the shard's ranking ({@link #home}), so replicas share a
     * node only when the tier has fewer nodes than replicas, and then whatever the shard: with one
     * node, every replica; with as many nodes as replicas or more, {@code replica} alone.
     */
    public static long sharingNode(int replica, int replicas, int nodes) {
        long sharing = 0;
        for (int k = Math.floorMod(replica, Math.max(1, nodes)); k < replicas && k < Long.SIZE; k += Math.max(1, nodes)) {
            sharing |= 1L << k;
        }
        return sharing;
    }

    /**
     * The first replica of {@code shard}, from {@code from} on (modulo {@code replicas}), whose home
     * among {@code nodes} is not in {@code unreachable}; {@code from} itself if every one is, or if
     * there are no nodes. A lookup goes to the replica it returns, so while the failure detector
     * holds a node unreachable (before it is downed) lookups ask the replica that can answer
     * instead of one whose node would drop them. Assumes placement has settled, which it has unless
     * membership changed within the last rebalance rounds; a wrong guess costs what not guessing
     * costs (the lookup is lost and the edge retries).
     */
    public static int firstReachable(String shard, int from, int replicas, Collection<String> nodes, Set<String> unreachable) {
        if (!unreachable.isEmpty()) {
            List<String> homes = homes(shard, replicas, nodes);
            for (int i = 0; i < homes.size(); i++) {
                int replica = Math.floorMod(from + i, replicas);
                if (!unreachable.contains(homes.get(replica))) {
                    return replica;
                }
            }
        }
        return Math.floorMod(from, replicas);
    }

    /**
     * How many replicas each of {@code nodes} hosts once placement has settled, for a tier of
     * {@code shards} shards (ids {@code "0"} … , as {@link ReliefTiers} names them) of
     * {@code replicas} replicas each: {@link #home} of every replica, counted per node.
     */
    public static Map<String, Integer> replicasPerNode(int shards, int replicas, Collection<String> nodes) {
        Map<String, Integer> count = new HashMap<>();
        nodes.forEach(node -> count.put(node, 0));
        for (int shard = 0; shard < shards; shard++) {
            for (int replica = 0; replica < replicas; replica++) {
                count.merge(home(Integer.toString(shard), replica, nodes), 1, Integer::sum);
            }
        }
        return count;
    }

    /** Nodes ordered by their score for {@code shard}, best first; ties broken by address. */
    static List<String> rank(String shard, Collection<String> nodes) {
        List<String> ranked = new ArrayList<>(nodes);
        // By node only: the replicas of a shard are separate entity types with separate
        // coordinators, and they agree on the ranking because it ignores the type.
        ranked.sort(Comparator.comparingLong((String node) -> score(shard, node)).reversed()
                .thenComparing(Comparator.naturalOrder()));
        return ranked;
    }

    static long score(String shard, String node) {
        return HASH.hashBytes((shard + "|" + node).getBytes(StandardCharsets.UTF_8));
    }
}

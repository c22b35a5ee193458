package org.globalsessions.actors.relief;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;
import org.apache.pekko.actor.ExtensionIdProvider;

/**
 * What the relief tiers' placement tells the log when a tier has fewer nodes than replicas per
 * shard: once per tier and condition, not once per entity type. Replica {@code k} of a tier is an
 * entity type of its own with its own coordinator and {@link ReplicaPlacement}, and every one of
 * them sees the same membership, so each tier's condition is kept here, one instance per
 * ActorSystem (an extension), and only a change of it is said.
 *
 * <p>A tier's condition is the fewest nodes any of its replicas' coordinators saw last (so a
 * node that one coordinator has seen join and another not yet does not make it flap), and whether
 * this node was the cluster's only member. Said: a tier degraded in a cluster of several members
 * (WARN: losing a node loses sessions), and its recovery (INFO). A tier that shares its node because
 * the whole cluster is this one node (the all-in-one default, {@code up}) is said at DEBUG: that
 * is the deployment, not a degradation, and the launcher says once at start what it does not
 * protect against.
 *
 * <p>Thread-safety: coordinators of several entity types call {@link #observe} from their own
 * actors; it is synchronized.
 */
final class PlacementNotices implements Extension {

    /** A line for the log. */
    record Notice(Level level, String text) {
    }

    enum Level { DEBUG, INFO, WARN }

    /** A tier's state: the fewest nodes a replica's coordinator saw, and whether this node was the cluster's only member. */
    record Condition(int nodes, boolean alone) {
    }

    private final Map<String, Map<Integer, Integer>> nodesSeen = new HashMap<>();
    private final Map<String, Condition> said = new HashMap<>();

    /** The instance of {@code system}. */
    static PlacementNotices get(ActorSystem system) {
        return Id.INSTANCE.get(system);
    }

    /**
     * Replica {@code replica}'s coordinator of {@code tier} placed a shard among {@code nodes}
     * nodes, {@code alone} telling whether this node is the cluster's only member.
     *
     * @return what to log, if the tier's condition changed
     */
    synchronized Optional<Notice> observe(String tier, int replica, int replicas, int nodes, boolean alone) {
        Map<Integer, Integer> seen = nodesSeen.computeIfAbsent(tier, t -> new HashMap<>());
        seen.put(replica, nodes);
        Condition now = new Condition(seen.values().stream().mapToInt(Integer::intValue).min().orElse(nodes), alone);
        Condition before = said.put(tier, now);
        return now.equals(before) ? Optional.empty() : describe(tier, replicas, before, now);
    }

    /** What to say when {@code tier}'s condition went from {@code before} (null: first seen) to {@code now}. */
    static Optional<Notice> describe(String tier, int replicas, Condition before, Condition now) {
        if (now.nodes() >= replicas) {
            return before != null && before.nodes() < replicas
                    ? Optional.of(new Notice(Level.INFO, tier + ": " + now.nodes() + " nodes for " + replicas
                            + " replicas of each shard: every replica on a node of its own again"))
                    : Optional.empty();
        }
        if (now.alone()) {
            return Optional.of(new Notice(Level.DEBUG, tier + ": this node is the cluster's only member, so the " + replicas
                    + " replicas of each shard share it"));
        }
        return Optional.of(new Notice(Level.WARN, tier + ": " + now.nodes() + " node(s) for " + replicas
                + " replicas of each shard: replicas share nodes, and losing a node loses sessions (degraded until more "
                + tier + " nodes join)"));
    }

    static final class Id extends AbstractExtensionId<PlacementNotices> implements ExtensionIdProvider {
        static final Id INSTANCE = new Id();

        @Override
        public Id lookup() {
            return INSTANCE;
        }

        @Override
        public PlacementNotices createExtension(ExtendedActorSystem system) {
            return new PlacementNotices();
        }
    }
}

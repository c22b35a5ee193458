package org.globalsessions.actors.node;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.pattern.Patterns;

import org.globalsessions.actors.relief.AgingReplica;
import org.globalsessions.actors.relief.ExpansionReplica;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.Role;
import org.globalsessions.shm.ShmLru;

/**
 * Whether this node is alive and ready, for the health endpoints ({@link LivenessCheck},
 * {@link ReadinessCheck}, registered with Pekko Management in this module's reference.conf).
 *
 * <p><b>Alive</b>: the actor system runs, no shutdown has begun, and the cluster has not downed
 * this node. A downed node exits 3 (decision 0007), so "not alive" is mostly seen as no answer.
 *
 * <p><b>Ready</b>: this node is an Up member; it can reach a majority of the members it knows
 * (a node on the minority side of a partition is not ready before the split brain resolver downs
 * it); every relief entity type of its roles has its shard region registered with the type's
 * coordinator, so shards can be allocated to it (Pekko allocates a shard on first use, so
 * "allocated" cannot mean "every shard is here"); a relay's table is open and a sibling is
 * attached to its relay's table. A registration, once seen, is remembered: a coordinator that
 * moves (its node crashed) does not make the surviving nodes of the tier unready.
 *
 * <p>Concurrency: the facts are volatile fields and a concurrent set written by the node's
 * guardian and its sibling and read by the HTTP server's threads; {@link #problems} is a pure
 * function of a snapshot.
 */
public final class NodeHealth implements Extension {

    /** How long a shard region may take to say which regions its coordinator knows. */
    static final Duration REGIONS_TIMEOUT = Duration.ofSeconds(2);

    private final ActorSystem<?> system;
    private final Set<String> registered = ConcurrentHashMap.newKeySet();
    private volatile GlobalSessionsSettings settings;
    private volatile ShmLru relayTable;
    private volatile boolean siblingAttached;

    private NodeHealth(ActorSystem<?> system) {
        this.system = system;
    }

    public static NodeHealth get(ActorSystem<?> system) {
        return system.registerExtension(Id.INSTANCE);
    }

    /** Pekko's handle on the extension: one {@link NodeHealth} per actor system. */
    public static final class Id extends ExtensionId<NodeHealth> {
        static final Id INSTANCE = new Id();

        @Override
        public NodeHealth createExtension(ActorSystem<?> system) {
            return new NodeHealth(system);
        }
    }

    /** The node's guardian has started its roles; {@code relayTable} is the relay's L2 table, or null. */
    void started(GlobalSessionsSettings settings, ShmLru relayTable) {
        this.relayTable = relayTable;
        this.settings = settings;
    }

    /** The node's guardian stopped: its relay table is closed. */
    void stopped() {
        this.relayTable = null;
    }

    /** The sibling is attached to its relay's L2 table. */
    public void siblingAttached() {
        siblingAttached = true;
    }

    /** What a readiness check found wrong: one short phrase per failed check, empty when ready. */
    record Facts(GlobalSessionsSettings settings, MemberStatus self, int members, int unreachable,
                 List<String> unregisteredTypes, boolean relayTableOpen, boolean siblingAttached) {
    }

    /**
     * The failed readiness checks in {@code facts}, each a phrase naming what is wrong; empty when
     * the node is ready.
     */
    static List<String> problems(Facts facts) {
        List<String> problems = new ArrayList<>();
        if (facts.settings() == null) {
            problems.add("node: its roles have not started yet");
            return problems;
        }
        if (!MemberStatus.up().equals(facts.self())) {
            problems.add("membership: this node is " + facts.self() + ", not Up");
        }
        int reachable = facts.members() - facts.unreachable();
        if (reachable * 2 <= facts.members()) {
            problems.add("reachability: this node reaches " + reachable + " of " + facts.members()
                    + " members, not a majority (the split brain resolver may down it)");
        }
        for (String type : facts.unregisteredTypes()) {
            problems.add("sharding: " + type + " has no shard region on this node registered with its coordinator yet");
        }
        if (facts.settings().has(Role.RELAY) && !facts.relayTableOpen()) {
            problems.add("relay: its L2 table is not open or not usable (see the log)");
        }
        if (facts.settings().has(Role.SIBLING) && !facts.siblingAttached()) {
            problems.add("sibling: not attached to the relay's L2 table yet");
        }
        return problems;
    }

    /** The failed liveness checks: empty while the actor system runs and the cluster has not downed this node. */
    public List<String> livenessProblems() {
        List<String> problems = new ArrayList<>();
        if (system.whenTerminated().isCompleted()) {
            problems.add("actor system: terminated");
            return problems;
        }
        MemberStatus self = Cluster.get(system).selfMember().status();
        if (MemberStatus.down().equals(self) || MemberStatus.removed().equals(self)) {
            problems.add("membership: the cluster downed this node (" + self + ")");
        }
        CoordinatedShutdown.get(system).getShutdownReason()
                .ifPresent(reason -> problems.add("shutdown: stopping (" + reason.getClass().getSimpleName() + ")"));
        return problems;
    }

    /** The failed readiness checks, gathered now (asks the coordinators of not yet registered relief types). */
    public CompletionStage<List<String>> readinessProblems() {
        GlobalSessionsSettings current = settings;
        Cluster cluster = Cluster.get(system);
        Member self = cluster.selfMember();
        int members = 0;
        for (Member ignored : cluster.state().getMembers()) {
            members++;
        }
        int unreachable = cluster.state().getUnreachable().size();
        ShmLru table = relayTable;
        boolean attached = siblingAttached;
        int total = members;
        return unregisteredTypes(current, self.address()).thenApply(unregistered -> problems(new Facts(current,
                self.status(), total, unreachable, unregistered, table != null && table.usable(), attached)));
    }

    /** The relief entity types of this node's roles whose region its coordinator does not list (yet). */
    private CompletionStage<List<String>> unregisteredTypes(GlobalSessionsSettings current, Address self) {
        if (current == null) {
            return CompletableFuture.completedFuture(List.of());
        }
        Executor executor = system.executionContext();
        List<CompletableFuture<String>> asks = new ArrayList<>();
        for (EntityTypeKey<?> key : reliefTypes(current)) {
            String type = key.name();
            if (registered.contains(type)) {
                continue;
            }
            var region = org.apache.pekko.cluster.sharding.ClusterSharding.get(system.classicSystem()).shardRegion(type);
            asks.add(Patterns.ask(region, ShardRegion.getCurrentRegionsInstance(), REGIONS_TIMEOUT)
                    .toCompletableFuture()
                    .handleAsync((reply, failure) -> {
                        if (reply instanceof ShardRegion.CurrentRegions regions && regions.getRegions().contains(self)) {
                            registered.add(type);
                            return null;
                        }
                        return type;
                    }, executor));
        }
        return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new)).thenApplyAsync(done -> {
            List<String> missing = new ArrayList<>();
            asks.forEach(ask -> {
                if (ask.join() != null) {
                    missing.add(ask.join());
                }
            });
            return missing;
        }, executor);
    }

    /** The entity types of the relief roles this node hosts: relief-expansion-k and relief-aging-k. */
    static List<EntityTypeKey<?>> reliefTypes(GlobalSessionsSettings settings) {
        List<EntityTypeKey<?>> types = new ArrayList<>();
        for (int k = 0; k < settings.relief().replicationFactor(); k++) {
            if (settings.has(Role.RELIEF_EXPANSION)) {
                types.add(ExpansionReplica.typeKey(k));
            }
            if (settings.has(Role.RELIEF_AGING)) {
                types.add(AgingReplica.typeKey(k));
            }
        }
        return types;
    }
}

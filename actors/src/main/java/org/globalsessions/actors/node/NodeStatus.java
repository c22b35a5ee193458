package org.globalsessions.actors.node;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;

import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetClusterShardingStats;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.typed.Cluster;

import org.globalsessions.actors.relief.AgingReplica;
import org.globalsessions.actors.relief.ExpansionReplica;
import org.globalsessions.actors.relief.ReliefTiers;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.Role;
import org.globalsessions.runtime.protocol.Wire;
import org.globalsessions.shm.ShmLru;

/**
 * The node status actor ({@code /user/status} on every node): answers {@code global-sessions
 * status} with the cluster as this node sees it: the members (address, roles, status,
 * reachability), the shards each member's regions hold per relief entity type (the types'
 * coordinators, asked with {@code GetClusterShardingStats}), and the fill of every relay's L2 table
 * (each relay's status actor, found through the receptionist, asked for its own). The tool asks
 * from a cluster-less actor system; nothing here joins or changes the cluster.
 *
 * <p>The answer is assembled from asks that each have a timeout; what did not answer in time is
 * listed in {@link ClusterStatus#problems}, so a partly unreachable cluster still gets an answer.
 */
public final class NodeStatus {

    /** How long a coordinator may take to collect its regions' shard counts. */
    static final Duration SHARD_STATS_TIMEOUT = Duration.ofSeconds(3);
    /** How long a relay may take to report its table. */
    static final Duration TABLE_TIMEOUT = Duration.ofSeconds(3);

    static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "global-sessions-status");

    private NodeStatus() {
    }

    /** What a node's status actor accepts. */
    public sealed interface Command permits GetClusterStatus, GetTableFill {
    }

    /** The cluster as the asked node sees it. */
    public record GetClusterStatus(ActorRef<ClusterStatus> replyTo) implements Command, Wire {
    }

    /** A relay's own L2 table fill. */
    public record GetTableFill(ActorRef<TableFill> replyTo) implements Command, Wire {
    }

    /** A cluster member: {@code host:port}, its roles, its membership status ({@code Up}, {@code Joining}, …) and whether the asked node reaches it. */
    public record Member(String address, List<String> roles, String status, boolean reachable) implements Wire {
    }

    /** How many shards of {@code entityType} the region on member {@code address} holds. */
    public record Shards(String entityType, String address, int shards) implements Wire {
    }

    /** A relay's L2 table: entries held and entries it can hold. */
    public record TableFill(String address, long entries, long capacity) implements Wire {
    }

    /**
     * The answer: the asked node, the members in address order, shard counts per entity type and
     * member, every relay's table, and what could not be found out (empty when everything answered).
     */
    public record ClusterStatus(String node, List<Member> members, List<Shards> shards, List<TableFill> tables,
                                List<String> problems) implements Wire {
    }

    /**
     * @param tiers the relief tiers when this node runs sharding (sibling or relief roles), else null
     * @param l2    the relay's table when this node is a relay, else null
     */
    public static Behavior<Command> create(GlobalSessionsSettings settings, ReliefTiers tiers, ShmLru l2) {
        return Behaviors.setup(context -> {
            context.getSystem().receptionist().tell(Receptionist.register(KEY, context.getSelf()));
            ActorSystem<?> system = context.getSystem();
            return Behaviors.receive(Command.class)
                    .onMessage(GetTableFill.class, get -> {
                        String self = hostPort(Cluster.get(system).selfMember().address());
                        get.replyTo().tell(l2 == null ? new TableFill(self, -1, -1)
                                : new TableFill(self, l2.stats().entries(), l2.capacity()));
                        return Behaviors.same();
                    })
                    .onMessage(GetClusterStatus.class, get -> {
                        clusterStatus(system, settings, tiers != null).thenAccept(get.replyTo()::tell);
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    private static CompletionStage<ClusterStatus> clusterStatus(ActorSystem<?> system, GlobalSessionsSettings settings,
                                                               boolean sharding) {
        Cluster cluster = Cluster.get(system);
        Address selfAddress = cluster.selfMember().address();
        Set<org.apache.pekko.cluster.Member> unreachable = cluster.state().getUnreachable();
        List<Member> members = new ArrayList<>();
        List<String> relays = new ArrayList<>();
        for (org.apache.pekko.cluster.Member m : cluster.state().getMembers()) {
            List<String> roles = m.getRoles().stream().filter(role -> !role.startsWith("dc-")).sorted().toList();
            members.add(new Member(hostPort(m.address()), roles, m.status().toString(), !unreachable.contains(m)));
            if (m.hasRole(Role.RELAY.id()) && !MemberStatus.down().equals(m.status())) {
                relays.add(hostPort(m.address()));
            }
        }
        members.sort(Comparator.comparing(Member::address));
        Queue<String> problems = new ConcurrentLinkedQueue<>();
        Executor executor = system.executionContext();
        CompletionStage<List<Shards>> shards;
        if (sharding) {
            shards = shards(system, settings, selfAddress, problems, executor);
        } else {
            problems.add("shards: this node runs no relief tier or sibling, so it has no view of the shards; ask a relay host "
                    + "with a sibling or a relief node");
            shards = CompletableFuture.completedFuture(List.of());
        }
        CompletionStage<List<TableFill>> tables = tables(system, selfAddress, relays, problems, executor);
        return shards.thenCombineAsync(tables, (s, t) -> new ClusterStatus(hostPort(selfAddress), members, s, t,
                List.copyOf(problems)), executor);
    }

    private static CompletionStage<List<Shards>> shards(ActorSystem<?> system, GlobalSessionsSettings settings, Address self,
                                                        Queue<String> problems, Executor executor) {
        List<EntityTypeKey<?>> types = new ArrayList<>();
        for (int k = 0; k < settings.relief().replicationFactor(); k++) {
            types.add(ExpansionReplica.typeKey(k));
        }
        for (int k = 0; k < settings.relief().replicationFactor(); k++) {
            types.add(AgingReplica.typeKey(k));
        }
        List<CompletableFuture<List<Shards>>> asks = new ArrayList<>();
        for (EntityTypeKey<?> type : types) {
            CompletionStage<ShardRegion.ClusterShardingStats> stats = AskPattern.ask(ClusterSharding.get(system).shardState(),
                    replyTo -> new GetClusterShardingStats(type, SHARD_STATS_TIMEOUT, replyTo),
                    SHARD_STATS_TIMEOUT.plusSeconds(2), system.scheduler());
            asks.add(stats.handleAsync((answer, failure) -> {
                List<Shards> counts = new ArrayList<>();
                if (answer == null) {
                    problems.add("shards: the coordinator of " + type.name() + " did not answer in time");
                    return counts;
                }
                if (answer.getRegions().isEmpty()) {
                    problems.add("shards: the coordinator of " + type.name() + " reported no region (a region did not answer "
                            + "within " + SHARD_STATS_TIMEOUT.toSeconds() + " s, or none is registered)");
                }
                for (Map.Entry<Address, ShardRegion.ShardRegionStats> region : answer.getRegions().entrySet()) {
                    Address address = region.getKey().hasLocalScope() ? self : region.getKey();
                    counts.add(new Shards(type.name(), hostPort(address), region.getValue().getStats().size()));
                    if (!region.getValue().getFailed().isEmpty()) {
                        problems.add("shards: " + region.getValue().getFailed().size() + " shard(s) of " + type.name() + " on "
                                + hostPort(address) + " did not answer");
                    }
                }
                return counts;
            }, executor).toCompletableFuture());
        }
        return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new)).thenApplyAsync(done -> {
            List<Shards> all = new ArrayList<>();
            asks.forEach(ask -> all.addAll(ask.join()));
            return all;
        }, executor);
    }

    private static CompletionStage<List<TableFill>> tables(ActorSystem<?> system, Address self, List<String> relays,
                                                           Queue<String> problems, Executor executor) {
        CompletionStage<Receptionist.Listing> listing = AskPattern.ask(system.receptionist(),
                replyTo -> Receptionist.find(KEY, replyTo), TABLE_TIMEOUT, system.scheduler());
        return listing.thenComposeAsync(found -> {
            List<CompletableFuture<TableFill>> asks = new ArrayList<>();
            List<String> answering = new ArrayList<>();
            for (ActorRef<Command> ref : found.getServiceInstances(KEY)) {
                Address address = ref.path().address().hasLocalScope() ? self : ref.path().address();
                String node = hostPort(address);
                if (relays.contains(node)) {
                    answering.add(node);
                    asks.add(AskPattern.<Command, TableFill>ask(ref, GetTableFill::new, TABLE_TIMEOUT, system.scheduler())
                            .exceptionally(failure -> {
                                problems.add("tables: relay " + node + " did not report its table in time");
                                return null;
                            }).toCompletableFuture());
                }
            }
            relays.stream().filter(relay -> !answering.contains(relay))
                    .forEach(relay -> problems.add("tables: relay " + relay + " has no status actor registered (yet)"));
            return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new)).thenApplyAsync(done -> {
                List<TableFill> fills = new ArrayList<>();
                asks.forEach(ask -> {
                    if (ask.join() != null) {
                        fills.add(ask.join());
                    }
                });
                fills.sort(Comparator.comparing(TableFill::address));
                return fills;
            }, executor);
        }, executor).exceptionally(failure -> {
            problems.add("tables: the receptionist did not answer in time");
            return List.of();
        });
    }

    /** {@code host:port} of a cluster address. */
    static String hostPort(Address address) {
        return address.getHost().orElse("?") + ":" + address.getPort().map(String::valueOf).orElse("?");
    }
}

package org.globalsessions.actors.node;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
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
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.typed.Cluster;

import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.Role;
import org.globalsessions.runtime.protocol.Wire;
import org.globalsessions.runtime.tls.Identity;
import org.globalsessions.runtime.tls.TlsPeers;
import org.globalsessions.shm.ShmLru;

/**
 * The node status actor ({@code /user/status} on every node): answers {@code global-sessions
 * status} with the cluster as this node sees it: the members (address, roles, status,
 * reachability), and what every reachable member reports of itself through its own status actor
 * (found through the receptionist): the shards its regions hold per relief entity type (its local
 * regions, asked with {@code GetShardRegionState}) and, for a relay, its L2 table's fill. The tool
 * asks from a cluster-less actor system; nothing here joins or changes the cluster. With TLS, the
 * status goes only to an operator identity, and a member's report only to a node ({@link #allowed}).
 *
 * <p>Each member reports its own shards because a coordinator's {@code GetClusterShardingStats}
 * answers nothing at all as soon as one region is slow or unreachable (and asked through a
 * sibling's proxy it answered nothing in the it/ topology). Every ask has a timeout; a member that
 * did not answer in time is listed in {@link ClusterStatus#problems}, so a partly unreachable
 * cluster still gets an answer.
 */
public final class NodeStatus {

    /** How long a member may take to report itself. */
    public static final Duration REPORT_TIMEOUT = Duration.ofSeconds(3);

    static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "global-sessions-status");

    private NodeStatus() {
    }

    /** What a node's status actor accepts. */
    public sealed interface Command permits GetClusterStatus, GetReport {
    }

    /** The cluster as the asked node sees it. */
    public record GetClusterStatus(ActorRef<ClusterStatus> replyTo) implements Command, Wire {
    }

    /** A member's report of itself. */
    public record GetReport(ActorRef<Report> replyTo) implements Command, Wire {
    }

    /** What a member reports of itself: its shards per relief entity type, and its table (null unless a relay). */
    public record Report(String address, List<Shards> shards, TableFill table) implements Wire {
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

    /** @param l2 the relay's table when this node is a relay, else null */
    public static Behavior<Command> create(GlobalSessionsSettings settings, ShmLru l2) {
        return Behaviors.setup(context -> {
            context.getSystem().receptionist().tell(Receptionist.register(KEY, context.getSelf()));
            ActorSystem<?> system = context.getSystem();
            TlsPeers peers = TlsPeers.get(system);
            boolean tls = settings.tls().enabled();
            return Behaviors.receive(Command.class)
                    .onMessage(GetReport.class, get -> {
                        if (allowed(context, tls, peers, get.replyTo(), Identity.NODE, "a member report")) {
                            report(system, settings, l2).thenAccept(get.replyTo()::tell);
                        }
                        return Behaviors.same();
                    })
                    .onMessage(GetClusterStatus.class, get -> {
                        if (allowed(context, tls, peers, get.replyTo(), Identity.OPERATOR, "the cluster status")) {
                            clusterStatus(system).thenAccept(get.replyTo()::tell);
                        }
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    /**
     * Whether the asker may have what it asked for: it answers at {@code replyTo}'s address, and this
     * node's TLS provider recorded which identity that address presented on this node's own connection
     * to it (the connection the answer travels on: Artery completes that handshake before the asker's
     * first message is delivered). An address that claims another's is answered there, not at the
     * asker. A refusal is logged at WARN and gets no answer.
     */
    public static boolean allowed(ActorContext<?> context, boolean tls, TlsPeers peers, ActorRef<?> replyTo, Identity needed,
                           String what) {
        Address address = replyTo.path().address();
        if (!tls || address.hasLocalScope()) {
            return true;
        }
        Optional<Identity> role = address.getHost().isPresent() && address.getPort().isPresent()
                ? peers.roleOf(address.getHost().get(), address.getPort().get()) : Optional.empty();
        if (role.isPresent() && role.get() == needed) {
            return true;
        }
        context.getLog().warn("status: refused {} to {}: it presented {} on this node's connection to it, and {} needs the {} "
                + "identity", what, address.getHost().orElse("?") + ":" + address.getPort().map(String::valueOf).orElse("?"), role.map(r -> "a certificate of identity " + r.id()).orElse("no known certificate"),
                what, needed.id());
        return false;
    }

    /** This node's own report: its local regions' shard counts and its table. */
    private static CompletionStage<Report> report(ActorSystem<?> system, GlobalSessionsSettings settings, ShmLru l2) {
        String self = hostPort(Cluster.get(system).selfMember().address());
        TableFill table = l2 == null ? null : new TableFill(self, l2.stats().entries(), l2.capacity());
        Executor executor = system.executionContext();
        List<CompletableFuture<Shards>> asks = new ArrayList<>();
        for (EntityTypeKey<?> key : NodeHealth.reliefTypes(settings)) {
            String type = key.name();
            asks.add(AskPattern.<org.apache.pekko.cluster.sharding.typed.ClusterShardingQuery, ShardRegion.CurrentShardRegionState>ask(
                            ClusterSharding.get(system).shardState(), replyTo -> new GetShardRegionState(key, replyTo),
                            REPORT_TIMEOUT, system.scheduler())
                    .thenApplyAsync(state -> new Shards(type, self, state.getShards().size()), executor)
                    .toCompletableFuture());
        }
        return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new))
                .thenApplyAsync(done -> new Report(self, asks.stream().map(CompletableFuture::join).toList(), table), executor);
    }

    private static CompletionStage<ClusterStatus> clusterStatus(ActorSystem<?> system) {
        Cluster cluster = Cluster.get(system);
        Address selfAddress = cluster.selfMember().address();
        Set<org.apache.pekko.cluster.Member> unreachable = cluster.state().getUnreachable();
        List<Member> members = new ArrayList<>();
        for (org.apache.pekko.cluster.Member m : cluster.state().getMembers()) {
            List<String> roles = m.getRoles().stream().filter(role -> !role.startsWith("dc-")).sorted().toList();
            members.add(new Member(hostPort(m.address()), roles, m.status().toString(), !unreachable.contains(m)));
        }
        members.sort(Comparator.comparing(Member::address));
        List<String> reporting = members.stream().filter(m -> m.reachable() && !m.roles().equals(List.of(Role.SIBLING.id())))
                .map(Member::address).toList();
        Queue<String> problems = new ConcurrentLinkedQueue<>();
        members.stream().filter(m -> !m.reachable())
                .forEach(m -> problems.add("member " + m.address() + " is unreachable: its shards and table are not shown"));
        Executor executor = system.executionContext();
        CompletionStage<List<Report>> reports = AskPattern.<Receptionist.Command, Receptionist.Listing>ask(system.receptionist(),
                        replyTo -> Receptionist.find(KEY, replyTo), REPORT_TIMEOUT, system.scheduler())
                .thenComposeAsync(found -> {
                    List<CompletableFuture<Report>> asks = new ArrayList<>();
                    List<String> asked = new ArrayList<>();
                    for (ActorRef<Command> ref : found.getServiceInstances(KEY)) {
                        String node = hostPort(ref.path().address().hasLocalScope() ? selfAddress : ref.path().address());
                        if (reporting.contains(node)) {
                            asked.add(node);
                            asks.add(AskPattern.<Command, Report>ask(ref, GetReport::new, REPORT_TIMEOUT, system.scheduler())
                                    .exceptionally(failure -> {
                                        problems.add("member " + node + " did not report within " + REPORT_TIMEOUT.toSeconds() + " s");
                                        return null;
                                    }).toCompletableFuture());
                        }
                    }
                    reporting.stream().filter(node -> !asked.contains(node))
                            .forEach(node -> problems.add("member " + node + " has no status actor registered (yet)"));
                    return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new)).thenApplyAsync(done ->
                            asks.stream().map(CompletableFuture::join).filter(Objects::nonNull).toList(), executor);
                }, executor)
                .exceptionally(failure -> {
                    problems.add("the receptionist did not answer within " + REPORT_TIMEOUT.toSeconds() + " s");
                    return List.of();
                });
        return reports.thenApplyAsync(all -> {
            List<Shards> shards = new ArrayList<>();
            List<TableFill> tables = new ArrayList<>();
            for (Report report : all) {
                shards.addAll(report.shards());
                if (report.table() != null) {
                    tables.add(report.table());
                }
            }
            tables.sort(Comparator.comparing(TableFill::address));
            return new ClusterStatus(hostPort(selfAddress), members, shards, tables, List.copyOf(problems));
        }, executor);
    }

    /**
     * The node address ({@code host:port}, what applications, operators and seed lists name) of the
     * cluster member at {@code address}, which listens {@link GlobalSessionsSettings#CLUSTER_PORT_OFFSET} above it.
     */
    static String hostPort(Address address) {
        return address.getHost().orElse("?") + ":"
                + address.getPort().map(port -> String.valueOf(port - GlobalSessionsSettings.CLUSTER_PORT_OFFSET)).orElse("?");
    }
}

package org.globalsessions.actors.node;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.micrometer.core.instrument.Gauge;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.globalsessions.actors.gateway.ClientGateway;
import org.globalsessions.actors.metrics.NodeMetrics;
import org.globalsessions.runtime.metrics.TableMetrics;
import org.globalsessions.actors.relay.RelayActor;
import org.globalsessions.actors.relay.WriterSlots;
import org.globalsessions.actors.relief.ReliefTiers;
import org.globalsessions.actors.sibling.SiblingActor;
import org.globalsessions.actors.tables.Tables;
import org.globalsessions.runtime.bootstrap.NodeBootstrap;
import org.globalsessions.runtime.bootstrap.PekkoConfig;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.Role;
import org.globalsessions.runtime.tls.Certificates;
import org.globalsessions.runtime.tls.Identity;
import org.globalsessions.runtime.protocol.ActorNames;
import org.globalsessions.runtime.protocol.RelayCommand;
import org.globalsessions.shm.ShmLru;

/**
 * A server node: the guardian that starts the roles its settings name. A relay's L2 table is
 * created before the node starts, so a sibling in the same JVM shares the handle; the
 * relief tiers are initialised on relief nodes (hosting entities) and on sibling nodes
 * (proxies). The table is closed when the node stops.
 */
public final class ServerNode {

    private static final Logger log = LoggerFactory.getLogger(ServerNode.class);

    private ServerNode() {
    }

    /** The actors of a node its gateway passes requests to: the relay (null without the role) and the status actor. */
    public record Fronted(ActorRef<RelayCommand> relay, ActorRef<NodeStatus.Command> status) {
    }

    /**
     * The guardian; {@code l2} is the relay's table (created by the caller, closed when the node
     * stops), or null. {@code spawned} completes with the actors the node's gateway fronts.
     */
    public static Behavior<Void> create(GlobalSessionsSettings settings, NodeMetrics metrics, ShmLru l2,
                                        CompletableFuture<Fronted> spawned) {
        return Behaviors.setup(context -> {
            boolean sharding = settings.has(Role.SIBLING) || settings.has(Role.RELIEF_EXPANSION) || settings.has(Role.RELIEF_AGING);
            ReliefTiers tiers = sharding ? ReliefTiers.init(context.getSystem(), settings, metrics) : null;
            // Every member keeps a replica of the writer-slot grants (WriterSlots writes and reads them at a majority).
            DistributedData.get(context.getSystem());
            Cluster cluster = Cluster.get(context.getSystem());
            Gauge.builder("global_sessions_cluster_members", cluster, c -> {
                int up = 0;
                for (var member : c.state().getMembers()) {
                    if (member.status() == MemberStatus.up()) {
                        up++;
                    }
                }
                return up;
            }).tag("status", "up").description("cluster members this node sees up").register(metrics.registry());
            Gauge.builder("global_sessions_cluster_members", cluster, c -> c.state().getUnreachable().size())
                    .tag("status", "unreachable").description("cluster members the failure detector holds unreachable (not yet downed)")
                    .register(metrics.registry());
            ActorRef<RelayCommand> relay = null;
            if (l2 != null) {
                TableMetrics.bind(metrics.registry(), "l2", l2);
                ActorRef<WriterSlots.Command> writerSlots = WriterSlots.init(context.getSystem());
                relay = context.spawn(Behaviors.supervise(RelayActor.create(settings, l2, metrics, writerSlots))
                        .onFailure(SupervisorStrategy.restart()), ActorNames.RELAY);
            }
            if (settings.has(Role.SIBLING)) {
                context.spawn(Behaviors.supervise(SiblingActor.create(settings, tiers, l2, Tables.siblingPath(settings)))
                        .onFailure(SupervisorStrategy.restart()), ActorNames.SIBLING);
            }
            spawned.complete(new Fronted(relay, context.spawn(NodeStatus.create(settings, l2), ActorNames.STATUS)));
            NodeHealth health = NodeHealth.get(context.getSystem());
            health.started(settings, l2);
            log.debug("node {} started with roles {}", settings.address(), settings.roles());
            return Behaviors.receive(Void.class)
                    .onSignal(PostStop.class, stop -> {
                        health.stopped();
                        if (l2 != null) {
                            l2.close();
                        }
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    /**
     * Starts the ActorSystem of a cluster node with {@code guardian} (Pekko configured as
     * {@link PekkoConfig.Kind#NODE}) and makes it a member: a node whose settings name no seed
     * node starts a new cluster by joining itself; the others join their seed nodes. Every node
     * starts this way: {@link #start} with the roles' guardian, tests with a guardian of their own.
     */
    public static <T> ActorSystem<T> startSystem(Behavior<T> guardian, GlobalSessionsSettings settings) {
        warnIfNotANodeCertificate(settings);
        ActorSystem<T> system = NodeBootstrap.start(guardian, settings, PekkoConfig.Kind.NODE);
        if (settings.tls().enabled()) {
            system.systemActorOf(MemberGuard.create(), "member-guard", Props.empty());
        }
        if (settings.seedNodes().isEmpty()) {
            Cluster cluster = Cluster.get(system);
            cluster.manager().tell(Join.create(cluster.selfMember().address()));
        }
        return system;
    }

    /** A node started with another identity's certificate is downed by the others as soon as it joins: say so first. */
    private static void warnIfNotANodeCertificate(GlobalSessionsSettings settings) {
        if (!settings.tls().enabled() || !settings.tls().usesPem()) {
            return;
        }
        try {
            X509Certificate own = Certificates.readCertificate(settings.tls().certFile());
            Optional<Identity> role = Identity.of(own);
            if (role.isPresent() && role.get() != Identity.NODE) {
                log.warn("this node's certificate {} is {}: the cluster's members down a member that presents anything but "
                        + "a node certificate; start it with a node certificate (global-sessions certs)",
                        settings.tls().certFile(), Identity.describe(own));
            }
        } catch (IllegalArgumentException e) {
            log.debug("cannot read {} to check its identity: {}", settings.tls().certFile(), e.getMessage());
        }
    }

    /** Starts a node: its ActorSystem, cluster membership and roles. */
    public static ActorSystem<Void> start(GlobalSessionsSettings settings) {
        return start(settings, NodeMetrics.unregistered());
    }

    /**
     * The same, recording into {@code metrics}. A relay's table is created before the
     * ActorSystem starts, so a table that cannot be used fails here, with its reason.
     */
    public static ActorSystem<Void> start(GlobalSessionsSettings settings, NodeMetrics metrics) {
        ShmLru l2 = settings.has(Role.RELAY) ? Tables.createRelayTable(settings) : null;
        CompletableFuture<Fronted> spawned = new CompletableFuture<>();
        ActorSystem<Void> system;
        try {
            system = startSystem(create(settings, metrics, l2, spawned), settings);
        } catch (RuntimeException e) {
            if (l2 != null) {
                l2.close();
            }
            throw e;
        }
        try {
            Fronted fronted = spawned.get(GUARDIAN_START_BOUND.toSeconds(), TimeUnit.SECONDS);
            ClientGateway.start(system, settings, fronted.relay(), fronted.status());
            return system;
        } catch (RuntimeException | ExecutionException | TimeoutException e) {
            system.terminate();
            throw new IllegalStateException("node " + settings.address() + ": its client gateway did not start on port "
                    + settings.port() + ": " + (e.getMessage() == null ? e : e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            system.terminate();
            throw new IllegalStateException("interrupted while node " + settings.address() + " started", e);
        }
    }

    /** How long {@link #start} waits for the guardian to spawn the roles' actors. */
    private static final Duration GUARDIAN_START_BOUND = Duration.ofSeconds(60);
}

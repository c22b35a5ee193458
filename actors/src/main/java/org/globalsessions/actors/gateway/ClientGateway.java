package org.globalsessions.actors.gateway;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

import org.globalsessions.actors.node.NodeStatus;
import org.globalsessions.runtime.bootstrap.NodeBootstrap;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.protocol.ActorNames;
import org.globalsessions.runtime.protocol.RelayCommand;

/**
 * A node's client gateway: a second, cluster-less actor system in the node's JVM, on the node's
 * {@code port}, that applications and operators talk to, while the node's cluster member listens on
 * {@code port + 1} for nodes only ({@link GlobalSessionsSettings#CLUSTER_PORT_OFFSET}). On a relay it
 * serves the client protocol ({@link RelayFront} at {@code /user/relay}) to application and operator
 * identities; on every node the cluster status ({@link StatusFront} at {@code /user/status}) to
 * operators. It accepts no node certificate and opens connections to applications and operators
 * only, so nothing an application sends reaches another node, and no node but a relay ever talks to
 * an application host. Its actors run on the node's threads.
 *
 * <p>The gateway stops first when the node shuts down (phase {@code service-unbind}): applications
 * fail over to another relay while this node still hands its shards off.
 */
public final class ClientGateway {

    /** How long the node waits for its gateway to stop. */
    private static final Duration STOP_BOUND = Duration.ofSeconds(10);

    private ClientGateway() {
    }

    /**
     * Starts the gateway of {@code node}, whose relay actor is {@code relay} (null on a node without
     * the relay role) and whose status actor is {@code status}; it stops with the node.
     */
    public static ActorSystem<Void> start(ActorSystem<?> node, GlobalSessionsSettings settings, ActorRef<RelayCommand> relay,
                                          ActorRef<NodeStatus.Command> status) {
        Behavior<Void> guardian = Behaviors.setup(context -> {
            if (relay != null) {
                context.spawn(RelayFront.create(node, relay), ActorNames.RELAY);
            }
            context.spawn(StatusFront.create(node, status, settings.tls().enabled()), ActorNames.STATUS);
            return Behaviors.empty();
        });
        ActorSystem<Void> gateway = NodeBootstrap.startGateway(guardian, settings, node.executionContext());
        CoordinatedShutdown.get(Adapter.toClassic(node)).addTask(CoordinatedShutdown.PhaseServiceUnbind(), "stop-client-gateway",
                () -> {
                    gateway.terminate();
                    return gateway.getWhenTerminated().toCompletableFuture()
                            .completeOnTimeout(Done.getInstance(), STOP_BOUND.toMillis(), TimeUnit.MILLISECONDS)
                            .thenApply(terminated -> Done.getInstance());
                });
        node.getWhenTerminated().thenRun(gateway::terminate);
        return gateway;
    }
}

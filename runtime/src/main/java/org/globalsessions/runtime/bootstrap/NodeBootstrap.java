package org.globalsessions.runtime.bootstrap;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.pekko.actor.BootstrapSetup;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.concurrent.ExecutionContext;
import scala.concurrent.ExecutionContextExecutor;

import org.globalsessions.runtime.config.GlobalSessionsSettings;

/**
 * Starts the ActorSystem of a node or an edge with the configuration {@link PekkoConfig}
 * assembles. Joining the cluster is the server wing's part ({@code actors/node/ServerNode}):
 * runtime carries no cluster classes, so that an application's jar has none either, and a
 * {@link PekkoConfig.Kind#NODE} system needs pekko-cluster on the class path.
 */
public final class NodeBootstrap {

    private static final Logger log = LoggerFactory.getLogger(NodeBootstrap.class);

    private NodeBootstrap() {
    }

    public static <T> ActorSystem<T> start(Behavior<T> guardian, GlobalSessionsSettings settings, PekkoConfig.Kind kind) {
        if (!settings.tls().enabled()) {
            log.warn("TLS is off (tls.enabled = false): sessions cross the network in clear text");
        }
        return ActorSystem.create(guardian, settings.systemName(), PekkoConfig.of(settings, kind));
    }

    /**
     * Starts a node's client gateway ({@link PekkoConfig.Kind#GATEWAY}) whose default dispatcher runs
     * on {@code nodePool}, the node's own (unless the settings ask for Pekko's separate pools).
     */
    public static <T> ActorSystem<T> startGateway(Behavior<T> guardian, GlobalSessionsSettings settings,
                                                  ExecutionContextExecutor nodePool) {
        Optional<ExecutionContext> pool = settings.dispatcherThreads() == GlobalSessionsSettings.SEPARATE_POOLS
                ? Optional.empty() : Optional.of(nodePool);
        return ActorSystem.create(guardian, settings.systemName(),
                BootstrapSetup.create(Optional.empty(), Optional.of(PekkoConfig.of(settings, PekkoConfig.Kind.GATEWAY)), pool));
    }

    /**
     * Waits until {@code system} has terminated: without a bound while nothing has started its
     * coordinated shutdown, then at most {@code bound}. Pekko 1.7's Artery can wait forever for a
     * remoting stream to complete while the system terminates (apache/pekko#3247, bounded only in
     * later Pekko versions); by then the node has left the cluster and handed its shards off, so
     * the caller goes on (a process exits, a test closes the next node) instead of hanging.
     *
     * @return true if the system terminated, false if the bound ran out (logged)
     */
    public static boolean awaitTermination(ActorSystem<?> system, Duration bound) throws InterruptedException {
        CompletableFuture<?> terminated = system.getWhenTerminated().toCompletableFuture();
        CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
        try {
            while (!terminated.isDone() && shutdown.getShutdownReason().isEmpty()) {
                try {
                    terminated.get(1, TimeUnit.SECONDS);
                } catch (TimeoutException notYet) {
                    // still running: keep waiting for a shutdown to begin
                }
            }
            terminated.get(bound.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            log.warn("{}: Pekko did not finish stopping within {} s of the start of its shutdown (its remoting streams can "
                    + "stall on termination in Pekko 1.7, apache/pekko#3247); going on without waiting longer",
                    system.address(), bound.toSeconds());
            return false;
        } catch (ExecutionException e) {
            return true; // terminated, with a failure Pekko has logged
        }
    }
}

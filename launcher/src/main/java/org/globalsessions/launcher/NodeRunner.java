package org.globalsessions.launcher;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import javax.net.ssl.SSLContext;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.globalsessions.actors.metrics.NodeMetrics;
import org.globalsessions.actors.node.ServerNode;
import org.globalsessions.runtime.bootstrap.NodeBootstrap;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.Role;
import org.globalsessions.runtime.metrics.MetricsTls;
import org.globalsessions.runtime.metrics.PrometheusEndpoint;
import org.globalsessions.runtime.tls.CertificateExpiry;

/**
 * Runs a node until it is told to stop: CLI → settings → {@link ServerNode} → shutdown hook.
 * SIGTERM or SIGINT runs Pekko's coordinated shutdown (the node leaves the cluster, its shards
 * hand off, the relay's table is closed), then the process exits 0.
 */
final class NodeRunner {

    private static final Logger log = LoggerFactory.getLogger(NodeRunner.class);

    private NodeRunner() {
    }

    /**
     * @param started told the node's address once it is up (e.g. to print how to reach it); may be null
     */
    static int run(GlobalSessionsSettings settings, Consumer<String> started) {
        PrometheusMeterRegistry registry = PrometheusEndpoint.newRegistry();
        ActorSystem<Void> system;
        try {
            system = ServerNode.start(settings, new NodeMetrics(registry));
        } catch (RuntimeException e) {
            throw new Main.CommandFailure("cannot start " + roles(settings) + " on " + settings.address() + ": " + reason(e), e);
        }
        NodeEndpoint endpoint = null;
        if (settings.metrics().port() > 0) {
            SSLContext tls;
            try {
                tls = MetricsTls.context(settings);
            } catch (RuntimeException e) {
                system.terminate();
                throw new Main.CommandFailure(e.getMessage(), e);
            }
            try {
                endpoint = NodeEndpoint.start(system, registry, settings.metrics().hostname(), settings.metrics().port(), tls);
            } catch (RuntimeException e) {
                system.terminate();
                throw new Main.CommandFailure(e.getMessage() + "; choose another --metrics-port", e);
            }
        }
        String address = settings.hostname() + ":" + settings.port();
        String cluster = settings.seedNodes().isEmpty() ? "started a new cluster" : "joining through " + settings.seedNodes();
        log.info("{} listening on {} for {}, {} for nodes ({}); {}{}", roles(settings), address,
                settings.has(Role.RELAY) ? "applications and operators" : "operators",
                settings.hostname() + ":" + system.address().getPort().orElse(settings.clusterPort()),
                settings.tls().enabled() ? "mutual TLS" : "CLEAR TEXT", cluster,
                endpoint == null ? "" : "; metrics on " + (MetricsTls.wanted(settings.metrics()) ? "https://" : "http://")
                        + settings.metrics().hostname() + ":" + endpoint.port() + "/metrics");
        aloneNotice(settings).ifPresent(log::info);
        if (started != null) {
            started.accept(address);
        }
        stopOnSignal("TERM", system);
        stopOnSignal("INT", system);
        try (CertificateExpiry ignored = CertificateExpiry.start(settings.tls(), registry)) {
            awaitStopped(system);
        }
        return exitStatus(system, roles(settings), address);
    }

    /**
     * 0 when the node stopped because it was told to (a signal, or it left the cluster);
     * {@link Main#REMOVED} when the cluster removed it (the split brain resolver downed it
     * because the other members could not reach it), so a supervisor restarts it;
     * {@link Main#FAILED} when it could not join.
     */
    static int exitStatus(ActorSystem<Void> system, String roles, String address) {
        CoordinatedShutdown.Reason reason = CoordinatedShutdown.get(system).getShutdownReason().orElse(null);
        if (reason == CoordinatedShutdown.clusterDowningReason()) {
            log.error("{} on {} was removed from the cluster: the other members could not reach it for longer than the "
                    + "failure detector allows (pekko.cluster.failure-detector.acceptable-heartbeat-pause) and the split "
                    + "brain resolver downed it; its shards moved to the other nodes. Exiting with status {}: restart it "
                    + "and it joins again", roles, address, Main.REMOVED);
            return Main.REMOVED;
        }
        if (reason == CoordinatedShutdown.clusterJoinUnsuccessfulReason()) {
            log.error("{} on {} could not join the cluster through its seed nodes in time "
                    + "(pekko.cluster.shutdown-after-unsuccessful-join-seed-nodes); check that a seed node is running and "
                    + "trusts this node's certificate", roles, address);
            return Main.FAILED;
        }
        log.info("{} on {} stopped", roles, address);
        return Main.OK;
    }

    /**
     * SIGTERM and SIGINT start Pekko's coordinated shutdown (leave the cluster, hand shards off,
     * close the table) instead of the JVM's own shutdown, so the process ends through
     * {@code main} with exit status 0. Pekko's JVM shutdown hook still covers other exits.
     */
    @SuppressWarnings("removal")
    private static void stopOnSignal(String name, ActorSystem<Void> system) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
                log.info("SIG{}: leaving the cluster and stopping", name);
                system.terminate();
            });
        } catch (IllegalArgumentException e) {
            log.debug("cannot handle SIG{} here: {}", name, e.getMessage());
        }
    }

    /** Until the node has stopped; once its shutdown began, at most its phases' total timeout plus a margin. */
    private static void awaitStopped(ActorSystem<Void> system) {
        Duration bound = Duration.ofMillis(CoordinatedShutdown.get(system).totalTimeout().toMillis()).plusSeconds(10);
        try {
            NodeBootstrap.awaitTermination(system, bound);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * What a node that starts a cluster alone with a relief role does not protect against, said
     * once at start: until relief nodes join, every replica of a shard lives in this process
     * ({@code ReplicaPlacement} logs nothing more while the node is the cluster's only member).
     */
    static Optional<String> aloneNotice(GlobalSessionsSettings settings) {
        if (!settings.seedNodes().isEmpty() || !(settings.has(Role.RELIEF_EXPANSION) || settings.has(Role.RELIEF_AGING))) {
            return Optional.empty();
        }
        return Optional.of((settings.roles().containsAll(EnumSet.allOf(Role.class))
                ? "every role runs in this one JVM (the development default): "
                : "this node starts a new cluster: until other relief nodes join, ")
                + "the relief tiers keep every replica of each shard in this process, so a crash of it loses the sessions; "
                + "to survive one, run relief nodes on other hosts (docs/operations.md, \"Scaling a relief tier\")");
    }

    static String roles(GlobalSessionsSettings settings) {
        List<String> ids = settings.roles().stream().map(Role::id).toList();
        return String.join("+", ids);
    }

    /** Why a node did not start, in words: a port in use names both of the node's ports. */
    static String reason(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        if (root instanceof java.net.BindException) {
            return "a port it needs is in use (" + root.getMessage() + "): a node listens on its port, for applications and "
                    + "operators, and on port + 1, for the other nodes; is another node running there? choose another --port "
                    + "(two apart from any other node's on this host)";
        }
        return root == e ? message : message + " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
    }
}

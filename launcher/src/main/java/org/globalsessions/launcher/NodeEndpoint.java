package org.globalsessions.launcher;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.net.ssl.SSLContext;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBuilder;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.javadsl.PekkoManagement;

import org.globalsessions.runtime.metrics.MetricsTls;

/**
 * A node's HTTP server on {@code metrics.hostname:metrics.port}: Pekko Management's routes (the
 * health checks {@code GET /ready} and {@code GET /alive}, whose checks are registered in the
 * actors module's reference.conf, and the read-only cluster routes {@code /cluster/members},
 * {@code /cluster/shards/NAME}) and the Prometheus scrape {@code GET /metrics}, on pekko-http in
 * the node's actor system. It stops with the actor system, so while the node leaves the cluster
 * the health routes still answer (not ready, not alive).
 */
final class NodeEndpoint {

    private static final Duration BIND_TIMEOUT = Duration.ofSeconds(20);

    private final ServerBinding binding;

    private NodeEndpoint(ServerBinding binding) {
        this.binding = binding;
    }

    /**
     * Serves on {@code hostname:port} (port 0: any free port), over TLS with {@code tls}
     * ({@link MetricsTls#context}) unless it is null; fails naming the address if it cannot bind.
     */
    static NodeEndpoint start(ActorSystem<?> system, PrometheusMeterRegistry registry, String hostname, int port, SSLContext tls) {
        Route routes = Directives.concat(
                Directives.path("metrics", () -> Directives.get(() ->
                        Directives.complete(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, registry.scrape())))),
                PekkoManagement.get(system.classicSystem()).getRoutes());
        try {
            ServerBuilder server = Http.get(system).newServerAt(hostname, port);
            if (tls != null) {
                server = server.enableHttps(ConnectionContext.httpsServer(() -> MetricsTls.serverEngine(tls)));
            }
            ServerBinding binding = server.bind(routes).toCompletableFuture()
                    .get(BIND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return new NodeEndpoint(binding);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException("cannot serve metrics and health on " + hostname + ":" + port + ": "
                    + cause.getMessage(), cause);
        } catch (TimeoutException e) {
            throw new IllegalStateException("cannot serve metrics and health on " + hostname + ":" + port + ": no binding within "
                    + BIND_TIMEOUT.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while binding " + hostname + ":" + port, e);
        }
    }

    int port() {
        return binding.localAddress().getPort();
    }
}

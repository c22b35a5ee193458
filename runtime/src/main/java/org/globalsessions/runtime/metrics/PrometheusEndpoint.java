package org.globalsessions.runtime.metrics;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

import javax.net.ssl.SSLContext;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * A Prometheus scrape endpoint ({@code GET /metrics}) for a registry, on the JDK's HTTP server,
 * one daemon thread. Binds where it is told, loopback by default; over TLS as
 * {@link MetricsTls} decides (off loopback by default, with client certificates required).
 */
public final class PrometheusEndpoint implements AutoCloseable {

    private final HttpServer server;
    private final PrometheusMeterRegistry registry;

    private PrometheusEndpoint(HttpServer server, PrometheusMeterRegistry registry) {
        this.server = server;
        this.registry = registry;
    }

    /** A registry for a process that will serve its meters. */
    public static PrometheusMeterRegistry newRegistry() {
        return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    }

    /** Serves {@code registry} in plain HTTP on {@code hostname:port} (port 0: any free port). */
    public static PrometheusEndpoint start(PrometheusMeterRegistry registry, String hostname, int port) {
        return start(registry, hostname, port, null);
    }

    /** Serves {@code registry} on {@code hostname:port}, over TLS with {@code tls} ({@link MetricsTls#context}) unless it is null. */
    public static PrometheusEndpoint start(PrometheusMeterRegistry registry, String hostname, int port, SSLContext tls) {
        try {
            HttpServer server;
            if (tls == null) {
                server = HttpServer.create(new InetSocketAddress(hostname, port), 16);
            } else {
                HttpsServer https = HttpsServer.create(new InetSocketAddress(hostname, port), 16);
                https.setHttpsConfigurator(new HttpsConfigurator(tls) {
                    @Override
                    public void configure(HttpsParameters parameters) {
                        parameters.setSSLParameters(MetricsTls.parameters(tls));
                    }
                });
                server = https;
            }
            server.createContext("/metrics", exchange -> {
                try (exchange) {
                    if (!"GET".equals(exchange.getRequestMethod())) {
                        exchange.sendResponseHeaders(405, -1);
                        return;
                    }
                    byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
                    exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                    exchange.sendResponseHeaders(200, body.length);
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(body);
                    }
                }
            });
            server.setExecutor(Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "global-sessions-metrics");
                t.setDaemon(true);
                return t;
            }));
            server.start();
            return new PrometheusEndpoint(server, registry);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve metrics on " + hostname + ":" + port + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

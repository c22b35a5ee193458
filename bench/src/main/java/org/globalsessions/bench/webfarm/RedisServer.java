package org.globalsessions.bench.webfarm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

import org.globalsessions.bench.e2e.CpuUse;
import org.globalsessions.bench.e2e.RedisTarget;
import org.globalsessions.testkit.FreePorts;

/**
 * A {@code redis-server} (Debian's 7.0.15) on 127.0.0.1, TLS only, as {@code run-e2e.sh} starts
 * its TLS peer: the cluster's node certificate, clients authenticated by the same CA
 * ({@code --tls-auth-clients yes}), no persistence. One per Redis backend, so the near cache's
 * tracking table and the Jedis run's keys never meet. {@link #close} stops it by its pid.
 */
final class RedisServer implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final Process process;
    private final int port;

    private RedisServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts one; a port taken between its choice and redis-server's bind (an ephemeral port) costs a retry, up to three. */
    static RedisServer start(Path certs, Path directory, String name) {
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(certs, directory, name);
            } catch (IllegalStateException e) {
                if (attempt == 3) {
                    throw e;
                }
                System.err.println("webfarm: " + e.getMessage() + "; trying another port");
            }
        }
    }

    private static RedisServer startOnce(Path certs, Path directory, String name) {
        int port = FreePorts.next();
        List<String> command = List.of("redis-server", "--bind", "127.0.0.1", "--port", "0", "--tls-port", Integer.toString(port),
                "--save", "", "--appendonly", "no", "--dir", directory.toString(),
                "--tls-cert-file", certs.resolve("node.crt").toString(), "--tls-key-file", certs.resolve("node.key").toString(),
                "--tls-ca-cert-file", certs.resolve("ca.crt").toString(), "--tls-auth-clients", "yes",
                "--logfile", directory.resolve(name + ".log").toString(), "--daemonize", "no");
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start redis-server (is it installed? apt-get install redis-server)", e);
        }
        RedisServer server = new RedisServer(process, port);
        server.awaitPing(certs, name, directory);
        return server;
    }

    int port() {
        return port;
    }

    /** This redis-server, for a {@link CpuUse.Clock}. */
    CpuUse.Member member() {
        return new CpuUse.Member("redis-server", CpuUse.Role.REDIS, process.pid());
    }

    private void awaitPing(Path certs, String name, Path directory) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline && process.isAlive()) {
            try (Jedis jedis = new Jedis(new HostAndPort("127.0.0.1", port), RedisTarget.clientConfig(certs))) {
                jedis.ping();
                return;
            } catch (RuntimeException e) {
                last = e;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        close();
        throw new IllegalStateException("redis-server on 127.0.0.1:" + port + " (TLS) did not answer PING within "
                + START_TIMEOUT.toSeconds() + " s: " + last + "; see " + directory.resolve(name + ".log"));
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}

package org.globalsessions.testkit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;

/**
 * A node in a process of its own: started from its config file by a launch recipe (the
 * launcher's jar, or a main class on the test class path), its stdout and stderr appended to a
 * log file. {@link #kill()} is SIGKILL ({@code destroyForcibly}), {@link #stop()} is SIGTERM;
 * either may be followed by {@link #start()} again. Readiness and state are asked of its
 * metrics endpoint.
 */
public final class NodeProcess {

    private final String name;
    private final Path config;
    private final Path log;
    private final int port;
    private final int metricsPort;
    private final Function<Path, ChildJvm.Builder> launch;
    /** The network namespace it runs in, or null: the test's own (on 127.0.0.1). */
    private final NetNamespaces.Host host;
    private ChildJvm jvm;
    /** Whether the test ended the process (kill or stop), as opposed to the process exiting on its own. */
    private boolean ended;

    /**
     * @param launch how to start a node JVM given its config file (the config file is its argument)
     */
    public NodeProcess(String name, Path config, Path log, int port, int metricsPort, Function<Path, ChildJvm.Builder> launch) {
        this(name, config, log, port, metricsPort, launch, null);
    }

    /**
     * A node that runs in {@code host} ({@code ip netns exec}), bound to the host's address (its
     * config must say {@code hostname = <host address>}); its metrics are scraped inside the host.
     */
    public NodeProcess(String name, Path config, Path log, int port, int metricsPort, Function<Path, ChildJvm.Builder> launch,
                       NetNamespaces.Host host) {
        this.name = name;
        this.host = host;
        this.config = config;
        this.log = log;
        this.port = port;
        this.metricsPort = metricsPort;
        this.launch = launch;
    }

    public NodeProcess start() {
        ended = false;
        ChildJvm.Builder builder = launch.apply(config).log(log);
        jvm = (host == null ? builder : builder.prefix(host.exec())).start();
        return this;
    }

    public String name() {
        return name;
    }

    public Path config() {
        return config;
    }

    public Path log() {
        return log;
    }

    public int port() {
        return port;
    }

    public int metricsPort() {
        return metricsPort;
    }

    /** {@code address:port}: 127.0.0.1, or its host's address. */
    public String address() {
        return (host == null ? "127.0.0.1" : host.address()) + ":" + port;
    }

    /** Where its cluster member listens: {@code address:port+1}, what other nodes connect to. */
    public String clusterAddress() {
        return (host == null ? "127.0.0.1" : host.address()) + ":" + (port + FreePorts.CLUSTER_PORT_OFFSET);
    }

    /** The network namespace it runs in, or null. */
    public NetNamespaces.Host host() {
        return host;
    }

    public long pid() {
        return jvm.pid();
    }

    public boolean alive() {
        return jvm != null && jvm.isAlive();
    }

    /** Whether the node was started and has exited without the test killing or stopping it. */
    public boolean exitedOnItsOwn() {
        return jvm != null && !ended && !jvm.isAlive();
    }

    public int exitValue() {
        return jvm.exitValue();
    }

    /** SIGKILL, and reap it. */
    public void kill() {
        ended = true;
        jvm.kill();
    }

    /** SIGSTOP: it stops, holding its sockets, locks and cluster membership, until {@link #resume()}. */
    public void pause() {
        jvm.pause();
    }

    /** SIGCONT. */
    public void resume() {
        jvm.resume();
    }

    /** SIGTERM: the node leaves the cluster; SIGKILL if it has not exited within 60 s. Returns its exit status. */
    public int stop() {
        ended = true;
        return jvm.stop(Duration.ofSeconds(60));
    }

    /** The node's Prometheus text, or empty if it does not answer. */
    public String metrics() {
        return host == null ? Metrics.scrape(metricsPort) : NetNamespaces.scrape(host, metricsPort);
    }

    /** A metric's value (the first series matching {@code seriesRegex}), or -1. */
    public double metric(String seriesRegex) {
        return Metrics.value(metrics(), seriesRegex);
    }

    /** The last {@code lines} lines of its log. */
    public String tail(int lines) {
        return Logs.tail(log, lines);
    }

    @Override
    public String toString() {
        return name + "@" + address();
    }
}

package org.globalsessions.testkit;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A topology of node processes on 127.0.0.1 for a test class, as a JUnit 5 extension:
 * <pre>
 * &#64;RegisterExtension
 * static final NodeTopology nodes = NodeTopology.builder()
 *         .launcherJar(Path.of(System.getProperty("gs.launcher.jar")))
 *         .certificates(dir -&gt; …)                        // writes node.key, node.crt, ca.crt in dir
 *         .common(config -&gt; config.set("hashing.shards", 16))
 *         .node("r1", "relay", "sibling")                 // the first node is the seed
 *         .node("e1", "relief-expansion")                 // the others join it
 *         .build();
 * </pre>
 * Before the first test it makes a private directory under /dev/shm (configs, certificates,
 * logs, tables), the certificates, and one config per node from {@link NodeConfig} (a free port
 * and a free metrics port each); starts the seed, waits until it sees itself up, starts the other
 * nodes of {@link Builder#startOnly} (all by default) and waits until every one of them sees them
 * all up. Readiness is asked of the nodes' metrics, never slept for. A node is killed for real
 * ({@link NodeProcess#kill}: {@code destroyForcibly}). When a test fails, the tail of each
 * node's log is printed and every log is copied to {@code target/it-logs/<test>/}. After the
 * last test every process it started is killed and the directory deleted.
 *
 * <p>Thread-safety: driven by the test thread.
 */
public final class NodeTopology implements BeforeAllCallback, AfterAllCallback, TestWatcher {

    private static final Logger log = LoggerFactory.getLogger(NodeTopology.class);
    /** JVM options of a node process. */
    public static final List<String> NODE_OPTIONS = List.of("-Xmx256m", "-XX:+UseSerialGC");

    private record Spec(String name, List<String> roles, BiConsumer<NodeConfig, NodeTopology> customize) {
    }

    /** How to build a {@link NodeTopology}. */
    public static final class Builder {
        private Function<Path, ChildJvm.Builder> launch;
        private Consumer<Path> certificates = dir -> {
        };
        private Consumer<NodeConfig> common = config -> {
        };
        private final List<Spec> specs = new ArrayList<>();
        private List<String> startOnly;
        private String prefix = "gs-nodes-";
        private Duration readyTimeout = Duration.ofSeconds(120);

        private Builder() {
        }

        /** Nodes run {@code java -jar jar config}: the launcher's shaded jar, as a user runs it. */
        public Builder launcherJar(Path jar) {
            return launch(config -> ChildJvm.jar(jar).options(NODE_OPTIONS).args(config));
        }

        /** Nodes run {@code mainClass config} from the test class path. */
        public Builder mainClass(String mainClass) {
            return launch(config -> ChildJvm.mainClass(mainClass).options(NODE_OPTIONS).args(config));
        }

        /** Any other way to start a node JVM given its config file. */
        public Builder launch(Function<Path, ChildJvm.Builder> recipe) {
            this.launch = recipe;
            return this;
        }

        /** Writes {@code node.key}, {@code node.crt} and {@code ca.crt} into the directory it is given. */
        public Builder certificates(Consumer<Path> maker) {
            this.certificates = maker;
            return this;
        }

        /** Settings every node gets (after the template's, before its own). */
        public Builder common(Consumer<NodeConfig> settings) {
            this.common = settings;
            return this;
        }

        /** A node with {@code roles}; the first node defined is the seed the others join. */
        public Builder node(String name, String... roles) {
            return node(name, Arrays.asList(roles), (config, topology) -> {
            });
        }

        /** A node with {@code roles} and its own settings, which may name files in the topology's directory. */
        public Builder node(String name, List<String> roles, BiConsumer<NodeConfig, NodeTopology> settings) {
            specs.add(new Spec(name, List.copyOf(roles), settings));
            return this;
        }

        /** Only these nodes start before the tests (the first node among them); the others are defined for a test to start. */
        public Builder startOnly(Collection<String> names) {
            this.startOnly = List.copyOf(names);
            return this;
        }

        /** The name of the private directory starts with this. */
        public Builder directoryPrefix(String directoryPrefix) {
            this.prefix = directoryPrefix;
            return this;
        }

        /** How long nodes may take to see each other up (default 120 s). */
        public Builder readyTimeout(Duration timeout) {
            this.readyTimeout = timeout;
            return this;
        }

        public NodeTopology build() {
            if (launch == null) {
                throw new IllegalStateException("say how nodes start: launcherJar, mainClass or launch");
            }
            if (specs.isEmpty()) {
                throw new IllegalStateException("a topology needs at least one node");
            }
            return new NodeTopology(this);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    private final Builder spec;
    private final Map<String, NodeProcess> nodes = new LinkedHashMap<>();
    private Path dir;

    private NodeTopology(Builder spec) {
        this.spec = spec;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        start();
    }

    /** Makes the directory, certificates and configs, starts the nodes and waits until they see each other up. */
    public void start() {
        dir = ShmDirectory.create(spec.prefix);
        try {
            Files.createDirectories(logs());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        spec.certificates.accept(certs());
        int seed = -1;
        for (Spec node : spec.specs) {
            NodeConfig config = NodeConfig.node(FreePorts.next()).roles(node.roles()).tls(certs()).metricsPort(FreePorts.next());
            if (seed < 0) {
                seed = config.port();
            } else {
                config.seedPorts(seed);
            }
            spec.common.accept(config);
            node.customize().accept(config, this);
            define(node.name(), config);
        }
        List<String> starting = spec.startOnly != null ? spec.startOnly : List.copyOf(nodes.keySet());
        NodeProcess first = node(starting.get(0)).start();
        awaitUp(List.of(first), 1);
        for (String name : starting.subList(1, starting.size())) {
            node(name).start();
        }
        awaitUp(running(), starting.size());
        log.info("nodes up: {}", running());
    }

    /**
     * A node process from a config the test made itself (written to {@code <name>.conf}, logging
     * to {@code logs/<name>.log}), not started; it is killed after the last test like the others.
     */
    public NodeProcess define(String name, NodeConfig config) {
        NodeProcess node = new NodeProcess(name, config.writeTo(dir.resolve(name + ".conf")), logs().resolve(name + ".log"),
                config.port(), config.metricsPort(), spec.launch);
        nodes.put(name, node);
        return node;
    }

    /** The private directory (under /dev/shm). */
    public Path dir() {
        return dir;
    }

    /** {@code name} in the private directory. */
    public Path file(String name) {
        return dir.resolve(name);
    }

    /** Where the nodes' certificates are. */
    public Path certs() {
        return dir.resolve("certs");
    }

    /** Where the logs are (nodes', and any other process's a test puts there). */
    public Path logs() {
        return dir.resolve("logs");
    }

    public NodeProcess node(String name) {
        NodeProcess node = nodes.get(name);
        if (node == null) {
            throw new IllegalArgumentException("no node " + name + " in " + nodes.keySet());
        }
        return node;
    }

    /** Every node defined, in the order defined. */
    public Collection<NodeProcess> nodes() {
        return nodes.values();
    }

    /** The nodes whose process is running. */
    public List<NodeProcess> running() {
        return nodes.values().stream().filter(NodeProcess::alive).toList();
    }

    /** Waits until every node in {@code which} sees {@code members} cluster members up; fails at once if one exits. */
    public void awaitUp(Iterable<NodeProcess> which, int members) {
        try {
            await().atMost(spec.readyTimeout).pollInterval(Duration.ofMillis(300)).until(() -> {
                for (NodeProcess node : which) {
                    if (!node.alive()) {
                        throw new AssertionError(node + " exited; its log:\n" + node.tail(40));
                    }
                }
                for (NodeProcess node : which) {
                    if (node.metric(Metrics.MEMBERS_UP) != members) {
                        return false;
                    }
                }
                return true;
            });
        } catch (ConditionTimeoutException e) {
            StringBuilder seen = new StringBuilder();
            StringBuilder tails = new StringBuilder();
            for (NodeProcess node : which) {
                double up = node.metric(Metrics.MEMBERS_UP);
                seen.append(' ').append(node.name()).append('=').append(up);
                if (up < 0) {
                    tails.append("\n").append(node).append(" does not answer on its metrics port; the end of its log:\n")
                            .append(node.tail(30));
                }
            }
            throw new AssertionError("not every node saw " + members + " members up within " + spec.readyTimeout.toSeconds()
                    + " s; they saw:" + seen + tails, e);
        }
    }

    /** Fails, with the node's exit status and the tail of its log, if a node the test did not end has exited. */
    public void assertNoNodeExitedOnItsOwn() {
        for (NodeProcess node : nodes.values()) {
            if (node.exitedOnItsOwn()) {
                throw new AssertionError(node + " exited on its own with status " + node.exitValue() + "; its log:\n"
                        + node.tail(40));
            }
        }
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        keepLogs(context.getRequiredTestMethod().getName());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (context.getExecutionException().isPresent()) {
            keepLogs(context.getRequiredTestClass().getSimpleName());
        }
        close();
    }

    /**
     * Kills every node still running, searches the logs for session ids ({@link LeakedIds}),
     * and deletes the directory; fails (keeping the logs) if a log names one.
     */
    public void close() {
        for (NodeProcess node : nodes.values()) {
            if (node.alive()) {
                node.kill();
            }
        }
        List<String> leaked = LeakedIds.findIn(logs());
        if (!leaked.isEmpty()) {
            Logs.keep(logs(), "leaked-session-ids");
        }
        ShmDirectory.delete(dir);
        if (!leaked.isEmpty()) {
            throw LeakedIds.failure(leaked);
        }
    }

    /** Prints the tail of each node's log and copies every log to target/it-logs/{@code name}. */
    public void keepLogs(String name) {
        for (NodeProcess node : nodes.values()) {
            System.err.println("---- last lines of " + node + " ----\n" + node.tail(40));
        }
        Logs.keep(logs(), name);
    }
}

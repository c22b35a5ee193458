package org.globalsessions.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Collectors;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;

/**
 * The node config template of the tests and the benchmark: a node (or an edge: no roles) on
 * 127.0.0.1 with mutual TLS, rendered as the HOCON a user would write:
 * <pre>
 * global-sessions {
 *   roles = ["relay", "sibling"]
 *   hostname = "127.0.0.1"
 *   port = 25520
 *   seed-nodes = ["127.0.0.1:25510"]
 *   tls { key-file = "…/node.key", cert-file = "…/node.crt", ca-file = "…/ca.crt" }
 *   metrics.port = 9100
 *   relay.table.path = "…"        # every key given with set(…), in order
 * }
 * pekko.cluster.sharding.rebalance-interval = 2s   # keys that start with "pekko."
 * </pre>
 * The TLS files are the ones {@code global-sessions certs --out dir} and runtime's
 * {@code Certificates.development(dir)} write: {@code node.key}, {@code node.crt},
 * {@code ca.crt} in one directory. A process reads the file ({@link #writeTo}); a node in the
 * test's own JVM reads it with runtime's settings reader: {@code config.read(SettingsReader::read)}.
 *
 * <p>Not thread-safe: a builder that one test fills and renders.
 */
public final class NodeConfig {

    private final int port;
    private String hostname = "127.0.0.1";
    private final List<String> roles = new ArrayList<>();
    private final List<String> seeds = new ArrayList<>();
    private Path tls;
    private int metricsPort;
    private final Map<String, Object> settings = new LinkedHashMap<>();

    private NodeConfig(int port) {
        this.port = port;
    }

    /** A node listening on {@code port} (0 for an edge: any free port). */
    public static NodeConfig node(int port) {
        return new NodeConfig(port);
    }

    public int port() {
        return port;
    }

    /** The metrics port, 0 if none. */
    public int metricsPort() {
        return metricsPort;
    }

    /** The address the node binds and is known by (default 127.0.0.1; a {@link NetNamespaces} host's address). */
    public NodeConfig hostname(String address) {
        this.hostname = address;
        return this;
    }

    public String hostname() {
        return hostname;
    }

    /** The node's roles by their config names ({@code relay}, {@code relief-expansion}, …). */
    public NodeConfig roles(String... names) {
        return roles(Arrays.asList(names));
    }

    public NodeConfig roles(Collection<String> names) {
        roles.addAll(names);
        return this;
    }

    /** Seed nodes as {@code host:port}, each as {@link String#valueOf} (a runtime {@code HostPort} will do). */
    public NodeConfig seeds(Collection<?> hostPorts) {
        hostPorts.forEach(s -> seeds.add(String.valueOf(s)));
        return this;
    }

    /** Seed nodes on 127.0.0.1. */
    public NodeConfig seedPorts(int... ports) {
        for (int p : ports) {
            seeds.add("127.0.0.1:" + p);
        }
        return this;
    }

    /**
     * The directory holding {@code ca.crt} and the identities' keys and certificates: a node uses
     * {@code node.key} and {@code node.crt}, an edge (no roles) {@code app.key} and {@code app.crt}.
     */
    public NodeConfig tls(Path directory) {
        this.tls = directory;
        return this;
    }

    /** Serve metrics on {@code port} (0: no endpoint, the default). */
    public NodeConfig metricsPort(int port) {
        this.metricsPort = port;
        return this;
    }

    /**
     * One more setting: a native key under {@code global-sessions} ({@code relay.table.path}), or a
     * root key if it starts with {@code pekko.}. A value is a string, number, boolean, path, or a
     * list of those; a later value of the same key wins.
     */
    public NodeConfig set(String key, Object value) {
        settings.put(key, value);
        return this;
    }

    /** {@link #set} for each entry. */
    public NodeConfig set(Map<String, ?> entries) {
        entries.forEach(this::set);
        return this;
    }

    /** The HOCON text. */
    public String render() {
        StringBuilder out = new StringBuilder("global-sessions {\n");
        out.append("  roles = ").append(value(roles)).append('\n');
        out.append("  hostname = ").append(value(hostname)).append('\n');
        out.append("  port = ").append(port).append('\n');
        out.append("  seed-nodes = ").append(value(seeds)).append('\n');
        if (tls != null) {
            // a node presents the node identity; an edge (no roles) an application's, which is all a relay's gateway accepts
            String identity = roles.isEmpty() ? "app" : "node";
            out.append("  tls { key-file = ").append(value(tls.resolve(identity + ".key")))
                    .append(", cert-file = ").append(value(tls.resolve(identity + ".crt")))
                    .append(", ca-file = ").append(value(tls.resolve("ca.crt"))).append(" }\n");
        }
        if (metricsPort != 0) {
            out.append("  metrics.port = ").append(metricsPort).append('\n');
        }
        settings.forEach((key, v) -> {
            if (!key.startsWith("pekko.")) {
                out.append("  ").append(key).append(" = ").append(value(v)).append('\n');
            }
        });
        out.append("}\n");
        settings.forEach((key, v) -> {
            if (key.startsWith("pekko.")) {
                out.append(key).append(" = ").append(value(v)).append('\n');
            }
        });
        return out.toString();
    }

    /** The rendered HOCON, parsed (not resolved against any defaults). */
    public Config config() {
        return ConfigFactory.parseString(render());
    }

    /**
     * The settings a reader makes of it, e.g. {@code read(SettingsReader::read)}; the reader gets
     * the config and a source name for its messages.
     */
    public <T> T read(BiFunction<Config, String, T> reader) {
        return reader.apply(config(), "test node " + port);
    }

    /** Writes the HOCON to {@code file} and returns the file. */
    public Path writeTo(Path file) {
        try {
            return Files.writeString(file, render());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return render();
    }

    private static String value(Object value) {
        Object plain = value instanceof Path path ? path.toString()
                : value instanceof Collection<?> list ? list.stream().map(v -> v instanceof Path p ? p.toString() : v).collect(Collectors.toList())
                : value;
        return ConfigValueFactory.fromAnyRef(plain).render(ConfigRenderOptions.concise());
    }
}

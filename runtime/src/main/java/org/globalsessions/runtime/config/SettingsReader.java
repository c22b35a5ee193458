package org.globalsessions.runtime.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigOrigin;

import org.globalsessions.runtime.config.GlobalSessionsSettings.Edge;
import org.globalsessions.runtime.config.GlobalSessionsSettings.Hashing;
import org.globalsessions.runtime.config.GlobalSessionsSettings.Relay;
import org.globalsessions.runtime.config.GlobalSessionsSettings.Relief;
import org.globalsessions.runtime.config.GlobalSessionsSettings.Sibling;
import org.globalsessions.runtime.config.GlobalSessionsSettings.Table;
import org.globalsessions.runtime.config.GlobalSessionsSettings.Tls;
import org.globalsessions.runtime.metrics.MetricsTls;

/**
 * Reads {@link GlobalSessionsSettings} from a resolved {@link Config} whose {@code global-sessions}
 * section sits on top of {@code reference.conf}. Each getter turns a Typesafe Config failure,
 * or a value out of range, into a {@link SettingsException} of the form
 * {@code <source>[: line N]: global-sessions.<key> = <value>: <what is wrong>}.
 */
public final class SettingsReader {

    private final Config config;
    private final Config overrides;
    private final String source;

    private SettingsReader(Config config, Config overrides, String source) {
        this.config = config;
        this.overrides = overrides;
        this.source = source;
    }

    /**
     * Settings from {@code overrides} (a file's content, flags, …) over this module's defaults.
     *
     * @param source a name for messages, e.g. the file name
     */
    public static GlobalSessionsSettings read(Config overrides, String source) {
        Config resolved;
        try {
            resolved = overrides.withFallback(ConfigFactory.defaultReference()).resolve();
        } catch (ConfigException e) {
            throw new SettingsException(source + ": " + e.getMessage(), e);
        }
        return new SettingsReader(resolved, overrides, source).read();
    }

    /** The defaults alone (an edge with no file, a test). */
    public static GlobalSessionsSettings defaults() {
        return read(ConfigFactory.empty(), "defaults");
    }

    private GlobalSessionsSettings read() {
        Set<Role> roles = get("roles", key -> Role.parseAll(config.getStringList(key)));
        String systemName = get("system-name", config::getString);
        check("system-name", systemName, systemName.matches("[A-Za-z0-9][A-Za-z0-9_-]*"),
                "must be letters, digits, '-' or '_'");
        String hostname = get("hostname", config::getString);
        check("hostname", hostname, !hostname.isBlank(), "must not be empty");
        // port + 1 is the node's cluster port (GlobalSessionsSettings.CLUSTER_PORT_OFFSET)
        int port = intIn("port", 0, 65_535 - GlobalSessionsSettings.CLUSTER_PORT_OFFSET);
        List<HostPort> seedNodes = addresses("seed-nodes");
        Tls tls = tls();
        Hashing hashing = new Hashing(get("hashing.seed", config::getLong), intIn("hashing.shards", 1, 65_536));
        GlobalSessionsSettings.Metrics metrics = metrics(tls);
        Duration requestTimeout = positive("request-timeout");
        Duration maxStaleness = positive("max-staleness");
        check("max-staleness", maxStaleness, maxStaleness.toMillis() >= 100, "must be at least 100ms: leases are renewed by heartbeats");
        int dispatcherThreads = dispatcherThreads();
        Relay relay = new Relay(table("relay.table"), get("relay.publish-arrivals", config::getBoolean),
                positive("relay.invalidation-timeout"), positive("relay.edge-expiry"), pushWindow(),
                intIn("relay.receivers-per-table", 1, 16));
        Sibling sibling = new Sibling(optionalPath("sibling.table-path"));
        Relief relief = relief();
        List<HostPort> relays = addresses("edge.relays");
        Table edgeTable = table("edge.table");
        Edge edge = new Edge(relays, get("edge.table.manage-section", config::getBoolean), edgeTable,
                positive("edge.heartbeat-interval"), positive("edge.relay-down-after"),
                positive("edge.first-contact-timeout"), get("edge.store-arrivals", config::getBoolean),
                namespaces(edgeTable, relief));
        if (edge.heartbeatInterval().compareTo(maxStaleness.dividedBy(2)) >= 0) {
            throw error("edge.heartbeat-interval", edge.heartbeatInterval(), "must be shorter than half of max-staleness ("
                    + maxStaleness.toMillis() + " ms): each heartbeat renews a lease of max-staleness / 2; a quarter or less keeps it renewed");
        }
        if (roles.contains(Role.RELAY) && port == 0) {
            throw error("port", 0, "a relay needs a fixed port: edges are configured with it");
        }
        return new GlobalSessionsSettings(roles, systemName, hostname, port, seedNodes, tls, hashing, metrics, requestTimeout,
                maxStaleness, dispatcherThreads, relay, sibling, relief, edge, overrides, source);
    }

    /** The relief settings; a tombstone must outlive the longest session TTL, which bounds the default TTL. */
    private Relief relief() {
        Duration defaultTtl = positive("relief.default-session-ttl");
        Duration maxTtl = positive("relief.max-session-ttl");
        Duration tombstoneTtl = positive("relief.tombstone-ttl");
        check("relief.default-session-ttl", config(defaultTtl), defaultTtl.compareTo(maxTtl) <= 0,
                "must not exceed relief.max-session-ttl = " + config(maxTtl) + " (raise relief.max-session-ttl, and "
                        + "relief.tombstone-ttl with it)");
        check("relief.tombstone-ttl", config(tombstoneTtl), tombstoneTtl.compareTo(maxTtl) >= 0,
                "must be at least relief.max-session-ttl = " + config(maxTtl) + ": a tombstone that expires before a "
                        + "session could would let a copy of a logged-out session outlive its logout");
        return new Relief(intIn("relief.replication-factor", 1, 3), intIn("relief.expansion.entries-per-shard", 1, 100_000_000),
                intIn("relief.aging.entries-per-shard", 1, 100_000_000), positive("relief.aging.ttl"), defaultTtl, maxTtl,
                tombstoneTtl, intIn("relief.tombstones-per-shard", 1, 100_000_000),
                bytesIn("relief.expansion.bytes-per-shard", MIN_SHARD_BYTES), bytesIn("relief.aging.bytes-per-shard", MIN_SHARD_BYTES));
    }

    /**
     * {@code edge.namespaces}: each {@code <name> { record-size, default-ttl, max-lifetime }}, by
     * name. A namespace's sessions are stored under its prefix in the host's table, so
     * its records must fit that table's with the prefix; its sessions live at most as long as any may.
     */
    private java.util.Map<String, GlobalSessionsSettings.Namespace> namespaces(Table edgeTable, Relief relief) {
        java.util.Map<String, GlobalSessionsSettings.Namespace> out = new java.util.LinkedHashMap<>();
        String root = GlobalSessionsSettings.ROOT + ".edge.namespaces";
        if (!config.hasPath(root)) {
            return out;
        }
        for (String name : new java.util.TreeSet<>(get("edge.namespaces", config::getObject).keySet())) {
            String key = "edge.namespaces." + name;
            check(key, "{…}", name.matches(GlobalSessionsSettings.Namespace.NAME_PATTERN),
                    "a namespace is named by 1 to 64 letters, digits, '-' or '_'");
            int room = edgeTable.recordSize() - name.length() - 1;
            int recordSize = intIn(key + ".record-size", 1, Integer.MAX_VALUE);
            check(key + ".record-size", recordSize, recordSize <= room, "must fit the host table's records: edge.table.record-size = "
                    + edgeTable.recordSize() + " holds at most " + room + " bytes of key + value under the prefix \"" + name
                    + ":\" (raise edge.table.record-size, or lower this)");
            Duration maxLifetime = positive(key + ".max-lifetime");
            check(key + ".max-lifetime", config(maxLifetime), maxLifetime.compareTo(relief.maxSessionTtl()) <= 0,
                    "must not exceed relief.max-session-ttl = " + config(relief.maxSessionTtl()));
            Duration defaultTtl = positive(key + ".default-ttl");
            check(key + ".default-ttl", config(defaultTtl), defaultTtl.compareTo(maxLifetime) <= 0,
                    "must not exceed " + key + ".max-lifetime = " + config(maxLifetime));
            out.put(name, new GlobalSessionsSettings.Namespace(name, recordSize, defaultTtl, maxLifetime));
        }
        return out;
    }

    /** {@code dispatcher-threads}: {@code auto} (resolved by this host's cores), {@code separate}, or 1 to 256 threads. */
    private int dispatcherThreads() {
        String key = "dispatcher-threads";
        String text = get(key, config::getString).trim();
        if (text.equals("auto")) {
            return GlobalSessionsSettings.autoDispatcherThreads(Runtime.getRuntime().availableProcessors());
        }
        if (text.equals("separate")) {
            return GlobalSessionsSettings.SEPARATE_POOLS;
        }
        int threads;
        try {
            threads = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            threads = -1;
        }
        check(key, render(GlobalSessionsSettings.ROOT + "." + key), threads >= 1 && threads <= 256,
                "must be auto, separate, or a number of threads from 1 to 256");
        return threads;
    }

    /** A duration as a config file would write it ({@code 24h}, {@code 90s}, {@code 1500ms}). */
    private static String config(Duration d) {
        long ms = d.toMillis();
        return ms % 3_600_000 == 0 ? ms / 3_600_000 + "h" : ms % 60_000 == 0 ? ms / 60_000 + "m"
                : ms % 1_000 == 0 ? ms / 1_000 + "s" : ms + "ms";
    }

    private Tls tls() {
        boolean enabled = get("tls.enabled", config::getBoolean);
        Duration reload = positive("tls.reload-interval");
        if (!enabled) {
            return new Tls(false, null, null, null, reload, null, "", null, "");
        }
        Optional<Path> keyStore = optionalPath("tls.key-store");
        if (keyStore.isPresent()) {
            Path trustStore = optionalPath("tls.trust-store").orElseThrow(() ->
                    error("tls.trust-store", "", "is required with tls.key-store: the CA certificates peers must chain to"));
            return new Tls(true, null, null, null, reload, existing("tls.key-store", keyStore.get()),
                    get("tls.key-store-password", config::getString), existing("tls.trust-store", trustStore),
                    get("tls.trust-store-password", config::getString));
        }
        Path key = requiredFile("tls.key-file");
        Path cert = requiredFile("tls.cert-file");
        Path ca = requiredFile("tls.ca-file");
        return new Tls(true, key, cert, ca, reload, null, "", null, "");
    }

    private Path requiredFile(String key) {
        Path path = optionalPath(key).orElseThrow(() -> error(key, "",
                "is required while tls.enabled = true (make certificates with `global-sessions certs --out DIR`, "
                        + "or set tls.enabled = false explicitly to send sessions in clear text)"));
        return existing(key, path);
    }

    private Path existing(String key, Path path) {
        if (!Files.isReadable(path)) {
            throw error(key, path, "no readable file there");
        }
        return path;
    }

    private Table table(String prefix) {
        long elCount = get(prefix + ".el-count", config::getLong);
        check(prefix + ".el-count", elCount, elCount >= 1 && elCount <= Integer.MAX_VALUE, "must be between 1 and " + Integer.MAX_VALUE);
        int recordSize = intIn(prefix + ".record-size", 1, 65_534);
        int segments = intIn(prefix + ".segments", 0, 65_536);
        Duration lease = positive(prefix + ".lock-lease");
        return new Table(optionalPath(prefix + ".path"), elCount, recordSize, segments, lease,
                get(prefix + ".group", config::getString).trim());
    }

    private List<HostPort> addresses(String key) {
        List<String> texts = get(key, config::getStringList);
        List<HostPort> addresses = new ArrayList<>();
        for (String text : texts) {
            try {
                addresses.add(HostPort.parse(text));
            } catch (IllegalArgumentException e) {
                throw error(key, texts, e.getMessage());
            }
        }
        return List.copyOf(addresses);
    }

    private Optional<Path> optionalPath(String key) {
        String text = get(key, config::getString);
        return text.isBlank() ? Optional.empty() : Optional.of(Path.of(text));
    }

    private int port(String key, boolean zeroAllowed) {
        return intIn(key, zeroAllowed ? 0 : 1, 65_535);
    }

    /** The smallest byte budget of a relief shard replica: room for a few hundred sessions. */
    private static final long MIN_SHARD_BYTES = 1L << 20;

    private long bytesIn(String key, long min) {
        long value = get(key, config::getBytes);
        check(key, value, value >= min, "must be at least " + min + " bytes (1 MiB), e.g. 64 MiB");
        return value;
    }

    private int intIn(String key, int min, int max) {
        int value = get(key, config::getInt);
        check(key, value, value >= min && value <= max, "must be between " + min + " and " + max);
        return value;
    }

    /** At most a tenth of {@code relay.invalidation-timeout}: a delete waits for the invalidations it holds back. */
    private Duration pushWindow() {
        String key = "relay.push-window";
        Duration value = get(key, config::getDuration);
        Duration most = get("relay.invalidation-timeout", config::getDuration).dividedBy(10);
        check(key, value, !value.isNegative() && value.compareTo(most) <= 0, "must be between 0 and a tenth of "
                + "relay.invalidation-timeout (" + most.toMillis() + " ms): every logout waits for the invalidations it holds back");
        return value;
    }

    private Duration positive(String key) {
        Duration value = get(key, config::getDuration);
        check(key, value, !value.isNegative() && !value.isZero(), "must be a positive duration, e.g. 2s");
        return value;
    }

    /** The metrics endpoint: off loopback it needs TLS ({@code tls.enabled}), unless {@code metrics.tls = off} says plaintext is wanted. */
    private GlobalSessionsSettings.Metrics metrics(Tls tls) {
        String tlsMode = get("metrics.tls", config::getString);
        MetricsTls.Mode mode;
        try {
            mode = MetricsTls.Mode.parse(tlsMode);
        } catch (IllegalArgumentException e) {
            throw error("metrics.tls", tlsMode, e.getMessage());
        }
        GlobalSessionsSettings.Metrics metrics = new GlobalSessionsSettings.Metrics(get("metrics.hostname", config::getString),
                port("metrics.port", true), mode);
        if (metrics.port() > 0 && MetricsTls.wanted(metrics) && !tls.enabled()) {
            throw error("metrics.tls", tlsMode, "metrics on " + metrics.hostname() + (mode == MetricsTls.Mode.AUTO ? " (not a loopback address)" : "")
                    + " are served over TLS with this process's certificate, but tls.enabled = false: enable TLS, bind "
                    + "metrics.hostname to 127.0.0.1, or set metrics.tls = off to serve them in plain HTTP");
        }
        return metrics;
    }

    private <T> T get(String key, Function<String, T> getter) {
        String path = GlobalSessionsSettings.ROOT + "." + key;
        try {
            return getter.apply(path);
        } catch (ConfigException.Missing e) {
            throw new SettingsException(source + ": " + path + " is missing");
        } catch (ConfigException e) {
            throw new SettingsException(where(path) + path + " = " + render(path) + ": " + e.getMessage().replaceFirst("^.*?: ", ""), e);
        } catch (IllegalArgumentException e) {
            throw new SettingsException(where(path) + path + " = " + render(path) + ": " + e.getMessage(), e);
        }
    }

    private void check(String key, Object value, boolean ok, String rule) {
        if (!ok) {
            throw error(key, value, rule);
        }
    }

    private SettingsException error(String key, Object value, String problem) {
        String path = GlobalSessionsSettings.ROOT + "." + key;
        return new SettingsException(where(path) + path + " = " + value + ": " + problem);
    }

    private String where(String path) {
        if (!config.hasPathOrNull(path)) {
            return source + ": ";
        }
        ConfigOrigin origin = config.getValue(path).origin();
        String description = origin.filename() != null ? origin.filename() : source;
        return description + (origin.lineNumber() > 0 ? ": line " + origin.lineNumber() : "") + ": ";
    }

    private String render(String path) {
        return config.hasPath(path) ? config.getValue(path).render() : "null";
    }
}

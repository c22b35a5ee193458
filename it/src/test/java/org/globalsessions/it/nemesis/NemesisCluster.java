package org.globalsessions.it.nemesis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.globalsessions.testkit.ChildJvm;
import org.globalsessions.testkit.LeakedIds;
import org.globalsessions.testkit.Metrics;
import org.globalsessions.testkit.NetNamespaces;
import org.globalsessions.testkit.NodeConfig;
import org.globalsessions.testkit.NodeProcess;
import org.globalsessions.testkit.NodeTopology;
import org.globalsessions.testkit.ShmDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nemesis suite's deployment, every host a network namespace ({@link NetNamespaces}) and
 * every process a real JVM bound to its host's address, mutual TLS with certificates from
 * {@code global-sessions certs}:
 * <pre>
 *   host relay : node "relay"  (relay + sibling, its L2 table in the run's directory)
 *   hosts n1-n3: nodes "n1".."n3" (relief-expansion + relief-aging, replication factor 2)
 *   hosts ea, eb: application processes a0, a1 on ea and a2, a3 on eb ({@link NemesisApp}),
 *                 one L1 table per host, one receiver of its invalidations per table (the other
 *                 process reads by the table's freshness word); a3's wall clock runs {@link #BEHIND_MS} behind
 * </pre>
 * Every node lists all four nodes as seeds, n1 first (the first seed is the one that may form a
 * cluster of its own), so a restarted relay rejoins the running cluster. Nodes tolerate a heartbeat pause of 16 s,
 * above the longest SIGSTOP the suite applies: a paused node is not downed (kills test that path).
 *
 * <p>Files (configs, certificates, tables, logs, histories) live in one directory under
 * /dev/shm; {@link #keep} copies the logs and histories of a failed run to
 * {@code target/nemesis-<timestamp>/}. Thread-safety: the test thread and the fault thread
 * share it; the app handles are synchronized.
 */
final class NemesisCluster implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NemesisCluster.class);
    static final int PORT = 25520;
    static final int METRICS_PORT = 9100;
    static final int SHARDS = 16;
    static final List<String> RELIEF = List.of("n1", "n2", "n3");
    /** How far behind the skewed application process's wall clock runs. */
    static final long BEHIND_MS = -180_000;

    /** One application process: its handle survives the process's restarts. */
    final class App {
        final String name;
        final NetNamespaces.Host host;
        final int index;
        final long skew;
        final boolean manage;
        final Path table;
        private ChildJvm jvm;
        /** Whether the suite killed it (as opposed to the process exiting on its own). */
        private boolean killed;
        /** Whether its "ready" line is still to be read (it was restarted while the test did not wait). */
        private boolean readyUnread;

        App(String name, NetNamespaces.Host host, int index, long skew, boolean manage, Path table) {
            this.table = table;
            this.name = name;
            this.host = host;
            this.index = index;
            this.skew = skew;
            this.manage = manage;
        }

        /** Starts it; with a schedule ({@code startNanos} ≠ 0) it runs the workload at once. */
        synchronized void start(int processes, long startNanos, long endNanos) {
            List<Object> args = new ArrayList<>(List.of(name, host.name(), index, processes, relayAddress(), certs(),
                    table, manage, host.address(), historyFile(name), skew));
            if (startNanos != 0) {
                args.add(startNanos);
                args.add(endNanos);
            }
            killed = false;
            readyUnread = true;
            jvm = ChildJvm.mainClass(NemesisApp.class).prefix(host.exec()).options("-Xmx160m", "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1").args(args).errorLog(logs().resolve(name + ".log")).start();
        }

        /** Waits for its "ready" line. */
        synchronized void awaitReady() {
            readyUnread = false;
            String ready = jvm.readLine(Duration.ofSeconds(120));
            if (!"ready".equals(ready)) {
                throw new AssertionError("application " + name + " did not start: " + ready + "; its log:\n"
                        + org.globalsessions.testkit.Logs.tail(logs().resolve(name + ".log"), 30));
            }
        }

        synchronized ChildJvm jvm() {
            return jvm;
        }

        /** Sends a command and returns its answer line, or null if none came within {@code timeout}. */
        String ask(String command, Duration timeout) {
            synchronized (this) {
                if (readyUnread) {
                    awaitReady();
                }
            }
            ChildJvm child = jvm();
            child.writeLine(command);
            return child.readLine(timeout);
        }

        /** Sends a command that has no answer. */
        void tell(String command) {
            jvm().writeLine(command);
        }

        synchronized void kill() {
            killed = true;
            jvm.kill();
        }

        synchronized boolean exitedOnItsOwn() {
            return jvm != null && !killed && !jvm.isAlive();
        }

        void pause() {
            jvm().pause();
        }

        void resume() {
            jvm().resume();
        }

        void close() {
            ChildJvm child = jvm();
            if (child != null && child.isAlive()) {
                child.writeLine("quit");
                if (!child.exits(Duration.ofSeconds(10))) {
                    child.kill();
                }
            }
        }

        @Override
        public String toString() {
            return name + "@" + host;
        }
    }

    final Path dir;
    final NetNamespaces net;
    final NetNamespaces.Host relayHost;
    final Map<String, NetNamespaces.Host> reliefHosts = new LinkedHashMap<>();
    final List<NetNamespaces.Host> edgeHosts = new ArrayList<>();
    final NodeProcess relay;
    final Map<String, NodeProcess> relief = new LinkedHashMap<>();
    final List<App> apps = new ArrayList<>();

    /** Makes the hosts, certificates and configs (nothing runs yet). */
    NemesisCluster(Path launcherJar) {
        LeakedIds.pattern(Workload.KEY_PATTERN);
        dir = ShmDirectory.create("gs-nemesis-");
        try {
            Files.createDirectories(logs());
            Files.createDirectories(histories());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            net = NetNamespaces.create(0);
        } catch (IllegalStateException e) {
            ShmDirectory.delete(dir);
            throw new AssertionError("the nemesis suite needs network namespaces and cannot make them: " + e.getMessage(), e);
        }
        relayHost = net.host("relay");
        for (String name : RELIEF) {
            reliefHosts.put(name, net.host(name));
        }
        edgeHosts.add(net.host("ea"));
        edgeHosts.add(net.host("eb"));
        String addresses = net.hosts().stream().map(NetNamespaces.Host::address).collect(Collectors.joining(","));
        ChildJvm.Result certs = ChildJvm.jar(launcherJar).options("-XX:+UseSerialGC")
                .args("certs", "--out", certs().toString(), "--hosts", "127.0.0.1," + addresses).run(Duration.ofSeconds(90));
        if (certs.exit() != 0) {
            throw new AssertionError("global-sessions certs failed: " + certs.out() + certs.err());
        }
        // n1 first: the first seed forms the cluster when no other seed answers in time, and the
        // relay, which the suite kills and restarts, must never do that (seen: a restarted relay
        // that was the first seed formed a cluster of its own under load).
        List<String> seeds = new ArrayList<>();
        reliefHosts.values().forEach(h -> seeds.add(h.address() + ":" + PORT));
        seeds.add(relayHost.address() + ":" + PORT);
        relay = node("relay", relayHost, List.of("relay", "sibling"), seeds,
                c -> c.set("relay.table.path", dir.resolve("relay-l2.lru")), launcherJar);
        reliefHosts.forEach((name, host) -> relief.put(name,
                node(name, host, List.of("relief-expansion", "relief-aging"), seeds, c -> { }, launcherJar)));
        for (int i = 0; i < 4; i++) {
            NetNamespaces.Host host = edgeHosts.get(i / 2);
            apps.add(new App("a" + i, host, i, i == 3 ? BEHIND_MS : 0, i % 2 == 0, dir.resolve("table-" + host.name() + ".lru")));
        }
    }

    private NodeProcess node(String name, NetNamespaces.Host host, List<String> roles, List<String> seeds,
                             java.util.function.Consumer<NodeConfig> own, Path launcherJar) {
        NodeConfig config = NodeConfig.node(PORT).hostname(host.address()).roles(roles).seeds(seeds).tls(certs())
                .metricsPort(METRICS_PORT)
                .set("hashing", Map.of("seed", 9849381, "shards", SHARDS))
                .set("relay.table", Map.of("el-count", 2000, "record-size", 400))
                .set("relief.replication-factor", 2)
                .set("relief.expansion.entries-per-shard", 200)
                .set("relief.aging", Map.of("entries-per-shard", 20000, "ttl", "10m"))
                .set("relief.default-session-ttl", "1h")
                .set("request-timeout", "3s")
                .set("relay.invalidation-timeout", "2s")
                // One receiver per host table (decision 0014): each host's other process is sent no
                // invalidation and answers by the freshness word the receiver raises, under every fault.
                .set("relay.receivers-per-table", 1)
                .set("pekko.cluster.split-brain-resolver.stable-after", "4s")
                .set("pekko.cluster.failure-detector.acceptable-heartbeat-pause", "16s")
                .set("pekko.cluster.sharding.rebalance-interval", "2s")
                // On a loaded 2-core machine a JVM can take longer than the 5 s and 3 s defaults.
                .set("pekko.cluster.seed-node-timeout", "15s")
                .set("pekko.remote.artery.bind.bind-timeout", "15s");
        own.accept(config);
        return new NodeProcess(name, config.writeTo(dir.resolve(name + ".conf")), logs().resolve(name + ".log"), PORT,
                METRICS_PORT, c -> ChildJvm.jar(launcherJar).options(NodeTopology.NODE_OPTIONS).args(c), host);
    }

    Path certs() {
        return dir.resolve("certs");
    }

    Path logs() {
        return dir.resolve("logs");
    }

    Path histories() {
        return dir.resolve("history");
    }

    Path historyFile(String process) {
        return histories().resolve(process + History.SUFFIX);
    }

    String relayAddress() {
        return relay.address();
    }

    List<NodeProcess> nodes() {
        List<NodeProcess> all = new ArrayList<>();
        all.add(relay);
        all.addAll(relief.values());
        return all;
    }

    /**
     * Starts the four nodes at once (the relay, first seed, forms the cluster when no other seed
     * answers; the others join it) and waits until all four see each other up.
     */
    void startNodes() {
        nodes().forEach(NodeProcess::start);
        String up = awaitNodesUp(Duration.ofSeconds(180));
        if (up.startsWith("NOT")) {
            throw new AssertionError("the cluster did not form: " + up);
        }
    }

    /**
     * Waits at most {@code atMost} until every node sees all four members up, starting again a node
     * that is not running (one downed exits; on a loaded machine one can also fail to start); says
     * how it went: "four members up everywhere after N s", or "NOT settled …" with what each saw.
     */
    String awaitNodesUp(Duration atMost) {
        long start = System.nanoTime();
        String seen = "";
        while (System.nanoTime() - start < atMost.toNanos()) {
            StringBuilder members = new StringBuilder();
            boolean all = true;
            for (NodeProcess node : nodes()) {
                if (!node.alive()) {
                    log.warn("{} is not running; starting it. Its log:\n{}", node, node.tail(10));
                    node.start();
                }
                double up = node.metric(Metrics.MEMBERS_UP);
                members.append(node.name()).append('=').append((int) up).append(' ');
                all &= up == nodes().size();
            }
            seen = members.toString().strip();
            if (all) {
                return "four members up everywhere after " + (System.nanoTime() - start) / 1_000_000_000 + " s";
            }
            sleep(2_000);
        }
        return "NOT settled in " + atMost.toSeconds() + " s (members up: " + seen + ")";
    }

    /** Starts every application process and waits until each is ready: those that create their host's table first. */
    void startApps() {
        for (boolean managers : new boolean[] {true, false}) {
            List<App> group = apps.stream().filter(a -> a.manage == managers).toList();
            group.forEach(a -> a.start(apps.size(), 0, 0));
            group.forEach(App::awaitReady);
        }
    }

    /** A fresh client on a fresh table in host ea, recording as the final reader. */
    App finalReader() {
        return new App(HistoryChecker.FINAL_PROCESS, edgeHosts.get(0), 0, 0, true, dir.resolve("table-final.lru"));
    }

    /**
     * Asks {@code app} to probe until it answers "ok" (every probe id written and read back), at most
     * {@code atMost}; returns how long it took, or fails with the last answer.
     */
    Duration awaitProbe(App app, int ids, Duration atMost) {
        long start = System.nanoTime();
        String answer = null;
        while (System.nanoTime() - start < atMost.toNanos()) {
            answer = app.ask("probe " + ids, Duration.ofSeconds(ids * 12L + 10));
            if ("ok".equals(answer)) {
                return Duration.ofNanos(System.nanoTime() - start);
            }
            if (answer == null) {
                throw new AssertionError(app + " gave no answer to a probe");
            }
            log.debug("{}: {}", app, answer);
            sleep(2_000);
        }
        throw new AssertionError(app + " could not write and read back " + ids + " ids within " + atMost.toSeconds() + " s: " + answer);
    }

    /** Copies logs, histories and configs to {@code target/nemesis-<timestamp>/} and returns that path. */
    Path keep() {
        Path kept = Path.of("target", "nemesis-" + java.time.LocalDateTime.now().format(
                java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))).toAbsolutePath();
        try {
            for (Path from : List.of(logs(), histories())) {
                Path to = kept.resolve(from.getFileName());
                Files.createDirectories(to);
                try (Stream<Path> files = Files.list(from)) {
                    for (Path file : files.toList()) {
                        Files.copy(file, to.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            try (Stream<Path> configs = Files.list(dir)) {
                for (Path file : configs.filter(f -> f.toString().endsWith(".conf")).toList()) {
                    Files.copy(file, kept.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            log.error("could not keep the run's files in {}", kept, e);
        }
        return kept;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Resumes anything paused, kills every process, removes the namespaces and the directory. */
    @Override
    public void close() {
        for (App app : apps) {
            try {
                if (app.jvm() != null) {
                    app.resume();
                    app.close();
                }
            } catch (RuntimeException e) {
                log.warn("closing {}: {}", app, e.toString());
            }
        }
        for (NodeProcess node : nodes()) {
            if (node.alive()) {
                node.resume();
                node.kill();
            }
        }
        net.close();
        List<String> leaked = LeakedIds.findIn(logs());
        if (!leaked.isEmpty()) {
            log.error("session ids in the logs: kept in {}", keep());
        }
        ShmDirectory.delete(dir);
        if (!leaked.isEmpty()) {
            throw LeakedIds.failure(leaked);
        }
    }
}

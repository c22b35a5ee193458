package org.globalsessions.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.awaitility.core.ConditionTimeoutException;
import org.globalsessions.actors.relief.ReplicaPlacement;
import org.globalsessions.runtime.bootstrap.FreePorts;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole topology in real processes on 127.0.0.1, mutual TLS, certificates made by
 * {@code global-sessions certs}: relay {@code r1} with its sibling in-process, relay {@code r2}
 * with its sibling {@code s2} as a separate process, expansion nodes {@code e1}, {@code e2} and
 * aging node {@code a1}. Clients (front-end processes) are started per test on simulated
 * hosts, each host a shared-memory table of its own.
 *
 * <p>Readiness is asked of the nodes (their metrics say how many members they see up), never
 * slept for. Everything lives in one private directory under /dev/shm (configs, certificates,
 * logs, tables); {@link #afterAll} kills every process it started and deletes it. When a test
 * fails, the tail of each node's log is printed and all logs are copied to
 * {@code target/it-logs/<test>/} first, so a CI run leaves what is needed to explain it.
 */
final class Topology implements BeforeAllCallback, AfterAllCallback, TestWatcher {

    private static final Logger log = LoggerFactory.getLogger(Topology.class);
    static final List<String> NODES = List.of("r1", "r2", "s2", "e1", "e2", "a1");

    private final List<String> startNodes;
    private final String agingTtl;

    /** The full topology, with an aging TTL longer than any test runs. */
    Topology() {
        this(NODES, "10m");
    }

    /** A subset of {@link #NODES} (r1 always), and the aging tier's TTL. */
    Topology(List<String> startNodes, String agingTtl) {
        this.startNodes = startNodes;
        this.agingTtl = agingTtl;
    }

    Path dir;
    Path certs;
    Path foreignCerts;
    final Map<String, Processes.Node> nodes = new LinkedHashMap<>();
    private final List<Processes.Client> clients = new ArrayList<>();

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        dir = Files.createTempDirectory(Path.of("/dev/shm"), "gs-it-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.createDirectories(dir.resolve("logs"));
        certs = dir.resolve("certs");
        foreignCerts = dir.resolve("foreign");
        launcher("certs", "--out", certs.toString(), "--hosts", "127.0.0.1");
        launcher("certs", "--out", foreignCerts.toString(), "--hosts", "127.0.0.1");
        int r1 = FreePorts.next();
        define("r1", List.of("relay", "sibling"), r1, List.of(), "relay.table.path = \"" + table("r1-l2") + "\"");
        define("r2", List.of("relay"), FreePorts.next(), List.of(r1), "relay.table.path = \"" + table("r2-l2") + "\"");
        define("s2", List.of("sibling"), FreePorts.next(), List.of(r1), "sibling.table-path = \"" + table("r2-l2") + "\"");
        define("e1", List.of("relief-expansion"), FreePorts.next(), List.of(r1), "");
        define("e2", List.of("relief-expansion"), FreePorts.next(), List.of(r1), "");
        define("a1", List.of("relief-aging"), FreePorts.next(), List.of(r1), "");
        define("e3", List.of("relief-expansion"), FreePorts.next(), List.of(r1), ""); // joins later, in a test
        node("r1").start();
        awaitUp(List.of(node("r1")), 1);
        for (String name : startNodes.subList(1, startNodes.size())) {
            node(name).start();
        }
        // e3 (and any node not in startNodes) is defined but started by a test.
        awaitUp(running(), startNodes.size());
        awaitShardsSettled();
        log.info("topology up: {}", running());
    }

    static final int SHARDS = 16;
    static final int COPIES = 2;
    static final String EXPANSION_HOSTED = "global_sessions_relief_shards_hosted\\{tier=\"expansion\"\\}";
    static final String AGING_HOSTED = "global_sessions_relief_shards_hosted\\{tier=\"aging\"\\}";

    /**
     * Waits until every copy of every shard of both tiers is hosted where the placement puts it:
     * each running expansion node hosts exactly the copies {@link ReplicaPlacement#home} gives it
     * (rendezvous hashing over the nodes' addresses, so the count depends on the ports drawn), and
     * the aging node all of its tier's. Shards are allocated when a message reaches them, so a
     * warm-up client reads keys of every shard meanwhile. Returns how long it took; on a timeout,
     * says what each node hosted and should host.
     */
    Duration awaitShardsSettled() {
        long start = System.nanoTime();
        try (Processes.Client warmUp = warmUpClient()) {
            String[] last = {""};
            String[] expected = {""};
            try {
                await().atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofSeconds(2)).until(() -> {
                    warmUp.ask("check warm 0 256");
                    assertNoNodeExitedOnItsOwn();
                    List<Processes.Node> expansion = nodes.values().stream()
                            .filter(n -> n.name.startsWith("e") && n.alive()).toList();
                    Map<String, Integer> wanted = expectedCopies(expansion);
                    StringBuilder placement = new StringBuilder();
                    for (Processes.Node node : expansion) {
                        placement.append(node.name).append('=').append((int) node.metric(EXPANSION_HOSTED)).append(' ');
                    }
                    placement.append("a1=").append((int) node("a1").metric(AGING_HOSTED));
                    last[0] = placement.toString();
                    expected[0] = expansion.stream().map(n -> n.name + "=" + wanted.get(n.name))
                            .collect(Collectors.joining(" ")) + " a1=" + SHARDS * COPIES;
                    log.debug("shard placement: {} (wanted: {})", last[0], expected[0]);
                    return last[0].equals(expected[0]);
                });
            } catch (ConditionTimeoutException e) {
                throw new AssertionError("shard placement did not settle in 300 s: hosted " + last[0]
                        + ", wanted " + expected[0], e);
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            log.info("shard placement settled in {} s: {}", took.toSeconds(), last[0]);
            return took;
        }
    }

    /** Fails, with the node's exit status and the tail of its log, if a node the test did not end has exited. */
    void assertNoNodeExitedOnItsOwn() {
        for (Processes.Node node : nodes.values()) {
            if (node.exitedOnItsOwn()) {
                throw new AssertionError(node + " exited on its own with status " + node.exitValue() + "; its log:\n"
                        + tail(node.log, 40));
            }
        }
    }

    /** How many expansion copies each of these nodes should host, by the relief tier's own placement function. */
    private static Map<String, Integer> expectedCopies(List<Processes.Node> expansion) {
        Map<String, Integer> byAddress = ReplicaPlacement.copiesPerNode(SHARDS, COPIES,
                expansion.stream().map(n -> "pekko://global-sessions@" + n.address()).toList());
        return expansion.stream().collect(Collectors.toMap(n -> n.name, n -> byAddress.get("pekko://global-sessions@" + n.address())));
    }

    /**
     * A client that reads keys of every shard while the placement settles, on a table of its own
     * (a previous warm-up client may still be exiting). Under load with nodes joining, its first
     * contact can miss its deadline: one more attempt then.
     */
    private Processes.Client warmUpClient() {
        AssertionError first = null;
        for (int attempt = 0; attempt < 2; attempt++) {
            String name = "warm-up-" + System.nanoTime();
            try {
                return Processes.Client.start(name, dir.resolve("logs").resolve("client-" + name + ".log"), relays(), certs,
                        table("host-" + name), true, 100, 600, 0);
            } catch (AssertionError e) {
                log.warn("{}; trying once more", e.getMessage());
                first = e;
            }
        }
        throw first;
    }

    private void define(String name, List<String> roles, int port, List<Integer> seeds, String extra) throws IOException {
        int metrics = FreePorts.next();
        String config = """
                global-sessions {
                  roles = [%s]
                  hostname = "127.0.0.1"
                  port = %d
                  seed-nodes = [%s]
                  tls { key-file = "%s", cert-file = "%s", ca-file = "%s" }
                  hashing { seed = 9849381, shards = 16 }
                  relay.table { el-count = 200, record-size = 600 }
                  relief.expansion.entries-per-shard = 60
                  relief.aging { entries-per-shard = 20000, ttl = %s }
                  relief.default-session-ttl = 1h
                  request-timeout = 3s
                  relay.invalidation-timeout = 2s
                  metrics.port = %d
                  %s
                }
                pekko.cluster.split-brain-resolver.stable-after = 4s
                pekko.cluster.failure-detector.acceptable-heartbeat-pause = 8s
                pekko.cluster.sharding.rebalance-interval = 2s
                """.formatted(String.join(", ", roles), port,
                seeds.stream().map(p -> "\"127.0.0.1:" + p + "\"").collect(Collectors.joining(", ")),
                certs.resolve("node.key"), certs.resolve("node.crt"), certs.resolve("ca.crt"), agingTtl, metrics, extra);
        Path file = dir.resolve(name + ".conf");
        Files.writeString(file, config);
        nodes.put(name, new Processes.Node(name, file, dir.resolve("logs").resolve(name + ".log"), port, metrics));
    }

    Processes.Node node(String name) {
        return nodes.get(name);
    }

    /** The nodes whose process is running. */
    List<Processes.Node> running() {
        return nodes.values().stream().filter(Processes.Node::alive).toList();
    }

    Path table(String name) {
        return dir.resolve(name + ".lru");
    }

    /** The relays that are running. */
    List<String> relays() {
        return running().stream().filter(n -> n.name.startsWith("r")).map(Processes.Node::address).toList();
    }

    /** Waits until every node in {@code which} sees {@code members} cluster members up. */
    void awaitUp(Iterable<Processes.Node> which, int members) {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(300)).until(() -> {
            for (Processes.Node node : which) {
                if (!node.alive()) {
                    throw new AssertionError(node + " exited; its log:\n" + tail(node.log, 40));
                }
                if (node.metric("global_sessions_cluster_members\\{status=\"up\"\\}") != members) {
                    return false;
                }
            }
            return true;
        });
    }

    /** A front-end process on simulated host {@code host}; the first one on a host creates its table. */
    Processes.Client client(String name, String host, boolean manage, List<String> relays) {
        return client(name, host, manage, relays, certs, 0);
    }

    Processes.Client client(String name, String host, boolean manage, List<String> relays, Path certificates, long clockOffset) {
        Processes.Client client = Processes.Client.start(name, dir.resolve("logs").resolve("client-" + name + ".log"), relays,
                certificates, table("host-" + host), manage, 400, 600, clockOffset);
        clients.add(client);
        return client;
    }

    /** Runs the launcher to completion (certs, inspect, …); returns its output. */
    String launcher(String... args) throws Exception {
        List<String> command = Processes.java();
        command.addAll(List.of("-jar", System.getProperty("gs.launcher.jar")));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("global-sessions " + String.join(" ", args) + " did not finish");
        }
        return "exit=" + p.exitValue() + "\n" + out.get();
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        keepLogs(context.getRequiredTestMethod().getName());
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        if (context.getExecutionException().isPresent()) {
            keepLogs(context.getRequiredTestClass().getSimpleName());
        }
        clients.forEach(Processes.Client::close);
        clients.forEach(c -> {
            if (c.alive()) {
                c.kill();
            }
        });
        for (Processes.Node node : nodes.values()) {
            if (node.alive()) {
                node.kill();
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** Prints the tail of each node's log and copies every log (nodes and clients) to target/it-logs/{@code name}. */
    private void keepLogs(String name) {
        for (Processes.Node node : nodes.values()) {
            System.err.println("---- last lines of " + node + " ----\n" + tail(node.log, 40));
        }
        Path kept = Path.of("target", "it-logs", name);
        try (Stream<Path> logs = Files.list(dir.resolve("logs"))) {
            Files.createDirectories(kept);
            for (Path logFile : logs.toList()) {
                Files.copy(logFile, kept.resolve(logFile.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
            System.err.println("---- all logs kept in " + kept.toAbsolutePath() + " ----");
        } catch (IOException e) {
            System.err.println("could not keep the logs in " + kept.toAbsolutePath() + ": " + e);
        }
    }

    static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}

package org.globalsessions.it;

import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.awaitility.core.ConditionTimeoutException;
import org.globalsessions.actors.relief.ReplicaPlacement;
import org.globalsessions.testkit.ChildJvm;
import org.globalsessions.testkit.Metrics;
import org.globalsessions.testkit.NodeConfig;
import org.globalsessions.testkit.NodeProcess;
import org.globalsessions.testkit.NodeTopology;
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
 * aging node {@code a1} ({@code e3} is defined for a test to start). Clients (front-end processes)
 * are started per test on simulated hosts, each host a shared-memory table of its own.
 *
 * <p>The nodes are testkit's {@link NodeTopology} of launcher processes (the shaded jar, as a
 * user runs it): it starts them, asks their metrics whether they are up (never sleeps), keeps
 * their logs when a test fails and kills and deletes everything after the last test. This class
 * adds what the scenarios need on top: the clients, the launcher's other commands, and waiting
 * until the relief tiers' shard replicas are where the placement puts them.
 */
final class Topology implements BeforeAllCallback, AfterAllCallback, TestWatcher {

    private static final Logger log = LoggerFactory.getLogger(Topology.class);
    static final List<String> NODES = List.of("r1", "r2", "s2", "e1", "e2", "a1");
    static final int SHARDS = 16;
    static final int COPIES = 2;

    /** The nodes; every node is defined, those of the constructor's list start before the tests. */
    final NodeTopology nodes;
    private final List<Processes.Client> clients = new ArrayList<>();
    Path dir;
    Path certs;
    Path foreignCerts;

    /** The full topology, with an aging TTL longer than any test runs. */
    Topology() {
        this(NODES, "10m");
    }

    /** A subset of {@link #NODES} (r1 always), and the aging tier's TTL. */
    Topology(List<String> startNodes, String agingTtl) {
        nodes = NodeTopology.builder()
                .directoryPrefix("gs-it-")
                .launcherJar(launcherJar())
                .certificates(Topology::certs)
                .common(config -> config
                        .set("hashing", Map.of("seed", 9849381, "shards", SHARDS))
                        .set("relay.table", Map.of("el-count", 200, "record-size", 600))
                        .set("relief.expansion.entries-per-shard", 60)
                        .set("relief.aging", Map.of("entries-per-shard", 20000, "ttl", agingTtl))
                        .set("relief.default-session-ttl", "1h")
                        .set("request-timeout", "3s")
                        .set("relay.invalidation-timeout", "2s")
                        .set("pekko.cluster.split-brain-resolver.stable-after", "4s")
                        .set("pekko.cluster.failure-detector.acceptable-heartbeat-pause", "8s")
                        .set("pekko.cluster.sharding.rebalance-interval", "2s"))
                .node("r1", List.of("relay", "sibling"), (config, t) -> config.set("relay.table.path", t.file("r1-l2.lru")))
                .node("r2", List.of("relay"), (config, t) -> config.set("relay.table.path", t.file("r2-l2.lru")))
                .node("s2", List.of("sibling"), (config, t) -> config.set("sibling.table-path", t.file("r2-l2.lru")))
                .node("e1", "relief-expansion")
                .node("e2", "relief-expansion")
                .node("a1", "relief-aging")
                .node("e3", "relief-expansion") // joins later, in a test
                .startOnly(startNodes)
                .build();
    }

    /** The launcher's shaded jar, as a user runs it (built by the reactor, named by the pom). */
    static Path launcherJar() {
        return Path.of(System.getProperty("gs.launcher.jar"));
    }

    /** {@code global-sessions certs --out dir --hosts 127.0.0.1}: development certificates, the CA's key in {@code dir-ca}. */
    static void certs(Path dir) {
        ChildJvm.Result result = ChildJvm.jar(launcherJar()).options("-XX:+UseSerialGC")
                .args("certs", "--out", dir.toString(), "--hosts", "127.0.0.1").run(Duration.ofSeconds(90));
        org.junit.jupiter.api.Assertions.assertEquals(0, result.exit(), "certs: " + result.out() + result.err());
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        nodes.beforeAll(context);
        dir = nodes.dir();
        certs = nodes.certs();
        foreignCerts = dir.resolve("foreign");
        launcher("certs", "--out", foreignCerts.toString(), "--hosts", "127.0.0.1");
        awaitShardsSettled();
        log.info("topology up: {}", running());
    }

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
                    List<NodeProcess> expansion = nodes.nodes().stream()
                            .filter(n -> n.name().startsWith("e") && n.alive()).toList();
                    Map<String, Integer> wanted = expectedCopies(expansion);
                    StringBuilder placement = new StringBuilder();
                    for (NodeProcess node : expansion) {
                        placement.append(node.name()).append('=').append((int) node.metric(Metrics.EXPANSION_HOSTED)).append(' ');
                    }
                    placement.append("a1=").append((int) node("a1").metric(Metrics.AGING_HOSTED));
                    last[0] = placement.toString();
                    expected[0] = expansion.stream().map(n -> n.name() + "=" + wanted.get(n.name()))
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
        nodes.assertNoNodeExitedOnItsOwn();
    }

    /** How many expansion copies each of these nodes should host, by the relief tier's own placement function. */
    private static Map<String, Integer> expectedCopies(List<NodeProcess> expansion) {
        Map<String, Integer> byAddress = ReplicaPlacement.replicasPerNode(SHARDS, COPIES,
                expansion.stream().map(n -> "pekko://global-sessions@" + n.clusterAddress()).toList());
        return expansion.stream().collect(Collectors.toMap(NodeProcess::name,
                n -> byAddress.get("pekko://global-sessions@" + n.clusterAddress())));
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
                return Processes.Client.start(name, nodes.logs().resolve("client-" + name + ".log"), relays(), certs,
                        table("host-" + name), true, 100, 600, 0);
            } catch (AssertionError e) {
                log.warn("{}; trying once more", e.getMessage());
                first = e;
            }
        }
        throw first;
    }

    NodeProcess node(String name) {
        return nodes.node(name);
    }

    /** A node process from {@code config} (a test's own, e.g. with other certificates), not started; killed after the tests. */
    NodeProcess define(String name, NodeConfig config) {
        return nodes.define(name, config);
    }

    /** The nodes whose process is running. */
    List<NodeProcess> running() {
        return nodes.running();
    }

    Path table(String name) {
        return dir.resolve(name + ".lru");
    }

    /** The relays that are running. */
    List<String> relays() {
        return running().stream().filter(n -> n.name().startsWith("r")).map(NodeProcess::address).toList();
    }

    /** Waits until every node in {@code which} sees {@code members} cluster members up. */
    void awaitUp(Iterable<NodeProcess> which, int members) {
        nodes.awaitUp(which, members);
    }

    /** A front-end process on simulated host {@code host}; the first one on a host creates its table. */
    Processes.Client client(String name, String host, boolean manage, List<String> relays) {
        return client(name, host, manage, relays, certs, 0);
    }

    Processes.Client client(String name, String host, boolean manage, List<String> relays, Path certificates, long clockOffset) {
        Processes.Client client = Processes.Client.start(name, nodes.logs().resolve("client-" + name + ".log"), relays,
                certificates, table("host-" + host), manage, 400, 600, clockOffset);
        clients.add(client);
        return client;
    }

    /** Runs the launcher to completion (certs, inspect, …); returns "exit=N", a line break, and its stdout and stderr. */
    String launcher(String... args) {
        ChildJvm.Result result = ChildJvm.jar(launcherJar()).options("-XX:+UseSerialGC").args((Object[]) args)
                .run(Duration.ofSeconds(90));
        return "exit=" + result.exit() + "\n" + result.out() + result.err();
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        nodes.testFailed(context, cause);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        clients.forEach(Processes.Client::close);
        clients.forEach(c -> {
            if (c.alive()) {
                c.kill();
            }
        });
        nodes.afterAll(context);
    }
}

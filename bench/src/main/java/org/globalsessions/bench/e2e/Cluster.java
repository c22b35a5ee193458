package org.globalsessions.bench.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.globalsessions.bench.BenchBase;
import org.globalsessions.testkit.ChildJvm;
import org.globalsessions.testkit.FreePorts;
import org.globalsessions.testkit.Metrics;
import org.globalsessions.testkit.NodeConfig;

/**
 * A global-sessions cluster in real processes on 127.0.0.1, mutual TLS, started with the
 * launcher's shaded jar as it/'s {@code Topology} does: relay {@code r1} with its sibling in the
 * same JVM (it starts the cluster), {@code n} expansion nodes and one aging node. {@link Shape}
 * sizes the relay's L2 and the relief tiers so that one path can be isolated.
 *
 * <p>Readiness is asked of the nodes (their metrics: members up, shards hosted), never slept for.
 * {@link #close} sends SIGTERM to every node (relief nodes first), which also makes a JVM that
 * records a flight recording write it, and SIGKILLs a node that has not exited within 20 s.
 */
public final class Cluster implements AutoCloseable {

    /** Shards per relief tier: 24 divides evenly over 1, 2 and 3 expansion nodes. */
    public static final int SHARDS = 24;
    /** Copies of each relief shard: the nodes' {@code relief.replication-factor}. */
    static final int COPIES = 2;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);

    /**
     * How a cluster is sized: {@code relayEntries} is the relay's L2 {@code el-count} (1: nothing
     * stays in L2), the relief tiers hold {@code SHARDS ×} their entries per shard.
     */
    public record Shape(String name, int expansionNodes, long relayEntries, int expansionEntriesPerShard, int agingEntriesPerShard) {
    }

    /** Where nodes run from and with what: the launcher jar, the Chronicle flags, node JVM options, certificates. */
    public record Launch(Path launcherJar, List<String> jvmFlags, List<String> nodeOptions, Path certs, Path directory, Path jfrDirectory) {
    }

    private record Node(String name, CpuUse.Role role, int port, int metricsPort, ChildJvm process, Path log) {
    }

    private final Shape shape;
    private final Launch launch;
    private final List<Node> nodes = new ArrayList<>();

    private Cluster(Shape shape, Launch launch) {
        this.shape = shape;
        this.launch = launch;
    }

    /** Starts the relay, then the relief nodes, and waits until every node sees all members up. */
    public static Cluster start(Shape shape, Launch launch) {
        Cluster cluster = new Cluster(shape, launch);
        try {
            Node relay = cluster.startNode("r1", List.of("relay", "sibling"), null);
            cluster.awaitMembers(1);
            for (int i = 1; i <= shape.expansionNodes(); i++) {
                cluster.startNode("e" + i, List.of("relief-expansion"), relay);
            }
            cluster.startNode("a1", List.of("relief-aging"), relay);
            cluster.awaitMembers(cluster.nodes.size());
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    public String relayAddress() {
        return "127.0.0.1:" + nodes.get(0).port();
    }

    /** Every node JVM, in start order: {@code r1} (relay+sibling), {@code e1..en} (expansion), {@code a1} (aging). */
    public List<CpuUse.Member> members() {
        return nodes.stream().map(n -> new CpuUse.Member(n.name(), n.role(), n.process().pid())).toList();
    }

    /** The relay's L2 table file. */
    Path relayTable() {
        return launch.directory().resolve(shape.name() + "-r1-l2.lru");
    }

    /**
     * Waits until every copy of every shard of both tiers is hosted, no expansion node holds two
     * copies of a shard while there are enough nodes, and the placement did not change between
     * two polls, so that loading does not race shard moves. Shards are allocated when a message
     * reaches them: {@code client} looks up absent keys meanwhile.
     */
    public void awaitSettled(GlobalSessionsTarget client) {
        SplittableRandom random = new SplittableRandom(shape.name().hashCode());
        String[] absent = new String[8 * SHARDS];
        String previous = "";
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < absent.length; i++) {
                absent[i] = "absent-" + Long.toHexString(random.nextLong());
            }
            client.probe(absent);
            List<Double> expansion = nodes.stream().filter(n -> n.name().startsWith("e"))
                    .map(n -> Metrics.value(n.metricsPort(), Metrics.EXPANSION_HOSTED)).toList();
            double aging = Metrics.value(nodes.get(nodes.size() - 1).metricsPort(), Metrics.AGING_HOSTED);
            double sum = expansion.stream().mapToDouble(Double::doubleValue).sum();
            double most = SHARDS * Math.ceil((double) COPIES / expansion.size());
            boolean apart = expansion.stream().allMatch(hosted -> hosted > 0 && hosted <= most);
            String placement = expansion + " aging=" + aging;
            if (sum == SHARDS * COPIES && apart && aging == SHARDS * COPIES && placement.equals(previous)) {
                System.out.printf("cluster %s settled: expansion shards per node %s%n", shape.name(), placement);
                return;
            }
            previous = placement;
            sleep(Duration.ofSeconds(2));
        }
        throw new IllegalStateException("cluster " + shape.name() + ": shard placement did not settle within " + START_TIMEOUT
                + " (last: " + previous + "); node logs in " + launch.directory());
    }

    private Node startNode(String name, List<String> roles, Node seed) {
        int port = FreePorts.next();
        int metricsPort = FreePorts.next();
        String id = shape.name() + "-" + name;
        Path file = NodeConfig.node(port).roles(roles).seedPorts(seed == null ? new int[0] : new int[] {seed.port()})
                .tls(launch.certs()).metricsPort(metricsPort)
                .set("hashing.shards", SHARDS)
                .set("relay.table.path", relayTable())
                .set("relay.table.el-count", shape.relayEntries())
                .set("relay.table.record-size", BenchBase.RECORD_SIZE)
                .set("relief.replication-factor", COPIES)
                .set("relief.expansion.entries-per-shard", shape.expansionEntriesPerShard())
                .set("relief.aging.entries-per-shard", shape.agingEntriesPerShard())
                .set("relief.aging.ttl", "1h")
                .set("relief.default-session-ttl", "1h")
                .set("request-timeout", "5s")
                .set("pekko.cluster.sharding.rebalance-interval", "2s")
                .writeTo(launch.directory().resolve(id + ".conf"));
        Path log = launch.directory().resolve(id + ".log");
        List<String> options = new ArrayList<>(launch.nodeOptions());
        if (launch.jfrDirectory() != null) {
            options.add("-XX:StartFlightRecording=filename=" + launch.jfrDirectory().resolve(id + ".jfr") + ",settings=profile");
        }
        ChildJvm process = ChildJvm.jar(launch.launcherJar()).flags(launch.jvmFlags()).options(options).args(file).log(log).start();
        CpuUse.Role role = roles.contains("relay") ? CpuUse.Role.RELAY
                : roles.contains("relief-expansion") ? CpuUse.Role.EXPANSION : CpuUse.Role.AGING;
        Node node = new Node(name, role, port, metricsPort, process, log);
        nodes.add(node);
        return node;
    }

    private void awaitMembers(int members) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            boolean all = true;
            for (Node node : nodes) {
                if (!node.process().isAlive()) {
                    throw new IllegalStateException("node " + shape.name() + "-" + node.name() + " exited with "
                            + node.process().exitValue() + "; see " + node.log());
                }
                all &= Metrics.value(node.metricsPort(), Metrics.MEMBERS_UP) == members;
            }
            if (all) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("cluster " + shape.name() + ": not every node saw " + members
                        + " members up within " + START_TIMEOUT + "; logs in " + launch.directory());
            }
            sleep(Duration.ofMillis(500));
        }
    }

    @Override
    public void close() {
        for (int i = nodes.size() - 1; i >= 1; i--) {
            nodes.get(i).process().terminate();
        }
        for (int i = nodes.size() - 1; i >= 0; i--) {
            nodes.get(i).process().stop(Duration.ofSeconds(20));
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}

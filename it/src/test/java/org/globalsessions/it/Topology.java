package org.globalsessions.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
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
 * logs, tables); {@link #afterAll} kills every process it started and deletes it, and on a
 * failure prints the tail of each node's log first.
 */
final class Topology implements BeforeAllCallback, AfterAllCallback {

    private static final Logger log = LoggerFactory.getLogger(Topology.class);
    static final List<String> NODES = List.of("r1", "r2", "s2", "e1", "e2", "a1");

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
        int r1 = Processes.freePort();
        define("r1", List.of("relay", "sibling"), r1, List.of(), "relay.table.path = \"" + table("r1-l2") + "\"");
        define("r2", List.of("relay"), Processes.freePort(), List.of(r1), "relay.table.path = \"" + table("r2-l2") + "\"");
        define("s2", List.of("sibling"), Processes.freePort(), List.of(r1), "sibling.table-path = \"" + table("r2-l2") + "\"");
        define("e1", List.of("relief-expansion"), Processes.freePort(), List.of(r1), "");
        define("e2", List.of("relief-expansion"), Processes.freePort(), List.of(r1), "");
        define("a1", List.of("relief-aging"), Processes.freePort(), List.of(r1), "");
        node("r1").start();
        awaitUp(List.of(node("r1")), 1);
        for (String name : NODES.subList(1, NODES.size())) {
            node(name).start();
        }
        awaitUp(nodes.values(), NODES.size());
        awaitShardsSettled();
        log.info("topology up: {}", nodes.values());
    }

    /**
     * Waits until every shard of both tiers is hosted, the two expansion nodes hold half each,
     * and the placement has stopped changing. Until then Cluster Sharding may still move shards,
     * and a moved shard does not carry its sessions along (replicated shards are a later step):
     * tests must not start while that can happen. Shards are allocated when a message reaches
     * them, so a warm-up client reads keys of every shard meanwhile.
     */
    void awaitShardsSettled() {
        String expansion = "global_sessions_relief_shards_hosted\\{tier=\"expansion\"\\}";
        String aging = "global_sessions_relief_shards_hosted\\{tier=\"aging\"\\}";
        try (Processes.Client warmUp = Processes.Client.start("warm-up", dir.resolve("logs").resolve("client-warm-up.log"),
                relays(), certs, table("host-warm-up"), true, 100, 600, 0)) {
            double[] last = {-1};
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(2)).until(() -> {
                warmUp.ask("check warm 0 256");
                double e1 = node("e1").metric(expansion);
                double e2 = node("e2").metric(expansion);
                boolean settled = e1 == 8 && e2 == 8 && node("a1").metric(aging) == 16 && e1 == last[0];
                last[0] = e1;
                return settled;
            });
        }
    }

    private void define(String name, List<String> roles, int port, List<Integer> seeds, String extra) throws IOException {
        int metrics = Processes.freePort();
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
                  relief.aging { entries-per-shard = 20000, ttl = 20s }
                  relief.default-session-ttl = 1h
                  request-timeout = 3s
                  relay.invalidation-timeout = 2s
                  metrics.port = %d
                  %s
                }
                pekko.cluster.split-brain-resolver.stable-after = 4s
                pekko.cluster.sharding.rebalance-interval = 2s
                """.formatted(String.join(", ", roles), port,
                seeds.stream().map(p -> "\"127.0.0.1:" + p + "\"").collect(Collectors.joining(", ")),
                certs.resolve("node.key"), certs.resolve("node.crt"), certs.resolve("ca.crt"), metrics, extra);
        Path file = dir.resolve(name + ".conf");
        Files.writeString(file, config);
        nodes.put(name, new Processes.Node(name, file, dir.resolve("logs").resolve(name + ".log"), port, metrics));
    }

    Processes.Node node(String name) {
        return nodes.get(name);
    }

    Path table(String name) {
        return dir.resolve(name + ".lru");
    }

    List<String> relays() {
        return List.of(node("r1").address(), node("r2").address());
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
    public void afterAll(ExtensionContext context) throws IOException {
        if (context.getExecutionException().isPresent()) {
            for (Processes.Node node : nodes.values()) {
                System.err.println("---- last lines of " + node + " ----\n" + tail(node.log, 30));
            }
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

    static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}

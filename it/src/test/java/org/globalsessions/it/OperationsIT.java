package org.globalsessions.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.globalsessions.testkit.ChildJvm;
import org.globalsessions.testkit.Metrics;
import org.globalsessions.testkit.NodeProcess;

/**
 * What an operator sees of a running cluster, in a topology of three real JVMs (relay host r1 with
 * its sibling, expansion node e1, aging node a1): {@code global-sessions status} and the health
 * endpoints ({@code /ready}, {@code /alive} on each node's metrics port) while nodes are killed,
 * restarted and partitioned. The tests run in order: each leaves the cluster as the next expects.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperationsIT {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(OperationsIT.class);

    @RegisterExtension
    static final Topology topology = new Topology(List.of("r1", "e1", "a1"), "10m");

    private static final int OK = 200;
    /** What Pekko Management answers for a failed check. */
    private static final int NOT_HEALTHY = 500;

    @Test
    @Order(1)
    void statusShowsTheMembersTheirShardsAndTheRelayTable() throws Exception {
        NodeProcess r1 = topology.node("r1");
        ChildJvm.Result table = status("--node", r1.address());
        assertEquals(0, table.exit(), table.out() + table.err());
        for (String node : List.of("r1", "e1", "a1")) {
            String address = topology.node(node).address();
            assertTrue(table.out().lines().anyMatch(line -> line.trim().startsWith(address) && line.contains(" Up ")
                    && line.trim().endsWith("yes")), node + " is listed Up and reachable:\n" + table.out());
        }
        assertTrue(table.out().contains("relay,sibling"), table.out());
        assertTrue(table.out().lines().anyMatch(line -> line.trim().matches("total( +" + Topology.SHARDS + "){4}")),
                "every entity type's shards add up to " + Topology.SHARDS + ":\n" + table.out());

        ChildJvm.Result json = status("--node", r1.address(), "--json");
        assertEquals(0, json.exit(), json.out() + json.err());
        JsonNode status = new ObjectMapper().readTree(json.out());
        assertEquals(3, status.get("members").size(), json.out());
        Map<String, List<String>> roles = new HashMap<>();
        status.get("members").forEach(m -> {
            assertEquals("Up", m.get("status").asText(), m.toString());
            assertTrue(m.get("reachable").asBoolean(), m.toString());
            List<String> of = new ArrayList<>();
            m.get("roles").forEach(r -> of.add(r.asText()));
            roles.put(m.get("address").asText(), of);
        });
        assertEquals(List.of("relay", "sibling"), roles.get(r1.address()));
        assertEquals(List.of("relief-expansion"), roles.get(topology.node("e1").address()));
        assertEquals(List.of("relief-aging"), roles.get(topology.node("a1").address()));
        Map<String, Integer> perTier = new HashMap<>();
        status.get("shards").forEach(s -> perTier.merge(s.get("entityType").asText().replaceAll("-\\d+$", ""),
                s.get("shards").asInt(), Integer::sum));
        assertEquals(Map.of("relief-expansion", Topology.SHARDS * Topology.COPIES, "relief-aging", Topology.SHARDS * Topology.COPIES),
                perTier, "shards x replicas per tier");
        JsonNode tables = status.get("tables");
        assertEquals(1, tables.size(), json.out());
        assertEquals(r1.address(), tables.get(0).get("address").asText());
        assertTrue(tables.get(0).get("capacity").asLong() >= 200, "the relay table's el-count in this topology: " + json.out());
        assertTrue(tables.get(0).get("entries").asLong() >= 0, json.out());
        assertEquals(0, status.get("problems").size(), json.out());
    }

    @Test
    @Order(2)
    void survivorsStayReadyWhileAKilledNodeIsDetectedAndRemoved() {
        for (String node : List.of("r1", "e1", "a1")) {
            awaitHealth(topology.node(node), "ready", OK, "");
            assertEquals(OK, Metrics.health(topology.node(node).metricsPort(), "alive").status());
        }
        NodeProcess e1 = topology.node("e1");
        NodeProcess r1 = topology.node("r1");
        NodeProcess a1 = topology.node("a1");
        e1.kill();
        assertEquals(-1, Metrics.health(e1.metricsPort(), "alive").status(), "a killed node answers nothing");
        // Until the cluster has removed e1 (unreachable, then downed), ask the survivors again and again.
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
            for (NodeProcess survivor : List.of(r1, a1)) {
                Metrics.Health ready = Metrics.health(survivor.metricsPort(), "ready");
                assertEquals(OK, ready.status(), survivor.name() + " stays ready while e1 is gone: " + ready.body());
            }
            return r1.metric(Metrics.MEMBERS_UP) == 2 && r1.metric(Metrics.MEMBERS_UNREACHABLE) == 0
                    && a1.metric(Metrics.MEMBERS_UP) == 2 && a1.metric(Metrics.MEMBERS_UNREACHABLE) == 0;
        });
        topology.assertNoNodeExitedOnItsOwn();
    }

    @Test
    @Order(3)
    void aRestartedNodeTurnsReadyOnceUpWithItsRegionsRegistered() {
        NodeProcess e1 = topology.node("e1").start();
        awaitHealth(e1, "ready", OK, "");
        String members = Metrics.scrape(e1.metricsPort());
        assertEquals(3.0, Metrics.value(members, Metrics.MEMBERS_UP), "ready only as an Up member of the three:\n" + members);
        assertEquals(OK, Metrics.health(e1.metricsPort(), "alive").status());
        topology.awaitUp(List.of(topology.node("r1"), topology.node("a1"), e1), 3);
    }

    @Test
    @Order(4)
    void aNodeCutOffFromTheMajorityIsNotReadyBeforeItIsDowned() {
        NodeProcess r1 = topology.node("r1");
        NodeProcess e1 = topology.node("e1");
        NodeProcess a1 = topology.node("a1");
        e1.pause();
        a1.pause();
        try {
            Metrics.Health notReady = awaitHealth(r1, "ready", NOT_HEALTHY, "reachability: this node reaches 1 of 3 members");
            assertTrue(notReady.body().contains("not a majority"), notReady.body());
            assertEquals(OK, Metrics.health(r1.metricsPort(), "alive").status(), "not ready, but alive until downed");
            // keep-majority: the side of one downs itself, and the launcher exits 3 (decision 0007).
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> !r1.alive());
            assertEquals(3, r1.exitValue(), r1.tail(20));
        } finally {
            e1.resume();
            a1.resume();
        }
        // Both were paused far past the failure detector's allowance: on resuming, each holds the other
        // unreachable until a fresh heartbeat arrives, and the split brain resolver may down one of them as
        // indirectly connected (seen in CI: e1 downed a1), which then exits 3. One at least goes on, ready.
        List<NodeProcess> survivors = List.of(e1, a1);
        String[] last = {""};
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                .alias("a survivor ready, any other downed (exit 3)")
                .until(() -> {
                    StringBuilder seen = new StringBuilder();
                    boolean oneReady = false;
                    boolean restDowned = true;
                    for (NodeProcess survivor : survivors) {
                        if (survivor.alive()) {
                            Metrics.Health ready = Metrics.health(survivor.metricsPort(), "ready");
                            oneReady |= ready.status() == OK;
                            restDowned &= ready.status() == OK;
                            seen.append(survivor.name()).append(": ").append(ready.status()).append("; ");
                        } else {
                            restDowned &= survivor.exitValue() == 3;
                            seen.append(survivor.name()).append(": exited ").append(survivor.exitValue()).append("; ");
                        }
                    }
                    last[0] = seen.toString();
                    return oneReady && restDowned;
                });
        log.info("after the pause: {}", last[0]);
    }

    /** Waits until the node's {@code check} answers {@code status} with a body containing {@code text}; returns that answer. */
    private static Metrics.Health awaitHealth(NodeProcess node, String check, int status, String text) {
        Metrics.Health[] last = {null};
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(300))
                .alias(node.name() + " /" + check + " answers " + status + " with \"" + text + "\" (last: " + last[0] + ")")
                .until(() -> {
                    last[0] = Metrics.health(node.metricsPort(), check);
                    return last[0].status() == status && last[0].body().contains(text);
                });
        return last[0];
    }

    private static ChildJvm.Result status(String... args) {
        List<String> all = new ArrayList<>(List.of("status", "--certs", topology.certs.toString()));
        all.addAll(List.of(args));
        return ChildJvm.jar(Path.of(System.getProperty("gs.launcher.jar"))).options("-XX:+UseSerialGC")
                .args(all.toArray()).run(Duration.ofSeconds(90));
    }
}

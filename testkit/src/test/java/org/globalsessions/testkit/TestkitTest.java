package org.globalsessions.testkit;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.typesafe.config.Config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class TestkitTest {

    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    /** Prints its arguments, then echoes stdin lines until "quit". */
    public static final class Echo {
        public static void main(String[] args) throws Exception {
            System.out.println("ready " + String.join(" ", args));
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
            for (String line; (line = in.readLine()) != null && !line.equals("quit"); ) {
                System.out.println("echo " + line);
            }
            System.exit(3);
        }
    }

    @Test
    void freePortsAreNeverHandedOutTwice() {
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            assertTrue(ports.add(FreePorts.next()));
        }
    }

    @Test
    void freePortsComeFromOutsideTheEphemeralRangeSoNoOutgoingConnectionTakesOneBeforeItsNodeBinds() throws Exception {
        Path file = shm.file("ip_local_port_range");
        Files.writeString(file, "32768\t60999\n");
        assertArrayEquals(new int[] {FreePorts.LOWEST, 32_767}, FreePorts.range(file));
        Files.writeString(file, "10500 60999\n");
        assertArrayEquals(new int[] {61_000, 65_535}, FreePorts.range(file), "above the range when there is no room below");
        Files.writeString(file, "3");
        assertArrayEquals(new int[] {FreePorts.LOWEST, 32_767}, FreePorts.range(file), "a range it cannot read: Linux's default");
        Files.writeString(file, "1024 65000\n");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> FreePorts.range(file));
        assertTrue(e.getMessage().contains("1024-65000"), e.getMessage());

        int[] range = FreePorts.range(Path.of("/proc/sys/net/ipv4/ip_local_port_range"));
        for (int i = 0; i < 20; i++) {
            int port = FreePorts.next();
            assertTrue(port >= range[0] && port + FreePorts.CLUSTER_PORT_OFFSET <= range[1], port + " outside " + range[0] + "-" + range[1]);
        }
    }

    @Test
    void nodeConfigRendersTheTemplateAndEverySettingInOrder() {
        Path certs = Path.of("/certs");
        Config config = NodeConfig.node(2552).roles("relay", "sibling").seedPorts(2551).tls(certs).metricsPort(9100)
                .set(Map.of("relay.table.path", shm.file("l2.lru"))).set("hashing.shards", 8).set("hashing.shards", 16)
                .set("edge.relays", List.of("127.0.0.1:1")).set("pekko.cluster.sharding.rebalance-interval", "2s").config();
        assertEquals(List.of("relay", "sibling"), config.getStringList("global-sessions.roles"));
        assertEquals(2552, config.getInt("global-sessions.port"));
        assertEquals(List.of("127.0.0.1:2551"), config.getStringList("global-sessions.seed-nodes"));
        assertEquals("/certs/node.key", config.getString("global-sessions.tls.key-file"));
        assertEquals("/certs/ca.crt", config.getString("global-sessions.tls.ca-file"));
        assertEquals(9100, config.getInt("global-sessions.metrics.port"));
        assertEquals(shm.file("l2.lru").toString(), config.getString("global-sessions.relay.table.path"));
        assertEquals(16, config.getInt("global-sessions.hashing.shards"), "a later value wins");
        assertEquals(List.of("127.0.0.1:1"), config.getStringList("global-sessions.edge.relays"));
        assertEquals(Duration.ofSeconds(2), config.getDuration("pekko.cluster.sharding.rebalance-interval"));
        assertFalse(config.hasPath("global-sessions.pekko"));
    }

    @Test
    void aChildJvmAnswersOnItsStdoutAndIsKilledForReal() {
        try (ChildJvm child = ChildJvm.start(Echo.class, "a", 1)) {
            assertEquals("ready a 1", child.readLine(Duration.ofSeconds(60)));
            child.writeLine("hello");
            assertEquals("echo hello", child.readLine(Duration.ofSeconds(60)));
            child.kill();
            assertFalse(child.isAlive());
            assertFalse(ProcessHandle.of(child.pid()).map(ProcessHandle::isAlive).orElse(false));
        }
    }

    @Test
    void aChildJvmRunToItsEndGivesItsOutputAndExitStatus() throws Exception {
        Path log = shm.file("child.log");
        ChildJvm.Result result = ChildJvm.mainClass(Echo.class).options(ChildJvm.SMALL).args("x").directory(shm.path())
                .run(Duration.ofSeconds(60));
        assertEquals(3, result.exit());
        assertEquals("ready x\n", result.out());
        try (ChildJvm child = ChildJvm.mainClass(Echo.class).options(ChildJvm.SMALL).args("y").log(log).start()) {
            child.writeLine("quit");
            assertEquals(3, child.waitFor(Duration.ofSeconds(60)));
        }
        assertEquals("ready y", Logs.tail(log, 1));
    }

    @Test
    void metricsValueReadsOneSeriesOrMinusOne() {
        String text = "# HELP x\nglobal_sessions_cluster_members{status=\"up\"} 3.0\nother 1\n";
        assertEquals(3.0, Metrics.value(text, Metrics.MEMBERS_UP));
        assertEquals(-1, Metrics.value(text, "missing"));
        assertEquals(-1, Metrics.value(FreePorts.next(), Metrics.MEMBERS_UP), "nobody answers on a free port");
    }

    @Test
    void shmDirectoryIsOwnerOnlyAndDeletedAfterwards() throws Exception {
        Path dir = ShmDirectory.create("gs-testkit-");
        Files.writeString(dir.resolve("f"), "x");
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        ShmDirectory.delete(dir);
        assertFalse(Files.exists(dir));
    }
}

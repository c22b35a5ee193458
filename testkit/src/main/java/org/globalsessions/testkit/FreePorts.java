package org.globalsessions.testkit;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free TCP ports for nodes a process starts itself (tests, the benchmark's clusters).
 *
 * <p>A node's ports are picked when its topology is defined, which can be minutes before it binds
 * them (a node that joins late in a test). So they are picked below the kernel's ephemeral range
 * ({@code /proc/sys/net/ipv4/ip_local_port_range}): the kernel never gives such a port to an
 * outgoing connection in the meantime, as it would give one picked with {@code new ServerSocket(0)}.
 * A port handed out once is never handed out again by this JVM.
 */
public final class FreePorts {

    /**
     * How far above its port a node's cluster member listens: runtime's
     * {@code GlobalSessionsSettings.CLUSTER_PORT_OFFSET} (this module depends on none of the project's;
     * actors' ClientGatewayTest checks that the two agree).
     */
    public static final int CLUSTER_PORT_OFFSET = 1;

    /** The lowest port handed out: above the registered services most machines run. */
    static final int LOWEST = 10_000;

    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    private static final int[] RANGE = range(EPHEMERAL_RANGE);
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private FreePorts() {
    }

    /**
     * A port {@code p} that is free now, with {@code p + CLUSTER_PORT_OFFSET} free as well (a node
     * listens on both: its gateway and its cluster member), neither of which this JVM handed out before,
     * and neither in the ephemeral range.
     */
    public static int next() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 10_000; attempt++) {
            int port = random.nextInt(RANGE[0], RANGE[1] - CLUSTER_PORT_OFFSET + 1);
            int cluster = port + CLUSTER_PORT_OFFSET;
            if (!HANDED_OUT.contains(port) && !HANDED_OUT.contains(cluster) && free(port) && free(cluster)
                    && HANDED_OUT.add(port) && HANDED_OUT.add(cluster)) {
                return port;
            }
        }
        throw new IllegalStateException("no two free adjacent ports between " + RANGE[0] + " and " + RANGE[1]);
    }

    /**
     * The ports to pick from, both ends included: below the ephemeral range {@code file} names
     * (e.g. "32768 60999"), or above it if there is not room below; Linux's default range if it cannot be read.
     */
    static int[] range(Path file) {
        int low = 32_768;
        int high = 60_999;
        try {
            // Read line by line: some kernels give Files.readString a /proc file's first byte only.
            String[] bounds = Files.readAllLines(file).get(0).trim().split("\\s+");
            int readLow = Integer.parseInt(bounds[0]);
            high = Integer.parseInt(bounds[1]);
            low = readLow;
        } catch (IOException | RuntimeException e) {
            // not Linux, or not readable: assume its default
        }
        if (low - LOWEST >= 1_000) {
            return new int[] {LOWEST, low - 1};
        }
        if (65_535 - high >= 1_000) {
            return new int[] {high + 1, 65_535};
        }
        throw new IllegalStateException("the ephemeral port range " + low + "-" + high + " in " + file
                + " leaves fewer than 1000 ports for test nodes: narrow it");
    }

    private static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket(port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}

package org.globalsessions.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Free TCP ports for nodes a process starts itself (tests, the benchmark's clusters). Their
 * ports are picked before any of the nodes binds, and the kernel can hand out the same free
 * port twice in a row, so a port handed out once is never handed out again by this JVM.
 */
public final class FreePorts {

    /**
     * How far above its port a node's cluster member listens: runtime's
     * {@code GlobalSessionsSettings.CLUSTER_PORT_OFFSET} (this module depends on none of the project's;
     * actors' ClientGatewayTest checks that the two agree).
     */
    public static final int CLUSTER_PORT_OFFSET = 1;

    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private FreePorts() {
    }

    /**
     * A port {@code p} that is free now, with {@code p + CLUSTER_PORT_OFFSET} free as well (a node
     * listens on both: its gateway and its cluster member), neither of which this JVM handed out before.
     */
    public static int next() {
        while (true) {
            try (ServerSocket socket = new ServerSocket(0)) {
                int port = socket.getLocalPort();
                int cluster = port + CLUSTER_PORT_OFFSET;
                if (cluster <= 65_535 && free(cluster) && HANDED_OUT.add(port)) {
                    if (HANDED_OUT.add(cluster)) {
                        return port;
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket(port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}

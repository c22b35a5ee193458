package org.globalsessions.launcher;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.SettingsReader;
import org.globalsessions.runtime.tls.Certificates;
import org.globalsessions.testkit.FreePorts;
import org.globalsessions.testkit.NodeConfig;

class NodeRunnerTest {

    @TempDir
    Path dir;

    /** A node needs its port and port + 1: the second one taken is named, and what to do. */
    @Test
    void aClusterPortInUseIsNamedWithWhatANodeListensOn() throws Exception {
        Certificates.development(dir);
        int port = FreePorts.next();
        GlobalSessionsSettings settings = NodeConfig.node(port).roles("relief-expansion").tls(dir).read(SettingsReader::read);
        try (ServerSocket taken = new ServerSocket(port + GlobalSessionsSettings.CLUSTER_PORT_OFFSET, 1,
                InetAddress.getByName("127.0.0.1"))) {
            Main.CommandFailure failure = assertThrows(Main.CommandFailure.class, () -> NodeRunner.run(settings, address -> { }));
            assertTrue(failure.getMessage().startsWith("cannot start relief-expansion on 127.0.0.1:" + port + ": a port it needs is in use")
                    && failure.getMessage().contains(":" + (port + 1) + "] Address already in use")
                    && failure.getMessage().contains("on port + 1, for the other nodes"), failure.getMessage());
        }
    }
}

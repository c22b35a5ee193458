package org.globalsessions.actors;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

import org.globalsessions.runtime.bootstrap.NodeBootstrap;
import org.globalsessions.actors.node.ServerNode;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.HostPort;
import org.globalsessions.runtime.config.Role;
import org.globalsessions.runtime.testing.TestNodes;
import org.globalsessions.runtime.bootstrap.FreePorts;

/**
 * The server side of a whole topology in one JVM, each node a real ActorSystem on 127.0.0.1
 * with mutual TLS: a relay with its sibling, an expansion node and an aging node, their tables
 * under a private /dev/shm directory. {@link #close} stops every node and deletes the tables.
 * client-api's tests add edges to it (their {@code EdgeTestCluster}: actors cannot depend on
 * the client).
 */
public class TestCluster implements AutoCloseable {

    /** How long a node may take to stop once its shutdown began (see {@link NodeBootstrap#awaitTermination}). */
    public static final Duration STOP_BOUND = Duration.ofSeconds(60);

    public final TestNodes nodes;
    public final Path shm;
    public final HostPort relayAddress;
    public final List<ActorSystem<Void>> servers = new ArrayList<>();
    private final Map<String, Object> tuning;

    /**
     * @param certificates directory for the test CA and certificates
     * @param tuning       extra settings (native keys under global-sessions) for every node (and edge)
     */
    public TestCluster(Path certificates, Map<String, Object> tuning) {
        this.nodes = new TestNodes(certificates);
        this.tuning = tuning;
        try {
            this.shm = Files.createTempDirectory(Path.of("/dev/shm"), "gs-cluster-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int relayPort = FreePorts.next();
        this.relayAddress = new HostPort("127.0.0.1", relayPort);
        List<HostPort> seed = List.of(relayAddress);
        servers.add(ServerNode.start(settings(List.of(Role.RELAY, Role.SIBLING), relayPort, List.of(),
                Map.of("relay.table.path", shm.resolve("relay.lru").toString()))));
        servers.add(ServerNode.start(settings(List.of(Role.RELIEF_EXPANSION), FreePorts.next(), seed, Map.of())));
        servers.add(ServerNode.start(settings(List.of(Role.RELIEF_AGING), FreePorts.next(), seed, Map.of())));
        await().atMost(Duration.ofSeconds(60)).until(() -> servers.stream().allMatch(s -> upMembers(s) == servers.size()));
    }

    public GlobalSessionsSettings settings(List<Role> roles, int port, List<HostPort> seeds, Map<String, Object> extra) {
        Map<String, Object> all = new java.util.HashMap<>(tuning);
        all.putAll(extra);
        return nodes.node(roles, port, seeds, all);
    }

    private static long upMembers(ActorSystem<?> system) {
        int n = 0;
        for (var m : Cluster.get(system).state().getMembers()) {
            if (m.status() == MemberStatus.up()) {
                n++;
            }
        }
        return n;
    }

    /** Stops every node (the last started first) and deletes the tables. */
    @Override
    public void close() {
        for (int i = servers.size() - 1; i >= 0; i--) {
            servers.get(i).terminate();
        }
        for (ActorSystem<Void> server : servers) {
            try {
                NodeBootstrap.awaitTermination(server, STOP_BOUND);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        try (Stream<Path> files = Files.walk(shm)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package org.globalsessions.actors.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.globalsessions.runtime.bootstrap.PekkoConfig;
import org.globalsessions.runtime.config.HostPort;
import org.globalsessions.runtime.protocol.ActorNames;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.globalsessions.runtime.bootstrap.NodeBootstrap;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.SettingsReader;
import org.globalsessions.runtime.protocol.RelayCommand;
import org.globalsessions.runtime.tls.Certificates;
import org.globalsessions.runtime.tls.TlsPeers;
import org.globalsessions.testkit.FreePorts;
import org.globalsessions.testkit.NodeConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real ActorSystems on 127.0.0.1 over mutual TLS: who may join, and what may be deserialized. */
class TlsClusterTest {

    @TempDir
    Path dir;

    private final List<ActorSystem<?>> systems = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        systems.forEach(ActorSystem::terminate);
        for (ActorSystem<?> system : systems) {
            NodeBootstrap.awaitTermination(system, Duration.ofSeconds(60));
        }
    }

    private ActorSystem<Void> start(GlobalSessionsSettings settings) {
        ActorSystem<Void> system = ServerNode.startSystem(Behaviors.empty(), settings);
        systems.add(system);
        return system;
    }

    private static long up(ActorSystem<?> system) {
        int n = 0;
        for (var member : Cluster.get(system).state().getMembers()) {
            if (member.status() == MemberStatus.up()) {
                n++;
            }
        }
        return n;
    }

    /** Settings for a node on {@code port} with the development certificates in {@code certs} (made on first use: one CA per directory). */
    private static NodeConfig node(Path certs, int port, String role) {
        Certificates.development(certs);
        return NodeConfig.node(port).roles(role).tls(certs);
    }

    @Test
    void nodesOfOneCaFormAClusterAndANodeOfAnotherCaIsRefused() {
        Path ours = dir.resolve("ours");
        Path theirs = dir.resolve("theirs");
        int seedPort = FreePorts.next();
        ActorSystem<Void> first = start(node(ours, seedPort, "relay").read(SettingsReader::read));
        ActorSystem<Void> second = start(node(ours, FreePorts.next(), "relief-expansion").seedPorts(seedPort).read(SettingsReader::read));
        await().atMost(Duration.ofSeconds(60)).until(() -> up(first) == 2 && up(second) == 2);
        assertTrue(Cluster.get(second).selfMember().hasRole("relief-expansion"));

        ActorSystem<Void> intruder = start(node(theirs, FreePorts.next(), "relief-aging").seedPorts(seedPort).read(SettingsReader::read));
        // It must stay out for 5 s; the bound only has to leave room for polling on a busy machine.
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(30)).until(() -> up(first) == 2);
        assertNotEquals(MemberStatus.up(), Cluster.get(intruder).selfMember().status(),
                "a node whose certificate another CA signed must not join");
    }

    /**
     * Issue 22: an application host's key started a relief node that joined, held shard replicas and
     * voted. A node's cluster port accepts node certificates only: the intruder's connections are
     * refused during the handshake, so it never becomes a member, and the seed says why.
     */
    @Test
    void aNodeHoldingAnApplicationCertificateIsRefusedAndNeverAMember() throws Exception {
        Path ours = dir.resolve("ours");
        int seedPort = FreePorts.next();
        ActorSystem<Void> first = start(node(ours, seedPort, "relay").read(SettingsReader::read));
        ActorSystem<Void> second = start(node(ours, FreePorts.next(), "relief-expansion").seedPorts(seedPort).read(SettingsReader::read));
        await().atMost(Duration.ofSeconds(60)).until(() -> up(first) == 2 && up(second) == 2);

        Path appAsNode = dir.resolve("app-as-node");
        Files.createDirectories(appAsNode);
        Files.copy(ours.resolve("app.key"), appAsNode.resolve("node.key"));
        Files.copy(ours.resolve("app.crt"), appAsNode.resolve("node.crt"));
        Files.copy(ours.resolve("ca.crt"), appAsNode.resolve("ca.crt"));
        int intruderPort = FreePorts.next();
        ActorSystem<Void> intruder = start(NodeConfig.node(intruderPort).roles("relief-expansion").tls(appAsNode).seedPorts(seedPort)
                .read(SettingsReader::read));

        await().atMost(Duration.ofSeconds(60)).until(() -> TlsPeers.get(first).inboundProblems().stream()
                .anyMatch(problem -> problem.contains("identity app")));
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(30)).until(() -> up(first) == 2 && up(second) == 2
                && java.util.stream.StreamSupport.stream(Cluster.get(first).state().getMembers().spliterator(), false)
                        .noneMatch(m -> m.address().port().get().equals(intruderPort + GlobalSessionsSettings.CLUSTER_PORT_OFFSET)));
        assertNotEquals(MemberStatus.up(), Cluster.get(intruder).selfMember().status());
    }

    /**
     * The cluster status is an operator's, asked at a node's gateway: an application identity asking
     * a relay's gateway (which serves applications) gets nothing, and neither may ask the cluster port.
     */
    @Test
    void statusAnswersAnOperatorAndNotAnApplication() throws Exception {
        Path ours = dir.resolve("ours");
        Path shm = org.globalsessions.testkit.ShmDirectory.create("gs-status-");
        try {
            int port = FreePorts.next();
            GlobalSessionsSettings settings = node(ours, port, "relay").set(Map.of("relay.table.path", shm.resolve("l2.lru").toString()))
                    .read(SettingsReader::read);
            systems.add(ServerNode.start(settings));
            String gateway = ActorNames.statusPath("global-sessions", new HostPort("127.0.0.1", port));

            ActorSystem<Void> operator = edge(ours, "operator");
            NodeStatus.ClusterStatus status = ask(operator, gateway, Duration.ofSeconds(30)).toCompletableFuture().get(40, TimeUnit.SECONDS);
            assertEquals(List.of("127.0.0.1:" + port), status.members().stream().map(NodeStatus.Member::address).toList(),
                    "members are shown by their node address");

            ActorSystem<Void> app = edge(ours, "app");
            ExecutionException refused = assertThrows(ExecutionException.class,
                    () -> ask(app, gateway, Duration.ofSeconds(10)).toCompletableFuture().get(20, TimeUnit.SECONDS));
            assertTrue(refused.getCause() instanceof TimeoutException, refused.toString());

            String cluster = ActorNames.statusPath("global-sessions", new HostPort("127.0.0.1", port + GlobalSessionsSettings.CLUSTER_PORT_OFFSET));
            ExecutionException notANode = assertThrows(ExecutionException.class,
                    () -> ask(operator, cluster, Duration.ofSeconds(5)).toCompletableFuture().get(20, TimeUnit.SECONDS));
            assertTrue(notANode.getCause() instanceof TimeoutException, notANode.toString());
            assertTrue(TlsPeers.get(systems.get(0)).inboundProblems().stream().anyMatch(p -> p.contains("identity operator")),
                    TlsPeers.get(systems.get(0)).inboundProblems().toString());
        } finally {
            org.globalsessions.testkit.ShmDirectory.delete(shm);
        }
    }

    private ActorSystem<Void> edge(Path certs, String identity) {
        GlobalSessionsSettings settings = SettingsReader.read(ConfigFactory.parseMap(Map.of(
                GlobalSessionsSettings.ROOT + ".hostname", "127.0.0.1",
                GlobalSessionsSettings.ROOT + ".tls.key-file", certs.resolve(identity + ".key").toString(),
                GlobalSessionsSettings.ROOT + ".tls.cert-file", certs.resolve(identity + ".crt").toString(),
                GlobalSessionsSettings.ROOT + ".tls.ca-file", certs.resolve("ca.crt").toString()), "test"), "test");
        ActorSystem<Void> system = NodeBootstrap.start(Behaviors.empty(), settings, PekkoConfig.Kind.EDGE);
        systems.add(system);
        return system;
    }

    private static CompletionStage<NodeStatus.ClusterStatus> ask(ActorSystem<?> from, String path, Duration timeout) {
        ActorRef<NodeStatus.Command> status = ActorRefResolver.get(from).resolveActorRef(path);
        return AskPattern.ask(status, NodeStatus.GetClusterStatus::new, timeout, from.scheduler());
    }

    @Test
    void onlyWireMessagesAreDeserialized() throws Exception {
        ActorSystem<Void> node = start(node(dir.resolve("ours"), FreePorts.next(), "relay").read(SettingsReader::read));
        Serialization serialization = SerializationExtension.get(node);

        RelayCommand.Touch touch = new RelayCommand.Touch("session-1");
        var serializer = serialization.findSerializerFor(touch);
        assertEquals("WireSerializer", serializer.getClass().getSimpleName(), "Wire messages travel in the protocol's own format");
        byte[] bytes = serialization.serialize(touch).get();
        assertEquals(touch, serialization.deserialize(bytes, serializer.identifier(), Serializers.manifestFor(serializer, touch)).get());

        // The same bytes claiming to be a class that is not a Wire message are refused.
        var refused = serialization.deserialize(bytes, serializer.identifier(), "java.util.HashMap");
        assertTrue(refused.isFailure(), "a class outside the protocol must not be deserialized");
        assertTrue(refused.failed().get().getMessage().contains("java.util.HashMap"), refused.failed().get().getMessage());
        // So is anything sent with Pekko's Jackson serializer, which has no binding on a node.
        var jackson = serialization.serializerByIdentity().apply(33);
        var viaJackson = serialization.deserialize("{}".getBytes(StandardCharsets.UTF_8), jackson.identifier(), "java.util.HashMap");
        assertTrue(viaJackson.isFailure(), "Jackson deserializes nothing on a node");
        var gadget = serialization.deserialize(bytes, jackson.identifier(), "org.apache.pekko.actor.typed.javadsl.Behaviors");
        assertTrue(gadget.isFailure());
    }
}

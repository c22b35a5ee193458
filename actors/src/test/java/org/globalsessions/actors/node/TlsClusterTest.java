package org.globalsessions.actors.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.globalsessions.runtime.bootstrap.FreePorts;
import org.globalsessions.runtime.bootstrap.NodeBootstrap;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.HostPort;
import org.globalsessions.runtime.config.Role;
import org.globalsessions.runtime.protocol.RelayCommand;
import org.globalsessions.runtime.testing.TestNodes;
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

    @Test
    void nodesOfOneCaFormAClusterAndANodeOfAnotherCaIsRefused() {
        TestNodes ours = new TestNodes(dir.resolve("ours"));
        TestNodes theirs = new TestNodes(dir.resolve("theirs"));
        int seedPort = FreePorts.next();
        List<HostPort> seed = List.of(new HostPort("127.0.0.1", seedPort));
        ActorSystem<Void> first = start(ours.node(List.of(Role.RELAY), seedPort, List.of(), ""));
        ActorSystem<Void> second = start(ours.node(List.of(Role.RELIEF_EXPANSION), FreePorts.next(), seed, ""));
        await().atMost(Duration.ofSeconds(30)).until(() -> up(first) == 2 && up(second) == 2);
        assertTrue(Cluster.get(second).selfMember().hasRole("relief-expansion"));

        ActorSystem<Void> intruder = start(theirs.node(List.of(Role.RELIEF_AGING), FreePorts.next(), seed, ""));
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(6)).until(() -> up(first) == 2);
        assertNotEquals(MemberStatus.up(), Cluster.get(intruder).selfMember().status(),
                "a node whose certificate another CA signed must not join");
    }

    @Test
    void onlyWireMessagesAreDeserialized() throws Exception {
        TestNodes ours = new TestNodes(dir.resolve("ours"));
        ActorSystem<Void> node = start(ours.node(List.of(Role.RELAY), FreePorts.next(), List.of(), ""));
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

package org.globalsessions.actors.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.globalsessions.actors.node.NodeStatus;
import org.globalsessions.runtime.bootstrap.NodeBootstrap;
import org.globalsessions.runtime.bootstrap.PekkoConfig;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.HostPort;
import org.globalsessions.runtime.config.SettingsReader;
import org.globalsessions.runtime.protocol.ActorNames;
import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.RelayCommand;
import org.globalsessions.testkit.FreePorts;

/**
 * The relay front of a gateway, between real actor systems over Artery (plain TCP: the identity
 * checks are TlsClusterTest's): what it passes to the relay, what it drops, and how answers travel.
 */
class ClientGatewayTest {

    private final List<ActorSystem<?>> systems = new ArrayList<>();
    private ActorSystem<Void> node;
    private TestProbe<RelayCommand> relay;
    private ActorRef<RelayCommand> front;
    private ActorSystem<Void> edgeSystem;
    private TestProbe<EdgeCommand> edge;

    @BeforeEach
    void start() {
        int port = FreePorts.next();
        GlobalSessionsSettings settings = settings(port, List.of("relay"));
        node = started(NodeBootstrap.start(Behaviors.empty(), settings, PekkoConfig.Kind.EDGE));
        relay = TestProbe.create(node);
        TestProbe<NodeStatus.Command> status = TestProbe.create(node);
        systems.add(0, ClientGateway.start(node, settings, relay.getRef(), status.getRef()));
        edgeSystem = started(NodeBootstrap.start(Behaviors.empty(), settings(0, List.of()), PekkoConfig.Kind.EDGE));
        edge = TestProbe.create(edgeSystem);
        front = ActorRefResolver.get(edgeSystem).resolveActorRef(ActorNames.relayPath("global-sessions", new HostPort("127.0.0.1", port)));
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (ActorSystem<?> system : systems) {
            system.terminate();
            NodeBootstrap.awaitTermination(system, Duration.ofSeconds(30));
        }
    }

    @Test
    void testkitKnowsTheClusterPortOffset() {
        assertEquals(GlobalSessionsSettings.CLUSTER_PORT_OFFSET, FreePorts.CLUSTER_PORT_OFFSET);
    }

    @Test
    void aLookupReachesTheRelayWithALinkThatAnswersTheEdge() {
        front.tell(new RelayCommand.Get("session-1", 7, edge.getRef(), 0));
        RelayCommand.Get passed = relay.expectMessageClass(RelayCommand.Get.class, Duration.ofSeconds(20));
        assertEquals("session-1", passed.key());
        assertTrue(passed.replyTo().path().address().hasLocalScope(), "the relay answers an actor of its own system: " + passed.replyTo());

        passed.replyTo().tell(new EdgeCommand.NotFound(7, "session-1", 0));
        assertEquals(new EdgeCommand.NotFound(7, "session-1", 0), edge.expectMessageClass(EdgeCommand.NotFound.class));

        // One link per edge: its heartbeat gets the same one, so the relay knows it as one subscriber,
        // on the table it names.
        front.tell(new RelayCommand.Subscribe(edge.getRef(), "127.0.0.1:1", 1, "host-a", true, false));
        RelayCommand.Subscribe subscribe = relay.expectMessageClass(RelayCommand.Subscribe.class);
        assertEquals(passed.replyTo(), subscribe.edge());
        assertEquals("host-a", subscribe.table());
        assertTrue(subscribe.everyArrival());
        assertFalse(subscribe.everyInvalidation(), "each flag passed as it came");
    }

    @Test
    void anInvalidationIsAcknowledgedThroughTheGateway() {
        front.tell(new RelayCommand.Subscribe(edge.getRef(), "127.0.0.1:1", 1, null, false, false));
        ActorRef<EdgeCommand> link = relay.expectMessageClass(RelayCommand.Subscribe.class, Duration.ofSeconds(20)).edge();
        EdgeCommand.Invalidation invalidation = new EdgeCommand.Invalidation("session-2", 5, 42, 1);
        link.tell(new EdgeCommand.Pushed(1, List.of(), List.of(invalidation), relay.getRef()));
        EdgeCommand.Pushed pushed = edge.expectMessageClass(EdgeCommand.Pushed.class);
        assertEquals(List.of(invalidation), pushed.invalidations());
        assertNotEquals(relay.getRef().path(), pushed.ackTo().path(), "the edge cannot reach the node's own actors");

        pushed.ackTo().tell(new RelayCommand.EdgeInvalidated(List.of(42L), edge.getRef()));
        assertEquals(new RelayCommand.EdgeInvalidated(List.of(42L), link), relay.expectMessageClass(RelayCommand.EdgeInvalidated.class));
    }

    @Test
    void messagesOutsideTheClientProtocolAndLocalReplyAddressesAreDropped() {
        front.tell(new RelayCommand.WriterSlot(3, System.nanoTime()));
        front.tell(new RelayCommand.PeerHeartbeat(relay.getRef().unsafeUpcast(), 1));
        front.tell(new RelayCommand.Stored(1, "session-3", 1, true, 3, 2));
        // a replica's copy request (the whole shard's contents to its reply address), not a relay message at all
        front.<Object>unsafeUpcast().tell(new org.globalsessions.actors.relief.ReplicaSync.SyncRequest(
                TestProbe.<org.globalsessions.actors.relief.ReplicaSync.SyncChunk>create(edgeSystem).getRef(), 1));
        // a reply address naming the gateway's own front: answers would go nowhere an application is
        front.tell(new RelayCommand.Get("session-3", 1, front.unsafeUpcast(), 0));
        front.tell(new RelayCommand.Touch("session-3"));
        assertEquals(new RelayCommand.Touch("session-3"), relay.expectMessageClass(RelayCommand.Touch.class, Duration.ofSeconds(20)),
                "only the touch is passed on, and it came last");
        relay.expectNoMessage(Duration.ofMillis(300));
    }

    private ActorSystem<Void> started(ActorSystem<Void> system) {
        systems.add(system);
        return system;
    }

    private static GlobalSessionsSettings settings(int port, List<String> roles) {
        return SettingsReader.read(ConfigFactory.parseMap(Map.of(GlobalSessionsSettings.ROOT + ".tls.enabled", false,
                GlobalSessionsSettings.ROOT + ".port", port, GlobalSessionsSettings.ROOT + ".roles", roles,
                GlobalSessionsSettings.ROOT + ".relay.table.path", "/dev/shm/unused")), "test");
    }
}

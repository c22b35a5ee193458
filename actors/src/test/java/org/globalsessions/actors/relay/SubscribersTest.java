package org.globalsessions.actors.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;

import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.RelayCommand;

/** Which edges an arrival goes to: one per host table, none on the writer's, every edge that listens for arrivals. */
@ExtendWith(TestKitJUnit5Extension.class)
class SubscribersTest {

    @JUnit5TestKit
    ActorTestKit kit = new JUnit5TestKitBuilder().build();

    private final Subscribers subscribers = new Subscribers();

    private ActorRef<EdgeCommand> edge(String table, boolean everyArrival, long now) {
        ActorRef<EdgeCommand> edge = kit.createTestProbe(EdgeCommand.class).getRef();
        subscribers.heard(new RelayCommand.Subscribe(edge, "127.0.0.1:1", now, table, everyArrival), now);
        return edge;
    }

    @Test
    void anArrivalGoesToOneEdgePerTableAndNoneOnTheWritersTable() {
        ActorRef<EdgeCommand> a1 = edge("host-a", false, 0);
        ActorRef<EdgeCommand> a2 = edge("host-a", false, 0);
        ActorRef<EdgeCommand> b1 = edge("host-b", false, 0);
        ActorRef<EdgeCommand> b2 = edge("host-b", false, 0);
        ActorRef<EdgeCommand> c1 = edge("host-c", false, 0);

        assertEquals(List.of(b1, c1), subscribers.arrivalTargets(a2), "the writer's host has it already");
        assertEquals(List.of(a1, b1, c1), subscribers.arrivalTargets(null), "a writer not subscribed: every table");
        // A heartbeat keeps an edge's place: the table's first edge still receives.
        subscribers.heard(new RelayCommand.Subscribe(a1, "127.0.0.1:1", 5, "host-a", false), 5);
        assertEquals(List.of(a1, c1), subscribers.arrivalTargets(b2));
        // The first edge of a table gone, the next one of it receives.
        subscribers.remove(a1);
        assertEquals(List.of(a2, c1), subscribers.arrivalTargets(b1));
        assertEquals(Set.of(a2, b1, b2, c1), subscribers.all(), "invalidations still go to every edge");
    }

    @Test
    void anEdgeThatListensForArrivalsGetsEveryOneButItsOwn() {
        ActorRef<EdgeCommand> a1 = edge("host-a", false, 0);
        ActorRef<EdgeCommand> a2 = edge("host-a", true, 0);
        ActorRef<EdgeCommand> b1 = edge("host-b", true, 0);
        ActorRef<EdgeCommand> own = edge(null, false, 0);

        assertEquals(List.of(a2, b1, own), subscribers.arrivalTargets(a1));
        assertEquals(List.of(a1, a2, own), subscribers.arrivalTargets(b1));
        assertEquals(List.of(a1, a2, b1), subscribers.arrivalTargets(own), "an edge naming no table has one of its own");
    }

    @Test
    void edgesNotHeardFromAreForgotten() {
        ActorRef<EdgeCommand> old = edge("host-a", false, 0);
        ActorRef<EdgeCommand> fresh = edge("host-a", false, 900);
        subscribers.expire(1_000, 500);
        assertEquals(Set.of(fresh), subscribers.all());
        assertEquals(List.of(fresh), subscribers.arrivalTargets(null), "the table's next edge takes the arrivals of the one forgotten");
        assertEquals(false, subscribers.all().contains(old));
    }
}

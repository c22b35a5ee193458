package org.globalsessions.actors.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/**
 * Which edges an arrival or an invalidation goes to: the receiver of each host table (none on the
 * writer's table, for an arrival), and every edge that listens for them.
 */
@ExtendWith(TestKitJUnit5Extension.class)
class SubscribersTest {

    @JUnit5TestKit
    ActorTestKit kit = new JUnit5TestKitBuilder().build();

    private static final long SILENCE = 2_000;

    /** One receiver per table, the fewest messages (most tests); {@code relay.receivers-per-table} is 2 by default. */
    private Subscribers subscribers = new Subscribers(1, SILENCE);

    private ActorRef<EdgeCommand> edge(String table, boolean everyArrival, long now) {
        return edge(table, everyArrival, false, now);
    }

    private ActorRef<EdgeCommand> edge(String table, boolean everyArrival, boolean everyInvalidation, long now) {
        ActorRef<EdgeCommand> edge = kit.createTestProbe(EdgeCommand.class).getRef();
        heard(edge, table, everyArrival, everyInvalidation, now);
        return edge;
    }

    private void heard(ActorRef<EdgeCommand> edge, String table, boolean everyArrival, boolean everyInvalidation, long now) {
        subscribers.heard(new RelayCommand.Subscribe(edge, "127.0.0.1:1", now, table, everyArrival, everyInvalidation), now);
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
        heard(a1, "host-a", false, false, 5);
        assertEquals(List.of(a1, c1), subscribers.arrivalTargets(b2));
        // The receiver of a table gone, the next edge of it that heartbeats receives.
        subscribers.remove(a1);
        assertEquals(List.of(c1), subscribers.arrivalTargets(b1));
        heard(a2, "host-a", false, false, 6);
        assertEquals(List.of(a2, c1), subscribers.arrivalTargets(b1));
        assertEquals(Set.of(a2, b1, b2, c1), subscribers.all());
    }

    @Test
    void anInvalidationGoesToOneEdgePerTableAndOnlyThatEdgeIsCarried() {
        ActorRef<EdgeCommand> a1 = edge("host-a", false, 0);
        ActorRef<EdgeCommand> a2 = edge("host-a", false, 0);
        ActorRef<EdgeCommand> a3 = edge("host-a", true, 0); // listens for arrivals only
        ActorRef<EdgeCommand> b1 = edge("host-b", false, 0);
        ActorRef<EdgeCommand> b2 = edge("host-b", false, true, 0); // listens for invalidations
        ActorRef<EdgeCommand> own = edge(null, false, 0);

        assertEquals(List.of(a1, b1, b2, own), subscribers.invalidationTargets());
        assertTrue(subscribers.carries(a1) && subscribers.carries(b1) && subscribers.carries(b2) && subscribers.carries(own));
        assertFalse(subscribers.carries(a2) || subscribers.carries(a3), "the table's other processes read by its freshness word");
        assertFalse(subscribers.carries(kit.createTestProbe(EdgeCommand.class).getRef()), "an edge not subscribed");
        assertEquals(List.of(a3, b1, own), subscribers.arrivalTargets(a2), "arrivals: the same receivers, and who listens for them");
    }

    @Test
    void withTwoReceiversPerTableOneFallingSilentLeavesTheOtherAndTheNextEdgeTakesItsPlace() {
        subscribers = new Subscribers(2, SILENCE);
        ActorRef<EdgeCommand> a1 = edge("host-a", false, 0);
        ActorRef<EdgeCommand> a2 = edge("host-a", false, 0);
        ActorRef<EdgeCommand> a3 = edge("host-a", false, 0);
        ActorRef<EdgeCommand> b1 = edge("host-b", false, 0);
        assertEquals(List.of(a1, a2, b1), subscribers.invalidationTargets());
        assertFalse(subscribers.carries(a3));
        assertEquals(List.of(a1), subscribers.arrivalTargets(b1), "an arrival to one receiver per table: a head start only");

        heard(a2, "host-a", false, false, SILENCE + 1);
        heard(a3, "host-a", false, false, SILENCE + 2);
        assertEquals(List.of(a2, a3, b1), subscribers.invalidationTargets(), "a1 silent: a3, heard next, takes its place");
        assertEquals(List.of(a2), subscribers.arrivalTargets(b1), "arrivals: to the receiver of longest standing");
        heard(a1, "host-a", false, false, SILENCE + 3);
        assertFalse(subscribers.carries(a1), "a1 back: both places are taken");
        subscribers.remove(a2);
        heard(a1, "host-a", false, false, SILENCE + 4);
        assertEquals(List.of(a1, a3, b1), subscribers.invalidationTargets(), "a2 left: a1 takes its place");
    }

    @Test
    void aReceiverKeepsItsTableWhileItHeartbeatsAndASilentOneIsReplaced() {
        ActorRef<EdgeCommand> a1 = edge("host-a", false, 0);
        ActorRef<EdgeCommand> a2 = edge("host-a", false, 0);
        heard(a2, "host-a", false, false, SILENCE);
        assertEquals(List.of(a1), subscribers.invalidationTargets(), "a1 was heard within the silence: it stays");

        heard(a1, "host-a", false, false, SILENCE + 1);
        heard(a2, "host-a", false, false, 2 * SILENCE + 2);
        assertEquals(List.of(a2), subscribers.invalidationTargets(), "a1 silent for longer than the silence: the next edge heard takes over");
        heard(a1, "host-a", false, false, 2 * SILENCE + 3);
        assertEquals(List.of(a2), subscribers.invalidationTargets(), "a1 back: a2 keeps it (a new receiver starts its lease over)");
        assertFalse(subscribers.carries(a1));

        subscribers.remove(a2);
        assertEquals(List.of(), subscribers.invalidationTargets(), "none until an edge of the table heartbeats");
        heard(a1, "host-a", false, false, 2 * SILENCE + 4);
        assertEquals(List.of(a1), subscribers.invalidationTargets());
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
        assertEquals(List.of(), subscribers.arrivalTargets(null), "the receiver forgotten: none until an edge of the table heartbeats");
        heard(fresh, "host-a", false, false, 1_001);
        assertEquals(List.of(fresh), subscribers.arrivalTargets(null), "the table's next edge heard takes over");
        assertEquals(List.of(fresh), subscribers.invalidationTargets());
        assertEquals(false, subscribers.all().contains(old));
    }
}

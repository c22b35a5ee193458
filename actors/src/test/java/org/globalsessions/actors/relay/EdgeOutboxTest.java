package org.globalsessions.actors.relay;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.RelayCommand;

/** How what the edges are told becomes messages: per edge, in order, bounded by bytes, acknowledged where asked. */
class EdgeOutboxTest {

    private static ActorTestKit kit;

    @BeforeAll
    static void start() {
        kit = ActorTestKit.create();
    }

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    private final TestProbe<RelayCommand> relay = kit.createTestProbe(RelayCommand.class);
    private final EdgeOutbox outbox = new EdgeOutbox(100, 77, relay.getRef());

    private static EdgeCommand.Arrival arrival(String key, int bytes) {
        return new EdgeCommand.Arrival(key, new byte[bytes], 7, 60_000);
    }

    private static EdgeCommand.Invalidation invalidation(String key, long token, long seq) {
        return new EdgeCommand.Invalidation(key, 8, token, seq);
    }

    private TestProbe<EdgeCommand> edge() {
        return kit.createTestProbe(EdgeCommand.class);
    }

    /** The messages {@code edge} got, once the outbox was sent (they are in its queue by then). */
    private static List<EdgeCommand.Pushed> received(TestProbe<EdgeCommand> edge) {
        List<EdgeCommand.Pushed> messages = new ArrayList<>();
        messages.add((EdgeCommand.Pushed) edge.receiveMessage(Duration.ofSeconds(3)));
        for (EdgeCommand more; (more = poll(edge)) != null; ) {
            messages.add((EdgeCommand.Pushed) more);
        }
        return messages;
    }

    private static EdgeCommand poll(TestProbe<EdgeCommand> edge) {
        try {
            return edge.receiveMessage(Duration.ofMillis(100));
        } catch (AssertionError nothingMore) {
            return null;
        }
    }

    /** "a" for an arrival of a, "-a" for an invalidation, in the order an edge applies them. */
    private static List<String> applied(List<EdgeCommand.Pushed> messages) {
        List<String> events = new ArrayList<>();
        for (EdgeCommand.Pushed m : messages) {
            m.arrivals().forEach(a -> events.add(a.key()));
            m.invalidations().forEach(i -> events.add("-" + i.key()));
        }
        return events;
    }

    @Test
    void eachEdgeGetsItsPartOfTheBurstInOneMessage() {
        TestProbe<EdgeCommand> writer = edge();
        TestProbe<EdgeCommand> reader = edge();
        List<ActorRef<EdgeCommand>> edges = List.of(writer.getRef(), reader.getRef());
        outbox.arrival(arrival("a", 10), List.of(reader.getRef()));
        outbox.arrival(arrival("b", 10), List.of(reader.getRef()));
        outbox.invalidation(invalidation("c", 0, 1), edges);
        assertFalse(outbox.isEmpty());
        outbox.send();
        assertTrue(outbox.isEmpty());

        List<EdgeCommand.Pushed> toReader = received(reader);
        assertEquals(1, toReader.size(), "one message for the burst");
        assertEquals(List.of("a", "b", "-c"), applied(toReader));
        assertEquals(77, toReader.get(0).epoch());
        assertNull(toReader.get(0).ackTo(), "no invalidation asks for an acknowledgement");
        assertEquals(List.of("-c"), applied(received(writer)), "an edge gets only what was queued for it");
    }

    @Test
    void invalidationsThatWantAnAcknowledgementNameWhereToSendIt() {
        TestProbe<EdgeCommand> edge = edge();
        outbox.invalidation(invalidation("a", 0, 1), List.of(edge.getRef()));
        outbox.invalidation(invalidation("b", 42, 2), List.of(edge.getRef()));
        outbox.send();
        EdgeCommand.Pushed pushed = received(edge).get(0);
        assertEquals(relay.getRef(), pushed.ackTo());
        assertEquals(List.of(1L, 2L), pushed.invalidations().stream().map(EdgeCommand.Invalidation::seq).toList(), "numbered in order");
    }

    @Test
    void aMessageStaysWithinItsBytesAndALargeArrivalTravelsAlone() {
        TestProbe<EdgeCommand> edge = edge();
        List<ActorRef<EdgeCommand>> edges = List.of(edge.getRef());
        outbox.arrival(arrival("a", 40), edges);
        outbox.arrival(arrival("b", 40), edges);
        outbox.arrival(arrival("c", 40), edges);
        outbox.arrival(arrival("big", 500), edges);
        outbox.invalidation(invalidation("d", 0, 1), edges);
        outbox.send();
        List<EdgeCommand.Pushed> messages = received(edge);
        assertEquals(List.of("a", "b", "c", "big", "-d"), applied(messages), "nothing lost, nothing reordered");
        assertEquals(4, messages.size(), messages.toString());
        assertEquals(List.of("a", "b"), applied(messages.subList(0, 1)), "c would take the message past 100 bytes");
        assertEquals(List.of("c"), applied(messages.subList(1, 2)));
        assertEquals(List.of("big"), applied(messages.subList(2, 3)), "a value over the bound travels alone");
        assertEquals(List.of("-d"), applied(messages.subList(3, 4)));
    }

    @Test
    void nothingQueuedSendsNothing() {
        TestProbe<EdgeCommand> edge = edge();
        outbox.send();
        edge.expectNoMessage(Duration.ofMillis(100));
        assertTrue(outbox.isEmpty());
    }
}

package org.globalsessions.actors.relay;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.pekko.actor.typed.ActorRef;

import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.RelayCommand;

/**
 * The edges subscribed to a relay, each with the host table (L1) it uses, and which of them an
 * arrival goes to.
 *
 * <p>Processes on one host share one L1, so an arrival stored by one of them is there for all:
 * it goes to one edge per table (the one subscribed longest), none to the writer's table (the
 * writer stored it there as it wrote), and to every edge whose application listens for arrivals.
 * In a farm of 3 hosts × 4 processes a login makes 2 arrival messages instead of 11. An arrival is
 * a head start, never needed for correctness: if two tables were ever taken for one (their
 * identities equal), the one left out answers that session from upstream on its first read.
 * Invalidations still go to every edge: each edge's lease depends on its own.
 *
 * <p>Not thread-safe: owned by the relay actor.
 */
final class Subscribers {

    /** One subscribed edge: when its last heartbeat came, its table, and whether it wants every arrival. */
    private record Subscriber(long lastSeenNanos, String table, boolean everyArrival) {
    }

    /** In the order the edges first subscribed: the first of a table is the one its arrivals go to. */
    private final Map<ActorRef<EdgeCommand>, Subscriber> edges = new LinkedHashMap<>();

    /** Records {@code subscribe}, a heartbeat, received at {@code nowNanos}. */
    void heard(RelayCommand.Subscribe subscribe, long nowNanos) {
        edges.put(subscribe.edge(), new Subscriber(nowNanos, subscribe.table(), subscribe.everyArrival()));
    }

    void remove(ActorRef<EdgeCommand> edge) {
        edges.remove(edge);
    }

    /** Forgets the edges not heard from for over {@code expiryNanos}. */
    void expire(long nowNanos, long expiryNanos) {
        edges.values().removeIf(s -> nowNanos - s.lastSeenNanos() > expiryNanos);
    }

    /** Every subscribed edge (a live view). */
    Set<ActorRef<EdgeCommand>> all() {
        return edges.keySet();
    }

    /** The edges an arrival written by {@code writer} goes to (see the class comment). */
    Collection<ActorRef<EdgeCommand>> arrivalTargets(ActorRef<EdgeCommand> writer) {
        Set<String> tablesCovered = new HashSet<>();
        Subscriber writing = edges.get(writer);
        if (writing != null && writing.table() != null) {
            tablesCovered.add(writing.table());
        }
        List<ActorRef<EdgeCommand>> to = new ArrayList<>();
        for (Map.Entry<ActorRef<EdgeCommand>, Subscriber> e : edges.entrySet()) {
            Subscriber s = e.getValue();
            boolean firstOfItsTable = s.table() == null || tablesCovered.add(s.table()); // no table named: its own
            if (!e.getKey().equals(writer) && (s.everyArrival() || firstOfItsTable)) {
                to.add(e.getKey());
            }
        }
        return to;
    }
}

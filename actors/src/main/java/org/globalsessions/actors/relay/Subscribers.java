package org.globalsessions.actors.relay;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.pekko.actor.typed.ActorRef;

import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.RelayCommand;

/**
 * The edges subscribed to a relay, each with the host table (L1) it uses, and which of them an
 * arrival or an invalidation goes to (decisions 0013 and 0014).
 *
 * <p>Processes on one host share one L1, so what one of them stores or tombstones there is there
 * for all. Each table has a <em>receiver</em>: the edge that heartbeats first once the table has
 * none, or once its receiver has been silent for longer than {@code receiverSilence}; it stays the
 * receiver while it heartbeats (no flip-flop: a new receiver starts its lease over). Arrivals and
 * invalidations go to the table's receiver, to every edge that names no table (a table of its
 * own), and to every edge that asks for all of them (its application listens): in a farm of 3
 * hosts × 4 processes a logout makes 3 invalidation messages instead of 12, a login 2 arrival
 * messages instead of 11. An arrival skips the writer's table (the writer stored it there).
 *
 * <p>Only the edges an invalidation reaches may renew a lease on their table with this relay:
 * {@link #carries}. The others read their table while its freshness word is in the future, which
 * the receiver keeps raising as long as its own lease, counted from every invalidation, holds.
 *
 * <p>Not thread-safe: owned by the relay actor.
 */
final class Subscribers {

    /** One subscribed edge: when its last heartbeat came, its table, and what it asked for. */
    private record Subscriber(long lastSeenNanos, String table, boolean everyArrival, boolean everyInvalidation) {
    }

    /** In the order the edges first subscribed. */
    private final Map<ActorRef<EdgeCommand>, Subscriber> edges = new LinkedHashMap<>();
    /** Each table's receiver. */
    private final Map<String, ActorRef<EdgeCommand>> receivers = new HashMap<>();
    private final long receiverSilenceNanos;

    /**
     * @param receiverSilenceNanos how long a table's receiver may go without a heartbeat before
     *                             the next edge of its table that heartbeats takes over
     *                             ({@code max-staleness}: by then its lease has ended anyway)
     */
    Subscribers(long receiverSilenceNanos) {
        this.receiverSilenceNanos = receiverSilenceNanos;
    }

    /** Records {@code subscribe}, a heartbeat, received at {@code nowNanos}. */
    void heard(RelayCommand.Subscribe subscribe, long nowNanos) {
        ActorRef<EdgeCommand> edge = subscribe.edge();
        edges.put(edge, new Subscriber(nowNanos, subscribe.table(), subscribe.everyArrival(), subscribe.everyInvalidation()));
        if (subscribe.table() != null) {
            ActorRef<EdgeCommand> receiver = receivers.get(subscribe.table());
            Subscriber current = receiver == null ? null : edges.get(receiver);
            if (current == null || !subscribe.table().equals(current.table())
                    || nowNanos - current.lastSeenNanos() > receiverSilenceNanos) {
                receivers.put(subscribe.table(), edge);
            }
        }
    }

    void remove(ActorRef<EdgeCommand> edge) {
        Subscriber gone = edges.remove(edge);
        if (gone != null && gone.table() != null) {
            receivers.remove(gone.table(), edge);
        }
    }

    /** Forgets the edges not heard from for over {@code expiryNanos}. */
    void expire(long nowNanos, long expiryNanos) {
        edges.values().removeIf(s -> nowNanos - s.lastSeenNanos() > expiryNanos);
        receivers.values().removeIf(receiver -> !edges.containsKey(receiver));
    }

    /** Every subscribed edge (a live view). */
    Set<ActorRef<EdgeCommand>> all() {
        return edges.keySet();
    }

    /** Whether {@code edge} gets every invalidation: only such an edge's lease may count on this relay. */
    boolean carries(ActorRef<EdgeCommand> edge) {
        Subscriber s = edges.get(edge);
        return s != null && (s.everyInvalidation() || isReceiver(edge, s));
    }

    /** The edges an invalidation goes to (see the class comment), in subscription order. */
    List<ActorRef<EdgeCommand>> invalidationTargets() {
        List<ActorRef<EdgeCommand>> to = new ArrayList<>();
        for (Map.Entry<ActorRef<EdgeCommand>, Subscriber> e : edges.entrySet()) {
            Subscriber s = e.getValue();
            if (s.everyInvalidation() || isReceiver(e.getKey(), s)) {
                to.add(e.getKey());
            }
        }
        return to;
    }

    /** The edges an arrival written by {@code writer} goes to (see the class comment). */
    Collection<ActorRef<EdgeCommand>> arrivalTargets(ActorRef<EdgeCommand> writer) {
        Subscriber writing = edges.get(writer);
        String writersTable = writing == null ? null : writing.table();
        List<ActorRef<EdgeCommand>> to = new ArrayList<>();
        for (Map.Entry<ActorRef<EdgeCommand>, Subscriber> e : edges.entrySet()) {
            Subscriber s = e.getValue();
            boolean forItsTable = isReceiver(e.getKey(), s) && (s.table() == null || !s.table().equals(writersTable));
            if (!e.getKey().equals(writer) && (s.everyArrival() || forItsTable)) {
                to.add(e.getKey());
            }
        }
        return to;
    }

    /** Whether {@code edge} receives for its table (an edge naming no table has one of its own). */
    private boolean isReceiver(ActorRef<EdgeCommand> edge, Subscriber s) {
        return s.table() == null || edge.equals(receivers.get(s.table()));
    }
}

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
 * for all. Each table has up to {@code receiversPerTable} <em>receivers</em>: an edge heard while
 * the table has fewer becomes one, after its receivers silent for longer than
 * {@code receiverSilence} are dropped; a receiver stays one while it heartbeats (no flip-flop: a
 * new receiver starts its lease over). Invalidations go to the table's receivers, arrivals to its
 * first receiver only (an arrival is a head start, never needed for a correct answer), both to
 * every edge that names no table (a table of its own) and to every edge that asks for all of
 * them (its application listens): in a farm of 3 hosts × 4 processes, with 2 receivers per
 * table, a logout makes 6 invalidation messages instead of 12 and a login 2 arrival messages
 * instead of 11. With 2, a table stays fresh while one of them stops or stalls and the next edge
 * of the table takes its place. An arrival skips the writer's table (the writer stored it there).
 *
 * <p>Only the edges an invalidation reaches may renew a lease on their table with this relay:
 * {@link #carries}. The others read their table while its freshness word is in the future, which
 * the receivers keep raising while their own leases, counted from every invalidation, hold.
 *
 * <p>Not thread-safe: owned by the relay actor.
 */
final class Subscribers {

    /** One subscribed edge: when its last heartbeat came, its table, and what it asked for. */
    private record Subscriber(long lastSeenNanos, String table, boolean everyArrival, boolean everyInvalidation) {
    }

    /** In the order the edges first subscribed. */
    private final Map<ActorRef<EdgeCommand>, Subscriber> edges = new LinkedHashMap<>();
    /** Each table's receivers, in the order they became one. */
    private final Map<String, List<ActorRef<EdgeCommand>>> receivers = new HashMap<>();
    private final int receiversPerTable;
    private final long receiverSilenceNanos;

    /**
     * @param receiversPerTable    how many edges of each table receive for it ({@code relay.receivers-per-table})
     * @param receiverSilenceNanos how long a table's receiver may go without a heartbeat before
     *                             the next edge of its table that heartbeats takes its place
     *                             ({@code max-staleness}: by then its lease has ended anyway)
     */
    Subscribers(int receiversPerTable, long receiverSilenceNanos) {
        this.receiversPerTable = receiversPerTable;
        this.receiverSilenceNanos = receiverSilenceNanos;
    }

    /** Records {@code subscribe}, a heartbeat, received at {@code nowNanos}. */
    void heard(RelayCommand.Subscribe subscribe, long nowNanos) {
        ActorRef<EdgeCommand> edge = subscribe.edge();
        edges.put(edge, new Subscriber(nowNanos, subscribe.table(), subscribe.everyArrival(), subscribe.everyInvalidation()));
        if (subscribe.table() != null) {
            List<ActorRef<EdgeCommand>> table = receivers.computeIfAbsent(subscribe.table(), t -> new ArrayList<>(receiversPerTable));
            if (!table.contains(edge)) {
                table.removeIf(receiver -> {
                    Subscriber r = edges.get(receiver);
                    return r == null || nowNanos - r.lastSeenNanos() > receiverSilenceNanos;
                });
                if (table.size() < receiversPerTable) {
                    table.add(edge);
                }
            }
        }
    }

    void remove(ActorRef<EdgeCommand> edge) {
        Subscriber gone = edges.remove(edge);
        if (gone != null && gone.table() != null) {
            forget(gone.table(), edge);
        }
    }

    /** Forgets the edges not heard from for over {@code expiryNanos}. */
    void expire(long nowNanos, long expiryNanos) {
        edges.values().removeIf(s -> nowNanos - s.lastSeenNanos() > expiryNanos);
        receivers.values().forEach(table -> table.removeIf(receiver -> !edges.containsKey(receiver)));
        receivers.values().removeIf(List::isEmpty);
    }

    private void forget(String table, ActorRef<EdgeCommand> edge) {
        List<ActorRef<EdgeCommand>> left = receivers.get(table);
        if (left != null && left.remove(edge) && left.isEmpty()) {
            receivers.remove(table);
        }
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
            boolean forItsTable = s.table() == null || !s.table().equals(writersTable) && e.getKey().equals(arrivalReceiver(s.table()));
            if (!e.getKey().equals(writer) && (s.everyArrival() || forItsTable)) {
                to.add(e.getKey());
            }
        }
        return to;
    }

    /** The receiver of {@code table} its arrivals go to: the one that became a receiver first (null: none now). */
    private ActorRef<EdgeCommand> arrivalReceiver(String table) {
        List<ActorRef<EdgeCommand>> of = receivers.get(table);
        return of == null || of.isEmpty() ? null : of.get(0);
    }

    /** Whether {@code edge} receives for its table (an edge naming no table has one of its own). */
    private boolean isReceiver(ActorRef<EdgeCommand> edge, Subscriber s) {
        return s.table() == null || receivers.getOrDefault(s.table(), List.of()).contains(edge);
    }
}

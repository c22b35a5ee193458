package org.globalsessions.actors.relay;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

import org.globalsessions.runtime.protocol.WriterIds;

/**
 * A relay's share of the writer ids ({@link WriterIds}): the slot the singleton leased it, and
 * the edge ids it gives its subscribed edges. An edge keeps its id while its heartbeats arrive;
 * an id is given to another edge only {@link WriterIds#EDGE_FREE_AFTER} after its holder's last
 * heartbeat. Ids are given and renewed only while the slot's lease holds, so no edge holds an id
 * past the time the singleton may lease the slot again. Confined to the relay's actor.
 *
 * @param <E> how an edge is known (its actor ref)
 */
final class EdgeWriterIds<E> {

    private static final long SLOT_LEASE_NANOS = WriterIds.SLOT_LEASE.toNanos();
    private static final long EDGE_FREE_AFTER_NANOS = WriterIds.EDGE_FREE_AFTER.toNanos();

    private int slot = WriterIds.NONE;
    private long slotUntilNanos;
    /** Per edge: {edge id, when its last heartbeat arrived}. */
    private final Map<E, long[]> edges = new HashMap<>();
    private final boolean[] taken = new boolean[WriterIds.EDGES_PER_SLOT];

    /** The singleton leased {@code granted}, answering the claim sent at {@code sentNanos}. */
    void slotGranted(int granted, long sentNanos) {
        if (granted != slot) {
            edges.clear(); // ids of another slot: the edges take new ones with their next welcome
            java.util.Arrays.fill(taken, false);
            slot = granted;
            slotUntilNanos = sentNanos + SLOT_LEASE_NANOS;
        } else if (sentNanos + SLOT_LEASE_NANOS - slotUntilNanos > 0) {
            slotUntilNanos = sentNanos + SLOT_LEASE_NANOS;
        }
    }

    /** The slot this relay holds or last held ({@link WriterIds#NONE} if never), to renew. */
    int slot() {
        return slot;
    }

    /** Whether the slot's lease holds at {@code now}. */
    boolean holdsSlot(long now) {
        return slot != WriterIds.NONE && slotUntilNanos - now > 0;
    }

    /**
     * A heartbeat from {@code edge} arrived at {@code now}: its writer id, kept from before or
     * newly given, or {@link WriterIds#NONE} while the slot's lease does not hold or every edge id
     * is taken.
     */
    int heartbeat(E edge, long now) {
        if (!holdsSlot(now)) {
            return WriterIds.NONE;
        }
        long[] held = edges.get(edge);
        if (held == null) {
            int free = freeEdgeId();
            if (free < 0) {
                return WriterIds.NONE;
            }
            taken[free] = true;
            held = new long[] {free, now};
            edges.put(edge, held);
        }
        held[1] = now;
        return WriterIds.of(slot, (int) held[0]);
    }

    /** Frees the ids of edges whose last heartbeat is {@link WriterIds#EDGE_FREE_AFTER} old at {@code now}. */
    void expire(long now) {
        for (Iterator<long[]> it = edges.values().iterator(); it.hasNext(); ) {
            long[] held = it.next();
            if (now - held[1] > EDGE_FREE_AFTER_NANOS) {
                taken[(int) held[0]] = false;
                it.remove();
            }
        }
    }

    /** How many edges hold an id of this relay. */
    int edgesHolding() {
        return edges.size();
    }

    private int freeEdgeId() {
        for (int i = 0; i < taken.length; i++) {
            if (!taken[i]) {
                return i;
            }
        }
        return -1;
    }
}

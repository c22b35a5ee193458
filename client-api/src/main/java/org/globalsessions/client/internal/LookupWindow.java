package org.globalsessions.client.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.globalsessions.runtime.protocol.RelayCommand;

/**
 * How an edge's lookups travel to a relay: in {@code GetBatch} messages, with at most
 * {@value #LOOKUP_WINDOW} batches per relay unanswered. A lone lookup leaves at once in a batch
 * of one, and lookups made while the window is full wait and leave together (up to
 * {@value #MAX_LOOKUPS_PER_BATCH}) when the relay answers a batch. Under load a relay and its
 * edges exchange a few large messages instead of one per lookup, which is what a remote message
 * costs most in; each caller still waits for its own answer (the relay answers what L2 holds in
 * the batch's {@code Answers}, the tiers behind it answer the rest one by one). A batch the
 * relay never answers frees its place in the window at the request timeout; its lookups time out
 * (and are retried) on their own deadlines ({@link PendingRequests}).
 *
 * <h2>Concurrency</h2>
 * Thread-safe, without a lock: callers queue lookups from their own threads, the edge's actor
 * frees places when batches are answered or expire. Each relay's {@link Lane} is a lock-free
 * queue and a counter of batches out that only a compare-and-set raises.
 */
final class LookupWindow {

    /** Lookup batches a relay may have unanswered before further lookups wait to leave together. */
    static final int LOOKUP_WINDOW = 2;
    /** The most lookups one batch carries. */
    static final int MAX_LOOKUPS_PER_BATCH = 64;

    /** One relay's side of the window. */
    static final class Lane {
        /** Lookups waiting for a place in the window. */
        final ConcurrentLinkedQueue<RelayCommand.Lookup> waiting = new ConcurrentLinkedQueue<>();
        /** Batches sent and not answered. */
        final AtomicInteger batchesOut = new AtomicInteger();
    }

    /** A lookup batch sent to {@code relay} and not answered yet. */
    private record Batch(RelayDirectory.Relay relay, long deadlineNanos) {
    }

    private final RelayDirectory relays;
    private final ConcurrentHashMap<Long, Batch> batches = new ConcurrentHashMap<>();
    private final AtomicLong batchIds = new AtomicLong();

    LookupWindow(RelayDirectory relays) {
        this.relays = relays;
    }

    /** Queues {@code lookup} for {@code relay}; it leaves now if the window has room, else with the next batch. */
    void add(RelayDirectory.Relay relay, RelayCommand.Lookup lookup) {
        relay.lookups.waiting.add(lookup);
        send(relay);
    }

    /**
     * Sends the lookups waiting for {@code relay} in batches while its window has room. Called by
     * the thread that queued a lookup and by the actor when a batch is answered or expired;
     * whichever of them changed the queue or the window last sees the other's change, so no
     * lookup is left waiting with room in the window.
     */
    private void send(RelayDirectory.Relay relay) {
        Lane lane = relay.lookups;
        while (!lane.waiting.isEmpty()) {
            int out = lane.batchesOut.get();
            if (out >= LOOKUP_WINDOW) {
                return;
            }
            if (!lane.batchesOut.compareAndSet(out, out + 1)) {
                continue;
            }
            List<RelayCommand.Lookup> lookups = new ArrayList<>();
            RelayCommand.Lookup lookup;
            while (lookups.size() < MAX_LOOKUPS_PER_BATCH && (lookup = lane.waiting.poll()) != null) {
                lookups.add(lookup);
            }
            if (lookups.isEmpty()) {
                lane.batchesOut.decrementAndGet();
                continue;
            }
            long batchId = batchIds.incrementAndGet();
            batches.put(batchId, new Batch(relay, System.nanoTime() + relays.timeoutNanos(relay)));
            relay.ref.tell(new RelayCommand.GetBatch(batchId, lookups, relays.self()));
        }
    }

    /** A batch left the relay (answered, or given up): its place in the window is free again. */
    void done(long batchId) {
        Batch batch = batches.remove(batchId);
        if (batch != null) {
            batch.relay().lookups.batchesOut.decrementAndGet();
            send(batch.relay());
        }
    }

    /** Gives up the batches past their deadline at {@code now}, freeing their places. */
    void expire(long now) {
        for (Map.Entry<Long, Batch> e : batches.entrySet()) {
            if (now - e.getValue().deadlineNanos() > 0) {
                done(e.getKey()); // its lookups time out (and are retried) on their own deadlines
            }
        }
    }

    /** Lookup batches sent (each carries one lookup or more). */
    long batchesSent() {
        return batchIds.get();
    }
}

package org.globalsessions.client.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import org.globalsessions.runtime.protocol.HybridClock;
import org.globalsessions.runtime.protocol.WriterIds;

/**
 * The writer ids this process holds ({@link WriterIds}): one per relay that gave it one, each
 * until {@link WriterIds#EDGE_LEASE} after the heartbeat its relay's latest welcome answered, by
 * this process's clock (so a pause or a lost welcome only shortens it). Writes are stamped with
 * one still held; without one, a write waits until a welcome brings one.
 *
 * <p>Thread-safe: welcomes arrive on the edge's actor, stamps are taken on callers' threads.
 */
final class WriterLease {

    private static final long LEASE_NANOS = WriterIds.EDGE_LEASE.toNanos();

    /** Per relay (the address it is known by): its writer id and until when it is held. */
    private final Map<Object, long[]> held = new HashMap<>();
    private final List<CompletableFuture<Void>> waiting = new ArrayList<>();
    private boolean everHeld;

    /** A welcome from {@code relay} answering the heartbeat sent at {@code sentNanos} gave {@code writerId} (or none). */
    void welcomed(Object relay, int writerId, long sentNanos) {
        List<CompletableFuture<Void>> ready;
        synchronized (this) {
            if (writerId == WriterIds.NONE) {
                held.remove(relay);
                return;
            }
            everHeld = true;
            long[] grant = held.get(relay);
            if (grant != null && grant[0] == writerId) {
                grant[1] = Math.max(grant[1], sentNanos + LEASE_NANOS);
            } else {
                held.put(relay, new long[] {writerId, sentNanos + LEASE_NANOS});
            }
            if (waiting.isEmpty() || current(System.nanoTime()) == WriterIds.NONE) {
                return;
            }
            ready = new ArrayList<>(waiting);
            waiting.clear();
        }
        ready.forEach(f -> f.complete(null)); // outside the lock: the writes continue from here
    }

    /** Whether a welcome has ever given this process a writer id (at start, a relay may still be claiming its slot). */
    synchronized boolean everHeld() {
        return everHeld;
    }

    /** A writer id held at {@code now} (the one held longest from now on), or {@link WriterIds#NONE}. */
    synchronized int current(long now) {
        int best = WriterIds.NONE;
        long until = now;
        for (long[] grant : held.values()) {
            if (grant[1] - until > 0) {
                best = (int) grant[0];
                until = grant[1];
            }
        }
        return best;
    }

    /**
     * A version from {@code clock} stamped with a writer id this process held both before and
     * after the stamp was taken, or -1 if it holds none.
     */
    long stamp(HybridClock clock) {
        while (true) {
            int writer = current(System.nanoTime());
            if (writer == WriterIds.NONE) {
                return -1;
            }
            long version = clock.next(writer);
            if (holds(writer, System.nanoTime())) {
                return version;
            }
        }
    }

    private synchronized boolean holds(int writer, long now) {
        for (long[] grant : held.values()) {
            if (grant[0] == writer && grant[1] - now > 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Completes once this process holds a writer id; fails after {@code timeout} with
     * {@link EdgeException.Timeout} naming {@code relays} (the relays it subscribes to).
     */
    CompletableFuture<Void> await(Duration timeout, Supplier<String> relays) {
        CompletableFuture<Void> ready = new CompletableFuture<>();
        synchronized (this) {
            if (current(System.nanoTime()) != WriterIds.NONE) {
                return CompletableFuture.completedFuture(null);
            }
            waiting.add(ready);
        }
        CompletableFuture<Void> bounded = new CompletableFuture<>();
        ready.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((ok, failure) -> {
            synchronized (this) {
                waiting.remove(ready);
            }
            if (failure == null) {
                bounded.complete(null);
            } else if (!(failure instanceof TimeoutException)) {
                bounded.completeExceptionally(failure);
            } else {
                bounded.completeExceptionally(new EdgeException.Timeout("no relay gave this process a writer id within "
                        + timeout.toMillis() + " ms (relays " + relays.get() + "; a relay gives one in its answer to a heartbeat "
                        + "while it holds a writer slot from the cluster): the write was not sent"));
            }
        });
        return bounded;
    }

    /** Fails every write waiting for an id with {@code failure} (the edge stops). */
    void stop(Throwable failure) {
        List<CompletableFuture<Void>> stopped;
        synchronized (this) {
            stopped = new ArrayList<>(waiting);
            waiting.clear();
        }
        stopped.forEach(f -> f.completeExceptionally(failure));
    }
}

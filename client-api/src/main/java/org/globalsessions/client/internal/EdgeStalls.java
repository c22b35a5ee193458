package org.globalsessions.client.internal;

import java.util.concurrent.TimeUnit;

/**
 * The time in which the edge itself was held up, which says nothing about its relays.
 *
 * <p>An edge judges a relay by what it hears: a welcome within {@code relay-down-after}, an answer
 * by a request's deadline. Both assume the edge was running to hear them. While the edge is held
 * up (its process stopped by SIGSTOP or a debugger, a long GC pause, a starved CPU, its actor
 * blocked in a handler or a listener), the relays' welcomes and answers wait in its sockets and
 * its mailbox, and measured across that time every relay looks silent. Issue 19's nemesis run
 * showed what that costs: after each SIGCONT the edge timed out every request in flight, held
 * its relay suspect, and failed every call with "no relay is reachable ... tried []" until a
 * welcome came; a process paused again within seconds made no progress at all (409 of 427 failed
 * calls). So the edge takes that time out of its judgement: a relay's silence is the time since
 * it was last heard <em>minus the time the edge was held up since</em>, and a request's deadline
 * moves by the time the edge was held up while it waited.
 *
 * <h2>The pulse</h2>
 * The edge's actor ticks every 50 ms ({@link #tick}). A gap of more than {@link #STALL_NANOS}
 * between two ticks is a stall (twenty ticks: no scheduling jitter of a running process, and a
 * third of {@code relay-down-after}, so a stall never hides a relay that went silent while the
 * edge was running). The tick that ends a stall adds it to the total; until then a caller's thread
 * (which may run first after a SIGCONT, or while only the actor is blocked) counts the stall in
 * progress, from the last tick on, itself ({@link #heldUpNanos}).
 *
 * <h2>Safety</h2>
 * This only decides where requests go and when they fail. L1's lease is unaffected: it is measured
 * from heartbeats sent, so a stall ends it like any silence ({@code docs/consistency.md}).
 *
 * <h2>Concurrency</h2>
 * The edge's actor ticks; any thread reads. Two volatile longs, written by the actor only, the
 * total before the tick.
 */
final class EdgeStalls {

    /** A gap between two ticks longer than this is a stall: the edge was held up. */
    static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private volatile long lastTickNanos;
    /** The length of every stall ended so far. */
    private volatile long stalledNanos;
    /** Whether the actor ticked yet: the time before its first tick is the edge starting, not a stall. */
    private boolean ticked;

    EdgeStalls(long now) {
        this.lastTickNanos = now;
    }

    /**
     * The actor's tick at {@code now}. Actor only.
     *
     * @return how long the edge was held up before this tick (the whole gap since the previous
     *         tick), 0 if it was not
     */
    long tick(long now) {
        long gap = now - lastTickNanos;
        long stalled = ticked && gap > STALL_NANOS ? gap : 0;
        ticked = true;
        // The total first: a reader that sees the new tick sees it too; one that sees the old tick
        // may count this stall twice, which only errs towards trying a relay.
        stalledNanos += stalled;
        lastTickNanos = now;
        return stalled;
    }

    /**
     * How long the edge was held up up to {@code now}, in all (a clock that stands still while the
     * edge does): the stalls that ended, and the one in progress if the last tick is more than
     * {@link #STALL_NANOS} ago (before the first tick: since this was made). Only differences of
     * two readings mean anything.
     */
    long heldUpNanos(long now) {
        long sinceTick = now - lastTickNanos; // the tick before the total: see tick
        return stalledNanos + (sinceTick > STALL_NANOS ? sinceTick : 0);
    }
}

package org.globalsessions.runtime.lease;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * A lease on a cached table (an edge's L1, a relay's L2): whether its holder may answer lookups
 * from it without asking anyone. It exists so that a logout is final within
 * {@code max-staleness} ({@code docs/consistency.md}): a table that may have missed an
 * invalidation stops answering.
 *
 * <h2>Streams</h2>
 * Each upstream source (a relay, for an edge; another relay, for a relay) numbers the
 * invalidations it sends ({@code seq}, per incarnation of the source) and says in each heartbeat
 * answer how many it has sent; Artery keeps one connection's messages in order, so an answer
 * arrives after every invalidation sent before it. The holder's view of one source is a
 * {@link Stream}. It is <em>unbroken</em> while every number arrived; a skipped number, an answer
 * counting more than arrived, or a new incarnation (the source restarted, or first contact)
 * <em>breaks</em> it: the stream starts a new run, in probation. A stream that merely went quiet
 * (a partition, a pause, a late heartbeat) is not broken: when it speaks again its count tells
 * whether anything was missed.
 *
 * <h2>The lease</h2>
 * A heartbeat answer in an unbroken run, from a source that {@code vouched} (it holds its own
 * lease), renews the stream's lease until {@code sentNanos + lease}: the heartbeat's send time by
 * the holder's clock, so delays only shorten it. Every invalidation the source sent before that
 * answer was applied; one it sends later is either applied or the lease runs out. The table may
 * answer while the {@link Rule} holds: {@link Rule#ANY} (an edge: every relay carries every
 * invalidation) needs one counted stream with a lease; {@link Rule#ALL} (a relay: each other
 * relay sends only the deletes it coordinated) needs one for every {@linkplain #require required}
 * source.
 *
 * <h2>Probation</h2>
 * A new run carries nothing sent before it, and a table may have been kept by nobody while
 * deletes happened (its holder was down, or cut off). So a stream in a new run counts only after
 * {@code probation} (= {@code max-staleness}, the relays' and the edges' leases together) of
 * holding a lease, and then only if someone vouches for the table at that moment (for a shared
 * L1: its freshness word is in the future, so some process's counted stream holds a lease and
 * every invalidation sent before this run began reached the table through it); if nobody does,
 * the table's live entries are dropped first (its tombstones stay).
 *
 * <h2>Concurrency</h2>
 * The streams belong to one actor (heartbeat answers, invalidations, ticks); {@link #fresh} is
 * read by any thread: the lease's end is one volatile long.
 *
 * @param <K> how sources are named
 */
public final class TableLease<K> {

    /** Which streams the table's answers depend on. */
    public enum Rule {
        /** Any one counted stream with a lease will do: every source carries every invalidation. */
        ANY,
        /** Every required source's stream must be counted and leased; none required: from the end of the probation on. */
        ALL
    }

    /** One source's invalidation stream as the holder received it. */
    public static final class Stream {
        long epoch;
        long received;
        /** When the current run began (a break starts a new one). */
        long since;
        /** When the lease ends; meaningful only while {@link #leased}. */
        long leaseUntil;
        boolean leased;
        /** Past probation: its lease lets the table answer. */
        boolean counted;
        private boolean known;

        public boolean counted() {
            return counted;
        }
    }

    /** Far enough in the past of any {@code nanoTime} read around it to mean "no lease". */
    private static final long LONG_AGO = 1L << 62;

    private final Rule rule;
    private final long leaseNanos;
    private final long probationNanos;
    private final long createdNanos;
    private final Map<K, Stream> streams = new HashMap<>();
    private Set<K> required = Set.of();
    /**
     * When the lease on the table ends, or {@link #LONG_AGO} before the last recompute if there is
     * none. Written by the owning actor only.
     */
    private volatile long until;

    /**
     * @param leaseNanos     how long one heartbeat answer's lease lasts (max-staleness / 2)
     * @param probationNanos how long a new run of a stream holds a lease before it counts (max-staleness)
     * @param now            a {@link System#nanoTime()}: creation, for {@link Rule#ALL} with no source
     */
    public TableLease(Rule rule, long leaseNanos, long probationNanos, long now) {
        this.rule = rule;
        this.leaseNanos = leaseNanos;
        this.probationNanos = probationNanos;
        this.createdNanos = now;
        this.until = now - LONG_AGO;
    }

    /** Whether the table may answer at {@code now} (a {@link System#nanoTime()}). Any thread. */
    public boolean fresh(long now) {
        return until - now > 0;
    }

    /** When the lease on the table ends (long past if there is none); for a freshness word. */
    public long until() {
        return until;
    }

    /** For {@link Rule#ALL}: the sources whose streams the table depends on now; others are forgotten. */
    public void require(Set<K> sources, long now) {
        required = Set.copyOf(sources);
        streams.keySet().retainAll(required);
        recompute(now);
    }

    /** {@code source} answered a heartbeat sent at {@code sentNanos}: renew, or note a break. */
    public void welcome(K source, long epoch, long invalidations, long sentNanos, boolean vouched, long now) {
        if (rule == Rule.ALL && !required.contains(source)) {
            return;
        }
        Stream stream = streams.computeIfAbsent(source, s -> new Stream());
        if (!stream.known || stream.epoch != epoch || stream.received != invalidations) {
            stream.known = true;
            stream.epoch = epoch;
            stream.received = invalidations;
            restart(stream, now);
        }
        if (vouched) {
            long end = sentNanos + leaseNanos;
            if (!stream.leased || end - stream.leaseUntil > 0) {
                stream.leaseUntil = end;
                stream.leased = true;
            }
        }
        recompute(now);
    }

    /** Invalidation number {@code seq} of the source incarnation {@code epoch} arrived. */
    public void invalidated(long epoch, long seq, long now) {
        for (Stream stream : streams.values()) {
            if (stream.known && stream.epoch == epoch) {
                if (seq > stream.received + 1) {
                    restart(stream, now); // one or more were lost on the way
                }
                stream.received = Math.max(stream.received, seq);
                recompute(now);
                return;
            }
        }
    }

    /**
     * Moves streams that held a lease through their probation to counted; before the first one
     * counts on a table nobody vouches for, calls {@code dropTable}.
     *
     * @param tableFreshUntil until when someone else vouches for the table (0: nobody)
     * @return whether the table was dropped
     */
    public boolean tick(long now, long tableFreshUntil, Runnable dropTable) {
        boolean dropped = false;
        for (Stream stream : streams.values()) {
            if (!stream.counted && stream.leased && stream.leaseUntil - now > 0 && now - stream.since >= probationNanos) {
                boolean vouchedFor = tableFreshUntil != 0 && tableFreshUntil - now > 0;
                if (!vouchedFor && !dropped) {
                    dropTable.run();
                    dropped = true;
                }
                stream.counted = true;
            }
        }
        recompute(now);
        return dropped;
    }

    /** The streams, by source: for diagnostics and tests. Owning actor only. */
    public Map<K, Stream> streams() {
        return streams;
    }

    private void restart(Stream stream, long now) {
        stream.since = now;
        stream.counted = false;
        stream.leased = false;
    }

    private void recompute(long now) {
        until = rule == Rule.ANY ? latestLease(now) : earliestLease(now);
    }

    private long latestLease(long now) {
        boolean found = false;
        long end = 0;
        for (Stream stream : streams.values()) {
            if (stream.counted && stream.leased && (!found || stream.leaseUntil - end > 0)) {
                end = stream.leaseUntil;
                found = true;
            }
        }
        return found ? end : now - LONG_AGO;
    }

    private long earliestLease(long now) {
        if (required.isEmpty()) {
            // Nobody else coordinates deletes: past its probation the holder is in step for good
            // (until a source is required). Its own pauses stop its heartbeat answers instead.
            return now - createdNanos >= probationNanos ? now + LONG_AGO : now - LONG_AGO;
        }
        long end = 0;
        boolean first = true;
        for (K source : required) {
            Stream stream = streams.get(source);
            if (stream == null || !stream.counted || !stream.leased) {
                return now - LONG_AGO;
            }
            if (first || end - stream.leaseUntil > 0) {
                end = stream.leaseUntil;
                first = false;
            }
        }
        return end;
    }
}

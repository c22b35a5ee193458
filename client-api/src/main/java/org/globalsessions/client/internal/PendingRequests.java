package org.globalsessions.client.internal;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.globalsessions.runtime.config.HostPort;
import org.globalsessions.runtime.protocol.RelayCommand;
import org.globalsessions.runtime.protocol.ReplicaAcks;
import org.globalsessions.runtime.protocol.SessionTag;

/**
 * The requests an edge sent and is waiting for, by request id: each with its future, the relays
 * it tried and its deadline. A request goes to the first live relay on the ring from its key
 * ({@link RelayDirectory}); lookups leave through the {@link LookupWindow}, writes and deletes
 * at once. One that is not answered by its deadline marks its relay suspect and is sent once
 * more to the next live relay (a retried lookup asks another replica of the shard); if that
 * fails too, its future fails with {@link EdgeException.Timeout} naming the relays tried. An
 * answer that arrives after its request timed out or was retried finds nothing and is dropped.
 *
 * <h2>Concurrency</h2>
 * Thread-safe: callers add requests from their own threads; the edge's actor takes them when
 * answered and expires them on its timer. A request is completed by whoever removes it from
 * the table, so exactly once.
 */
final class PendingRequests {

    private static final Logger log = LoggerFactory.getLogger(PendingRequests.class);

    /** What a request is; {@code INDEX}: an add to or remove from a principal's index record, {@code LISTING}: a listing of one. */
    enum Kind { GET, PUT, DELETE, INDEX, LISTING }

    /**
     * How many times an index change goes again to its relay before its deadline: after each
     * quarter of {@code request-timeout} without every replica's acknowledgement (as a relay sends
     * writes and tombstones again; see {@link #expire}).
     */
    static final int INDEX_RESENDS = 3;

    /**
     * A request in flight, sent (this attempt) at {@code sentNanos}; {@code acks}: the replicas
     * that stored a write so far (touched by the edge's actor only); {@code resends}: how many
     * times this attempt went again to its relay.
     */
    record Pending(Kind kind, String key, RelayCommand message, CompletableFuture<?> future,
                   List<HostPort> tried, long sentNanos, long deadlineNanos, long version, ReplicaAcks acks, int resends) {

        Pending withDeadline(long deadline) {
            return new Pending(kind, key, message, future, tried, sentNanos, deadline, version, acks, resends);
        }

        Pending resent() {
            return new Pending(kind, key, message, future, tried, sentNanos, deadlineNanos, version, acks, resends + 1);
        }
    }

    private final RelayDirectory relays;
    private final LookupWindow lookups;
    private final Duration requestTimeout;
    private final ConnectionProblems problems;
    private final ConcurrentHashMap<Long, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicLong requestIds = new AtomicLong();
    /** Set when the edge can no longer serve: every request fails with it. */
    private volatile EdgeException stopped;

    PendingRequests(RelayDirectory relays, LookupWindow lookups, Duration requestTimeout, ConnectionProblems problems) {
        this.relays = relays;
        this.problems = problems;
        this.lookups = lookups;
        this.requestTimeout = requestTimeout;
    }

    /** A new request id. */
    long nextId() {
        return requestIds.incrementAndGet();
    }

    /**
     * Sends request {@code id} to the first live relay for {@code key} not in {@code tried}
     * (which it joins), or fails {@code future} if there is none.
     */
    void send(long id, Kind kind, String key, RelayCommand message, CompletableFuture<?> future, long version,
              List<HostPort> tried) {
        if (stopped != null) {
            future.completeExceptionally(stopped);
            return;
        }
        RelayDirectory.Relay relay = relays.relayFor(key, tried);
        if (relay == null) {
            future.completeExceptionally(new EdgeException.Timeout("no relay is reachable for " + kind.name().toLowerCase()
                    + " of session " + SessionTag.of(key) + ": tried " + tried + problems.explain()));
            return;
        }
        tried.add(relay.address);
        long timeout = relays.timeoutNanos(relay);
        // A retried lookup asks another expansion replica of the key's shard.
        RelayCommand attempt = message instanceof RelayCommand.Get get
                ? new RelayCommand.Get(get.key(), get.requestId(), get.replyTo(), tried.size() - 1) : message;
        long now = System.nanoTime();
        pending.put(id, new Pending(kind, key, attempt, future, tried, now, now + timeout, version, new ReplicaAcks(), 0));
        // stop() sets stopped, then fails what is pending: a request put while it ran is failed here, or
        // it never would be (its deadline is checked by the actor that stopped).
        EdgeException stoppedMeanwhile = stopped;
        if (stoppedMeanwhile != null && pending.remove(id) != null) {
            future.completeExceptionally(stoppedMeanwhile);
            return;
        }
        if (attempt instanceof RelayCommand.Get get) {
            lookups.add(relay, new RelayCommand.Lookup(get.key(), get.requestId(), get.attempt()));
        } else {
            relay.ref.tell(attempt);
        }
    }

    /** The request, still waiting (null if answered, timed out or retried under another deadline). */
    Pending get(long requestId) {
        return pending.get(requestId);
    }

    /** Removes the request: whoever gets it completes it. */
    Pending remove(long requestId) {
        return pending.remove(requestId);
    }

    /**
     * The future of request {@code requestId}, removed, if it is waiting for an answer of
     * {@code kind}; null if nothing waits (a late answer). An answer of another kind fails it.
     */
    @SuppressWarnings("unchecked")
    <T> CompletableFuture<T> take(long requestId, Kind kind) {
        Pending p = pending.remove(requestId);
        if (p == null) {
            return null; // late answer to a request that timed out or was retried
        }
        if (p.kind() != kind) {
            p.future().completeExceptionally(new EdgeException("protocol error: a " + kind + " answer to a " + p.kind() + " request"));
            return null;
        }
        return (CompletableFuture<T>) p.future();
    }

    /**
     * The edge was held up for {@code nanos} ({@link EdgeStalls}): every request in flight gets that
     * much longer, since its answer may be waiting in the mailbox. Actor only, before {@link #expire}.
     */
    void stalled(long nanos) {
        pending.replaceAll((id, p) -> p.withDeadline(p.deadlineNanos() + nanos));
    }

    /**
     * Retries (once, on the next live relay) or fails the requests past their deadline at
     * {@code now}; sends an index change again to its relay after each quarter of
     * {@code request-timeout} that not every replica acknowledged it in, at most
     * {@link #INDEX_RESENDS} times. A shard moving between nodes drops what its region buffered
     * for it (Pekko's {@code ShardRegion}, at hand-off), and a relay sends writes and tombstones
     * again for that reason; index changes are answered by the replicas to the edge, so the edge
     * sends them again. Both are idempotent at a replica: an add merges, a remove removes.
     */
    void expire(long now) {
        long resendNanos = requestTimeout.toNanos() / 4;
        for (Map.Entry<Long, Pending> e : pending.entrySet()) {
            Pending p = e.getValue();
            if (p.kind() == Kind.INDEX && p.resends() < INDEX_RESENDS && now - p.sentNanos() > (p.resends() + 1) * resendNanos
                    && now - p.deadlineNanos() <= 0 && pending.replace(e.getKey(), p, p.resent())) {
                RelayDirectory.Relay relay = relays.relay(p.tried().get(p.tried().size() - 1));
                if (relay != null) {
                    relay.ref.tell(p.message());
                }
                continue;
            }
            if (now - p.deadlineNanos() > 0 && pending.remove(e.getKey(), p)) {
                HostPort last = p.tried().get(p.tried().size() - 1);
                relays.suspect(last, now);
                log.warn("edge: relay {} did not answer a {} in time; trying the next relay", last,
                        p.kind().name().toLowerCase());
                if (p.tried().size() < 2 && relays.relayFor(p.key(), p.tried()) != null) {
                    send(e.getKey(), p.kind(), p.key(), p.message(), p.future(), p.version(), p.tried());
                } else {
                    p.future().completeExceptionally(new EdgeException.Timeout("no answer for the " + p.kind().name().toLowerCase()
                            + " of session " + SessionTag.of(p.key()) + " from relay(s) " + p.tried() + " (or the relief tiers behind them) within "
                            + requestTimeout.toMillis() + " ms each" + problems.explain()));
                }
            }
        }
    }

    /** Fails every waiting request with {@code failure} (the edge is closing). */
    void failAll(EdgeException failure) {
        pending.values().forEach(p -> p.future().completeExceptionally(failure));
        pending.clear();
    }

    /** Whether {@link #stop} was called. */
    boolean stopped() {
        return stopped != null;
    }

    /** The edge can no longer serve: fails every waiting request, and every later one at once, with {@code failure}. */
    void stop(EdgeException failure) {
        stopped = failure;
        failAll(failure);
    }
}

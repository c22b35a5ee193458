package org.globalsessions.runtime.protocol;

import org.apache.pekko.actor.typed.ActorRef;

/**
 * Messages an edge (the {@code EdgeCacheActor} inside a front-end process) receives: replies to
 * its requests ({@link Reply}, matched by {@code requestId} or {@code batchId}), and events its
 * relays publish ({@link Event}). Every record is exactly one of the two.
 */
public interface EdgeCommand {

    /** The answer to a request this edge sent (a lookup, a write, a delete). */
    interface Reply extends EdgeCommand {
    }

    /** A reply to one request, named by its {@code requestId}. */
    interface Answer extends Reply {
        long requestId();
    }

    /** Something a relay tells its subscribed edges unasked: an invalidation, an arrival, a welcome. */
    interface Event extends EdgeCommand {
    }

    /** A value found for a {@code Get}. {@code expiresAtMillis} is 0 for no expiry. */
    record Found(long requestId, String key, byte[] value, long version, long expiresAtMillis, long ttlMillis,
                 Tier tier) implements Answer, Wire {
    }

    /** Nothing stored for a {@code Get}; {@code tombstoneVersion} is the delete's version if one is known, else 0. */
    record NotFound(long requestId, String key, long tombstoneVersion) implements Answer, Wire {
    }

    /**
     * The relay's answer to a {@code GetBatch}: the lookups it served from L2 (the others are
     * answered by the tiers behind it, one by one).
     */
    record Answers(long batchId, java.util.List<Found> found, java.util.List<NotFound> notFound) implements Reply, Wire {
    }

    /**
     * Every one of the {@code replicas} expansion replicas of the key's shard stored a {@code Put}:
     * sent once, by the relay, when each replica k in 0..{@code replicas}-1 has reported it
     * {@code Stored} (a set of replicas, not a count: {@link ReplicaAcks}).
     */
    record PutAck(long requestId, String key, long version, int replicas) implements Answer, Wire {
    }

    /**
     * The expansion replicas refused a {@code Put} because they hold a newer version ({@code deleted}: a
     * tombstone, i.e. the session was logged out after this write was made).
     */
    record PutRefused(long requestId, String key, long newerVersion, boolean deleted) implements Answer, Wire {
    }

    /** Every expansion replica holds the tombstone, and the relays and edges were told. */
    record DeleteAck(long requestId, String key, long version) implements Answer, Wire {
    }

    /** The request could not be served; {@code reason} says what failed and where. */
    record Failed(long requestId, String key, String reason) implements Answer, Wire {
    }

    /**
     * What a relay tells its subscribed edges about sessions unasked, made while it worked through
     * its mailbox and sent together when it reached the end (one message wakes an edge for a whole
     * burst of writes and logouts, instead of one per session). The edge applies the arrivals, then
     * the invalidations: a tombstone is final whatever the versions, so a session written and
     * logged out in one burst ends logged out whichever came first. {@code epoch} is the relay's
     * incarnation, and each invalidation's {@code seq} counts the invalidations the relay has sent
     * its edges in it; the edge acknowledges every invalidation with a non-zero {@code token} in
     * one {@code EdgeInvalidated} to {@code ackTo} (null when none has a token).
     */
    record Pushed(long epoch, java.util.List<Arrival> arrivals, java.util.List<Invalidation> invalidations,
                  ActorRef<RelayCommand> ackTo) implements Event, Wire {
    }

    /** A new version of a session was written somewhere ({@link Pushed}). */
    record Arrival(String key, byte[] value, long version, long ttlMillis) implements Wire {
    }

    /**
     * Remove {@code key} from L1, leaving a tombstone ({@link Pushed}): {@code token} is what to
     * acknowledge (0: nothing), {@code seq} its number among the relay's invalidations: an edge that
     * sees a number skipped knows it missed one.
     */
    record Invalidation(String key, long version, long token, long seq) implements Wire {
    }

    /**
     * Sessions that ended without a logout: their time ran out, or the aging tier's LRU pushed
     * them out, and no tier holds them any more. A relay tells every subscribed edge, for its
     * listeners; tables are not changed (each copy expires by its own time).
     */
    record Expired(java.util.List<EndedSession> sessions) implements Event, Wire {
    }

    /** One session of an {@link Expired}: its last value and version, as the relief tier held them. */
    record EndedSession(String key, byte[] value, long version) implements Wire {
    }

    /**
     * A relay's answer to a subscription heartbeat: {@code as} is the address the edge used,
     * {@code incarnation} changes when the relay restarts, {@code invalidations} is how many
     * invalidations the relay has sent its edges in this incarnation (every one before this
     * welcome on the same connection), {@code sentNanos} echoes the heartbeat's, and
     * {@code vouched} says whether the relay vouches for the edge's table through this edge: it
     * holds its own lease (is in step with every other relay) and sends this edge every
     * invalidation (it is its table's receiver, or asked for every one). Only then does the
     * welcome renew the edge's lease on L1. {@code writerId} is the
     * writer id the relay leases to the edge ({@link WriterIds}), renewed from {@code sentNanos},
     * or {@link WriterIds#NONE}.
     */
    record Welcome(String as, long incarnation, long invalidations, long sentNanos, boolean vouched, int writerId)
            implements Event, Wire {
    }

    /**
     * Expansion replica {@code replica} of a principal's shard applied an {@code IndexAdd} or
     * {@code IndexRemove}; it is done when every replica 0..{@code replicas}-1 said so ({@link ReplicaAcks}).
     */
    record IndexAck(long requestId, int replica, int replicas) implements Answer, Wire {
    }

    /** A principal's index record as one expansion replica holds it: its sessions, oldest login first. */
    record IndexListing(long requestId, java.util.List<IndexEntry> entries) implements Answer, Wire {
    }

    /** One session of an {@link IndexListing}: logged in at {@code sinceMillis}, indexed until {@code expiresAtMillis}. */
    record IndexEntry(String sessionId, long sinceMillis, long expiresAtMillis) implements Wire {
    }
}

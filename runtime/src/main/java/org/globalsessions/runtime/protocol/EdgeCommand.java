package org.globalsessions.runtime.protocol;

import org.apache.pekko.actor.typed.ActorRef;

/**
 * Messages an edge (the {@code EdgeCacheActor} inside a front-end process) receives: replies to
 * its requests, matched by {@code requestId}, and events its relays publish.
 */
public interface EdgeCommand {

    /** A value found for a {@code Get}. {@code expiresAtMillis} is 0 for no expiry. */
    record Found(long requestId, String key, byte[] value, long version, long expiresAtMillis, long ttlMillis,
                 Tier tier) implements EdgeCommand, Wire {
    }

    /** Nothing stored for a {@code Get}; {@code tombstoneVersion} is the delete's version if one is known, else 0. */
    record NotFound(long requestId, String key, long tombstoneVersion) implements EdgeCommand, Wire {
    }

    /**
     * The relay's answer to a {@code GetBatch}: the lookups it served from L2 (the others are
     * answered by the tiers behind it, one by one).
     */
    record Answers(long batchId, java.util.List<Found> found, java.util.List<NotFound> notFound) implements EdgeCommand, Wire {
    }

    /** A replica of the owner stored a {@code Put}; the write is done when {@code acksNeeded} replicas said so. */
    record PutAck(long requestId, String key, long version, int acksNeeded) implements EdgeCommand, Wire {
    }

    /**
     * The owner refused a {@code Put} because it holds a newer version ({@code deleted}: a
     * tombstone, i.e. the session was logged out after this write was made).
     */
    record PutRefused(long requestId, String key, long newerVersion, boolean deleted) implements EdgeCommand, Wire {
    }

    /** Every owner holds the tombstone, and the relays and edges were told. */
    record DeleteAck(long requestId, String key, long version) implements EdgeCommand, Wire {
    }

    /** The request could not be served; {@code reason} says what failed and where. */
    record Failed(long requestId, String key, String reason) implements EdgeCommand, Wire {
    }

    /** Remove {@code key} up to {@code version} from L1 and acknowledge to {@code ackTo} with {@code token}. */
    record Invalidate(String key, long version, long token, ActorRef<RelayCommand> ackTo) implements EdgeCommand, Wire {
    }

    /** A new version of a session was written somewhere. */
    record Arrival(String key, byte[] value, long version, long ttlMillis) implements EdgeCommand, Wire {
    }

    /**
     * A relay's answer to a subscription heartbeat: {@code as} is the address the edge used,
     * {@code incarnation} changes when the relay restarts.
     */
    record Welcome(String as, long incarnation) implements EdgeCommand, Wire {
    }
}

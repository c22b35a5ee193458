package org.globalsessions.runtime.protocol;

import org.apache.pekko.actor.typed.ActorRef;

/**
 * Messages a relief shard entity (expansion or aging) receives through Cluster Sharding. One
 * entity per shard per tier; the entity id is the shard number.
 */
public interface ShardCommand {

    /**
     * Look {@code key} up; answer {@code Found} to {@code replyTo} and {@code Promote} to
     * {@code promoteTo}. The lookup walks the shard's lineages (expansion copy k, then aging copy
     * k): an expansion copy that holds the session, or a tombstone that outranks what was found so
     * far, answers at once; otherwise the lookup goes on to the aging copy, which answers a hit at
     * once too unless the lineage was rebuilt from a peer lately ({@code checkAll}); a miss, or a
     * hit to be checked, goes on to the next lineage ({@code hops}: how many lineages were asked
     * before this one), carrying the newest value found so far ({@code best}, null: none); the
     * last aging copy answers it or {@code NotFound}.
     */
    record ShardGet(String key, long requestId, ActorRef<EdgeCommand> replyTo, ActorRef<SiblingCommand> promoteTo, int hops,
                    boolean checkAll, EdgeCommand.Found best) implements ShardCommand, Wire {

        /** A lookup starting at the first lineage it asks. */
        public ShardGet(String key, long requestId, ActorRef<EdgeCommand> replyTo, ActorRef<SiblingCommand> promoteTo) {
            this(key, requestId, replyTo, promoteTo, 0, false, null);
        }

        /** This lookup passed on, with the newest value found so far. */
        public ShardGet next(int hops, boolean checkAll, EdgeCommand.Found best) {
            return new ShardGet(key, requestId, replyTo, promoteTo, hops, checkAll, best);
        }
    }

    /**
     * Store unless a newer version or tombstone is held; answer {@code PutAck} / {@code PutRefused}
     * to {@code replyTo} and {@code Stored(token, …)} to {@code relay}. The same write goes to every
     * replica of the shard; the writer waits for {@code acksNeeded} acknowledgements.
     */
    record ShardPut(String key, byte[] value, long version, long ttlMillis, long requestId, ActorRef<EdgeCommand> replyTo,
                    ActorRef<RelayCommand> relay, long token, int acksNeeded) implements ShardCommand, Wire {
    }

    /**
     * Write a tombstone; an expansion entity then passes the delete to the aging tier, and the
     * aging entity answers {@code OwnersDeleted} to {@code replyTo}. Sent to every replica; the
     * relay waits for {@code acksNeeded} answers.
     */
    record ShardDelete(String key, long version, long deleteId, ActorRef<RelayCommand> replyTo, int acksNeeded)
            implements ShardCommand, Wire {
    }

    /**
     * From a copy that started empty (or, {@code syncId} 0, one that repairs its lineage): send me
     * what you hold, as {@code SyncChunk}s carrying {@code syncId}.
     */
    record SyncRequest(ActorRef<ShardCommand> replyTo, long syncId) implements ShardCommand, Wire {
    }

    /**
     * Chunk {@code index} of {@code count} of a shard's state, merged by version (newer wins,
     * tombstones included): the answer to the {@code SyncRequest} {@code syncId}, or (syncId 0) a
     * shard handing its state to its next home, or the answer to a lineage repair's request.
     * Numbered so that the receiver knows whether one was lost on the way.
     */
    record SyncChunk(java.util.List<SyncEntry> entries, long syncId, int index, int count) implements ShardCommand, Wire {
    }

    /**
     * To an aging copy, from its expansion copy, which was just rebuilt from its peer: merge the
     * next lineage's aging copy's sessions, which the rebuilt expansion copy could not get back.
     */
    record RepairLineage() implements ShardCommand, Wire {
    }

    /** One session or tombstone ({@code value == null}) in a {@link SyncChunk}. */
    record SyncEntry(String key, byte[] value, long version, long ttlMillis, long expiresAtMillis) implements Wire {
    }

    /** Slide the entry's expiry. */
    record ShardTouch(String key) implements ShardCommand, Wire {
    }

    /**
     * An entry the expansion tier evicted, handed to the aging tier, which answers
     * {@code Demoted(key, seq)} to {@code replyTo}; until then the expansion copy keeps the entry
     * (serves it, and sends it again): a demotion is the only copy of a session in transit.
     */
    record Demote(String key, byte[] value, long version, long ttlMillis, long expiresAtMillis, long seq,
                  ActorRef<ShardCommand> replyTo) implements ShardCommand, Wire {
    }

    /** The aging copy has the demotion {@code seq} of {@code key} (stored, or refused as older than what it holds). */
    record Demoted(String key, long seq) implements ShardCommand, Wire {
    }

    /** An entry the aging tier served, handed back to the expansion tier as recent again. */
    record Readmit(String key, byte[] value, long version, long ttlMillis, long expiresAtMillis) implements ShardCommand, Wire {
    }
}

package org.globalsessions.actors.relief;

import java.util.List;

import org.apache.pekko.actor.typed.ActorRef;

import org.globalsessions.runtime.protocol.Wire;

/**
 * Copying a shard's state from one replica to another, which both kinds of replica accept: a
 * replica that starts asks its next replica for everything it holds, a replica that repairs its
 * lineage asks another lineage's replica, and a replica whose shard moves sends its state to its
 * next home. See {@code docs/relief-replication.md}, "Copying on start".
 */
public sealed interface ReplicaSync extends ExpansionReplica.Command, AgingReplica.Command
        permits ReplicaSync.SyncRequest, ReplicaSync.SyncChunk, ReplicaSync.CopyTimeout {

    /**
     * Send me what you hold, as {@code SyncChunk}s carrying {@code syncId}: from a replica that
     * started (it tracks the answer by its id), or ({@code syncId} 0) from one that repairs its
     * lineage (it merges the answer, untracked).
     */
    record SyncRequest(ActorRef<SyncChunk> replyTo, long syncId) implements ReplicaSync, Wire {
    }

    /**
     * Chunk {@code index} of {@code count} of a replica's state, merged by version (newer wins,
     * tombstones included): the answer to the {@code SyncRequest} {@code syncId}, or ({@code syncId}
     * 0) a replica's state handed to its next home, or the answer to a lineage repair. Numbered so
     * that the receiver knows whether one was lost on the way.
     */
    record SyncChunk(List<SyncEntry> entries, long syncId, int index, int count) implements ReplicaSync, Wire {
    }

    /** One session or tombstone ({@code value == null}) in a {@link SyncChunk}. */
    record SyncEntry(String key, byte[] value, long version, long ttlMillis, long expiresAtMillis) implements Wire {
    }

    /** Timer message (local): the copy a starting replica asked for did not all arrive in time. */
    enum CopyTimeout implements ReplicaSync {
        INSTANCE
    }
}

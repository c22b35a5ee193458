package org.globalsessions.runtime.protocol;

/**
 * Which replicas of a shard acknowledged one write: a set of replica indexes k, not a count, so a
 * late acknowledgement and a retry's acknowledgement of the same replica read as one. The write is
 * done when every replica k in 0..n-1 is in the set. The relay keeps one per forwarded write
 * ({@code Stored}, then one {@code PutAck} to the writer), the edge one per principal-index change
 * ({@code IndexAck}).
 *
 * <p>Not thread-safe: owned by one actor. n is at most 3 ({@code relief.replication-factor}); 64 bits hold any n up to 64.
 */
public final class ReplicaAcks {

    private long acked;

    /**
     * Records that replica {@code replica} of {@code replicas} acknowledged; returns true once every
     * replica 0..replicas-1 has. An index out of range (a corrupt or foreign message) records nothing.
     */
    public boolean ack(int replica, int replicas) {
        return replica >= 0 && replica < Long.SIZE && ackAll(1L << replica, replicas);
    }

    /**
     * Records that the replicas in {@code acknowledged} (bit k: replica k) of {@code replicas}
     * acknowledged, as one report of a write that travelled down the chain of replicas does; returns
     * true once every replica 0..replicas-1 has. A bit past the last replica (a corrupt or foreign
     * message) records nothing.
     */
    public boolean ackAll(long acknowledged, int replicas) {
        if (replicas < 1 || replicas > Long.SIZE || acknowledged == 0 || (acknowledged & ~all(replicas)) != 0) {
            return false;
        }
        acked |= acknowledged;
        return acked == all(replicas);
    }

    /** Every replica 0..replicas-1 (1 to 64 replicas): bit k set for replica k. */
    public static long all(int replicas) {
        return replicas >= Long.SIZE ? -1L : (1L << replicas) - 1;
    }

    /** The replicas that have not acknowledged yet: bit k set for replica k (bits past the last replica set too). */
    public long missing() {
        return ~acked;
    }

    /** How many distinct replicas acknowledged so far. */
    public int count() {
        return Long.bitCount(acked);
    }
}

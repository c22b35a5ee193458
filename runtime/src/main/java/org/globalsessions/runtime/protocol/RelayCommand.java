package org.globalsessions.runtime.protocol;

import org.apache.pekko.actor.typed.ActorRef;

/**
 * Messages a relay receives from edges, from the other relays, from the expansion replicas of a
 * deleted key, and from the writer-id singleton.
 */
public interface RelayCommand {

    /**
     * Look {@code key} up; the answer ({@code Found} / {@code NotFound} / {@code Failed}) goes to
     * {@code replyTo}. {@code attempt} counts the edge's retries: each goes to another replica.
     * Edges send their lookups to a relay in a {@link GetBatch}, which is all a relay accepts; a
     * relay passes the ones L2 cannot answer on to its sibling.
     */
    record Get(String key, long requestId, ActorRef<EdgeCommand> replyTo, int attempt)
            implements RelayCommand, Wire {
    }

    /**
     * Lookups an edge gathered while its earlier batches to this relay were unanswered, each
     * handled as a {@code Get} answering {@code replyTo}. The relay answers the ones it serves from
     * L2 together in one {@code EdgeCommand.Answers} carrying {@code batchId}, always (an empty one
     * if it passed them all on), so the edge knows the batch left the relay.
     */
    record GetBatch(long batchId, java.util.List<Lookup> lookups, ActorRef<EdgeCommand> replyTo) implements RelayCommand, Wire {
    }

    /** One lookup of a {@link GetBatch}: the fields of a {@code Get} but its {@code replyTo}. */
    record Lookup(String key, long requestId, int attempt) implements Wire {
    }

    /**
     * Store a version of a session: the relay answers {@code PutAck} to {@code replyTo} once every
     * expansion replica reported it {@code Stored}; a replica that refuses it answers {@code PutRefused}
     * (or {@code Failed}) to {@code replyTo} itself. {@code ifVersion} other than {@link #ANY} makes it
     * a conditional write: stored only if the session's current version is {@code ifVersion}, as
     * expansion replica 0 decides (see {@code docs/relief-replication.md}, "Conditional writes").
     */
    record Put(String key, byte[] value, long version, long ttlMillis, long requestId, ActorRef<EdgeCommand> replyTo,
               long ifVersion) implements RelayCommand, Wire {

        /** {@code ifVersion} of a write stored whatever the current version (if newer). */
        public static final long ANY = 0;

        /** A write stored whatever the current version (if newer). */
        public Put(String key, byte[] value, long version, long ttlMillis, long requestId, ActorRef<EdgeCommand> replyTo) {
            this(key, value, version, ttlMillis, requestId, replyTo, ANY);
        }
    }

    /** Log a session out: tombstones at the expansion replicas, invalidation everywhere; {@code DeleteAck} when done. */
    record Delete(String key, long version, long requestId, ActorRef<EdgeCommand> replyTo) implements RelayCommand, Wire {
    }

    /** Slide a session's expiry at the relay and its owner; no answer. */
    record Touch(String key) implements RelayCommand, Wire {
    }

    /**
     * An edge's subscription and heartbeat; answered with {@code Welcome} carrying {@code as},
     * the address the edge knows this relay by, and {@code sentNanos}, when the edge sent it
     * (by the edge's clock: the lease the welcome renews runs from then). {@code table} names the
     * host table (L1) the edge uses, equal for every process sharing it (null: a table of its
     * own). Arrivals and invalidations go to the table's receivers (relay.receivers-per-table), and to every edge
     * that says {@code everyArrival} or {@code everyInvalidation} (its application listens for
     * them).
     */
    record Subscribe(ActorRef<EdgeCommand> edge, String as, long sentNanos, String table, boolean everyArrival,
            boolean everyInvalidation) implements RelayCommand, Wire {
    }

    /** An edge leaving cleanly. */
    record Unsubscribe(ActorRef<EdgeCommand> edge) implements RelayCommand, Wire {
    }

    /** An edge applied the invalidations of a {@code Pushed} that these tokens name. */
    record EdgeInvalidated(java.util.List<Long> tokens, ActorRef<EdgeCommand> edge) implements RelayCommand, Wire {
    }

    /**
     * From the last expansion replica of a chain a write this relay forwarded ({@code token} names
     * it) travelled down (one chain per relief node, of the shard's replicas there):
     * {@code stored} true, and {@code storedBy} the replicas that stored it (bit k: replica k) of
     * {@code replicas}. Only once the reports name every replica ({@link ReplicaAcks}) does the
     * relay write it into L2, publish it and acknowledge the writer. False: a replica, or the sibling before any replica had it
     * ({@code storedBy} 0), refused it and told the writer why; the relay does not send it again.
     */
    record Stored(long token, String key, long version, boolean stored, long storedBy, int replicas) implements RelayCommand, Wire {
    }

    /**
     * A replica of the key's shard refused the tombstone of delete {@code deleteId}: it holds
     * {@code relief.tombstones-per-shard} tombstones ({@code reason} says which replica and what to
     * raise; it names no session id). The relay fails the delete with it.
     */
    record DeleteRefused(long deleteId, String reason) implements RelayCommand, Wire {
    }

    /**
     * Aging replica {@code replica} of {@code replicas} of the key's shard (and so its expansion
     * replica) holds the tombstone of a delete this relay coordinates; the relay waits for every
     * replica k ({@link ReplicaAcks}: a set, not a count).
     */
    record OwnersDeleted(long deleteId, String key, long version, int replica, int replicas) implements RelayCommand, Wire {
    }

    /**
     * From the relay coordinating a delete: tombstone {@code key} in L2, acknowledge with
     * {@code PeerInvalidated}. {@code epoch} is the coordinator's incarnation and {@code seq} the
     * number of deletes it has coordinated in it, this one included (see {@link PeerWelcome}).
     */
    record PeerInvalidate(String key, long version, long deleteId, ActorRef<RelayCommand> replyTo, long epoch, long seq)
            implements RelayCommand, Wire {
    }

    /** Another relay's heartbeat, sent at {@code sentNanos} by its clock; answered with {@link PeerWelcome}. */
    record PeerHeartbeat(ActorRef<RelayCommand> from, long sentNanos) implements RelayCommand, Wire {
    }

    /**
     * The answer to a {@link PeerHeartbeat}: {@code invalidations} is how many deletes {@code from}
     * has coordinated (and sent to its peers) in its incarnation {@code epoch}, every one before
     * this answer on the same connection; {@code sentNanos} echoes the heartbeat's. A relay in step
     * with every other relay holds its lease: it answers from L2 and vouches for its edges.
     */
    record PeerWelcome(ActorRef<RelayCommand> from, long epoch, long invalidations, long sentNanos) implements RelayCommand, Wire {
    }

    /** Another relay tombstoned the key of delete {@code deleteId}. */
    record PeerInvalidated(long deleteId, ActorRef<RelayCommand> peer) implements RelayCommand, Wire {
    }

    /** From the relay that took a write: refresh L2 if it holds an older version. */
    record PeerArrival(String key, byte[] value, long version, long ttlMillis) implements RelayCommand, Wire {
    }

    /**
     * The writer-id singleton leased {@code slot} ({@link WriterIds}) to this relay, answering the
     * claim it sent at {@code sentNanos} (by the relay's clock: the lease runs from then).
     */
    record WriterSlot(int slot, long sentNanos) implements RelayCommand, Wire {
    }

    /**
     * Add session {@code sessionId} to the index record of {@code principal} ({@link Principals}),
     * logged in at {@code sinceMillis}, until {@code expiresAtMillis} (epoch ms; the replicas cap it
     * at {@code relief.max-session-ttl} from now). Every expansion replica of the principal's shard
     * applies it and answers {@code IndexAck} (or {@code Failed}) to {@code replyTo}.
     */
    record IndexAdd(String principal, String sessionId, long sinceMillis, long expiresAtMillis, long requestId,
                    ActorRef<EdgeCommand> replyTo) implements RelayCommand, Wire {
    }

    /** Remove {@code sessionIds} from the index record of {@code principal}; acknowledged like {@link IndexAdd}. */
    record IndexRemove(String principal, java.util.List<String> sessionIds, long requestId, ActorRef<EdgeCommand> replyTo)
            implements RelayCommand, Wire {
    }

    /** List the index record of {@code principal}: one expansion replica answers {@code IndexListing} to {@code replyTo}. */
    record IndexList(String principal, long requestId, ActorRef<EdgeCommand> replyTo) implements RelayCommand, Wire {
    }

    /**
     * From a relief node: sessions that ended without a logout, checked against every lineage of
     * their shard (none holds them, and none was deleted). The relay tells its subscribed edges
     * ({@code EdgeCommand.Expired}). A relay's gateway never passes it on from an application.
     */
    record Expired(java.util.List<EdgeCommand.EndedSession> sessions) implements RelayCommand, Wire {
    }
}

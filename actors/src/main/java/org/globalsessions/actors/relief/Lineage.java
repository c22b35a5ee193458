package org.globalsessions.actors.relief;

import org.apache.pekko.actor.typed.ActorRef;

import org.globalsessions.actors.sibling.SiblingActor;
import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.RelayCommand;
import org.globalsessions.runtime.protocol.Wire;

/**
 * The requests that travel down a shard's lineages (expansion replica k, then aging replica k,
 * then expansion replica k+1 …), which both kinds of replica accept. See
 * {@code docs/relief-replication.md}, "The lineage walk".
 */
public sealed interface Lineage extends ExpansionReplica.Command, AgingReplica.Command permits Lineage.Get, Lineage.Delete {

    /**
     * Look {@code key} up; answer {@code Found} or {@code NotFound} to {@code replyTo}, and
     * promote a value found to {@code promoteTo}. The lookup walks the lineages as
     * {@link LineageWalk#step} decides, carrying {@code hops} (how many lineages were asked
     * before this one), {@code checkAll} (an aging hit must be checked against the other
     * lineages) and {@code best} (the newest value found so far, null: none). A {@code probe}
     * only answers: it neither promotes nor readmits what it finds, for it is no use of the
     * session ({@link ExpiryReports} asks whether a session ended; readmitting pushed live
     * sessions out of the expansion tier).
     */
    record Get(String key, long requestId, ActorRef<EdgeCommand> replyTo, ActorRef<SiblingActor.Promote> promoteTo, int hops,
               boolean checkAll, EdgeCommand.Found best, boolean probe) implements Lineage, Wire {

        /** A lookup starting at the first lineage it asks. */
        public Get(String key, long requestId, ActorRef<EdgeCommand> replyTo, ActorRef<SiblingActor.Promote> promoteTo) {
            this(key, requestId, replyTo, promoteTo, 0, false, null, false);
        }

        /**
         * A probe starting at the first lineage it asks: it answers {@code replyTo} and changes
         * nothing ({@code replyTo} also fills {@code promoteTo}, never told).
         */
        static Get probe(String key, long requestId, ActorRef<Object> replyTo) {
            return new Get(key, requestId, replyTo.narrow(), replyTo.narrow(), 0, false, null, true);
        }

        /** What this lookup carries from replica to replica. */
        LineageWalk.Walk walk() {
            return new LineageWalk.Walk(hops, checkAll, best);
        }

        /** This lookup passed on, carrying {@code walk}. */
        Get next(LineageWalk.Walk walk) {
            return new Get(key, requestId, replyTo, promoteTo, walk.hops(), walk.checkAll(), walk.best(), probe);
        }
    }

    /**
     * Write a tombstone. Sent to every expansion replica, which records it and passes it on to
     * its aging replica; the aging replica answers {@code OwnersDeleted} naming its replica k to
     * {@code replyTo}. The relay waits for every replica k in 0..{@code acksNeeded}-1. A replica at
     * its tombstone cap answers {@code DeleteRefused} instead.
     */
    record Delete(String key, long version, long deleteId, ActorRef<RelayCommand> replyTo, int acksNeeded)
            implements Lineage, Wire {
    }
}

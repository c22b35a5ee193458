package org.globalsessions.actors.relief;

import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.ReceiveBuilder;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

import org.globalsessions.actors.metrics.NodeMetrics;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.RelayCommand;
import org.globalsessions.runtime.protocol.ShardCommand;
import org.globalsessions.runtime.protocol.Tier;

/**
 * A copy of a shard of the aging tier (the seed's "age-out" pressure relief): keeps what the
 * same copy of the expansion shard evicted, in a slowly expiring LRU. An entry expires after the
 * aging TTL or when its own session TTL runs out, whichever is first. A hit is served, promoted
 * to L2, and readmitted to the expansion copy as recent again. The last stop of a lookup in its
 * lineage (it passes a miss on to the next lineage, or answers it after the last) and of a delete
 * (it confirms the tombstone to the relay).
 */
public final class AgingShard extends ReliefShard {

    private final long agingTtlMillis;
    private final long tombstoneTtlMillis;

    private AgingShard(ActorContext<ShardCommand> context, TimerScheduler<ShardCommand> timers,
                       StashBuffer<ShardCommand> stash, String entityId,
                       int replica, GlobalSessionsSettings settings, NodeMetrics metrics) {
        super(context, timers, stash, entityId, replica, Tier.AGING, metrics, settings.relief().agingEntriesPerShard(),
                settings.relief().replicationFactor(), settings.relief().agingTtl(), key(replica),
                key((replica + 1) % settings.relief().replicationFactor()));
        this.agingTtlMillis = settings.relief().agingTtl().toMillis();
        this.tombstoneTtlMillis = settings.relief().tombstoneTtl().toMillis();
    }

    /** The entity type of copy {@code replica}. */
    public static EntityTypeKey<ShardCommand> key(int replica) {
        return EntityTypeKey.create(ShardCommand.class, "relief-aging-" + replica);
    }

    public static Behavior<ShardCommand> create(String entityId, int replica, GlobalSessionsSettings settings, NodeMetrics metrics) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> Behaviors.withStash(STASH,
                stash -> new AgingShard(context, timers, stash, entityId, replica, settings, metrics))));
    }

    /**
     * The end of a lineage. A hit answers at once, readmitted to this lineage's expansion copy (and
     * to those of the lineages asked before, which missed it), unless the lineage was rebuilt from
     * a peer lately: then it may be an older version than another lineage holds, and is carried on
     * to be checked. A miss (or a hit to check) goes to the next lineage; after the last, the newest
     * value found answers, readmitted to every lineage's expansion copy (read repair), or the
     * answer is a miss.
     */
    @Override
    protected void walk(ShardCommand.ShardGet get, EdgeCommand.Found here, EdgeCommand.Found best) {
        boolean checkAll = get.checkAll() || rebuiltLately();
        if (here != null && !checkAll) { // (a value is carried only once some lineage asked for checks)
            answer(get, here);
            readmit(here, replica);
            readmitToLineagesAskedBefore(get, here);
        } else if (!lastLineage(get)) {
            expansionCopy(replica + 1).tell(get.next(get.hops() + 1, checkAll, best));
        } else if (best != null) {
            answer(get, best);
            for (int k = 0; k < copies(); k++) {
                readmit(best, k);
            }
        } else {
            get.replyTo().tell(new EdgeCommand.NotFound(get.requestId(), get.key(), 0));
        }
    }

    @Override
    protected Behavior<ShardCommand> onDemote(ShardCommand.Demote demote) {
        long now = now();
        long expiresAt = Math.min(demote.expiresAtMillis(), now + agingTtlMillis);
        ReliefStore.WriteResult result = store.put(demote.key(),
                new ReliefStore.Item(demote.value(), demote.version(), demote.ttlMillis(), expiresAt), now);
        metrics.write(Tier.AGING, result.stored());
        metrics.evictions(Tier.AGING, result.evicted().size());
        demote.replyTo().tell(new ShardCommand.Demoted(demote.key(), demote.seq())); // stored, or older than what is here
        return this; // what the aging LRU evicts in turn is gone: it was the oldest of the old
    }

    @Override
    protected ReceiveBuilder<ShardCommand> withOwnMessages(ReceiveBuilder<ShardCommand> builder) {
        return builder.onMessage(ShardCommand.RepairLineage.class, repair -> {
            // The expansion copy of this lineage was rebuilt: take what the next lineage's aging copy holds.
            getContext().getLog().debug("relief-aging shard {} copy {}: its expansion copy was rebuilt; merging the sessions of "
                    + "aging copy {}", entityId, replica, (replica + 1) % copies());
            mergeStateOf(peer());
            return this;
        });
    }

    /** Rebuilt from the peer aging copy: this lineage also takes what the next lineage's expansion copy holds. */
    @Override
    protected void onRebuilt() {
        mergeStateOf(expansionCopy(replica + 1));
    }

    /** An entry copied here leaves after the aging TTL or its own expiry, whichever is first, as a demoted one does. */
    @Override
    protected long copiedExpiry(long expiresAt, long now) {
        return Math.min(expiresAt, now + agingTtlMillis);
    }

    @Override
    protected void afterCopy(ReliefStore.WriteResult result) {
        metrics.evictions(Tier.AGING, result.evicted().size());
    }

    @Override
    protected Behavior<ShardCommand> onDelete(ShardCommand.ShardDelete delete) {
        long now = now();
        store.delete(delete.key(), delete.version(), now + tombstoneTtlMillis, now);
        delete.replyTo().tell(new RelayCommand.OwnersDeleted(delete.deleteId(), delete.key(), delete.version(), delete.acksNeeded()));
        return this;
    }

    @Override
    protected Behavior<ShardCommand> onPut(ShardCommand.ShardPut put) {
        getContext().getLog().warn("relief-aging shard {}: unexpected write; writes go to the expansion tier", entityId);
        return this;
    }

    @Override
    protected Behavior<ShardCommand> onReadmit(ShardCommand.Readmit readmit) {
        getContext().getLog().warn("relief-aging shard {}: unexpected readmission; those go to the expansion tier", entityId);
        return this;
    }
}

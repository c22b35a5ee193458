package org.globalsessions.actors.relief;

import java.time.Duration;
import java.util.List;
import java.util.function.BiConsumer;

import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.ReceiveBuilder;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

import org.globalsessions.actors.metrics.NodeMetrics;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.HybridClock;
import org.globalsessions.runtime.protocol.RelayCommand;
import org.globalsessions.runtime.protocol.ShardCommand;
import org.globalsessions.runtime.protocol.Tier;

/**
 * A copy of a shard of the expansion tier (the seed's "replicating" pressure relief): an owner
 * of its keys' current versions. It stores writes (refusing versions older than what it holds,
 * tombstones included), serves lookups, hands what its LRU evicts to the same copy of the same
 * shard of the aging tier, passes lookups it cannot serve on to the aging tier, and carries
 * deletes there after recording their tombstone.
 *
 * <h2>Demotions are delivered, not just sent</h2>
 * An evicted entry stays here ({@link Demotions}: answered for by lookups, copied along with the
 * shard) until the aging copy confirms it ({@code Demoted}); at most {@link #WINDOW} are
 * unconfirmed at a time, and one unconfirmed after {@link #REDELIVER_AFTER} is sent again. At
 * most {@code max(1000, 4 × capacity)} wait (an aging tier that is down for long); beyond that
 * the oldest are given up, counted and logged.
 */
public final class ExpansionShard extends ReliefShard {

    private final EntityRef<ShardCommand> aging;
    private final long defaultTtlMillis;
    private final long tombstoneTtlMillis;
    /** Evicted entries the aging copy has not confirmed yet. */
    private final Demotions demotions;
    private boolean givingUp;

    /** Timer message: send unconfirmed demotions again. */
    private enum Redeliver implements ShardCommand {
        INSTANCE
    }

    /** Demotions unconfirmed at a time per copy: 24 shards × 2 copies × 32 stay below Artery's send queue (3 072). */
    static final int WINDOW = 32;
    static final Duration REDELIVER_AFTER = Duration.ofSeconds(3);
    private static final Duration REDELIVERY_CHECK = Duration.ofSeconds(1);

    private ExpansionShard(ActorContext<ShardCommand> context, TimerScheduler<ShardCommand> timers,
                       StashBuffer<ShardCommand> stash, String entityId,
                           int replica, GlobalSessionsSettings settings, NodeMetrics metrics) {
        super(context, timers, stash, entityId, replica, Tier.EXPANSION, metrics, settings.relief().expansionEntriesPerShard(),
                settings.relief().replicationFactor(), settings.relief().agingTtl(), key(replica),
                key((replica + 1) % settings.relief().replicationFactor()));
        this.aging = ClusterSharding.get(context.getSystem()).entityRefFor(AgingShard.key(replica), entityId);
        this.defaultTtlMillis = settings.relief().defaultSessionTtl().toMillis();
        this.tombstoneTtlMillis = settings.relief().tombstoneTtl().toMillis();
        this.demotions = new Demotions(WINDOW, Math.max(1_000, 4 * settings.relief().expansionEntriesPerShard()),
                REDELIVER_AFTER.toMillis());
        timers.startTimerWithFixedDelay(Redeliver.INSTANCE, REDELIVERY_CHECK);
    }

    /** The entity type of copy {@code replica}. */
    public static EntityTypeKey<ShardCommand> key(int replica) {
        return EntityTypeKey.create(ShardCommand.class, "relief-expansion-" + replica);
    }

    public static Behavior<ShardCommand> create(String entityId, int replica, GlobalSessionsSettings settings, NodeMetrics metrics) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> Behaviors.withStash(STASH,
                stash -> new ExpansionShard(context, timers, stash, entityId, replica, settings, metrics))));
    }

    @Override
    protected ReceiveBuilder<ShardCommand> withOwnMessages(ReceiveBuilder<ShardCommand> builder) {
        return builder
                .onMessage(ShardCommand.Demoted.class, this::onDemoted)
                .onMessageEquals(Redeliver.INSTANCE, this::onRedeliver);
    }

    @Override
    protected ReliefStore.Item inTransit(String key, long now) {
        return demotions.get(key, now);
    }

    @Override
    protected void forEachInTransit(BiConsumer<String, ReliefStore.Item> entries, long now) {
        demotions.forEach(entries, now);
    }

    /**
     * Every copy of the expansion tier gets every write, so a value here is the newest: answered at
     * once (and readmitted to the lineages asked before, which missed it). Else the lineage's aging
     * copy is asked, told to check a hit against the other lineages if this copy was rebuilt lately.
     */
    @Override
    protected void walk(ShardCommand.ShardGet get, EdgeCommand.Found here, EdgeCommand.Found best) {
        if (here != null) {
            answer(get, best);
            readmitToLineagesAskedBefore(get, best);
        } else {
            aging.tell(get.next(get.hops(), get.checkAll() || rebuiltLately(), best));
        }
    }

    @Override
    protected Behavior<ShardCommand> onPut(ShardCommand.ShardPut put) {
        long now = now();
        long ttl = put.ttlMillis() > 0 ? put.ttlMillis() : defaultTtlMillis;
        ReliefStore.WriteResult result = store.put(put.key(), new ReliefStore.Item(put.value(), put.version(), ttl, now + ttl), now);
        metrics.write(Tier.EXPANSION, result.stored());
        if (result.stored()) {
            demotions.remove(put.key()); // an older version on its way to aging: the aging copy may keep it or not
            put.replyTo().tell(new EdgeCommand.PutAck(put.requestId(), put.key(), put.version(), put.acksNeeded()));
            demote(result);
        } else {
            put.replyTo().tell(new EdgeCommand.PutRefused(put.requestId(), put.key(), result.newerVersion(), result.deleted()));
        }
        put.relay().tell(new RelayCommand.Stored(put.token(), put.key(), put.version(), result.stored()));
        return this;
    }

    @Override
    protected Behavior<ShardCommand> onDelete(ShardCommand.ShardDelete delete) {
        long now = now();
        store.delete(delete.key(), delete.version(), now + tombstoneTtlMillis, now);
        ReliefStore.Item inTransit = demotions.get(delete.key(), now);
        if (inTransit != null && HybridClock.deleteOutranks(delete.version(), inTransit.version())) {
            demotions.remove(delete.key()); // the aging copy gets the tombstone, which refuses the demotion if it comes late
        }
        aging.tell(delete); // the aging copy records the tombstone too, and answers the relay
        return this;
    }

    @Override
    protected Behavior<ShardCommand> onReadmit(ShardCommand.Readmit readmit) {
        demote(store.put(readmit.key(), new ReliefStore.Item(readmit.value(), readmit.version(), readmit.ttlMillis(),
                readmit.expiresAtMillis()), now()));
        return this;
    }

    @Override
    protected void afterCopy(ReliefStore.WriteResult result) {
        demote(result);
    }

    /** Rebuilt from the peer's expansion entries: the aging copy of this lineage takes the peer lineage's aging entries. */
    @Override
    protected void onRebuilt() {
        aging.tell(new ShardCommand.RepairLineage());
    }

    @Override
    protected Behavior<ShardCommand> onDemote(ShardCommand.Demote demote) {
        getContext().getLog().warn("relief-expansion shard {}: unexpected demotion of a key; demotions go to the aging tier", entityId);
        return this;
    }

    private void demote(ReliefStore.WriteResult result) {
        metrics.evictions(Tier.EXPANSION, result.evicted().size());
        int givenUp = 0;
        for (ReliefStore.Evicted evicted : result.evicted()) {
            givenUp += demotions.add(evicted.key(), evicted.item());
        }
        if (givenUp > 0) {
            metrics.demotionsGivenUp(givenUp);
            if (!givingUp) {
                givingUp = true;
                getContext().getLog().warn("relief-expansion shard {} copy {}: {} demotions wait for the aging tier's "
                        + "confirmation; giving up the oldest (sessions lost) until it answers again: is a relief-aging node up?",
                        entityId, replica, demotions.size());
            }
        }
        send(demotions.sendable(now()));
    }

    private void send(List<Demotions.Outgoing> outgoing) {
        for (Demotions.Outgoing d : outgoing) {
            ReliefStore.Item item = d.item();
            aging.tell(new ShardCommand.Demote(d.key(), item.value(), item.version(), item.ttlMillis(), item.expiresAt(), d.seq(),
                    getContext().getSelf()));
        }
    }

    /** Too many demotions wait for an aging tier that answers: writes wait until it catches up. */
    @Override
    protected boolean holdWrites() {
        return demotions.backlogged(now());
    }

    private Behavior<ShardCommand> onDemoted(ShardCommand.Demoted confirmed) {
        if (demotions.confirm(confirmed.key(), confirmed.seq(), now())) {
            send(demotions.sendable(now()));
            if (givingUp && demotions.size() == 0) {
                givingUp = false;
                getContext().getLog().info("relief-expansion shard {} copy {}: the aging tier confirms demotions again", entityId, replica);
            }
        }
        return releaseWrites();
    }

    private Behavior<ShardCommand> onRedeliver() {
        long now = now();
        List<Demotions.Outgoing> again = demotions.overdue(now);
        metrics.demotionsRedelivered(again.size());
        send(again);
        send(demotions.sendable(now));
        return releaseWrites(); // the aging tier may have gone quiet: writes no longer wait for it
    }
}

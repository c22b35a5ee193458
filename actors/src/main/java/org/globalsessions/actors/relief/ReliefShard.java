package org.globalsessions.actors.relief;

import java.time.Duration;

import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.ReceiveBuilder;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

import org.globalsessions.actors.metrics.NodeMetrics;
import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.ShardCommand;
import org.globalsessions.runtime.protocol.SiblingCommand;
import org.globalsessions.runtime.protocol.Tier;

/**
 * What the expansion and aging entities share: a {@link ReliefStore}, a periodic sweep of
 * expired entries, and answering a hit (to the requester, with a promotion to the sibling).
 * The tiers differ in what they do on a miss, with a write, and with evictions.
 */
abstract class ReliefShard extends AbstractBehavior<ShardCommand> {

    /** Timer message: drop expired entries and tombstones. */
    enum Sweep implements ShardCommand {
        INSTANCE
    }

    static final Duration SWEEP_INTERVAL = Duration.ofSeconds(10);

    protected final String entityId;
    protected final ReliefStore store;
    protected final NodeMetrics metrics;
    private final Tier tier;

    ReliefShard(ActorContext<ShardCommand> context, TimerScheduler<ShardCommand> timers, String entityId,
                Tier tier, NodeMetrics metrics, int capacity) {
        super(context);
        this.entityId = entityId;
        this.tier = tier;
        this.metrics = metrics;
        this.store = new ReliefStore(capacity, Math.max(1_000, capacity * 4));
        timers.startTimerWithFixedDelay(Sweep.INSTANCE, SWEEP_INTERVAL);
        metrics.shardStarted(tier, entityId, store::size);
    }

    static long now() {
        return System.currentTimeMillis();
    }

    @Override
    public Receive<ShardCommand> createReceive() {
        ReceiveBuilder<ShardCommand> builder = newReceiveBuilder()
                .onMessage(ShardCommand.ShardGet.class, this::onGet)
                .onMessage(ShardCommand.ShardPut.class, this::onPut)
                .onMessage(ShardCommand.ShardDelete.class, this::onDelete)
                .onMessage(ShardCommand.ShardTouch.class, t -> {
                    store.touch(t.key(), now());
                    return this;
                })
                .onMessage(ShardCommand.Demote.class, this::onDemote)
                .onMessage(ShardCommand.Readmit.class, this::onReadmit)
                .onMessageEquals(Sweep.INSTANCE, () -> {
                    metrics.expirations(tier, store.sweep(now()));
                    return this;
                })
                .onSignal(PostStop.class, stop -> {
                    metrics.shardStopped(tier, entityId);
                    return this;
                });
        return builder.build();
    }

    private Behavior<ShardCommand> onGet(ShardCommand.ShardGet get) {
        long now = now();
        ReliefStore.Item item = store.get(get.key(), now);
        if (item != null) {
            get.replyTo().tell(new EdgeCommand.Found(get.requestId(), get.key(), item.value(), item.version(),
                    item.expiresAt(), item.ttlMillis(), tier));
            get.promoteTo().tell(new SiblingCommand.Promote(get.key(), item.value(), item.version(), item.ttlMillis(),
                    item.expiresAt()));
            afterHit(get.key(), item);
            metrics.lookup(tier, "hit");
            return this;
        }
        ReliefStore.Tombstone tombstone = store.tombstone(get.key(), now);
        if (tombstone != null) {
            get.replyTo().tell(new EdgeCommand.NotFound(get.requestId(), get.key(), tombstone.version()));
            metrics.lookup(tier, "deleted");
            return this;
        }
        metrics.lookup(tier, "miss");
        onMiss(get);
        return this;
    }

    /** A hit was served. */
    protected void afterHit(String key, ReliefStore.Item item) {
    }

    /** Neither a value nor a tombstone here. */
    protected abstract void onMiss(ShardCommand.ShardGet get);

    protected abstract Behavior<ShardCommand> onPut(ShardCommand.ShardPut put);

    protected abstract Behavior<ShardCommand> onDelete(ShardCommand.ShardDelete delete);

    protected abstract Behavior<ShardCommand> onDemote(ShardCommand.Demote demote);

    protected abstract Behavior<ShardCommand> onReadmit(ShardCommand.Readmit readmit);
}

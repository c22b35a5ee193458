package org.globalsessions.actors.relief;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

import org.globalsessions.actors.metrics.NodeMetrics;
import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.ShardCommand;
import org.globalsessions.runtime.protocol.SiblingCommand;
import org.globalsessions.runtime.protocol.Tier;

/**
 * What the expansion and aging entities share: a {@link ReliefStore}, a periodic sweep of
 * expired entries, answering a hit (to the requester, with a promotion to the sibling), and
 * keeping the copies of a shard in step.
 *
 * <h2>Copies</h2>
 * Copy {@code k} of a shard is entity type {@code <tier>-k}; its peer is copy {@code k+1} (mod
 * the number of copies). Every write and delete reaches every copy. A copy that starts (a new
 * node, a node that crashed, a moved shard) starts empty and asks its peer for everything it
 * holds ({@code SyncRequest}); the answer arrives as {@code SyncChunk}s, merged by version.
 * Until the last chunk (or {@link #SYNC_TIMEOUT}), a lookup it cannot answer goes to the peer
 * once instead of down the tiers; writes are applied as they come (merging is order-free).
 *
 * <h2>Moving</h2>
 * When Cluster Sharding moves the shard (a node leaving, a rebalance), the entity gets
 * {@link HandOff}: it sends its whole state to its own entity reference, which the shard region
 * holds until the shard's new home is known and then delivers there, and stops. So a move
 * loses nothing even with a single copy.
 */
abstract class ReliefShard extends AbstractBehavior<ShardCommand> {

    /** Timer message: drop expired entries and tombstones. */
    enum Sweep implements ShardCommand {
        INSTANCE
    }

    /** The stop message Cluster Sharding sends when the shard moves (local only). */
    enum HandOff implements ShardCommand {
        INSTANCE
    }

    private enum SyncTimeout implements ShardCommand {
        INSTANCE
    }

    static final Duration SWEEP_INTERVAL = Duration.ofSeconds(10);
    static final Duration SYNC_TIMEOUT = Duration.ofSeconds(10);
    /** Entries per SyncChunk: a few hundred sessions stay well below Artery's frame size. */
    static final int CHUNK = 200;

    protected final String entityId;
    protected final int replica;
    protected final ReliefStore store;
    protected final NodeMetrics metrics;
    private final Tier tier;
    private final EntityRef<ShardCommand> peer;
    private final EntityRef<ShardCommand> nextHome;
    private final TimerScheduler<ShardCommand> timers;
    private boolean syncing;

    ReliefShard(ActorContext<ShardCommand> context, TimerScheduler<ShardCommand> timers, String entityId, int replica,
                Tier tier, NodeMetrics metrics, int capacity, int copies, EntityTypeKey<ShardCommand> ownKey,
                EntityTypeKey<ShardCommand> peerKey) {
        super(context);
        this.entityId = entityId;
        this.replica = replica;
        this.tier = tier;
        this.metrics = metrics;
        this.timers = timers;
        this.store = new ReliefStore(capacity, Math.max(1_000, capacity * 4));
        ClusterSharding sharding = ClusterSharding.get(context.getSystem());
        this.peer = copies > 1 ? sharding.entityRefFor(peerKey, entityId) : null;
        this.nextHome = sharding.entityRefFor(ownKey, entityId);
        timers.startTimerWithFixedDelay(Sweep.INSTANCE, SWEEP_INTERVAL);
        metrics.shardStarted(tier, key(replica), store::size);
        if (peer != null) {
            syncing = true;
            peer.tell(new ShardCommand.SyncRequest(context.getSelf()));
            timers.startSingleTimer(SyncTimeout.INSTANCE, SYNC_TIMEOUT);
        }
    }

    static long now() {
        return System.currentTimeMillis();
    }

    private String key(int copy) {
        return entityId + "/" + copy;
    }

    @Override
    public Receive<ShardCommand> createReceive() {
        return newReceiveBuilder()
                .onMessage(ShardCommand.ShardGet.class, this::onGet)
                .onMessage(ShardCommand.ShardPut.class, this::onPut)
                .onMessage(ShardCommand.ShardDelete.class, this::onDelete)
                .onMessage(ShardCommand.ShardTouch.class, t -> {
                    store.touch(t.key(), now());
                    return this;
                })
                .onMessage(ShardCommand.Demote.class, this::onDemote)
                .onMessage(ShardCommand.Readmit.class, this::onReadmit)
                .onMessage(ShardCommand.SyncRequest.class, this::onSyncRequest)
                .onMessage(ShardCommand.SyncChunk.class, this::onSyncChunk)
                .onMessageEquals(SyncTimeout.INSTANCE, () -> {
                    if (syncing) {
                        syncing = false;
                        getContext().getLog().info("{} shard {} copy {}: no answer from its peer copy within {} s; "
                                + "serving what it has", tier.name().toLowerCase(), entityId, replica, SYNC_TIMEOUT.toSeconds());
                    }
                    return this;
                })
                .onMessageEquals(Sweep.INSTANCE, () -> {
                    metrics.expirations(tier, store.sweep(now()));
                    return this;
                })
                .onMessageEquals(HandOff.INSTANCE, this::onHandOff)
                .onSignal(PostStop.class, stop -> {
                    metrics.shardStopped(tier, key(replica));
                    return this;
                })
                .build();
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
        if (syncing && get.hops() == 0) {
            // Still copying from the peer, which may hold it: ask there, once.
            peer.tell(new ShardCommand.ShardGet(get.key(), get.requestId(), get.replyTo(), get.promoteTo(), 1));
            return this;
        }
        metrics.lookup(tier, "miss");
        onMiss(get);
        return this;
    }

    private Behavior<ShardCommand> onSyncRequest(ShardCommand.SyncRequest request) {
        sendState(request.replyTo()::tell);
        return this;
    }

    private Behavior<ShardCommand> onSyncChunk(ShardCommand.SyncChunk chunk) {
        long now = now();
        for (ShardCommand.SyncEntry e : chunk.entries()) {
            if (e.value() == null) {
                store.delete(e.key(), e.version(), e.expiresAtMillis(), now);
            } else {
                afterCopy(store.put(e.key(), new ReliefStore.Item(e.value(), e.version(), e.ttlMillis(), e.expiresAtMillis()), now));
            }
        }
        if (chunk.last() && syncing) {
            syncing = false;
            timers.cancel(SyncTimeout.INSTANCE);
        }
        return this;
    }

    /** Sends everything this copy holds, in chunks, the last one marked. */
    private void sendState(java.util.function.Consumer<ShardCommand> to) {
        List<ShardCommand.SyncEntry> chunk = new ArrayList<>(CHUNK);
        List<List<ShardCommand.SyncEntry>> chunks = new ArrayList<>();
        store.forEach((key, item) -> {
            chunk.add(new ShardCommand.SyncEntry(key, item.value(), item.version(), item.ttlMillis(), item.expiresAt()));
            if (chunk.size() == CHUNK) {
                chunks.add(new ArrayList<>(chunk));
                chunk.clear();
            }
        }, (key, t) -> {
            chunk.add(new ShardCommand.SyncEntry(key, null, t.version(), 0, t.expiresAt()));
            if (chunk.size() == CHUNK) {
                chunks.add(new ArrayList<>(chunk));
                chunk.clear();
            }
        }, now());
        chunks.add(chunk);
        for (int i = 0; i < chunks.size(); i++) {
            to.accept(new ShardCommand.SyncChunk(chunks.get(i), i == chunks.size() - 1));
        }
    }

    private Behavior<ShardCommand> onHandOff() {
        sendState(nextHome::tell);
        getContext().getLog().debug("{} shard {} copy {}: handed {} sessions to its next home", tier, entityId, replica, store.size());
        return Behaviors.stopped();
    }

    /** A hit was served. */
    protected void afterHit(String key, ReliefStore.Item item) {
    }

    /** Entries copied from a peer pushed these out of the LRU. */
    protected abstract void afterCopy(ReliefStore.WriteResult result);

    /** Neither a value nor a tombstone here. */
    protected abstract void onMiss(ShardCommand.ShardGet get);

    protected abstract Behavior<ShardCommand> onPut(ShardCommand.ShardPut put);

    protected abstract Behavior<ShardCommand> onDelete(ShardCommand.ShardDelete delete);

    protected abstract Behavior<ShardCommand> onDemote(ShardCommand.Demote demote);

    protected abstract Behavior<ShardCommand> onReadmit(ShardCommand.Readmit readmit);
}

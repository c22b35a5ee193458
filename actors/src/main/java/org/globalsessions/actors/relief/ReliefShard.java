package org.globalsessions.actors.relief;

import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.ReceiveBuilder;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.typed.Cluster;

import org.globalsessions.actors.metrics.NodeMetrics;
import org.globalsessions.runtime.config.Role;
import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.HybridClock;
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
 * holds ({@code SyncRequest}); the answer arrives as numbered {@code SyncChunk}s, merged by
 * version. Until it has every chunk (or {@link #SYNC_TIMEOUT}), writes wait (stashed, up to
 * {@link #STASH}): a copy that does not yet know the shard's tombstones must not acknowledge a
 * write they would refuse.
 * Deletes, demotions and readmissions are applied at once (merging by version is order-free).
 * If some chunks were lost on the way (Artery drops messages when a connection's send queue is
 * full), the copy asks once more at the timeout, and serves meanwhile.
 *
 * <h2>Lineages: lookups that walk them, and repair after a rebuild</h2>
 * Expansion copy {@code k} demotes to aging copy {@code k}: together they are lineage {@code k}.
 * The lineages of a shard hold the same sessions, but not always in the same tier: a read or a
 * readmission refreshes a session in the one lineage it went through, so the copies evict in
 * different orders. When an expansion copy is re-created from its peer after a crash, it gets
 * what the peer's expansion copy holds, not what the peer lineage already demoted to its aging
 * copy (and a re-created aging copy lacks what its own expansion copy had demoted to it and the
 * peer lineage still holds in expansion); so after a crash a session can live in one lineage
 * only, or an older version of it in another lineage's aging copy. Two things follow.
 * <ul>
 * <li>A lookup walks the lineages: expansion {@code k}, aging {@code k}, then expansion
 * {@code k+1}, aging {@code k+1}, … ({@code hops} counts the lineages already asked). Every
 * expansion copy gets every write, so an expansion hit is the newest and answers at once, as
 * does a tombstone that outranks what was found so far, and an aging hit in a lineage not
 * rebuilt within the last aging TTL ({@link #rebuiltLately}); in a lineage rebuilt lately an
 * aging hit is a candidate carried on, and the last aging copy answers the newest candidate or
 * "no such session". A value found past the first copy asked is readmitted to the expansion
 * copies of the lineages that missed it (read repair).
 * <li>A rebuilt copy repairs its lineage once it has copied its peer ({@link #onRebuilt}): the
 * lineage's aging copy merges the next lineage's aging copy (after an expansion rebuild) or
 * expansion copy (after an aging rebuild), so that every session is again in every lineage and
 * the shard survives the loss of another node.
 * </ul>
 *
 * <h2>Moving</h2>
 * When Cluster Sharding moves the shard (a node leaving, a rebalance), the entity gets
 * {@link HandOff}: it sends its whole state to its own entity reference, which the shard region
 * holds until the shard's new home is known and then delivers there, and stops. So a move
 * loses nothing even with a single copy. The last node of a tier to stop sends nothing: there
 * is no new home, and the undeliverable state would hold its shutdown for 10 s.
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
    /** Writes held while a copy is still copying from its peer; beyond that they are applied at once (logged). */
    static final int STASH = 10_000;

    protected final String entityId;
    protected final int replica;
    protected final ReliefStore store;
    protected final NodeMetrics metrics;
    private final Tier tier;
    private final int copies;
    private final EntityRef<ShardCommand> peer;
    private final EntityRef<ShardCommand> nextHome;
    private final TimerScheduler<ShardCommand> timers;
    private final StashBuffer<ShardCommand> stash;
    private boolean syncing;
    /** The id of this copy's last {@code SyncRequest}, the chunks of its answer received so far, and how many there are. */
    private long syncId;
    private final BitSet chunksReceived = new BitSet();
    private int chunksExpected = -1;
    /** How long a lineage stays suspect after this copy was rebuilt from its peer (the aging TTL). */
    private final long rebuildWindowMillis;
    /**
     * Until when aging hits through this copy's lineage are checked against the other lineages; 0:
     * the copy from the peer brought no entry (the copy started with the shard, not rebuilt).
     */
    private long suspectUntil;

    ReliefShard(ActorContext<ShardCommand> context, TimerScheduler<ShardCommand> timers, StashBuffer<ShardCommand> stash,
                String entityId, int replica,
                Tier tier, NodeMetrics metrics, int capacity, int copies, Duration rebuildWindow,
                EntityTypeKey<ShardCommand> ownKey, EntityTypeKey<ShardCommand> peerKey) {
        super(context);
        this.entityId = entityId;
        this.replica = replica;
        this.tier = tier;
        this.metrics = metrics;
        this.timers = timers;
        this.stash = stash;
        this.copies = copies;
        this.rebuildWindowMillis = rebuildWindow.toMillis();
        this.store = new ReliefStore(capacity, Math.max(1_000, capacity * 4));
        ClusterSharding sharding = ClusterSharding.get(context.getSystem());
        this.peer = copies > 1 ? sharding.entityRefFor(peerKey, entityId) : null;
        this.nextHome = sharding.entityRefFor(ownKey, entityId);
        timers.startTimerWithFixedDelay(Sweep.INSTANCE, SWEEP_INTERVAL);
        metrics.shardStarted(tier, key(replica), store::size);
        if (peer != null) {
            syncing = true;
            requestSync();
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
        return withOwnMessages(newReceiveBuilder())
                .onMessage(ShardCommand.ShardGet.class, this::onGet)
                .onMessage(ShardCommand.ShardPut.class, this::onPutUnlessHeld)
                .onMessage(ShardCommand.ShardDelete.class, this::onDelete)
                .onMessage(ShardCommand.ShardTouch.class, t -> {
                    store.touch(t.key(), now());
                    return this;
                })
                .onMessage(ShardCommand.Demote.class, this::onDemote)
                .onMessage(ShardCommand.Readmit.class, this::onReadmit)
                .onMessage(ShardCommand.SyncRequest.class, this::onSyncRequest)
                .onMessage(ShardCommand.SyncChunk.class, this::onSyncChunk)
                .onMessageEquals(SyncTimeout.INSTANCE, this::onSyncTimeout)
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

    /**
     * One step of a lookup's walk through the lineages: a tombstone here that no newer value
     * found so far outranks answers "deleted"; otherwise the tier decides ({@link #walk}) with
     * what this copy holds, if anything.
     */
    private Behavior<ShardCommand> onGet(ShardCommand.ShardGet get) {
        long now = now();
        ReliefStore.Item item = store.get(get.key(), now);
        if (item == null) {
            ReliefStore.Tombstone tombstone = store.tombstone(get.key(), now);
            if (tombstone != null && (get.best() == null || HybridClock.deleteOutranks(tombstone.version(), get.best().version()))) {
                get.replyTo().tell(new EdgeCommand.NotFound(get.requestId(), get.key(), tombstone.version()));
                metrics.lookup(tier, "deleted");
                return this;
            }
            item = inTransit(get.key(), now);
        }
        metrics.lookup(tier, item != null ? "hit" : "miss");
        EdgeCommand.Found here = item == null ? null : new EdgeCommand.Found(get.requestId(), get.key(), item.value(),
                item.version(), item.expiresAt(), item.ttlMillis(), tier);
        walk(get, here, get.best() == null || (here != null && here.version() > get.best().version()) ? here : get.best());
        return this;
    }

    /**
     * Passes the lookup on, or answers it. {@code here}: what this copy holds (null: nothing);
     * {@code best}: the newer of that and what the lookup carried (null: nothing yet).
     */
    protected abstract void walk(ShardCommand.ShardGet get, EdgeCommand.Found here, EdgeCommand.Found best);

    /** Answers a lookup with {@code best} and promotes it to the relay's L2. */
    protected void answer(ShardCommand.ShardGet get, EdgeCommand.Found best) {
        get.replyTo().tell(best);
        get.promoteTo().tell(new SiblingCommand.Promote(get.key(), best.value(), best.version(), best.ttlMillis(),
                best.expiresAtMillis()));
    }

    /** Hands {@code found} back to expansion copy {@code k} as recent (merged by version there). */
    protected void readmit(EdgeCommand.Found found, int k) {
        expansionCopy(k).tell(new ShardCommand.Readmit(found.key(), found.value(), found.version(), found.ttlMillis(),
                found.expiresAtMillis()));
    }

    /** Readmits {@code found} to the expansion copies of the lineages {@code get} asked before this one, which missed it. */
    protected void readmitToLineagesAskedBefore(ShardCommand.ShardGet get, EdgeCommand.Found found) {
        for (int missed = 1; missed <= Math.min(get.hops(), copies - 1); missed++) {
            readmit(found, replica - missed);
        }
    }

    /** The number of copies of each shard (lineages). */
    protected int copies() {
        return copies;
    }

    /** Copy {@code k} (taken modulo the number of copies) of this shard in the expansion tier. */
    protected EntityRef<ShardCommand> expansionCopy(int k) {
        return ClusterSharding.get(getContext().getSystem()).entityRefFor(ExpansionShard.key(Math.floorMod(k, copies)), entityId);
    }

    /**
     * Whether this copy was rebuilt from its peer within the last aging TTL: its lineage may lack
     * sessions the peer lineage had demoted, or hold older versions of them, until those expire.
     */
    protected boolean rebuiltLately() {
        return suspectUntil != 0 && now() < suspectUntil;
    }

    /** Whether a lookup that has asked {@code hops + 1} lineages has asked them all. */
    protected boolean lastLineage(ShardCommand.ShardGet get) {
        return get.hops() + 1 >= copies;
    }

    private void requestSync() {
        syncId++;
        chunksReceived.clear();
        chunksExpected = -1;
        peer.tell(new ShardCommand.SyncRequest(getContext().getSelf(), syncId));
        timers.startSingleTimer(SyncTimeout.INSTANCE, SYNC_TIMEOUT);
    }

    private Behavior<ShardCommand> onSyncRequest(ShardCommand.SyncRequest request) {
        sendState(request.syncId(), request.replyTo()::tell);
        return this;
    }

    private Behavior<ShardCommand> onSyncChunk(ShardCommand.SyncChunk chunk) {
        long now = now();
        if (chunk.syncId() != 0 && !chunk.entries().isEmpty()) {
            // Rebuilt from the peer's entries: not from what the peer lineage had demoted already (see "Lineages").
            suspectUntil = now + rebuildWindowMillis;
        }
        for (ShardCommand.SyncEntry e : chunk.entries()) {
            if (e.value() == null) {
                store.delete(e.key(), e.version(), e.expiresAtMillis(), now);
            } else {
                afterCopy(store.put(e.key(), new ReliefStore.Item(e.value(), e.version(), e.ttlMillis(),
                        copiedExpiry(e.expiresAtMillis(), now)), now));
            }
        }
        if (chunk.syncId() != syncId || chunk.syncId() == 0) {
            return this; // a handed-off state, or the answer to an earlier request: merged, nothing to track
        }
        chunksReceived.set(chunk.index());
        chunksExpected = chunk.count();
        if (chunksReceived.cardinality() == chunksExpected) {
            timers.cancel(SyncTimeout.INSTANCE);
            chunksExpected = -1;
            syncId++; // later duplicates are merged only
            return syncing ? synced() : this;
        }
        return this;
    }

    /**
     * The peer's state did not all arrive in time. If some of it came while the copy was still
     * syncing, chunks were lost on the way: ask once more (merging again is harmless). Otherwise
     * (no answer: the peer is not up yet, or the second answer was incomplete too) give up. The
     * copy serves what it has either way.
     */
    private Behavior<ShardCommand> onSyncTimeout() {
        String received = chunksExpected < 0 ? "no answer" : chunksReceived.cardinality() + " of " + chunksExpected + " chunks";
        if (chunksExpected >= 0 && syncing) {
            getContext().getLog().warn("{} shard {} copy {}: {} of its peer copy's state within {} s; asking again, serving meanwhile",
                    tier.name().toLowerCase(), entityId, replica, received, SYNC_TIMEOUT.toSeconds());
            requestSync();
        } else {
            getContext().getLog().info("{} shard {} copy {}: {} of its peer copy's state within {} s; serving what it has",
                    tier.name().toLowerCase(), entityId, replica, received, SYNC_TIMEOUT.toSeconds());
            chunksExpected = -1;
        }
        return syncing ? synced() : this;
    }

    /** The copy knows what its peer knew: the writes that waited are applied, in order (unless {@link #holdWrites}). */
    private Behavior<ShardCommand> synced() {
        syncing = false;
        if (suspectUntil != 0) {
            onRebuilt();
        }
        return releaseWrites();
    }

    /**
     * This copy was rebuilt from its peer copy (it is done copying): what the peer's lineage had
     * already passed on to its aging copy is still missing from this lineage.
     */
    protected void onRebuilt() {
    }

    /** Asks {@code copy} for everything it holds, to be merged here as it arrives (no tracking: a repair, not a start). */
    protected void mergeStateOf(EntityRef<ShardCommand> copy) {
        copy.tell(new ShardCommand.SyncRequest(getContext().getSelf(), 0));
    }

    /** The next copy (lineage {@code k+1}) of this shard in this tier. */
    protected EntityRef<ShardCommand> peer() {
        return peer;
    }

    /** Applies the writes that waited, in order, unless the copy must still hold them. */
    protected Behavior<ShardCommand> releaseWrites() {
        return syncing || stash.isEmpty() || holdWrites() ? this : stash.unstashAll(this);
    }

    private Behavior<ShardCommand> onPutUnlessHeld(ShardCommand.ShardPut put) {
        if (!syncing && !holdWrites()) {
            return onPut(put);
        }
        if (stash.isFull()) {
            getContext().getLog().warn("{} shard {} copy {}: {} writes wait ({}); applying {} now",
                    tier.name().toLowerCase(), entityId, replica, STASH,
                    syncing ? "for the copy from its peer" : "for the aging tier to confirm demotions", put.key());
            return onPut(put);
        }
        stash.stash(put);
        return this;
    }

    /** Sends everything this copy holds (entries in transit to another tier included), in numbered chunks. */
    private void sendState(long id, Consumer<ShardCommand> to) {
        List<ShardCommand.SyncEntry> all = new ArrayList<>();
        BiConsumer<String, ReliefStore.Item> entries = (key, item) ->
                all.add(new ShardCommand.SyncEntry(key, item.value(), item.version(), item.ttlMillis(), item.expiresAt()));
        long now = now();
        store.forEach(entries, (key, t) -> all.add(new ShardCommand.SyncEntry(key, null, t.version(), 0, t.expiresAt())), now);
        forEachInTransit(entries, now);
        int count = Math.max(1, (all.size() + CHUNK - 1) / CHUNK);
        for (int i = 0; i < count; i++) {
            to.accept(new ShardCommand.SyncChunk(List.copyOf(all.subList(i * CHUNK, Math.min(all.size(), (i + 1) * CHUNK))),
                    id, i, count));
        }
    }

    private Behavior<ShardCommand> onHandOff() {
        if (anotherNodeOfTheTier()) {
            sendState(0, nextHome::tell);
            getContext().getLog().debug("{} shard {} copy {}: handed {} sessions to its next home", tier, entityId, replica,
                    store.size());
        } else {
            // The last node of the tier is stopping: the state has nowhere to go, and a message for a shard
            // with no home would hold the shard region's shutdown for its whole timeout (10 s).
            getContext().getLog().debug("{} shard {} copy {}: last node of the tier, {} sessions not handed off", tier, entityId,
                    replica, store.size());
        }
        return Behaviors.stopped();
    }

    /** Whether a node of this tier other than this one is up or joining: the only place a handed-off state can go. */
    private boolean anotherNodeOfTheTier() {
        Cluster cluster = Cluster.get(getContext().getSystem());
        String role = (tier == Tier.EXPANSION ? Role.RELIEF_EXPANSION : Role.RELIEF_AGING).id();
        for (Member member : cluster.state().getMembers()) {
            MemberStatus status = member.status();
            if (member.hasRole(role) && !member.uniqueAddress().equals(cluster.selfMember().uniqueAddress())
                    && (status == MemberStatus.up() || status == MemberStatus.joining() || status == MemberStatus.weaklyUp())) {
                return true;
            }
        }
        return false;
    }

    /** Whether writes must wait (besides while syncing); {@link #releaseWrites} applies them once it is false. */
    protected boolean holdWrites() {
        return false;
    }

    /** Adds the handlers of messages only this tier receives. */
    protected ReceiveBuilder<ShardCommand> withOwnMessages(ReceiveBuilder<ShardCommand> builder) {
        return builder;
    }

    /** An entry this copy handed to another tier and still answers for; null if none. */
    protected ReliefStore.Item inTransit(String key, long now) {
        return null;
    }

    /** Every entry {@link #inTransit} would answer, for copying the shard. */
    protected void forEachInTransit(BiConsumer<String, ReliefStore.Item> entries, long now) {
    }

    /** When an entry copied here at {@code now} that expires at {@code expiresAt} expires in this tier. */
    protected long copiedExpiry(long expiresAt, long now) {
        return expiresAt;
    }

    /** Entries copied from a peer pushed these out of the LRU. */
    protected abstract void afterCopy(ReliefStore.WriteResult result);

    protected abstract Behavior<ShardCommand> onPut(ShardCommand.ShardPut put);

    protected abstract Behavior<ShardCommand> onDelete(ShardCommand.ShardDelete delete);

    protected abstract Behavior<ShardCommand> onDemote(ShardCommand.Demote demote);

    protected abstract Behavior<ShardCommand> onReadmit(ShardCommand.Readmit readmit);
}

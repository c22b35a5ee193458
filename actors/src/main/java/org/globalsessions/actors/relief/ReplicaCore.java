package org.globalsessions.actors.relief;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.typed.Cluster;

import org.globalsessions.actors.metrics.NodeMetrics;
import org.globalsessions.actors.sibling.SiblingActor;
import org.globalsessions.runtime.config.Role;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.RelayCommand;
import org.globalsessions.runtime.protocol.Tier;

/**
 * What every replica of a relief shard has, whatever its tier, and does the same way: its place
 * (shard, tier, replica k of n), its {@link ReliefStore}, and the acts both kinds share: a
 * lookup step ({@link LineageWalk}) applied, the state sent to another replica or merged from
 * one, the sweep of expired entries, the hand-off when the shard moves. The entity classes
 * ({@link ExpansionReplica}, {@link AgingReplica}) hold one and add what their tier does.
 *
 * <p>Not thread-safe: owned by one replica's actor.
 */
final class ReplicaCore {

    /** Entries a replica handed to another tier and still answers for (the expansion tier's demotions). */
    interface InTransit {
        InTransit NONE = new InTransit() {
            @Override
            public ReliefStore.Item get(String key, long now) {
                return null;
            }

            @Override
            public void forEach(BiConsumer<String, ReliefStore.Item> action, long now) {
            }
        };

        /** The entry in transit for {@code key}, if any and not expired. */
        ReliefStore.Item get(String key, long now);

        void forEach(BiConsumer<String, ReliefStore.Item> action, long now);
    }

    static final Duration SWEEP_INTERVAL = Duration.ofSeconds(10);

    final String entityId;
    final int replica;
    final int replicas;
    final Tier tier;
    final ReliefStore store;
    /** The principal index records of this shard (used by the expansion tier only; empty in aging). */
    final PrincipalIndex index = new PrincipalIndex(org.globalsessions.runtime.protocol.Principals.MAX_SESSIONS);
    final NodeMetrics metrics;
    private final ActorContext<?> context;
    private final ClusterSharding sharding;
    private final InTransit inTransit;
    /** An entry that arrives here lives at most this long (0: until its own expiry). */
    private final long maxLifetimeMillis;
    private final long tombstoneTtlMillis;
    /** Whether the 80 %-of-the-cap warning was logged (again once the tombstones fell below 70 %). */
    private boolean tombstonesWarned;
    /** How long a lineage stays suspect after this replica was rebuilt from its next replica (the aging TTL). */
    private final long rebuildWindowMillis;
    /**
     * Until when aging hits through this replica's lineage are checked against the other lineages;
     * 0: the copy from the next replica brought no entry (the replica started with the shard).
     */
    private long suspectUntil;

    /**
     * @param maxLifetimeMillis how long an entry that arrives (copied, demoted) lives here at most; 0: no limit
     * @param rebuildWindow     how long the lineage is suspect after this replica was rebuilt
     */
    ReplicaCore(ActorContext<?> context, String entityId, int replica, int replicas, Tier tier, int capacity,
                long maxLifetimeMillis, Duration rebuildWindow, GlobalSessionsSettings.Relief settings, NodeMetrics metrics,
                InTransit inTransit) {
        this.context = context;
        this.entityId = entityId;
        this.replica = replica;
        this.replicas = replicas;
        this.tier = tier;
        this.metrics = metrics;
        this.inTransit = inTransit;
        this.maxLifetimeMillis = maxLifetimeMillis;
        this.rebuildWindowMillis = rebuildWindow.toMillis();
        this.tombstoneTtlMillis = settings.tombstoneTtl().toMillis();
        this.store = new ReliefStore(capacity, tier == Tier.EXPANSION ? settings.expansionBytesPerShard() : settings.agingBytesPerShard(),
                settings.tombstonesPerShard());
        this.sharding = ClusterSharding.get(context.getSystem());
        if (replica == 0) { // one replica of each shard and tier reports the sessions that end (ExpiryReports)
            store.keepEnded(tier == Tier.AGING);
        }
        metrics.shardStarted(tier, entityId + "/" + replica, store::size, store::tombstones, store::bytes);
    }

    static long now() {
        return System.currentTimeMillis();
    }

    /** This replica as logs name it: {@code expansion shard 3 replica 1}. */
    String who() {
        return tier.id() + " shard " + entityId + " replica " + replica;
    }

    /** Replica {@code k} (taken modulo n) of this shard in the expansion tier. */
    EntityRef<ExpansionReplica.Command> expansion(int k) {
        return sharding.entityRefFor(ExpansionReplica.typeKey(Math.floorMod(k, replicas)), entityId);
    }

    /** Replica {@code k} (taken modulo n) of this shard in the aging tier. */
    EntityRef<AgingReplica.Command> aging(int k) {
        return sharding.entityRefFor(AgingReplica.typeKey(Math.floorMod(k, replicas)), entityId);
    }

    /** One step of a lookup's walk here: decided by {@link LineageWalk#step}, applied. */
    <T> Behavior<T> lookUp(Lineage.Get get) {
        long now = now();
        LineageWalk.Held held = held(get, now);
        LineageWalk.Step step = LineageWalk.step(get.walk(), held, tier, rebuiltLately(now), replicas, replica);
        boolean deleted = step instanceof LineageWalk.NotFound notFound && notFound.tombstoneVersion() != 0;
        metrics.lookup(tier, deleted ? "deleted" : held.value() != null ? "hit" : "miss");
        if (step instanceof LineageWalk.Answer answer) {
            EdgeCommand.Found found = answer.found();
            get.replyTo().tell(found);
            if (!get.probe()) {
                get.promoteTo().tell(new SiblingActor.Promote(found.key(), found.value(), found.version(), found.ttlMillis(),
                        found.expiresAtMillis()));
                ExpansionReplica.Readmit readmit = new ExpansionReplica.Readmit(found.key(), found.value(), found.version(),
                        found.ttlMillis(), found.expiresAtMillis());
                answer.readmitTo().forEach(k -> expansion(k).tell(readmit));
            }
        } else if (step instanceof LineageWalk.NotFound notFound) {
            get.replyTo().tell(new EdgeCommand.NotFound(get.requestId(), get.key(), notFound.tombstoneVersion()));
        } else if (step instanceof LineageWalk.PassOn pass && pass.tier() == Tier.EXPANSION) {
            expansion(pass.replica()).tell(get.next(pass.walk()));
        } else if (step instanceof LineageWalk.PassOn pass) {
            aging(pass.replica()).tell(get.next(pass.walk()));
        }
        return Behaviors.same();
    }

    /** What this replica holds for the key of {@code get}: a stored value, else its tombstone and what is in transit. */
    private LineageWalk.Held held(Lineage.Get get, long now) {
        ReliefStore.Item item = store.get(get.key(), now);
        if (item != null) {
            return new LineageWalk.Held(found(get, item), 0);
        }
        ReliefStore.Tombstone tombstone = store.tombstone(get.key(), now);
        ReliefStore.Item leaving = inTransit.get(get.key(), now);
        return new LineageWalk.Held(leaving == null ? null : found(get, leaving), tombstone == null ? 0 : tombstone.version());
    }

    private EdgeCommand.Found found(Lineage.Get get, ReliefStore.Item item) {
        return new EdgeCommand.Found(get.requestId(), get.key(), item.value(), item.version(), item.expiresAt(), item.ttlMillis(),
                tier);
    }

    /**
     * Whether this replica was rebuilt from its next replica within the last aging TTL: its lineage
     * may lack sessions the next lineage had demoted, or hold older versions of them, until those expire.
     */
    private boolean rebuiltLately(long now) {
        return suspectUntil != 0 && now < suspectUntil;
    }

    /** Whether the copy from the next replica brought any entry: the lineage must be repaired. */
    boolean rebuilt() {
        return suspectUntil != 0;
    }

    /** When an entry that arrives here at {@code now} and expires at {@code expiresAt} expires here. */
    long arrivalExpiry(long expiresAt, long now) {
        return maxLifetimeMillis == 0 ? expiresAt : Math.min(expiresAt, now + maxLifetimeMillis);
    }

    /**
     * Records the tombstone of {@code delete}; at the tombstone cap refuses it instead (no tombstone
     * is ever dropped to make room), telling the relay why, and returns false.
     */
    boolean tombstone(Lineage.Delete delete) {
        long now = now();
        if (!store.hasRoomForTombstone(delete.key(), now)) {
            metrics.deleteRefused(tier);
            String reason = who() + " holds relief.tombstones-per-shard = " + store.maxTombstones() + " tombstones; the delete "
                    + "is refused rather than drop one: raise relief.tombstones-per-shard (delete rate x tombstone-ttl / shards)";
            context.getLog().warn("{}", reason);
            delete.replyTo().tell(new RelayCommand.DeleteRefused(delete.deleteId(), reason));
            return false;
        }
        store.delete(delete.key(), delete.version(), now + tombstoneTtlMillis, now);
        int count = store.tombstones();
        if (!tombstonesWarned && count >= store.maxTombstones() * 0.8) {
            tombstonesWarned = true;
            context.getLog().warn("{}: {} tombstones, 80 % of relief.tombstones-per-shard = {}; at the cap deletes are refused: "
                    + "raise it (delete rate x tombstone-ttl / shards)", who(), count, store.maxTombstones());
        } else if (tombstonesWarned && count < store.maxTombstones() * 0.7) {
            tombstonesWarned = false;
        }
        return true;
    }

    /** Slides the expiry of {@code key}'s entry by its TTL, at most as far as an entry that arrived now would live here. */
    <T> Behavior<T> touch(String key) {
        store.touch(key, now(), maxLifetimeMillis);
        return Behaviors.same();
    }

    /** Merges {@code chunk} by version; returns the live entries the LRU pushed out to make room. */
    List<ReliefStore.Evicted> merge(ReplicaSync.SyncChunk chunk) {
        long now = now();
        if (chunk.syncId() != 0 && !chunk.entries().isEmpty()) {
            // Rebuilt from the next replica's entries, not from what its lineage had demoted already.
            suspectUntil = now + rebuildWindowMillis;
        }
        List<ReliefStore.Evicted> evicted = new ArrayList<>();
        for (ReplicaSync.SyncEntry e : chunk.entries()) {
            String[] indexed = PrincipalIndex.ofSyncKey(e.key());
            if (indexed != null) {
                index.merge(indexed[0], indexed[1], new PrincipalIndex.Entry(e.version(), e.expiresAtMillis()), now);
            } else if (e.value() == null) {
                store.delete(e.key(), e.version(), e.expiresAtMillis(), now);
            } else {
                evicted.addAll(store.put(e.key(), new ReliefStore.Item(e.value(), e.version(), e.ttlMillis(),
                        arrivalExpiry(e.expiresAtMillis(), now)), now).evicted());
            }
        }
        return evicted;
    }

    /** Asks {@code other} for everything it holds, to be merged here as it arrives (untracked: a repair, not a start). */
    void mergeStateOf(RecipientRef<? super ReplicaSync.SyncRequest> other, ActorRef<ReplicaSync.SyncChunk> self) {
        other.tell(new ReplicaSync.SyncRequest(self, 0));
    }

    /** Answers {@code request} with everything this replica holds. */
    <T> Behavior<T> sendState(ReplicaSync.SyncRequest request) {
        sendState(request.syncId(), request.replyTo()::tell);
        return Behaviors.same();
    }

    /** Sends everything this replica holds (entries in transit to another tier included) to {@code to}, in numbered chunks. */
    private void sendState(long syncId, java.util.function.Consumer<ReplicaSync.SyncChunk> to) {
        List<ReplicaSync.SyncEntry> all = new ArrayList<>();
        BiConsumer<String, ReliefStore.Item> entries = (key, item) ->
                all.add(new ReplicaSync.SyncEntry(key, item.value(), item.version(), item.ttlMillis(), item.expiresAt()));
        long now = now();
        store.forEach(entries, (key, t) -> all.add(new ReplicaSync.SyncEntry(key, null, t.version(), 0, t.expiresAt())), now);
        inTransit.forEach(entries, now);
        // An index entry travels as a "tombstone" under a key no session has, its login time as the version.
        index.forEach((principal, id, e) -> all.add(new ReplicaSync.SyncEntry(PrincipalIndex.syncKey(principal, id), null,
                e.sinceMillis(), 0, e.expiresAtMillis())), now);
        ReplicaCopy.send(all, syncId, to);
    }

    /**
     * Drops expired entries and tombstones (a timer's message), and hands the sessions that ended
     * here since the last sweep to the node's {@link ExpiryReports}.
     */
    <T> Behavior<T> sweep() {
        long now = now();
        metrics.expirations(tier, store.sweep(now));
        index.sweep(now);
        List<ReliefStore.Evicted> ended = store.drainEnded();
        if (!ended.isEmpty()) {
            try {
                ExpiryReports.get(context.getSystem()).candidates(entityId, ended);
            } catch (RuntimeException e) { // the node is stopping: no more actors start; the events are lost, the sessions end
                context.getLog().debug("{}: {} expiry events not told: {}", who(), ended.size(), e.toString());
            }
        }
        return Behaviors.same();
    }

    /** The replica's actor stopped. */
    <T> Behavior<T> stopped(PostStop signal) {
        metrics.shardStopped(tier, entityId + "/" + replica);
        return Behaviors.same();
    }

    /**
     * The shard moves: hands the whole state to {@code nextHome} (this replica's own entity
     * reference, which the shard region holds until the shard's new home is known) and stops.
     * The last node of the tier sends nothing: there is no new home, and a message for a shard
     * with no home would hold the shard region's shutdown for its whole timeout (10 s).
     */
    /**
     * Hands this replica's state to its next home, replica {@code type} of the same shard, and
     * stops. The chunks go to that type's shard region on another node of the tier, which finds
     * the shard's new home and buffers until it has one: this node's own region is being shut
     * down with the shard (a graceful leave), and the messages it held for the shard's next home
     * were lost when it stopped first.
     */
    <T> Behavior<T> handOff(EntityTypeKey<?> type) {
        Member other = anotherNodeOfTheTier();
        if (other != null) {
            ActorRef<Object> region = ActorRefResolver.get(context.getSystem())
                    .resolveActorRef(other.address() + "/system/sharding/" + type.name());
            sendState(0, chunk -> region.tell(new ShardingEnvelope<>(entityId, chunk)));
            context.getLog().debug("{}: handed {} sessions to its next home, through {}", who(), store.size(), other.address());
        } else {
            context.getLog().debug("{}: last node of the tier, {} sessions not handed off", who(), store.size());
        }
        return Behaviors.stopped();
    }

    /** A node of this tier other than this one that is up (or else joining): the only place a handed-off state can go. */
    private Member anotherNodeOfTheTier() {
        Cluster cluster = Cluster.get(context.getSystem());
        String role = (tier == Tier.EXPANSION ? Role.RELIEF_EXPANSION : Role.RELIEF_AGING).id();
        Member joining = null;
        for (Member member : cluster.state().getMembers()) {
            MemberStatus status = member.status();
            if (!member.hasRole(role) || member.uniqueAddress().equals(cluster.selfMember().uniqueAddress())) {
                continue;
            }
            if (status == MemberStatus.up()) {
                return member;
            }
            if (status == MemberStatus.joining() || status == MemberStatus.weaklyUp()) {
                joining = member;
            }
        }
        return joining;
    }
}

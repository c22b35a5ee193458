package org.globalsessions.actors.sibling;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

import org.globalsessions.actors.node.NodeHealth;
import org.globalsessions.actors.relief.AgingReplica;
import org.globalsessions.actors.relief.ExpansionReplica;
import org.globalsessions.actors.relief.Lineage;
import org.globalsessions.actors.relief.ReliefTiers;
import org.globalsessions.actors.relief.ReplicaPlacement;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.Role;
import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.Principals;
import org.globalsessions.runtime.protocol.RelayCommand;
import org.globalsessions.runtime.protocol.ReplicaAcks;
import org.globalsessions.runtime.protocol.Wire;
import org.globalsessions.shm.ShmLru;
import org.globalsessions.shm.ShmLruException;

/**
 * The sibling: it owns the sharding
 * proxies to the relief tiers and moves pressure downstream for its relay. It attaches to the
 * relay host's L2 table (never creates it) to write the values the relief tiers promote.
 *
 * <p>By default it runs in the relay's JVM and shares its table handle; started alone (role
 * {@code sibling}) on the relay host, it is the same actor, attaching to the table by path and
 * retrying every second until the relay has created it. The relay finds it through the
 * receptionist, under a key naming the host and the table ({@link #key}).
 *
 * <p>If no node with a relief role is up, a request fails at once with a message saying so,
 * rather than waiting for the edge's timeout. While the failure detector holds an expansion node
 * unreachable (from ~4 s after it stops answering until it is downed, ~12 s; docs/operations.md),
 * and for {@link #TAKEOVER} after it is downed and removed (until its replicas run on the other
 * nodes), a lookup asks the first replica of the key's shard whose node is reachable, and a write
 * to a shard with a replica on that node fails at once, stored nowhere: it could not get every
 * replica's acknowledgement ({@link ReliefTiers#reachableExpansionReplica},
 * {@link ReliefTiers#unreachableReplicas}). A delete fails at once the same way while a replica
 * of either tier is unreachable or downed lately.
 */
public final class SiblingActor extends AbstractBehavior<SiblingActor.Command> {

    /** What the sibling accepts. */
    public sealed interface Command permits Get, Touch, StoreAtOwner, DeleteAtOwners, IndexAtOwners, IndexRemoveAtOwners,
            IndexListAtOwner, Promote, AttachL2, Removed {
    }

    /**
     * A lookup L2 could not answer, passed on by the relay; the answer goes to {@code replyTo}.
     * {@code attempt} counts the edge's retries: each asks another expansion replica first.
     */
    public record Get(String key, long requestId, ActorRef<EdgeCommand> replyTo, int attempt) implements Command, Wire {
    }

    /** Slide a session's expiry at every replica of both relief tiers (wherever it is held); no answer. */
    public record Touch(String key) implements Command, Wire {
    }

    /**
     * Carry a write to the expansion replicas in {@code toReplicas} (bit k: replica k; {@link #EVERY_REPLICA}
     * on the first send, the ones that have not reported it when the relay sends it again), down
     * their chain: the last reports back to {@code relay} with {@link RelayCommand.Stored}.
     */
    public record StoreAtOwner(RelayCommand.Put put, ActorRef<RelayCommand> relay, long token, long toReplicas)
            implements Command, Wire {
    }

    /**
     * Tombstone {@code key} at the expansion replicas in {@code toReplicas} (as {@link StoreAtOwner}; each
     * passes it to its aging replica) and tell {@code replyTo} ({@code OwnersDeleted}) when they have it.
     */
    public record DeleteAtOwners(String key, long version, long deleteId, ActorRef<RelayCommand> replyTo, long toReplicas)
            implements Command, Wire {
    }

    /** {@code toReplicas} of a first send: every replica. */
    public static final long EVERY_REPLICA = -1L;

    /** Carry a principal index add to the expansion replicas of the principal's shard; they answer the edge. */
    public record IndexAtOwners(RelayCommand.IndexAdd add) implements Command, Wire {
    }

    /** Carry a principal index remove to the expansion replicas of the principal's shard; they answer the edge. */
    public record IndexRemoveAtOwners(RelayCommand.IndexRemove remove) implements Command, Wire {
    }

    /** Ask one expansion replica of the principal's shard for its index record; it answers the edge. */
    public record IndexListAtOwner(RelayCommand.IndexList list) implements Command, Wire {
    }

    /** A value a relief tier served; written into L2 unless L2 holds a newer version or a tombstone. */
    public record Promote(String key, byte[] value, long version, long ttlMillis, long expiresAtMillis) implements Command, Wire {
    }

    /** Timer message: try to attach to the relay's L2 table again. */
    private enum AttachL2 implements Command {
        INSTANCE
    }

    /** Cluster event: a member left the membership (downed, or after a graceful leave). Local, so not a record. */
    private static final class Removed implements Command {
        final ClusterEvent.MemberRemoved event;

        Removed(ClusterEvent.MemberRemoved event) {
            this.event = event;
        }
    }

    private static final Duration ATTACH_RETRY = Duration.ofSeconds(1);
    /**
     * How long after a downed expansion node is removed its replicas are still routed around:
     * sharding starts them on the other nodes after down-removal-margin (2 s, PekkoConfig), a
     * coordinator that lived there moves first (its regions register again every 2 s), and a
     * started replica copies its next replica. Until then a message for them waits in the shard
     * region, longer than an edge waits.
     */
    static final Duration TAKEOVER = Duration.ofSeconds(6);

    private final GlobalSessionsSettings settings;
    private final ReliefTiers tiers;
    private final Path tablePath;
    private final boolean ownsTable;
    private final Cluster cluster;
    private final TimerScheduler<Command> timers;
    private ShmLru l2;
    /**
     * Relief nodes removed after being downed, per relief role, by address, with when
     * ({@link System#nanoTime}); kept for {@link #TAKEOVER}.
     */
    private final Map<Role, Map<String, Long>> downedNodes = Map.of(Role.RELIEF_EXPANSION, new HashMap<>(),
            Role.RELIEF_AGING, new HashMap<>());

    private SiblingActor(ActorContext<Command> context, TimerScheduler<Command> timers,
                         GlobalSessionsSettings settings, ReliefTiers tiers, ShmLru sharedL2, Path tablePath) {
        super(context);
        this.settings = settings;
        this.tiers = tiers;
        this.tablePath = tablePath;
        this.cluster = Cluster.get(context.getSystem());
        this.timers = timers;
        this.l2 = sharedL2;
        this.ownsTable = sharedL2 == null;
        if (l2 == null && !attach()) {
            timers.startTimerWithFixedDelay(AttachL2.INSTANCE, ATTACH_RETRY);
        } else {
            NodeHealth.get(context.getSystem()).siblingAttached();
        }
        context.getSystem().receptionist().tell(Receptionist.register(key(settings.hostname(), tablePath), context.getSelf()));
        cluster.subscriptions().tell(Subscribe.create(context.messageAdapter(ClusterEvent.MemberRemoved.class, Removed::new),
                ClusterEvent.MemberRemoved.class));
    }

    /**
     * The receptionist key of the sibling serving the relay table {@code table} on {@code host}:
     * a relay looks up its own, so two relays on one host never borrow each other's sibling.
     */
    public static ServiceKey<Command> key(String host, Path table) {
        return ServiceKey.create(Command.class, "global-sessions-sibling " + host + " " + table.toAbsolutePath().normalize());
    }

    /**
     * @param sharedL2  the relay's table when the relay runs in this JVM, else null
     * @param tablePath the table to attach to when {@code sharedL2} is null
     */
    public static Behavior<Command> create(GlobalSessionsSettings settings, ReliefTiers tiers, ShmLru sharedL2,
                                                  Path tablePath) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers ->
                new SiblingActor(context, timers, settings, tiers, sharedL2, tablePath)));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Get.class, this::onGet)
                .onMessage(StoreAtOwner.class, this::onStore)
                .onMessage(DeleteAtOwners.class, this::onDelete)
                .onMessage(Touch.class, touch -> {
                    // Every tier that may hold the session: a demoted session in use must not expire in aging.
                    tiers.expansionReplicas(touch.key()).forEach(replica -> replica.tell(new ExpansionReplica.Touch(touch.key())));
                    tiers.agingReplicas(touch.key()).forEach(replica -> replica.tell(new AgingReplica.Touch(touch.key())));
                    return this;
                })
                .onMessage(IndexAtOwners.class, m -> onIndex(m.add().principal(), m.add().requestId(), m.add().replyTo(),
                        n -> new ExpansionReplica.IndexAdd(m.add(), n)))
                .onMessage(IndexRemoveAtOwners.class, m -> onIndex(m.remove().principal(), m.remove().requestId(),
                        m.remove().replyTo(), n -> new ExpansionReplica.IndexRemove(m.remove(), n)))
                .onMessage(IndexListAtOwner.class, this::onIndexList)
                .onMessage(Promote.class, this::onPromote)
                .onMessage(Removed.class, removed -> {
                    Member member = removed.event.member();
                    if (removed.event.previousStatus() == MemberStatus.down()) {
                        downedNodes.forEach((role, downed) -> {
                            if (member.hasRole(role.id())) {
                                downed.put(member.address().toString(), System.nanoTime());
                            }
                        });
                    }
                    return this;
                })
                .onMessageEquals(AttachL2.INSTANCE, () -> {
                    if (l2 == null && attach()) {
                        timers.cancel(AttachL2.INSTANCE);
                    }
                    return this;
                })
                .onSignal(PostStop.class, stop -> {
                    if (ownsTable && l2 != null) {
                        l2.close();
                    }
                    return this;
                })
                .build();
    }

    private Behavior<Command> onGet(Get get) {
        if (!up(Role.RELIEF_EXPANSION)) {
            get.replyTo().tell(noRelief(get.requestId(), get.key(), Role.RELIEF_EXPANSION));
        } else {
            // One replica answers; a retry (the edge's next attempt) asks the next replica. While a
            // node of the tier is unreachable (not yet downed), the first replica on a reachable node.
            ReliefTiers.Membership tier = tier(Role.RELIEF_EXPANSION);
            tiers.reachableExpansionReplica(get.key(), get.attempt(), tier)
                    .tell(new Lineage.Get(get.key(), get.requestId(), get.replyTo(), getContext().getSelf().narrow()));
        }
        return this;
    }

    private Behavior<Command> onStore(StoreAtOwner store) {
        RelayCommand.Put put = store.put();
        List<String> unreachable = tiers.unreachableReplicas(put.key(), tier(Role.RELIEF_EXPANSION));
        if (!up(Role.RELIEF_EXPANSION)) {
            refuse(store, noRelief(put.requestId(), put.key(), Role.RELIEF_EXPANSION));
        } else if (!unreachable.isEmpty()) {
            // Refused at once, stored nowhere: the write cannot get every replica's acknowledgement
            // until that node answers again or is downed and its replicas start on the other nodes.
            refuse(store, new EdgeCommand.Failed(put.requestId(), put.key(), "sibling of relay " + settings.address()
                    + ": the session's shard has " + String.join(", ", unreachable) + ", which the cluster cannot reach; "
                    + "writes to that shard fail until the node answers again or is downed (failure detector, then "
                    + "pekko.cluster.split-brain-resolver.stable-after) and its replicas start on the other nodes; retry"));
        } else {
            // One message per relief node: to the lowest replica addressed there (a write sent again:
            // those that have not reported it stored), which stores it and passes it down the chain of
            // the others there; the last of each chain reports Stored. With fewer nodes than replicas,
            // replicas share nodes and a chain saves the relay a message each way per replica. A
            // conditional write goes down one chain from replica 0, which decides; addressed without
            // replica 0, it was decided there, and the others store it as a plain write.
            long left = store.toReplicas() & ReplicaAcks.all(tiers.replicas());
            boolean decides = put.ifVersion() != RelayCommand.Put.ANY && (left & 1) != 0;
            int nodes = nodesUp(Role.RELIEF_EXPANSION);
            while (left != 0) {
                int first = Long.numberOfTrailingZeros(left);
                long chain = decides ? left : left & ReplicaPlacement.sharingNode(first, tiers.replicas(), nodes);
                tiers.expansionReplica(put.key(), first).tell(new ExpansionReplica.Put(put.key(), put.value(), put.version(),
                        put.ttlMillis(), put.requestId(), put.replyTo(), store.relay(), store.token(), tiers.replicas(),
                        decides ? put.ifVersion() : RelayCommand.Put.ANY, chain & ~(1L << first), 0));
                left &= ~chain;
            }
        }
        return this;
    }

    /**
     * Tells the writer why its write failed, and the relay that it was refused (stored by no
     * replica), so the relay does not send it again: it must not be stored after the writer was told it failed.
     */
    private static void refuse(StoreAtOwner store, EdgeCommand.Failed failed) {
        RelayCommand.Put put = store.put();
        put.replyTo().tell(failed);
        store.relay().tell(new RelayCommand.Stored(store.token(), put.key(), put.version(), false, 0, 0));
    }

    /** Whether bit {@code k} of {@code toReplicas} is set. */
    public static boolean addressed(long toReplicas, int k) {
        return k < Long.SIZE && (toReplicas & (1L << k)) != 0;
    }

    /**
     * Sends the tombstone to every expansion replica (each passes it to its aging replica). A delete
     * needs every one of them to record it, so while one sits on a node the cluster cannot reach,
     * or no expansion node is up, it fails at once, naming which, instead of at the relay's
     * timeout; the replicas that answer still record it.
     */
    private Behavior<Command> onDelete(DeleteAtOwners delete) {
        Lineage.Delete toReplicas = new Lineage.Delete(delete.key(), delete.version(),
                delete.deleteId(), delete.replyTo(), tiers.replicas());
        List<EntityRef<ExpansionReplica.Command>> replicas = tiers.expansionReplicas(delete.key());
        for (int k = 0; k < replicas.size(); k++) {
            if (addressed(delete.toReplicas(), k)) {
                replicas.get(k).tell(toReplicas);
            }
        }
        List<String> unreachable = new ArrayList<>();
        tiers.unreachableReplicas(delete.key(), tier(Role.RELIEF_EXPANSION)).forEach(r -> unreachable.add("expansion " + r));
        tiers.unreachableReplicas(delete.key(), tier(Role.RELIEF_AGING)).forEach(r -> unreachable.add("aging " + r));
        if (!up(Role.RELIEF_EXPANSION)) {
            delete.replyTo().tell(new RelayCommand.DeleteRefused(delete.deleteId(), noRelief(Role.RELIEF_EXPANSION)));
        } else if (!unreachable.isEmpty()) {
            delete.replyTo().tell(new RelayCommand.DeleteRefused(delete.deleteId(), "the session's shard has "
                    + String.join(", ", unreachable) + ", which the cluster cannot reach; deletes to that shard fail until the "
                    + "node answers again or is downed and its replicas start on the other nodes; retry"));
        }
        return this;
    }

    /**
     * Sends an index add or remove ({@code message}, given the number of replicas) to every
     * expansion replica of the principal's shard; like a write, it fails at once while one of them
     * is out of reach (it could not get every replica's acknowledgement).
     */
    private Behavior<Command> onIndex(String principal, long requestId, ActorRef<EdgeCommand> replyTo,
                                      java.util.function.IntFunction<ExpansionReplica.Command> message) {
        String key = Principals.indexKey(principal);
        List<String> unreachable = tiers.unreachableReplicas(key, tier(Role.RELIEF_EXPANSION));
        if (!up(Role.RELIEF_EXPANSION)) {
            replyTo.tell(noRelief(requestId, key, Role.RELIEF_EXPANSION));
        } else if (!unreachable.isEmpty()) {
            replyTo.tell(new EdgeCommand.Failed(requestId, key, "sibling of relay " + settings.address()
                    + ": the principal's index shard has " + String.join(", ", unreachable) + ", which the cluster cannot "
                    + "reach; index changes to that shard fail until the node answers again or is downed; retry"));
        } else {
            ExpansionReplica.Command toReplicas = message.apply(tiers.replicas());
            tiers.expansionReplicas(key).forEach(replica -> replica.tell(toReplicas));
        }
        return this;
    }

    private Behavior<Command> onIndexList(IndexListAtOwner list) {
        String key = Principals.indexKey(list.list().principal());
        if (!up(Role.RELIEF_EXPANSION)) {
            list.list().replyTo().tell(noRelief(list.list().requestId(), key, Role.RELIEF_EXPANSION));
        } else {
            tiers.reachableExpansionReplica(key, 0, tier(Role.RELIEF_EXPANSION)).tell(new ExpansionReplica.IndexList(list.list(), 0));
        }
        return this;
    }

    private Behavior<Command> onPromote(Promote promote) {
        if (l2 != null) {
            try {
                l2.putIfNewer(promote.key().getBytes(StandardCharsets.UTF_8), promote.value(), promote.version(),
                        Duration.ofMillis(promote.ttlMillis()), promote.expiresAtMillis());
            } catch (IllegalArgumentException e) {
                getContext().getLog().debug("sibling: a session not promoted into L2: {}", e.getMessage());
            }
        }
        return this;
    }

    private boolean attach() {
        try {
            // Without waiting for a relay that is still creating it: this runs on the thread the node's
            // actors and remoting share (dispatcher-threads), and the timer tries again.
            l2 = ShmLru.attach(tablePath, settings.relay().table().options().withInitTimeout(Duration.ZERO));
            NodeHealth.get(getContext().getSystem()).siblingAttached();
            getContext().getLog().info("sibling: attached to the relay's L2 table {}", tablePath);
            return true;
        } catch (ShmLruException e) {
            getContext().getLog().warn("sibling: cannot attach to the relay's L2 table yet ({}); retrying every {} s",
                    e.getMessage(), ATTACH_RETRY.toSeconds());
            return false;
        }
    }

    /**
     * The membership of relief tier {@code role} as {@link ReliefTiers} routes by it: a node downed
     * and removed within {@link #TAKEOVER} counts as a member that is unreachable, so its replicas
     * are routed around until they run elsewhere. Nothing is computed while every member is
     * reachable and none was downed lately.
     */
    private ReliefTiers.Membership tier(Role role) {
        var state = cluster.state();
        Map<String, Long> downed = downedNodes.get(role);
        if (!downed.isEmpty()) {
            long now = System.nanoTime();
            downed.values().removeIf(removedAt -> now - removedAt > TAKEOVER.toNanos());
        }
        if (state.getUnreachable().isEmpty() && downed.isEmpty()) {
            return ReliefTiers.Membership.ALL_REACHABLE;
        }
        Set<String> unreachable = new HashSet<>(downed.keySet());
        List<String> nodes = new ArrayList<>(unreachable);
        for (Member member : state.getMembers()) {
            if (member.hasRole(role.id()) && !unreachable.contains(member.address().toString())) {
                nodes.add(member.address().toString());
            }
        }
        for (Member member : state.getUnreachable()) {
            if (member.hasRole(role.id())) {
                unreachable.add(member.address().toString());
            }
        }
        return new ReliefTiers.Membership(nodes, unreachable);
    }

    private boolean up(Role role) {
        return nodesUp(role) > 0;
    }

    /** How many members of {@code role} are up. */
    private int nodesUp(Role role) {
        int up = 0;
        for (var member : cluster.state().getMembers()) {
            if (member.hasRole(role.id()) && member.status() == MemberStatus.up()) {
                up++;
            }
        }
        return up;
    }

    private EdgeCommand.Failed noRelief(long requestId, String key, Role role) {
        return new EdgeCommand.Failed(requestId, key, noRelief(role));
    }

    private String noRelief(Role role) {
        return "sibling of relay " + settings.address() + ": no " + role.id() + " node is up in the cluster; start one "
                + "(global-sessions --role " + role.id() + " --seed-node ...)";
    }
}

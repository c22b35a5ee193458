package org.globalsessions.actors.relay;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.SingletonActor;

import org.globalsessions.runtime.config.Role;
import org.globalsessions.runtime.protocol.RelayCommand;
import org.globalsessions.runtime.protocol.Wire;
import org.globalsessions.runtime.protocol.WriterIds;

/**
 * The cluster singleton (on the relay role) that leases each relay a writer-id slot
 * ({@link WriterIds}). Every grant is written to a majority of the cluster's Distributed Data
 * replicas before the relay hears of it, and a slot is removed there only
 * {@link WriterIds#SLOT_FREE_AFTER} after its last renewal, so a singleton that starts on another
 * node (its node crashed, left, or was downed) first reads the grants from a majority and treats
 * each as renewed at that moment: no slot is ever held by two relays' leases at once.
 *
 * <p>Until that first read succeeds the singleton answers no claim (relays claim again every
 * {@link WriterIds#SLOT_RENEW_INTERVAL}). A claim from a relay that holds a slot renews it; a
 * claim from any other relay is granted the lowest free slot, or is not answered while all
 * {@value WriterIds#SLOTS} are taken (the relay's edges then get no writer id from it).
 */
public final class WriterSlots extends AbstractBehavior<WriterSlots.Command> {

    /** What the singleton receives. */
    public interface Command {
    }

    /**
     * A relay's claim, sent at {@code sentNanos} by its clock: renews {@code slot}, the slot it
     * holds ({@link WriterIds#NONE} if none), or asks for one; answered with
     * {@link RelayCommand.WriterSlot} echoing {@code sentNanos}.
     */
    public record Claim(ActorRef<RelayCommand> relay, int slot, long sentNanos) implements Command, Wire {
    }

    private enum Tick implements Command {
        INSTANCE
    }

    // Local messages (classes, not records: every record of a protocol crosses processes).

    private static final class Read implements Command {
        final Replicator.GetResponse<LWWMap<String, String>> response;

        Read(Replicator.GetResponse<LWWMap<String, String>> response) {
            this.response = response;
        }
    }

    private static final class Written implements Command {
        final int slot;
        final String holder;
        final Claim claim;
        final Replicator.UpdateResponse<LWWMap<String, String>> response;

        Written(int slot, String holder, Claim claim, Replicator.UpdateResponse<LWWMap<String, String>> response) {
            this.slot = slot;
            this.holder = holder;
            this.claim = claim;
            this.response = response;
        }
    }

    private static final class Removed implements Command {
        final int slot;
        final Replicator.UpdateResponse<LWWMap<String, String>> response;

        Removed(int slot, Replicator.UpdateResponse<LWWMap<String, String>> response) {
            this.slot = slot;
            this.response = response;
        }
    }

    /** One taken slot: its holder (a relay's ref in serialized form) and when it was last renewed. */
    private static final class Held {
        final String holder;
        long renewedNanos;
        /** Written at a majority (or read from one): only then is the slot the holder's to use. */
        boolean recorded;
        boolean removing;

        Held(String holder, long renewedNanos, boolean recorded) {
            this.holder = holder;
            this.renewedNanos = renewedNanos;
            this.recorded = recorded;
        }
    }

    /** The singleton's name, and the Distributed Data key of its grants. */
    public static final String NAME = "writer-slots";
    private static final Key<LWWMap<String, String>> KEY = LWWMapKey.create(NAME);
    private static final Duration QUORUM_TIMEOUT = Duration.ofSeconds(3);

    private final ReplicatorMessageAdapter<Command, LWWMap<String, String>> replicator;
    private final SelfUniqueAddress self;
    private final ActorRefResolver refs;
    private final long freeAfterNanos;
    private final Map<Integer, Held> slots = new HashMap<>();
    /** Relays whose grant is being written: their claims wait for it. */
    private final Set<String> granting = new HashSet<>();
    private boolean loaded;

    private WriterSlots(ActorContext<Command> context, TimerScheduler<Command> timers,
                        ReplicatorMessageAdapter<Command, LWWMap<String, String>> replicator, Duration freeAfter) {
        super(context);
        this.replicator = replicator;
        this.self = DistributedData.get(context.getSystem()).selfUniqueAddress();
        this.refs = ActorRefResolver.get(context.getSystem());
        this.freeAfterNanos = freeAfter.toNanos();
        timers.startTimerWithFixedDelay(Tick.INSTANCE, WriterIds.SLOT_RENEW_INTERVAL);
        load();
    }

    /** The singleton's behavior; slots are freed {@code freeAfter} after their last renewal. */
    static Behavior<Command> create(Duration freeAfter) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> DistributedData.withReplicatorMessageAdapter(
                (ReplicatorMessageAdapter<Command, LWWMap<String, String>> replicator) ->
                        new WriterSlots(context, timers, replicator, freeAfter))));
    }

    /** Starts the singleton on the relay nodes (or its proxy, on a relay that does not host it) and returns the proxy. */
    public static ActorRef<Command> init(ActorSystem<?> system) {
        return ClusterSingleton.get(system).init(SingletonActor.of(create(WriterIds.SLOT_FREE_AFTER), NAME)
                .withSettings(ClusterSingletonSettings.create(system).withRole(Role.RELAY.id())));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Claim.class, this::onClaim)
                .onMessage(Read.class, this::onRead)
                .onMessage(Written.class, this::onWritten)
                .onMessage(Removed.class, this::onRemoved)
                .onMessageEquals(Tick.INSTANCE, this::onTick)
                .build();
    }

    private void load() {
        replicator.askGet(replyTo -> new Replicator.Get<>(KEY, new Replicator.ReadMajority(QUORUM_TIMEOUT), replyTo), Read::new);
    }

    private Behavior<Command> onRead(Read read) {
        if (loaded) {
            return this;
        }
        if (read.response instanceof Replicator.GetSuccess<LWWMap<String, String>> success) {
            long now = System.nanoTime();
            success.get(KEY).getEntries().forEach((slot, holder) -> slots.put(Integer.parseInt(slot), new Held(holder, now, true)));
            loaded = true;
            if (!slots.isEmpty()) {
                getContext().getLog().info("writer slots: {} held before this start; each is free again {} s after its last renewal",
                        slots.size(), freeAfterNanos / 1_000_000_000L);
            }
        } else if (read.response instanceof Replicator.NotFound<LWWMap<String, String>>) {
            loaded = true;
        } else {
            getContext().getLog().debug("writer slots: reading the grants from a majority failed ({}); trying again", read.response);
        }
        return this;
    }

    private Behavior<Command> onClaim(Claim claim) {
        if (!loaded) {
            return this; // the relay claims again
        }
        String holder = refs.toSerializationFormat(claim.relay());
        if (granting.contains(holder)) {
            return this; // its grant is being written: answered when it is
        }
        for (Map.Entry<Integer, Held> entry : slots.entrySet()) {
            Held held = entry.getValue();
            if (held.holder.equals(holder) && !held.removing) {
                held.renewedNanos = System.nanoTime();
                if (held.recorded) {
                    claim.relay().tell(new RelayCommand.WriterSlot(entry.getKey(), claim.sentNanos()));
                } else {
                    record(entry.getKey(), holder, claim); // the last write did not reach a majority: again
                }
                return this;
            }
        }
        // A relay that held its slot before this singleton started (and that a majority did not
        // show it) keeps it if nobody else has it; any other relay gets the lowest free one.
        int wanted = claim.slot() >= 0 && claim.slot() < WriterIds.SLOTS && !slots.containsKey(claim.slot()) ? claim.slot() : -1;
        for (int slot = 0; wanted < 0 && slot < WriterIds.SLOTS; slot++) {
            if (!slots.containsKey(slot)) {
                wanted = slot;
            }
        }
        if (wanted >= 0) {
            slots.put(wanted, new Held(holder, System.nanoTime(), false));
            record(wanted, holder, claim);
            return this;
        }
        getContext().getLog().warn("writer slots: all {} are held; relay {} gets none (its edges take writer ids from other relays)",
                WriterIds.SLOTS, claim.relay().path().address());
        return this;
    }

    /** Writes {@code slot}'s grant to {@code holder} at a majority; the relay hears of it once it is there. */
    private void record(int slot, String holder, Claim claim) {
        granting.add(holder);
        replicator.askUpdate(replyTo -> new Replicator.Update<>(KEY, LWWMap.create(), new Replicator.WriteMajority(QUORUM_TIMEOUT),
                replyTo, map -> map.put(self, Integer.toString(slot), holder)), response -> new Written(slot, holder, claim, response));
    }

    private Behavior<Command> onWritten(Written written) {
        granting.remove(written.holder);
        Held held = slots.get(written.slot);
        held.renewedNanos = System.nanoTime();
        if (written.response instanceof Replicator.UpdateSuccess<LWWMap<String, String>>) {
            held.recorded = true;
            written.claim.relay().tell(new RelayCommand.WriterSlot(written.slot, written.claim.sentNanos()));
        } else {
            // Perhaps written at some replicas: the slot stays this relay's, unused, and its next claim
            // writes it again; if it claims no more, the slot is free again by time.
            getContext().getLog().debug("writer slots: recording slot {} at a majority failed ({})", written.slot, written.response);
        }
        return this;
    }

    private Behavior<Command> onTick() {
        if (!loaded) {
            load();
            return this;
        }
        long now = System.nanoTime();
        slots.forEach((slot, held) -> {
            if (!held.removing && now - held.renewedNanos > freeAfterNanos) {
                held.removing = true;
                replicator.askUpdate(replyTo -> new Replicator.Update<>(KEY, LWWMap.create(), new Replicator.WriteMajority(QUORUM_TIMEOUT),
                        replyTo, map -> map.remove(self, Integer.toString(slot))), response -> new Removed(slot, response));
            }
        });
        return this;
    }

    private Behavior<Command> onRemoved(Removed removed) {
        if (removed.response instanceof Replicator.UpdateSuccess<LWWMap<String, String>>) {
            slots.remove(removed.slot);
        } else {
            slots.get(removed.slot).removing = false; // the next tick tries again
        }
        return this;
    }
}

package org.globalsessions.actors.relief;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

import org.globalsessions.actors.relay.RelayActor;
import org.globalsessions.actors.sibling.SiblingActor;
import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.RelayCommand;

/**
 * Turns the sessions a relief node's replicas saw end into expiry events: one actor per node
 * (an extension's, started on first use), told by replica 0 of each shard and tier what left it
 * without a delete ({@link ReliefStore#drainEnded}, at each sweep).
 *
 * <h2>Checked before told</h2>
 * An entry that left one replica may live on elsewhere: an older copy kept by the aging tier, a
 * newer one read back into the expansion tier, a write made since. So each candidate is looked up
 * along every lineage of its shard, as a read would be ({@link Lineage.Get}, from expansion
 * replica 0). Only a lookup that finds neither a value nor a tombstone makes it an expiry: a
 * session still held somewhere is alive, and a deleted one was announced as a logout already.
 * The lookup is a probe: it neither readmits nor promotes what it finds, for a check is no use
 * of the session. (Readmitting did: a copy of a live session that expired from one aging replica
 * was readmitted by its check and pushed another live session out of a full expansion shard,
 * which then ended.)
 *
 * <h2>Told to every relay</h2>
 * The expiries found within a second go together ({@link RelayCommand.Expired}, at most
 * {@link #BATCH_ENTRIES} sessions or about {@link #BATCH_BYTES} bytes each) to every relay the
 * receptionist lists; each relay tells its subscribed edges, which drop the copies they hear twice.
 * Delivery is best effort, like any notification: a node that stops with checks unanswered, or a
 * relay out of reach, loses those events, and the sessions still end.
 *
 * <p>Session ids never appear in its logs.
 */
public final class ExpiryReports implements Extension {

    /** Sessions that left replica 0 of {@code entityId}'s shard without a delete: candidates to check. */
    record Candidates(String entityId, List<ReliefStore.Evicted> sessions) {
    }

    private enum Flush { INSTANCE }

    static final int BATCH_ENTRIES = 64;
    static final int BATCH_BYTES = 32 * 1024;
    /** The most checks waiting for their lookup's answer; a candidate beyond them gets no event. */
    static final int MAX_CHECKS = 50_000;
    /** A check unanswered this long is given up (its lookup was lost). */
    static final Duration CHECK_TIMEOUT = Duration.ofSeconds(30);
    static final Duration FLUSH_INTERVAL = Duration.ofSeconds(1);

    private final ActorRef<Object> ref;

    private ExpiryReports(ActorRef<Object> ref) {
        this.ref = ref;
    }

    /** The node's instance, its actor started on first use. */
    static ExpiryReports get(ActorSystem<?> system) {
        return system.registerExtension(Id.INSTANCE);
    }

    /** Replica 0 of {@code entityId}'s shard saw {@code ended} leave without a delete. */
    void candidates(String entityId, List<ReliefStore.Evicted> ended) {
        if (!ended.isEmpty()) {
            ref.tell(new Candidates(entityId, ended));
        }
    }

    /** Pekko's handle on the extension: one per actor system. */
    public static final class Id extends ExtensionId<ExpiryReports> {
        static final Id INSTANCE = new Id();

        @Override
        public ExpiryReports createExtension(ActorSystem<?> system) {
            return new ExpiryReports(system.systemActorOf(create(), "global-sessions-expiry-reports", Props.empty()));
        }
    }

    /** A candidate whose lookup is out: what to tell if it ended, and when it was asked. */
    private record Check(EdgeCommand.EndedSession session, long askedAt) {
    }

    static Behavior<Object> create() {
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> new State(context, timers).behavior()));
    }

    private static final class State {
        private final ActorContext<Object> context;
        private final ClusterSharding sharding;
        private final Map<Long, Check> checks = new HashMap<>();
        private final List<EdgeCommand.EndedSession> batch = new ArrayList<>();
        private Set<ActorRef<RelayCommand>> relays = Set.of();
        private long batchBytes;
        private long nextRequestId;
        private long dropped;

        State(ActorContext<Object> context, TimerScheduler<Object> timers) {
            this.context = context;
            this.sharding = ClusterSharding.get(context.getSystem());
            context.getSystem().receptionist().tell(Receptionist.subscribe(RelayActor.KEY, context.getSelf().narrow()));
            timers.startTimerWithFixedDelay(Flush.INSTANCE, FLUSH_INTERVAL);
        }

        Behavior<Object> behavior() {
            return Behaviors.receive(Object.class)
                    .onMessage(Receptionist.Listing.class, listing -> {
                        relays = new HashSet<>(listing.getServiceInstances(RelayActor.KEY));
                        return Behaviors.same();
                    })
                    .onMessage(Candidates.class, this::check)
                    .onMessage(EdgeCommand.NotFound.class, notFound -> {
                        Check check = checks.remove(notFound.requestId());
                        if (check != null && notFound.tombstoneVersion() == 0) {
                            add(check.session());
                        }
                        return Behaviors.same();
                    })
                    .onMessage(EdgeCommand.Answer.class, other -> { // found (alive), or the lookup failed: no event
                        checks.remove(other.requestId());
                        return Behaviors.same();
                    })
                    .onMessage(SiblingActor.Promote.class, promote -> Behaviors.same()) // a found value: nothing to promote
                    .onMessageEquals(Flush.INSTANCE, () -> {
                        flush();
                        expireChecks();
                        return Behaviors.same();
                    })
                    .build();
        }

        private Behavior<Object> check(Candidates candidates) {
            long now = System.currentTimeMillis();
            for (ReliefStore.Evicted ended : candidates.sessions()) {
                if (checks.size() >= MAX_CHECKS) {
                    dropped++;
                    continue;
                }
                long requestId = ++nextRequestId;
                checks.put(requestId, new Check(new EdgeCommand.EndedSession(ended.key(), ended.item().value(),
                        ended.item().version()), now));
                sharding.entityRefFor(ExpansionReplica.typeKey(0), candidates.entityId())
                        .tell(Lineage.Get.probe(ended.key(), requestId, context.getSelf()));
            }
            return Behaviors.same();
        }

        private void add(EdgeCommand.EndedSession session) {
            batch.add(session);
            batchBytes += session.key().length() + (session.value() == null ? 0 : session.value().length) + 16;
            if (batch.size() >= BATCH_ENTRIES || batchBytes >= BATCH_BYTES) {
                flush();
            }
        }

        private void flush() {
            if (batch.isEmpty()) {
                return;
            }
            RelayCommand.Expired expired = new RelayCommand.Expired(List.copyOf(batch));
            if (relays.isEmpty()) {
                context.getLog().debug("expiry reports: {} expired sessions not told: no relay is known", batch.size());
            }
            relays.forEach(relay -> relay.tell(expired));
            batch.clear();
            batchBytes = 0;
        }

        private void expireChecks() {
            long before = System.currentTimeMillis() - CHECK_TIMEOUT.toMillis();
            int lost = 0;
            for (Iterator<Check> i = checks.values().iterator(); i.hasNext(); ) {
                if (i.next().askedAt() < before) {
                    i.remove();
                    lost++;
                }
            }
            if (lost > 0 || dropped > 0) {
                context.getLog().debug("expiry reports: {} checks unanswered within {} s and {} candidates beyond {} waiting "
                        + "checks: no expiry event for those sessions", lost, CHECK_TIMEOUT.toSeconds(), dropped, MAX_CHECKS);
                dropped = 0;
            }
        }
    }
}

package org.globalsessions.client.internal;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.HostPort;
import org.globalsessions.runtime.hashing.ConsistentRing;
import org.globalsessions.runtime.protocol.ActorNames;
import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.RelayCommand;

/**
 * The relays an edge talks to: which relay a key goes to, which relays are live, and the
 * heartbeats that tell.
 *
 * <h2>Relays</h2>
 * Keys are spread over the configured relays by consistent hashing. Every relay gets a
 * heartbeat ({@code Subscribe}) each {@code heartbeat-interval}; one that has not answered for
 * {@code relay-down-after} (or, at first contact, {@code first-contact-timeout}) is skipped, and
 * its keys go to the next relay on the ring. A request that times out marks its relay suspect
 * until the relay's next {@code Welcome}, and is retried once on the next live relay
 * ({@link PendingRequests}). Silence is counted in the time the edge itself was running: a stall
 * of the edge (a stopped process, a blocked actor) is not held against its relays ({@link EdgeStalls}).
 *
 * <h2>Concurrency</h2>
 * Thread-safe. Callers choose relays from their own threads; the edge's actor records welcomes
 * and suspicions in each relay's volatile fields. The relays are known from {@link #connect}
 * on (before it, the directory is empty and heartbeats go nowhere).
 */
final class RelayDirectory {

    private static final Logger log = LoggerFactory.getLogger(RelayDirectory.class);

    /** One relay as this edge sees it. */
    static final class Relay {
        final HostPort address;
        final ActorRef<RelayCommand> ref;
        volatile long lastWelcomeNanos;
        /** {@link EdgeStalls#heldUpNanos} at the last welcome. */
        volatile long heldUpAtWelcomeNanos;
        volatile boolean everWelcomed;
        volatile long suspectSinceNanos;
        volatile long incarnation;
        /** This relay's side of the lookup window. */
        final LookupWindow.Lane lookups = new LookupWindow.Lane();

        Relay(HostPort address, ActorRef<RelayCommand> ref) {
            this.address = address;
            this.ref = ref;
        }
    }

    private final GlobalSessionsSettings settings;
    private final String table;
    /** Each set once, by an application's thread; read by whichever thread sends a heartbeat. */
    private volatile boolean everyArrival;
    private volatile boolean everyInvalidation;
    private final Map<HostPort, Relay> relays = new ConcurrentHashMap<>();
    private final ConsistentRing<HostPort> ring;
    /**
     * When the edge could first reach its relays: its actor system up ({@link #connect}). Starting
     * that system (TLS keys, binding) took over 15 s on a loaded host, and counting it used up a
     * CLI's whole first-contact-timeout before its first heartbeat: "no relay is reachable ... tried []".
     */
    private volatile long startedNanos = System.nanoTime();
    private final EdgeStalls stalls = new EdgeStalls(startedNanos);
    /** Where relays answer: the edge's actor (its ActorSystem's guardian). */
    private volatile ActorRef<EdgeCommand> self;

    /**
     * @param table the name of the host table this edge uses ({@link EdgeTable#identity}): a relay
     *              sends an arrival to one edge per table
     */
    RelayDirectory(GlobalSessionsSettings settings, String table) {
        this.settings = settings;
        this.table = table;
        this.ring = new ConsistentRing<>(settings.edge().relays());
    }

    /** Resolves every configured relay from {@code system}, which is also where they answer. */
    void connect(ActorSystem<EdgeCommand> system) {
        startedNanos = System.nanoTime();
        self = system;
        ActorRefResolver resolver = ActorRefResolver.get(system);
        for (HostPort relay : settings.edge().relays()) {
            ActorRef<RelayCommand> ref = resolver.resolveActorRef(ActorNames.relayPath(settings.systemName(), relay));
            relays.put(relay, new Relay(relay, ref));
        }
    }

    /** The replyTo of every request: the edge's actor. */
    ActorRef<EdgeCommand> self() {
        return self;
    }

    /** The first live relay on the ring from {@code key} that was not tried yet; null if none. */
    Relay relayFor(String key, List<HostPort> tried) {
        long now = System.nanoTime();
        HostPort chosen = ring.first(key, a -> !tried.contains(a) && isLive(relays.get(a), now));
        return chosen == null ? null : relays.get(chosen);
    }

    /** The relays currently considered live. */
    List<HostPort> liveRelays() {
        long now = System.nanoTime();
        return relays.values().stream().filter(r -> isLive(r, now)).map(r -> r.address).toList();
    }

    private boolean isLive(Relay relay, long now) {
        if (relay.suspectSinceNanos != 0 && relay.suspectSinceNanos - relay.lastWelcomeNanos > 0) {
            return false;
        }
        long heldUp = stalls.heldUpNanos(now);
        if (relay.everWelcomed) {
            long silent = now - relay.lastWelcomeNanos - (heldUp - relay.heldUpAtWelcomeNanos);
            return silent < settings.edge().relayDownAfter().toNanos();
        }
        return now - startedNanos - heldUp < settings.edge().firstContactTimeout().toNanos();
    }

    /** The time the edge itself was held up, which does not count against its relays. */
    EdgeStalls stalls() {
        return stalls;
    }

    /** The relay at {@code address}, or null if it is not one of this edge's. */
    Relay relay(HostPort address) {
        return relays.get(address);
    }

    /** How long a request to {@code relay} may go unanswered (longer before its first answer: the TLS handshake). */
    long timeoutNanos(Relay relay) {
        return relay.everWelcomed ? settings.requestTimeout().toNanos() + 500_000_000L : settings.edge().firstContactTimeout().toNanos();
    }

    /** {@code address} left a request unanswered at {@code now}: skipped until it welcomes this edge again. */
    void suspect(HostPort address, long now) {
        relays.get(address).suspectSinceNanos = now;
    }

    /** Sends every relay a heartbeat (a subscription to its invalidations and arrivals). */
    void heartbeat() {
        for (Relay relay : relays.values()) {
            relay.ref.tell(new RelayCommand.Subscribe(self, relay.address.toString(), System.nanoTime(), table, everyArrival,
                    everyInvalidation));
        }
    }

    /**
     * From the next heartbeat on, asks the relays for every arrival, not only those this edge
     * stores for its table on the table's behalf (an application listens for them).
     *
     * @return whether this changed anything (the first time)
     */
    boolean askEveryArrival() {
        if (everyArrival) {
            return false;
        }
        everyArrival = true;
        return true;
    }

    /**
     * From the next heartbeat on, asks the relays for every invalidation, not only those of its
     * table's receivers (an application listens for them).
     *
     * @return whether this changed anything (the first time)
     */
    boolean askEveryInvalidation() {
        if (everyInvalidation) {
            return false;
        }
        everyInvalidation = true;
        return true;
    }

    /** A relay answered a heartbeat: it is live. @return the relay, or null if the welcome names none of this edge's */
    Relay welcomed(EdgeCommand.Welcome welcome) {
        Relay relay;
        try {
            relay = relays.get(HostPort.parse(welcome.as()));
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (relay != null) {
            if (relay.everWelcomed && relay.incarnation != welcome.incarnation()) {
                log.info("edge: relay {} restarted", relay.address);
            }
            relay.incarnation = welcome.incarnation();
            long now = System.nanoTime();
            relay.heldUpAtWelcomeNanos = stalls.heldUpNanos(now);
            relay.lastWelcomeNanos = now;
            relay.everWelcomed = true;
        }
        return relay;
    }

    /** Tells every relay this edge is leaving. */
    void unsubscribe() {
        for (Relay relay : relays.values()) {
            relay.ref.tell(new RelayCommand.Unsubscribe(self));
        }
    }
}

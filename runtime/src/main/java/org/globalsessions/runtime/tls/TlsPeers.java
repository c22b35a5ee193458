package org.globalsessions.runtime.tls;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;
import org.apache.pekko.actor.typed.javadsl.Adapter;

/**
 * What one process learned about its TLS peers, written by its {@link IdentitySSLEngineProvider}
 * on handshake threads and read by whoever has to explain a failure or act on an identity:
 * <ul>
 *   <li>the last connection problem with each peer it connected to (an unknown CA, an expired
 *       certificate, a role it does not accept, a refusal of its own certificate, a peer that does
 *       not speak TLS), as a sentence for a person ({@link #explain}); a handshake that succeeds
 *       clears it;</li>
 *   <li>the identity each peer it connected to presented ({@link #roleOf}), and listeners told
 *       of each ({@link #onPeer}): a node downs a cluster member that presented anything but a node
 *       certificate.</li>
 * </ul>
 * Peers are keyed by the {@code host:port} this process connected to (the peer's Artery address);
 * an inbound connection names no address, so only outbound ones are recorded here. One per actor
 * system, a Pekko extension ({@link #get}). Thread-safe.
 */
public final class TlsPeers implements Extension {

    private static final Id ID = new Id();

    /** The record of {@code system}'s TLS provider. */
    public static TlsPeers get(ActorSystem system) {
        return ID.get(system);
    }

    /** The record of {@code system}'s TLS provider. */
    public static TlsPeers get(org.apache.pekko.actor.typed.ActorSystem<?> system) {
        return ID.get(Adapter.toClassic(system));
    }

    private static final class Id extends AbstractExtensionId<TlsPeers> {
        @Override
        public TlsPeers createExtension(ExtendedActorSystem system) {
            return new TlsPeers();
        }
    }

    private static final int MAX_PEERS = 4096;

    /** A record of its own, outside any actor system (tests). */
    public TlsPeers() {
    }

    private final Map<String, String> problems = new ConcurrentHashMap<>();
    private final Map<String, Identity> roles = new ConcurrentHashMap<>();
    private final Set<String> logged = ConcurrentHashMap.newKeySet();
    private final List<BiConsumer<String, Identity>> listeners = new CopyOnWriteArrayList<>();
    private final java.util.Deque<String> inbound = new java.util.concurrent.ConcurrentLinkedDeque<>();

    /** The last problem with {@code hostPort} ("127.0.0.1:25520"), if its last handshake failed. */
    public Optional<String> problemWith(String hostPort) {
        return Optional.ofNullable(problems.get(hostPort));
    }

    /**
     * The known problems with any of {@code peers} (their {@code toString} is {@code host:port}), as
     * {@code "; <problem>; <problem>"}, or "" when none is known: to append to a message saying a
     * peer did not answer.
     */
    public String explain(Collection<?> peers) {
        List<String> found = new ArrayList<>();
        for (Object peer : peers) {
            String problem = problems.get(peer.toString());
            if (problem != null && !found.contains(problem)) {
                found.add(problem);
            }
        }
        return found.isEmpty() ? "" : "; " + String.join("; ", found);
    }

    /** The identity {@code host:port} presented when this process last connected to it. */
    public Optional<Identity> roleOf(String host, int port) {
        return Optional.ofNullable(roles.get(host + ":" + port));
    }

    /** Calls {@code listener} with {@code host:port} and its identity after each outbound handshake. */
    public void onPeer(BiConsumer<String, Identity> listener) {
        listeners.add(listener);
    }

    /** The last problems with inbound connections (which name no peer address), oldest first, at most 16. */
    public List<String> inboundProblems() {
        return List.copyOf(inbound);
    }

    void inboundProblem(String message) {
        inbound.addLast(message);
        while (inbound.size() > 16) {
            inbound.pollFirst();
        }
    }

    void problem(String hostPort, String message) {
        if (problems.size() >= MAX_PEERS) {
            problems.clear();
        }
        problems.put(hostPort, message);
    }

    void verified(String hostPort, Identity role) {
        problems.remove(hostPort);
        if (roles.size() >= MAX_PEERS) {
            roles.clear();
        }
        roles.put(hostPort, role);
        listeners.forEach(l -> l.accept(hostPort, role));
    }

    /** True the first time {@code what} is seen (a refusal is logged once, not at every reconnect). */
    boolean firstTime(String what) {
        if (logged.size() >= MAX_PEERS) {
            logged.clear();
        }
        return logged.add(what);
    }
}

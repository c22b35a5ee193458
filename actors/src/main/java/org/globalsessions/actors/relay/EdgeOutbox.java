package org.globalsessions.actors.relay;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.pekko.actor.typed.ActorRef;

import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.RelayCommand;

/**
 * The arrivals and invalidations a relay has made and not yet sent, per edge. They leave together,
 * as {@link EdgeCommand.Pushed} messages, when the relay reaches the end of its mailbox (one message
 * wakes an edge for a whole burst of logins and logouts, instead of one per session), or before
 * anything that must not overtake them (a welcome, which counts the invalidations sent).
 *
 * <p>Not thread-safe: owned by the relay actor.
 */
final class EdgeOutbox {

    /** What an invalidation weighs in a message besides its key: its version, token and number. */
    static final int INVALIDATION_BYTES = 24;

    private final int maxBytes;
    private final long epoch;
    private final ActorRef<RelayCommand> ackTo;
    private final Map<ActorRef<EdgeCommand>, Queue> queued = new LinkedHashMap<>();

    /**
     * @param maxBytes at most this many bytes of keys and values in one message (an arrival larger than that travels alone)
     * @param epoch the relay's incarnation, which numbers its invalidations
     * @param ackTo where edges acknowledge invalidations: the relay
     */
    EdgeOutbox(int maxBytes, long epoch, ActorRef<RelayCommand> ackTo) {
        this.maxBytes = maxBytes;
        this.epoch = epoch;
        this.ackTo = ackTo;
    }

    /** Queues {@code arrival} for each of {@code edges}. */
    void arrival(EdgeCommand.Arrival arrival, Collection<ActorRef<EdgeCommand>> edges) {
        int bytes = keyBytes(arrival.key()) + arrival.value().length;
        for (ActorRef<EdgeCommand> edge : edges) {
            queue(edge).add(bytes).arrivals.add(arrival);
        }
    }

    /** Queues {@code invalidation} for each of {@code edges}. */
    void invalidation(EdgeCommand.Invalidation invalidation, Collection<ActorRef<EdgeCommand>> edges) {
        int bytes = keyBytes(invalidation.key()) + INVALIDATION_BYTES;
        for (ActorRef<EdgeCommand> edge : edges) {
            queue(edge).add(bytes).invalidations.add(invalidation);
        }
    }

    boolean isEmpty() {
        return queued.isEmpty();
    }

    /** Sends every edge what is queued for it, in order, and forgets it. */
    void send() {
        for (Map.Entry<ActorRef<EdgeCommand>, Queue> out : queued.entrySet()) {
            out.getValue().messages().forEach(out.getKey()::tell);
        }
        queued.clear();
    }

    private Queue queue(ActorRef<EdgeCommand> edge) {
        return queued.computeIfAbsent(edge, e -> new Queue());
    }

    private static int keyBytes(String key) {
        return key.getBytes(StandardCharsets.UTF_8).length;
    }

    /** One edge's queue: the messages already full, and the one being filled. */
    private final class Queue {
        private final List<EdgeCommand.Pushed> full = new ArrayList<>();
        private List<EdgeCommand.Arrival> arrivals = new ArrayList<>();
        private List<EdgeCommand.Invalidation> invalidations = new ArrayList<>();
        private int bytes;

        /** Makes room for {@code itemBytes}: closes the message being filled first if they would take it past the bound. */
        Queue add(int itemBytes) {
            if (!empty() && bytes + itemBytes > maxBytes) {
                close();
            }
            bytes += itemBytes;
            return this;
        }

        private void close() {
            boolean acked = invalidations.stream().anyMatch(i -> i.token() != 0);
            full.add(new EdgeCommand.Pushed(epoch, arrivals, invalidations, acked ? ackTo : null));
            arrivals = new ArrayList<>();
            invalidations = new ArrayList<>();
            bytes = 0;
        }

        List<EdgeCommand.Pushed> messages() {
            if (!empty()) {
                close();
            }
            return full;
        }

        private boolean empty() {
            return arrivals.isEmpty() && invalidations.isEmpty();
        }
    }
}

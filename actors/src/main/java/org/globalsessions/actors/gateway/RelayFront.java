package org.globalsessions.actors.gateway;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.RelayCommand;

/**
 * The relay as applications reach it: {@code /user/relay} on the node's gateway. It passes the
 * client protocol (lookups, writes, deletes, touches, the principal index, subscriptions and
 * invalidation acknowledgements) to the relay actor of the node, each with the edge replaced by
 * its {@link EdgeLink}, and nothing else: a relay-to-relay, replica or writer-slot message that
 * reaches the gateway is dropped and logged once per type. A message whose edge is not a remote
 * actor (an application naming one of the gateway's own actors as its reply address) is dropped too.
 */
final class RelayFront {

    /** An edge's link stopped (idle): forget it. */
    record LinkStopped(ActorRef<EdgeCommand> edge, ActorRef<EdgeCommand> link) {
    }

    private final ActorContext<Object> context;
    private final ActorSystem<?> node;
    private final ActorRef<RelayCommand> relay;
    private final Map<ActorRef<EdgeCommand>, ActorRef<EdgeCommand>> links = new HashMap<>();
    private boolean loggedLocalReply;
    private final Set<Class<?>> loggedTypes = new HashSet<>();
    private long linkNumber;

    private RelayFront(ActorContext<Object> context, ActorSystem<?> node, ActorRef<RelayCommand> relay) {
        this.context = context;
        this.node = node;
        this.relay = relay;
    }

    /** @param relay the node's relay actor; {@code node} its system, where the edges' links live */
    static Behavior<Object> create(ActorSystem<?> node, ActorRef<RelayCommand> relay) {
        return Behaviors.setup(context -> new RelayFront(context, node, relay).behavior());
    }

    private Behavior<Object> behavior() {
        return Behaviors.receive(Object.class)
                .onMessage(RelayCommand.class, command -> {
                    RelayCommand passed = pass(command);
                    if (passed != null) {
                        relay.tell(passed);
                    }
                    return Behaviors.same();
                })
                .onMessage(LinkStopped.class, stopped -> {
                    links.remove(stopped.edge(), stopped.link());
                    return Behaviors.same();
                })
                .onAnyMessage(other -> {
                    dropped(other);
                    return Behaviors.same();
                })
                .build();
    }

    /** {@code command} as the relay gets it, with its edge's link; null if dropped (not the client protocol's, or no edge). */
    private RelayCommand pass(RelayCommand command) {
        if (command instanceof RelayCommand.Touch) {
            return command; // names no edge
        }
        ActorRef<EdgeCommand> link;
        if (command instanceof RelayCommand.GetBatch b) {
            return (link = link(b.replyTo())) == null ? null : new RelayCommand.GetBatch(b.batchId(), b.lookups(), link);
        } else if (command instanceof RelayCommand.Get g) {
            return (link = link(g.replyTo())) == null ? null : new RelayCommand.Get(g.key(), g.requestId(), link, g.attempt());
        } else if (command instanceof RelayCommand.Put p) {
            return (link = link(p.replyTo())) == null ? null
                    : new RelayCommand.Put(p.key(), p.value(), p.version(), p.ttlMillis(), p.requestId(), link, p.ifVersion());
        } else if (command instanceof RelayCommand.Delete d) {
            return (link = link(d.replyTo())) == null ? null : new RelayCommand.Delete(d.key(), d.version(), d.requestId(), link);
        } else if (command instanceof RelayCommand.Subscribe s) {
            return (link = link(s.edge())) == null ? null : new RelayCommand.Subscribe(link, s.as(), s.sentNanos(), s.table(), s.everyArrival(),
                    s.everyInvalidation());
        } else if (command instanceof RelayCommand.Unsubscribe u) {
            return (link = link(u.edge())) == null ? null : new RelayCommand.Unsubscribe(link);
        } else if (command instanceof RelayCommand.EdgeInvalidated e) {
            return (link = link(e.edge())) == null ? null : new RelayCommand.EdgeInvalidated(e.tokens(), link);
        } else if (command instanceof RelayCommand.IndexAdd a) {
            return (link = link(a.replyTo())) == null ? null : new RelayCommand.IndexAdd(a.principal(), a.sessionId(),
                    a.sinceMillis(), a.expiresAtMillis(), a.requestId(), link);
        } else if (command instanceof RelayCommand.IndexRemove r) {
            return (link = link(r.replyTo())) == null ? null
                    : new RelayCommand.IndexRemove(r.principal(), r.sessionIds(), r.requestId(), link);
        } else if (command instanceof RelayCommand.IndexList l) {
            return (link = link(l.replyTo())) == null ? null : new RelayCommand.IndexList(l.principal(), l.requestId(), link);
        }
        dropped(command);
        return null;
    }

    /** Logs, once per type, a message that is not the client protocol's (e.g. a replica's, sent with an application's key). */
    private void dropped(Object message) {
        if (loggedTypes.add(message.getClass())) {
            context.getLog().warn("gateway: dropped a {} sent to the relay on this node's client port: only the client "
                    + "protocol is served there (nodes talk to each other on the cluster port); further ones are dropped "
                    + "silently", message.getClass().getSimpleName());
        }
    }

    /** The link of {@code edge}, made on first use; null (logged once) if {@code edge} is not a remote actor. */
    private ActorRef<EdgeCommand> link(ActorRef<EdgeCommand> edge) {
        if (edge == null || edge.path().address().hasLocalScope()) {
            if (!loggedLocalReply) {
                loggedLocalReply = true;
                context.getLog().warn("gateway: dropped a request whose reply address is {}: answers go only to the application "
                        + "that asked; further ones are dropped silently", edge == null ? "missing" : "an actor of this node");
            }
            return null;
        }
        ActorRef<EdgeCommand> link = links.get(edge);
        if (link == null) {
            org.apache.pekko.actor.Address at = edge.path().address();
            String name = ("edge-" + at.getHost().orElse("") + ":" + at.getPort().orElse(0)).replaceAll("[^-\\w:.]", "_")
                    + "-" + (++linkNumber);
            link = node.systemActorOf(EdgeLink.create(edge, context.getSelf().narrow(), context.getSelf()), name, Props.empty())
                    .narrow();
            links.put(edge, link);
        }
        return link;
    }
}

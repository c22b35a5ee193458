package org.globalsessions.actors.gateway;

import java.time.Duration;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.RelayCommand;

/**
 * One edge as the node sees it: an actor in the node's own system that passes everything sent to
 * it on to the edge, through the gateway. The gateway hands it to the relay in place of the edge's
 * own reference, so the relay, the sibling and the relief replicas answer the edge without ever
 * opening a connection to it: the answers reach the application host from the relay's gateway
 * only. Invalidations' {@code ackTo} becomes the gateway's relay front, which the edge can reach.
 * It stops once nothing was sent to it for {@link #IDLE} (a live edge is welcomed at every
 * heartbeat), and tells the front so.
 */
final class EdgeLink {

    /** How long a link lives without anything to pass on: far longer than an edge's heartbeat interval. */
    static final Duration IDLE = Duration.ofSeconds(60);

    private enum Idle { INSTANCE }

    private EdgeLink() {
    }

    static Behavior<Object> create(ActorRef<EdgeCommand> edge, ActorRef<RelayCommand> front, ActorRef<Object> stopped) {
        return Behaviors.setup(context -> {
            context.setReceiveTimeout(IDLE, Idle.INSTANCE);
            return Behaviors.receive(Object.class)
                    .onMessage(EdgeCommand.Pushed.class, pushed -> {
                        edge.tell(pushed.ackTo() == null ? pushed
                                : new EdgeCommand.Pushed(pushed.epoch(), pushed.arrivals(), pushed.invalidations(), front));
                        return Behaviors.same();
                    })
                    .onMessage(EdgeCommand.class, message -> {
                        edge.tell(message);
                        return Behaviors.same();
                    })
                    .onMessageEquals(Idle.INSTANCE, Behaviors::stopped)
                    .onSignal(PostStop.class, stop -> {
                        stopped.tell(new RelayFront.LinkStopped(edge, context.getSelf().narrow()));
                        return Behaviors.same();
                    })
                    .build();
        });
    }
}

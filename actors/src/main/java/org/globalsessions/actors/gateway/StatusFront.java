package org.globalsessions.actors.gateway;

import java.time.Duration;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

import org.globalsessions.actors.node.NodeStatus;
import org.globalsessions.runtime.tls.Identity;
import org.globalsessions.runtime.tls.TlsPeers;

/**
 * {@code /user/status} on a node's gateway: answers {@code global-sessions status} for an operator
 * identity ({@link NodeStatus#allowed}: checked on the gateway's own connection to the asker) with
 * what the node's status actor says. A member's report is not served here: members ask each other
 * on the cluster port.
 */
final class StatusFront {

    private StatusFront() {
    }

    static Behavior<NodeStatus.Command> create(ActorSystem<?> node, ActorRef<NodeStatus.Command> status, boolean tls) {
        return Behaviors.setup(context -> {
            TlsPeers peers = TlsPeers.get(context.getSystem());
            Duration timeout = NodeStatus.REPORT_TIMEOUT.multipliedBy(3);
            return Behaviors.receive(NodeStatus.Command.class)
                    .onMessage(NodeStatus.GetClusterStatus.class, get -> {
                        if (NodeStatus.allowed(context, tls, peers, get.replyTo(), Identity.OPERATOR, "the cluster status")) {
                            AskPattern.<NodeStatus.Command, NodeStatus.ClusterStatus>ask(status, NodeStatus.GetClusterStatus::new,
                                    timeout, node.scheduler()).thenAccept(get.replyTo()::tell);
                        }
                        return Behaviors.same();
                    })
                    .build();
        });
    }
}

package org.globalsessions.actors.node;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;
import org.apache.pekko.cluster.typed.Subscribe;

import org.globalsessions.runtime.tls.Identity;
import org.globalsessions.runtime.tls.TlsPeers;

/**
 * Only node certificates may be cluster members (issue 22, item 1). Every node accepts application
 * and operator certificates on its connections (edges talk to relays, relief replicas answer edges
 * directly, and Artery's handshake replies travel on a connection the other side opens), so the TLS
 * check alone cannot keep a process holding an application key from asking to join. This guard,
 * on every node, downs a member as soon as this node has connected to its address and seen anything
 * but a node certificate there: whichever node sees the intruder first (the seed it asked, which
 * answers on its own connection to it) downs it while it is still joining, before a shard can be
 * allocated to it. The addresses come from {@link TlsPeers}, which records the identity presented on
 * each connection this node opened; an address a process claims but cannot present a node
 * certificate at is never a member for long.
 */
public final class MemberGuard {

    private MemberGuard() {
    }

    /** What the guard reacts to. */
    sealed interface Command permits MemberChanged, PeerVerified {
    }

    private record MemberChanged(ClusterEvent.MemberEvent event) implements Command {
    }

    private record PeerVerified(String hostPort, Identity role) implements Command {
    }

    public static Behavior<Command> create() {
        return Behaviors.setup(context -> {
            TlsPeers peers = TlsPeers.get(context.getSystem());
            ActorRef<ClusterEvent.MemberEvent> events = context.messageAdapter(ClusterEvent.MemberEvent.class, MemberChanged::new);
            Cluster.get(context.getSystem()).subscriptions().tell(Subscribe.create(events, ClusterEvent.MemberEvent.class));
            ActorRef<Command> self = context.getSelf();
            peers.onPeer((hostPort, role) -> {
                if (role != Identity.NODE) {
                    self.tell(new PeerVerified(hostPort, role));
                }
            });
            Set<Address> downed = new HashSet<>();
            return Behaviors.receive(Command.class)
                    .onMessage(MemberChanged.class, m -> {
                        check(context, peers, m.event().member(), downed);
                        return Behaviors.same();
                    })
                    .onMessage(PeerVerified.class, v -> {
                        for (Member member : Cluster.get(context.getSystem()).state().getMembers()) {
                            if (v.hostPort().equals(hostPort(member.address()))) {
                                check(context, peers, member, downed);
                            }
                        }
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    private static void check(ActorContext<Command> context, TlsPeers peers, Member member, Set<Address> downed) {
        if (member.status() == MemberStatus.down() || member.status() == MemberStatus.removed()
                || !member.address().host().isDefined() || !member.address().port().isDefined()) {
            return;
        }
        Optional<Identity> role = peers.roleOf(member.address().host().get(), (Integer) member.address().port().get());
        if (role.isPresent() && role.get() != Identity.NODE && downed.add(member.address())) {
            context.getLog().warn("member-guard: downing {}: it presented a certificate of identity {} where only node certificates "
                    + "may be cluster members (an application or operator key used to start a node?)", member.address(), role.get().id());
            Cluster.get(context.getSystem()).manager().tell(new Down(member.address()));
        }
    }

    private static String hostPort(Address address) {
        return address.host().getOrElse(() -> "") + ":" + address.port().getOrElse(() -> 0);
    }
}

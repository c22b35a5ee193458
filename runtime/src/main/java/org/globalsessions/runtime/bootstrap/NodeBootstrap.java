package org.globalsessions.runtime.bootstrap;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.globalsessions.runtime.config.GlobalSessionsSettings;

/**
 * Starts the ActorSystem of a node or an edge with the configuration {@link PekkoConfig}
 * assembles. A node with no seed nodes starts a new cluster by joining itself.
 */
public final class NodeBootstrap {

    private static final Logger log = LoggerFactory.getLogger(NodeBootstrap.class);

    private NodeBootstrap() {
    }

    public static <T> ActorSystem<T> start(Behavior<T> guardian, GlobalSessionsSettings settings, PekkoConfig.Kind kind) {
        if (!settings.tls().enabled()) {
            log.warn("TLS is off (tls.enabled = false): sessions cross the network in clear text");
        }
        ActorSystem<T> system = ActorSystem.create(guardian, settings.systemName(), PekkoConfig.of(settings, kind));
        if (kind == PekkoConfig.Kind.NODE && settings.seedNodes().isEmpty()) {
            Cluster cluster = Cluster.get(system);
            cluster.manager().tell(Join.create(cluster.selfMember().address()));
        }
        return system;
    }
}

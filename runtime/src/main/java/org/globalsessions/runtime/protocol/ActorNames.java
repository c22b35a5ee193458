package org.globalsessions.runtime.protocol;

import org.globalsessions.runtime.bootstrap.PekkoConfig;
import org.globalsessions.runtime.config.HostPort;

/**
 * Where the server roles' actors live on a node, for the edges that address them from outside
 * the cluster (by path, not through the receptionist) and for the node that spawns them.
 */
public final class ActorNames {

    /** The relay actor's name under the node's user guardian. */
    public static final String RELAY = "relay";
    /** The sibling actor's name under the node's user guardian. */
    public static final String SIBLING = "sibling";
    /** The node status actor's name under the node's user guardian (what {@code global-sessions status} asks). */
    public static final String STATUS = "status";

    private ActorNames() {
    }

    /** The relay on {@code node}: {@code pekko://<system>@host:port/user/relay}. */
    public static String relayPath(String systemName, HostPort node) {
        return PekkoConfig.address(systemName, node) + "/user/" + RELAY;
    }

    /** The status actor on {@code node}: {@code pekko://<system>@host:port/user/status}. */
    public static String statusPath(String systemName, HostPort node) {
        return PekkoConfig.address(systemName, node) + "/user/" + STATUS;
    }
}

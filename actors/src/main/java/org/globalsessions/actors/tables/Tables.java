package org.globalsessions.actors.tables;

import java.nio.file.Path;

import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.shm.ShmLru;

/** The shared-memory tables of the roles: where they live by default and how they are opened. */
public final class Tables {

    private Tables() {
    }

    /** The relay's L2: the configured path, else {@code /dev/shm/global-sessions-relay-<port>.lru}. */
    public static Path relayPath(GlobalSessionsSettings settings) {
        return settings.relay().table().path().orElse(ShmLru.defaultPath("relay-" + settings.port()));
    }

    /** The table a sibling attaches to: its configured path, else the relay's. */
    public static Path siblingPath(GlobalSessionsSettings settings) {
        return settings.sibling().tablePath().orElse(relayPath(settings));
    }

    /** The host's L1: the configured path, else {@code /dev/shm/global-sessions-edge.lru}. */
    public static Path edgePath(GlobalSessionsSettings settings) {
        return settings.edge().table().path().orElse(ShmLru.defaultPath("edge"));
    }

    /** Creates (or attaches to an identical) relay table. */
    public static ShmLru createRelayTable(GlobalSessionsSettings settings) {
        return ShmLru.create(relayPath(settings), settings.relay().table().shape(settings.hashing().seed()));
    }

    /** Creates the edge table if this process manages the host's section, else attaches to it. */
    public static ShmLru openEdgeTable(GlobalSessionsSettings settings) {
        Path path = edgePath(settings);
        return settings.edge().manageSection()
                ? ShmLru.create(path, settings.edge().table().shape(settings.hashing().seed()))
                : ShmLru.attach(path);
    }
}

package org.globalsessions.actors.tables;

import java.nio.file.Path;

import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.shm.ShmLru;

/**
 * The shared-memory tables of the server roles (the relay's L2, which a sibling attaches to):
 * where they live by default and how they are opened. The host's L1 is the edge's
 * ({@code client-api}'s {@code EdgeTable}).
 */
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

    /** Creates (or attaches to an identical) relay table. */
    public static ShmLru createRelayTable(GlobalSessionsSettings settings) {
        return ShmLru.create(relayPath(settings), settings.relay().table().shape(settings.hashing().seed()),
                settings.relay().table().options());
    }
}

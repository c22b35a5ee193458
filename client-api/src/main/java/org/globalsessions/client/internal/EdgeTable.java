package org.globalsessions.client.internal;

import java.nio.file.Path;

import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.shm.ShmLru;

/** The host's L1 table: where it lives by default and how an edge opens it. */
final class EdgeTable {

    private EdgeTable() {
    }

    /** The configured path, else {@code /dev/shm/global-sessions-edge.lru}. */
    static Path path(GlobalSessionsSettings settings) {
        return settings.edge().table().path().orElse(ShmLru.defaultPath("edge"));
    }

    /** Creates the table if this process manages the host's section, else attaches to it. */
    static ShmLru open(GlobalSessionsSettings settings) {
        Path path = path(settings);
        return settings.edge().manageSection()
                ? ShmLru.create(path, settings.edge().table().shape(settings.hashing().seed()), settings.edge().table().options())
                : ShmLru.attach(path, settings.edge().table().options());
    }
}

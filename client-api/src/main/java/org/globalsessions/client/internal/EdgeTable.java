package org.globalsessions.client.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

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

    /** Where the kernel says which boot this is: a random id, new at each boot of each host. */
    static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");

    /**
     * A name of the table file at {@code path} that every process mapping it gives alike and
     * processes on other hosts do not: this host's boot id (its name where there is none) and the
     * file's key (device and inode; its real path where the file system has none). Relays send an
     * arrival to one edge per such name ({@code Subscribe.table}). Were two tables ever named
     * alike, one would miss arrivals and read those sessions from upstream: slower, never wrong.
     */
    static String identity(Path path) {
        String host;
        try {
            List<String> lines = Files.readAllLines(BOOT_ID); // line by line: a whole read of /proc/sys can come back short
            host = lines.isEmpty() ? hostName() : lines.get(0).trim();
        } catch (IOException | SecurityException e) {
            host = hostName();
        }
        Object file;
        try {
            file = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
            if (file == null) {
                file = path.toRealPath();
            }
        } catch (IOException e) {
            file = path.toAbsolutePath().normalize();
        }
        return host + " " + file;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown-host";
        }
    }
}

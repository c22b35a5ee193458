package org.globalsessions.bench.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import org.globalsessions.bench.BenchBase;
import org.globalsessions.shm.ShmLru;
import org.globalsessions.shm.ShmLruSettings;

/**
 * The other process of the L1 path: it creates a host's shared-memory table, fills it with the
 * first {@code keys} session ids of the workload, prints {@code ready entries=N} and keeps the
 * table mapped until its standard input closes. The load generator then attaches to that table
 * as a front-end process that did not create it ({@code manage-section = false}).
 *
 * <p>Filling goes straight into the table (a versioned {@code putIfNewer}), not through a
 * cluster: what the L1 path reads is the same entry whichever way it was written, and a million
 * acknowledged sets would take minutes. The entries carry version 1 and a one-hour TTL.
 *
 * <p>Usage: {@code HostTableOwner PATH EL_COUNT KEYS}
 */
public final class HostTableOwner {

    private HostTableOwner() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: HostTableOwner PATH EL_COUNT KEYS");
            System.exit(2);
        }
        Path path = Path.of(args[0]);
        long elCount = Long.parseLong(args[1]);
        int keys = Integer.parseInt(args[2]);
        ShmLruSettings settings = ShmLruSettings.builder().elCount(elCount).recordSize(BenchBase.RECORD_SIZE).build();
        try (ShmLru table = ShmLru.create(path, settings)) {
            fill(table, E2eData.keys(keys), E2eData.values());
            System.out.println("ready entries=" + table.stats().entries());
            System.out.flush();
            while (System.in.read() >= 0) {
                // keep the table mapped, as the host's first process would, until told to go
            }
        }
    }

    /** Writes {@code ids} with {@code values} round robin (version 1, TTL 1 h). */
    static void fill(ShmLru table, String[] ids, byte[][] values) {
        for (int i = 0; i < ids.length; i++) {
            table.putIfNewer(ids[i].getBytes(StandardCharsets.UTF_8), values[i % values.length], 1, Duration.ofHours(1));
        }
    }
}

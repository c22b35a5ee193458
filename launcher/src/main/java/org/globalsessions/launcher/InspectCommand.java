package org.globalsessions.launcher;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import org.globalsessions.shm.ShmLru;
import org.globalsessions.shm.ShmLruSettings;
import org.globalsessions.shm.ShmLruStats;

/** Settings and statistics of a shared-memory table, as every process on the host sees them. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Print the settings and statistics of a shared-memory table.")
final class InspectCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "PATH", description = "the table file, e.g. /dev/shm/global-sessions-edge.lru")
    Path path;

    @Option(names = "--watch", description = "refresh until interrupted")
    boolean watch;

    @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "2", description = "refresh interval with --watch (default ${DEFAULT-VALUE})")
    int interval;

    @Option(names = "--count", paramLabel = "N", defaultValue = "0", description = "stop after N refreshes (0: until interrupted)")
    int count;

    @Option(names = "--verbose", description = "print stack traces of failures")
    boolean verbose;

    @Override
    public Integer call() throws InterruptedException {
        try (ShmLru table = ShmLru.attach(path)) {
            print(table, System.out);
            for (int i = 1; watch && (count == 0 || i < count); i++) {
                Thread.sleep(Duration.ofSeconds(interval).toMillis());
                System.out.println();
                print(table, System.out);
            }
        }
        return Main.OK;
    }

    static void print(ShmLru table, PrintStream out) {
        ShmLruSettings s = table.settings();
        ShmLruStats stats = table.stats();
        out.printf("table            %s%n", table.path());
        out.printf("el_count         %d (capacity %d in %d segments of %d)%n", s.elCount(), table.capacity(), s.segments(), s.segmentCapacity());
        out.printf("record_size      %d bytes (key + value)%n", s.recordSize());
        out.printf("seed             %d%n", s.seed());
        out.printf("lock lease       %d ms%n", s.lockLease().toMillis());
        long tombstones = table.tombstones();
        // Live sessions; a tombstone (a logged-out id) takes a record too, so it counts towards "full".
        out.printf("entries          %d (%d tombstone%s; %.1f%% full)%n", Math.max(0, stats.entries() - tombstones), tombstones,
                tombstones == 1 ? "" : "s", 100.0 * stats.entries() / Math.max(1, stats.capacity()));
        out.printf("hits             %d%n", stats.hits());
        out.printf("misses           %d%n", stats.misses());
        out.printf("hit ratio        %.4f%n", stats.hitRatio());
        out.printf("puts             %d%n", stats.puts());
        out.printf("removes          %d%n", stats.removes());
        out.printf("evictions        %d%n", stats.evictions());
        out.printf("expirations      %d%n", stats.expirations());
        out.printf("lock recoveries  %d%n", stats.lockRecoveries());
        out.printf("stale refused    %d%n", stats.staleRefused());
        long[] holders = table.lockHolders();
        StringBuilder held = new StringBuilder();
        for (int segment = 0; segment < holders.length; segment++) {
            if (holders[segment] != 0) {
                held.append(held.length() == 0 ? "" : ", ").append("segment ").append(segment).append(" by pid ").append(holders[segment]);
            }
        }
        out.printf("locks held       %s%n", held.length() == 0 ? "none" : held);
    }
}

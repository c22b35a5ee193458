package org.globalsessions.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import net.openhft.chronicle.map.ChronicleMap;
import org.apache.pekko.actor.typed.ActorSystem;
import org.globalsessions.actors.node.ServerNode;
import org.globalsessions.bench.e2e.GlobalSessionsTarget;
import org.globalsessions.client.SessionCacheManager;
import org.globalsessions.runtime.config.SettingsReader;
import org.globalsessions.testkit.NodeConfig;
import org.globalsessions.client.SessionInfo;
import org.globalsessions.testkit.FreePorts;
import org.globalsessions.runtime.tls.Certificates;
import org.globalsessions.shm.ShmLru;
import org.globalsessions.shm.ShmLruSettings;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * The L1 hit layer by layer, against its peer in the same fork: what an application pays for a
 * session its host's table holds, from the table's own {@code get} up to
 * {@link SessionCacheManager#lookup}, and Chronicle Map's {@code getUsing} and {@code get} on
 * the same keys and values. Tells where the end-to-end L1 cell's time goes beyond the table.
 *
 * <p>The table is created and filled here (as the host's first process would); the manager
 * attaches to it ({@code manageSection(false)}) with a relay address nothing listens on: every
 * measured read is an L1 hit and never leaves the process (each benchmark checks it hit).
 */
public class ClientL1Bench extends BenchBase {

    @State(Scope.Benchmark)
    public static class Host {
        @Param({"100000"})
        public int entries;

        Path dir;
        ActorSystem<Void> relay;
        ShmLru table;
        SessionCacheManager manager;
        ChronicleMap<String, byte[]> map;
        String[] keys;
        byte[][] keyBytes;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            dir = Files.createTempDirectory(Path.of("/dev/shm"), "gs-client-l1-");
            keys = Keys.sessionIds(SEED, entries);
            keyBytes = new byte[entries][];
            byte[][] values = Keys.values(SEED + 2, PUT_VALUES, VALUE_SIZE);
            table = ShmLru.create(dir.resolve("host.lru"),
                    ShmLruSettings.builder().elCount(2L * entries).recordSize(RECORD_SIZE).build());
            map = ChronicleMapBench.create(dir.resolve("peer.cm3"), entries, keys[0], true);
            Certificates.development(dir.resolve("certs"));
            // A relay alone: L1 answers only under a lease from a relay (docs/consistency.md), which
            // a relay with no other relay grants once its probation is over. Nothing else runs.
            int relayPort = FreePorts.next();
            relay = ServerNode.start(NodeConfig.node(relayPort).roles("relay").tls(dir.resolve("certs"))
                    .set("relay.table.path", dir.resolve("relay.lru").toString()).read(SettingsReader::read));
            manager = GlobalSessionsTarget.awaitL1Lease(SessionCacheManager.builder().relays("127.0.0.1:" + relayPort)
                    .certificates(dir.resolve("certs")).table(dir.resolve("host.lru")).manageSection(false)
                    .recordSize(RECORD_SIZE).requestTimeout(Duration.ofSeconds(5)).defaultTtl(Duration.ofHours(1)).build());
            // Written once the manager vouches for the table: a table nobody vouched for is
            // dropped when a process's lease begins (its contents may predate deletes).
            for (int i = 0; i < entries; i++) {
                keyBytes[i] = keys[i].getBytes(StandardCharsets.US_ASCII);
                table.putIfNewer(keyBytes[i], values[i % PUT_VALUES], 1, Duration.ofHours(1));
                map.put(keys[i], values[i % PUT_VALUES]);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            manager.close();
            relay.terminate();
            try {
                org.globalsessions.runtime.bootstrap.NodeBootstrap.awaitTermination(relay, Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            table.close();
            map.close();
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @State(Scope.Thread)
    public static class Reader {
        Cursor cursor;
        final byte[] using = new byte[VALUE_SIZE];
        final byte[] into = new byte[RECORD_SIZE];

        @Setup(Level.Trial)
        public void setUp(Host host, ThreadParams thread) {
            init(host, thread.getThreadIndex(), thread.getThreadCount());
        }

        void init(Host host, int threadIndex, int threadCount) {
            cursor = Cursor.walk(host.entries, threadIndex, threadCount);
        }
    }

    private static <T> T hit(T value) {
        if (value == null) {
            throw new IllegalStateException("an L1 read missed: the benchmark measures hits only");
        }
        return value;
    }

    /** The table alone: key bytes ready, the value copied out. */
    @Benchmark
    public byte[] table(Host h, Reader r) {
        return hit(h.table.get(h.keyBytes[r.cursor.next()]));
    }

    /** The table's entry (value, version, expiry, tombstone flag), as the edge reads it. */
    @Benchmark
    public Object tableEntry(Host h, Reader r) {
        return hit(h.table.getEntry(h.keyBytes[r.cursor.next()]));
    }

    /** The table's allocation-free read: key bytes ready, the value copied into a reused array. */
    @Benchmark
    public int tableGetInto(Host h, Reader r) {
        return hitLength(h.table.getInto(h.keyBytes[r.cursor.next()], r.into));
    }

    /** {@link SessionCacheManager#getInto}: the application's allocation-free L1 hit, from a String key. */
    @Benchmark
    public int getInto(Host h, Reader r) {
        return hitLength(h.manager.getInto(h.keys[r.cursor.next()], r.into));
    }

    private static int hitLength(int length) {
        if (length < 0) {
            throw new IllegalStateException("an L1 read missed: the benchmark measures hits only");
        }
        return length;
    }

    /** {@link SessionCacheManager#getLocal}: key checked and encoded, no future. */
    @Benchmark
    public byte[] getLocal(Host h, Reader r) {
        return hit(h.manager.getLocal(h.keys[r.cursor.next()]).orElse(null));
    }

    /** {@link SessionCacheManager#get}: the application's read, completed in the caller's thread on a hit. */
    @Benchmark
    public byte[] get(Host h, Reader r) {
        Optional<byte[]> value = h.manager.get(h.keys[r.cursor.next()]).toCompletableFuture().join();
        return hit(value.orElse(null));
    }

    /** {@link SessionCacheManager#lookup}: as {@code get}, with version, expiry and tier (what the e2e cells call). */
    @Benchmark
    public SessionInfo lookup(Host h, Reader r) {
        return hit(h.manager.lookup(h.keys[r.cursor.next()]).toCompletableFuture().join().orElse(null));
    }

    /** The peer: Chronicle Map {@code getUsing} into a reused array (the e2e L1 cell's peer). */
    @Benchmark
    public byte[] chronicleMapGetUsing(Host h, Reader r) {
        return hit(h.map.getUsing(h.keys[r.cursor.next()], r.using));
    }

    /** The peer allocating its value, as the table's {@code get} does. */
    @Benchmark
    public byte[] chronicleMapGet(Host h, Reader r) {
        return hit(h.map.get(h.keys[r.cursor.next()]));
    }
}

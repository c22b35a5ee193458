package org.globalsessions.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import net.openhft.chronicle.map.ChronicleMap;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * Chronicle Map persisted to a file in /dev/shm: {@code String} keys (32 chars) and
 * {@code byte[]} values (384 bytes), both declared constant-size by sample, {@code entries(n)},
 * {@code putReturnsNull(true)} and {@code removeReturnsNull(true)}. {@code checksumEntries} is a
 * parameter: Chronicle Map's default for a persisted map is {@code true}.
 *
 * <p>{@code get} uses {@code getUsing} with a per-thread 384-byte array (no allocation);
 * {@code getAllocating} is plain {@code get}, which allocates the value like shm-lru's get does.
 * Chronicle Map has no LRU and no capacity eviction, so {@code putInsertRemove} is a put of a new
 * key plus a remove of the key inserted {@code entries} puts earlier (the oldest): two
 * operations per invocation, keeping the map at {@code entries} entries.
 */
public class ChronicleMapBench extends BenchBase {

    @State(Scope.Benchmark)
    public static class Store {
        @Param({"20000", "1000000"})
        public int entries;

        @Param({"true"})
        public boolean checksumEntries;

        ChronicleMap<String, byte[]> map;
        Path path;
        String[] keys;
        String[] access;
        byte[][] values;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            keys = Keys.sessionIds(SEED, 2 * entries);
            access = Keys.shuffled(keys, entries, SEED + 1);
            values = Keys.values(SEED + 2, PUT_VALUES, VALUE_SIZE);
            path = BenchFiles.fresh("chroniclemap", entries, "cm3");
            long start = System.nanoTime();
            map = create(path, entries, keys[0], checksumEntries);
            long opened = System.nanoTime();
            for (int i = 0; i < entries; i++) {
                map.put(keys[i], values[i & (PUT_VALUES - 1)]);
            }
            if (map.size() != entries) {
                throw new IllegalStateException("map holds " + map.size() + " entries after prefilling " + entries);
            }
            System.out.printf("%nChronicle Map set-up: entries=%d checksumEntries=%s opened in %d ms, prefilled in %d ms, file %d bytes%n",
                    entries, checksumEntries, (opened - start) / 1_000_000, (System.nanoTime() - opened) / 1_000_000,
                    Files.size(path));
        }

        @TearDown(Level.Trial)
        public void tearDown(BenchmarkParams params) {
            close(params.getBenchmark());
        }

        void close(String benchmark) {
            System.out.printf("%nChronicle Map tear-down (%s): size=%d%n", benchmark, map.size());
            try {
                map.close();
            } finally {
                BenchFiles.delete(path);
            }
        }
    }

    /**
     * The map every Chronicle Map measurement uses (this suite and the end-to-end load
     * generator): {@code entries} entries of constant-size keys like {@code sampleKey} and
     * {@value #VALUE_SIZE}-byte values, persisted to {@code path}.
     */
    public static ChronicleMap<String, byte[]> create(Path path, int entries, String sampleKey, boolean checksumEntries)
            throws IOException {
        return ChronicleMap.of(String.class, byte[].class)
                .name("gs-bench")
                .entries(entries)
                .constantKeySizeBySample(sampleKey)
                .constantValueSizeBySample(new byte[VALUE_SIZE])
                .putReturnsNull(true)
                .removeReturnsNull(true)
                .checksumEntries(checksumEntries)
                .createPersistedTo(path.toFile());
    }

    @State(Scope.Thread)
    public static class Cursors {
        Cursor access;
        Cursor insert;
        int value;
        final byte[] using = new byte[VALUE_SIZE];

        @Setup(Level.Trial)
        public void setUp(Store store, ThreadParams thread) {
            init(store, thread.getThreadIndex(), thread.getThreadCount());
        }

        void init(Store store, int threadIndex, int threadCount) {
            access = Cursor.walk(store.access.length, threadIndex, threadCount);
            insert = Cursor.strided(2 * store.entries, store.entries + threadIndex, threadCount);
            value = threadIndex;
        }
    }

    /** Get hit with {@code getUsing} into a reused array. */
    @Benchmark
    public byte[] get(Store s, Cursors c) {
        return s.map.getUsing(s.access[c.access.next()], c.using);
    }

    /** Get hit with plain {@code get}: allocates the returned value. */
    @Benchmark
    public byte[] getAllocating(Store s, Cursors c) {
        return s.map.get(s.access[c.access.next()]);
    }

    /** Put to an existing key. */
    @Benchmark
    public byte[] putUpdate(Store s, Cursors c) {
        return s.map.put(s.access[c.access.next()], s.values[c.value++ & (PUT_VALUES - 1)]);
    }

    /** Put of a new key + remove of the oldest one (no LRU in Chronicle Map): two operations. */
    @Benchmark
    public byte[] putInsertRemove(Store s, Cursors c) {
        int p = c.insert.next();
        int n = s.entries;
        s.map.put(s.keys[p], s.values[c.value++ & (PUT_VALUES - 1)]);
        return s.map.remove(s.keys[p >= n ? p - n : p + n]);
    }

}

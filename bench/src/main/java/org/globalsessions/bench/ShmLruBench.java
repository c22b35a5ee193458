package org.globalsessions.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.globalsessions.shm.ShmLru;
import org.globalsessions.shm.ShmLruSettings;
import org.globalsessions.shm.ShmLruStats;
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
 * shm-lru: a table of {@code el_count = entries}, {@code record_size = 32 + 384}, default
 * segments, in /dev/shm, shared by all benchmark threads.
 *
 * <p>Prefill puts keys {@code 0..entries-1}. Segments have a fixed capacity
 * ({@code ceil(entries / segments)}) and keys do not spread perfectly evenly, so a few percent
 * of them are evicted during prefill; {@code get} and {@code putUpdate} use only the keys that
 * are resident afterwards (printed in the set-up line), so every get hits and every update
 * replaces. {@code putInsertEvict} walks keys {@code entries..2*entries-1, 0, ...}: each was
 * last written at least {@code entries} puts earlier, so each put inserts into a full segment
 * and evicts its LRU tail (the tear-down line shows puts vs evictions).
 */
public class ShmLruBench extends BenchBase {

    @State(Scope.Benchmark)
    public static class Store {
        @Param({"20000", "1000000"})
        public int entries;

        ShmLru table;
        Path path;
        /** 2 * entries keys; the first half is prefilled. */
        byte[][] keys;
        /** The resident keys, shuffled (independent of insertion order). */
        byte[][] access;
        String[] accessStrings;
        byte[][] values;

        @Setup(Level.Trial)
        public void setUp() {
            String[] ids = Keys.sessionIds(SEED, 2 * entries);
            keys = Keys.utf8(ids);
            values = Keys.values(SEED + 2, PUT_VALUES, VALUE_SIZE);
            path = BenchFiles.fresh("shmlru", entries, "lru");
            table = ShmLru.create(path, ShmLruSettings.builder().elCount(entries).recordSize(RECORD_SIZE).build());
            for (int i = 0; i < entries; i++) {
                table.put(keys[i], values[i & (PUT_VALUES - 1)], null);
            }
            int[] order = Keys.permutation(SEED + 1, entries);
            List<byte[]> resident = new ArrayList<>(entries);
            List<String> residentIds = new ArrayList<>(entries);
            for (int i : order) {
                if (table.get(keys[i]) != null) {
                    resident.add(keys[i]);
                    residentIds.add(ids[i]);
                }
            }
            access = resident.toArray(new byte[0][]);
            accessStrings = residentIds.toArray(new String[0]);
            ShmLruStats stats = table.stats();
            System.out.printf("%nshm-lru set-up: entries=%d segments=%d capacity=%d resident=%d (%.2f%% of prefilled keys) evictions during prefill=%d%n",
                    entries, table.settings().segments(), table.capacity(), access.length,
                    100.0 * access.length / entries, stats.evictions());
        }

        @TearDown(Level.Trial)
        public void tearDown(BenchmarkParams params) {
            close(params.getBenchmark());
        }

        void close(String benchmark) {
            ShmLruStats stats = table.stats();
            System.out.printf("%nshm-lru tear-down (%s): %s%n", benchmark, stats);
            try {
                table.close();
            } finally {
                BenchFiles.delete(path);
            }
        }
    }

    @State(Scope.Thread)
    public static class Cursors {
        Cursor access;
        Cursor insert;
        int value;

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

    /** Get hit with a byte[] key (shm-lru's primary API); returns a fresh 384-byte copy. */
    @Benchmark
    public byte[] get(Store s, Cursors c) {
        return s.table.get(s.access[c.access.next()]);
    }

    /** Get hit with a String key ({@code get(String)} encodes it to UTF-8 first). */
    @Benchmark
    public byte[] getString(Store s, Cursors c) {
        return s.table.get(s.accessStrings[c.access.next()]);
    }

    /** Put to a resident key: replaces the record (no TTL). */
    @Benchmark
    public long putUpdate(Store s, Cursors c) {
        return s.table.put(s.access[c.access.next()], s.values[c.value++ & (PUT_VALUES - 1)], null);
    }

    /** Put of a key that is not in the full table: insert + evict the segment's LRU tail. */
    @Benchmark
    public long putInsertEvict(Store s, Cursors c) {
        return s.table.put(s.keys[c.insert.next()], s.values[c.value++ & (PUT_VALUES - 1)], null);
    }
}

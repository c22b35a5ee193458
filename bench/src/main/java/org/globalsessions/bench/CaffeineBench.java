package org.globalsessions.bench;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
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
 * Caffeine on the heap: {@code Caffeine.newBuilder().maximumSize(entries).build()} with the
 * default settings (maintenance, including eviction, runs on {@code ForkJoinPool.commonPool()}),
 * {@code String} keys and {@code byte[]} values. Prefill stores a distinct 384-byte array per
 * entry, so the heap holds what a real cache would. {@code get} returns the stored reference
 * (no copy); {@code putInsertEvict} puts keys that are not in the full cache, so each put makes
 * the cache evict one entry (W-TinyLFU may evict the new key itself).
 */
public class CaffeineBench extends BenchBase {

    @State(Scope.Benchmark)
    public static class Store {
        @Param({"20000", "1000000"})
        public int entries;

        Cache<String, byte[]> cache;
        String[] keys;
        String[] access;
        byte[][] values;

        @Setup(Level.Trial)
        public void setUp() {
            keys = Keys.sessionIds(SEED, 2 * entries);
            access = Keys.shuffled(keys, entries, SEED + 1);
            values = Keys.values(SEED + 2, PUT_VALUES, VALUE_SIZE);
            cache = Caffeine.newBuilder().maximumSize(entries).build();
            for (int i = 0; i < entries; i++) {
                cache.put(keys[i], values[i & (PUT_VALUES - 1)].clone());
            }
            cache.cleanUp();
            if (cache.estimatedSize() != entries) {
                throw new IllegalStateException("cache holds " + cache.estimatedSize() + " entries after prefilling " + entries);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown(BenchmarkParams params) {
            close(params.getBenchmark());
        }

        void close(String benchmark) {
            cache.cleanUp();
            System.out.printf("%nCaffeine tear-down (%s): estimatedSize=%d%n", benchmark, cache.estimatedSize());
            cache.invalidateAll();
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

    /** Get hit: {@code getIfPresent}. */
    @Benchmark
    public byte[] get(Store s, Cursors c) {
        return s.cache.getIfPresent(s.access[c.access.next()]);
    }

    /** Put to an existing key. */
    @Benchmark
    public void putUpdate(Store s, Cursors c) {
        s.cache.put(s.access[c.access.next()], s.values[c.value++ & (PUT_VALUES - 1)]);
    }

    /** Put of a key that is not in the full cache: one eviction per put. */
    @Benchmark
    public void putInsertEvict(Store s, Cursors c) {
        s.cache.put(s.keys[c.insert.next()], s.values[c.value++ & (PUT_VALUES - 1)]);
    }
}

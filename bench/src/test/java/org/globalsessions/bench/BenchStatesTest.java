package org.globalsessions.bench;

import static org.globalsessions.bench.BenchBase.VALUE_SIZE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

import org.globalsessions.shm.ShmLruStats;
import org.junit.jupiter.api.Test;

/**
 * Quick checks (a few seconds, no measuring) that the benchmark states do what the benchmarks
 * claim: gets hit, updates replace, inserts evict (shm-lru, Caffeine) or insert + remove
 * (Chronicle Map) with two interleaved "threads", and tear-down removes the files.
 */
class BenchStatesTest {

    private static final int ENTRIES = 2_000;
    private static final int OPS = 3 * ENTRIES;

    @Test
    void keysAreSessionIds() {
        String[] ids = Keys.sessionIds(1, 1000);
        Set<String> distinct = new HashSet<>();
        for (String id : ids) {
            assertTrue(id.matches("[0-9a-f]{32}"), id);
            distinct.add(id);
        }
        assertEquals(ids.length, distinct.size());
    }

    @Test
    void cursors() {
        BenchBase.Cursor walk = BenchBase.Cursor.walk(10, 1, 2);
        assertEquals(5, walk.next());
        for (int i = 0; i < 4; i++) {
            walk.next();
        }
        assertEquals(0, walk.next());
        BenchBase.Cursor strided = BenchBase.Cursor.strided(8, 5, 2);
        assertEquals(5, strided.next());
        assertEquals(7, strided.next());
        assertEquals(1, strided.next());
    }

    @Test
    void clientL1ReadsHitThroughEveryLayerAndTearDownRemovesTheFiles() throws Exception {
        ClientL1Bench bench = new ClientL1Bench();
        ClientL1Bench.Host host = new ClientL1Bench.Host();
        host.entries = ENTRIES;
        host.setUp();
        try {
            ClientL1Bench.Reader reader = new ClientL1Bench.Reader();
            reader.init(host, 0, 1);
            for (int i = 0; i < OPS; i++) { // each throws if its read missed
                assertEquals(VALUE_SIZE, bench.table(host, reader).length);
                assertNotNull(bench.tableEntry(host, reader));
                assertEquals(VALUE_SIZE, bench.getLocal(host, reader).length);
                assertEquals(VALUE_SIZE, bench.get(host, reader).length);
                assertEquals("l1", bench.lookup(host, reader).tier());
                assertEquals(VALUE_SIZE, bench.chronicleMapGetUsing(host, reader).length);
                assertEquals(VALUE_SIZE, bench.chronicleMapGet(host, reader).length);
            }
        } finally {
            host.tearDown();
        }
        assertFalse(Files.exists(host.dir), "tear-down removes " + host.dir);
    }

    @Test
    void shmLru() {
        ShmLruBench bench = new ShmLruBench();
        ShmLruBench.Store store = new ShmLruBench.Store();
        store.entries = ENTRIES;
        store.setUp();
        try {
            List<ShmLruBench.Cursors> threads = cursors(ShmLruBench.Cursors::new, (c, t) -> c.init(store, t, 2));
            assertTrue(store.access.length > ENTRIES * 9 / 10);
            for (int i = 0; i < OPS; i++) {
                assertNotNull(bench.get(store, threads.get(i & 1)));
                assertNotNull(bench.getString(store, threads.get(i & 1)));
            }
            ShmLruStats before = store.table.stats();
            for (int i = 0; i < OPS; i++) {
                bench.putUpdate(store, threads.get(i & 1));
            }
            assertEquals(before.evictions(), store.table.stats().evictions(), "updates never evict");
            for (int i = 0; i < OPS; i++) {
                bench.putInsertEvict(store, threads.get(i & 1));
            }
            ShmLruStats after = store.table.stats();
            long room = store.table.capacity() - before.entries(); // under-full segments take a few first
            assertEquals(OPS - room, after.evictions() - before.evictions(), "every insert into a full segment evicts");
            assertEquals(store.table.capacity(), after.entries());
        } finally {
            store.close("test");
        }
        assertFalse(Files.exists(store.path));
    }

    @Test
    void chronicleMap() throws Exception {
        ChronicleMapBench bench = new ChronicleMapBench();
        ChronicleMapBench.Store store = new ChronicleMapBench.Store();
        store.entries = ENTRIES;
        store.checksumEntries = true;
        store.setUp();
        try {
            List<ChronicleMapBench.Cursors> threads = cursors(ChronicleMapBench.Cursors::new, (c, t) -> c.init(store, t, 2));
            for (int i = 0; i < OPS; i++) {
                assertEquals(BenchBase.VALUE_SIZE, bench.get(store, threads.get(i & 1)).length);
                assertEquals(BenchBase.VALUE_SIZE, bench.getAllocating(store, threads.get(i & 1)).length);
                bench.putUpdate(store, threads.get(i & 1));
            }
            assertEquals(ENTRIES, store.map.size());
            // one thread runs ahead of the other: each removes only keys it inserted itself
            for (int i = 0; i < OPS; i++) {
                bench.putInsertRemove(store, threads.get(i % 3 == 0 ? 1 : 0));
                assertEquals(ENTRIES, store.map.size());
            }
        } finally {
            store.close("test");
        }
        assertFalse(Files.exists(store.path));
    }

    @Test
    void caffeine() {
        CaffeineBench bench = new CaffeineBench();
        CaffeineBench.Store store = new CaffeineBench.Store();
        store.entries = ENTRIES;
        store.setUp();
        try {
            List<CaffeineBench.Cursors> threads = cursors(CaffeineBench.Cursors::new, (c, t) -> c.init(store, t, 2));
            for (int i = 0; i < OPS; i++) {
                assertNotNull(bench.get(store, threads.get(i & 1)));
                bench.putUpdate(store, threads.get(i & 1));
            }
            for (int i = 0; i < OPS; i++) {
                bench.putInsertEvict(store, threads.get(i & 1));
            }
            store.cache.cleanUp();
            assertEquals(ENTRIES, store.cache.estimatedSize());
        } finally {
            store.close("test");
        }
    }

    /** Two cursors, as JMH would set up for threads 0 and 1 of 2. */
    private static <C> List<C> cursors(Supplier<C> factory, BiConsumer<C, Integer> init) {
        List<C> cursors = List.of(factory.get(), factory.get());
        for (int t = 0; t < 2; t++) {
            init.accept(cursors.get(t), t);
        }
        return cursors;
    }
}

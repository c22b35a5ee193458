package org.globalsessions.bench;

import org.openjdk.jmh.annotations.Benchmark;

/**
 * Diagnostics, not part of the comparison suite (run-shm-bench.sh does not run them): where
 * shm-lru's get time goes, using only the public API on the same table as {@link ShmLruBench}.
 * <ul>
 *   <li>{@code getMiss}: hash + segment lock + index probe of an absent key (no record read
 *       except on an 8-bit tag collision, no LRU change, no copy).</li>
 *   <li>{@code touch}: a hit with the LRU move to the head, without copying the value out.</li>
 *   <li>{@code get}: the hit of {@link ShmLruBench#get}: touch + a new 384-byte array + copy.</li>
 * </ul>
 * So {@code touch - getMiss} ≈ reading the record and the LRU relink, and {@code get - touch}
 * ≈ the allocation and copy of the value.
 */
public class ShmLruBreakdownBench extends BenchBase {

    @Benchmark
    public byte[] get(ShmLruBench.Store s, ShmLruBench.Cursors c) {
        return s.table.get(s.access[c.access.next()]);
    }

    /** Keys entries..2*entries-1 were never inserted. */
    @Benchmark
    public byte[] getMiss(ShmLruBench.Store s, ShmLruBench.Cursors c) {
        return s.table.get(s.keys[s.entries + c.access.next()]);
    }

    @Benchmark
    public boolean touch(ShmLruBench.Store s, ShmLruBench.Cursors c) {
        return s.table.touch(s.access[c.access.next()]);
    }
}

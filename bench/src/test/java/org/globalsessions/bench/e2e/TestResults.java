package org.globalsessions.bench.e2e;

import java.time.Duration;
import java.util.Map;

import org.HdrHistogram.Histogram;

/** Made-up cell results for the report's and the targets' tests: every read took one time, over 2 s. */
final class TestResults {

    static final Workload REFERENCE = new Workload(100_000, 95, Workload.Popularity.UNIFORM);

    private TestResults() {
    }

    /** {@code reads} reads of {@code readNanos} each and {@code writes} writes of 1 ms, answered as {@code tiers} says. */
    static ClosedLoop.Result result(Cell cell, long readNanos, long reads, long writes, Map<String, Long> tiers) {
        Histogram r = new Histogram(1, 60_000_000_000L, 3);
        if (reads > 0) {
            r.recordValueWithCount(readNanos, reads);
        }
        Histogram w = new Histogram(1, 60_000_000_000L, 3);
        if (writes > 0) {
            w.recordValueWithCount(1_000_000, writes);
        }
        return new ClosedLoop.Result(cell, Duration.ofSeconds(2), r, w, tiers);
    }

    /** One client on the reference workload, reads only answered by the path's claimed tier. */
    static ClosedLoop.Result reference(Cell.Path path, long readNanos) {
        int nodes = path == Cell.Path.EXPANSION || path == Cell.Path.AGING ? 1 : 0;
        return result(new Cell(path, REFERENCE, 1, nodes), readNanos, 10, 0, Map.of(path.claim, 10L));
    }
}

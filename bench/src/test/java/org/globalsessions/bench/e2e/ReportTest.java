package org.globalsessions.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class ReportTest {

    private static ClosedLoop.Result result(Cell.Path path, Map<String, Long> tiers, long readNanos, long reads) {
        Histogram r = new Histogram(1, 60_000_000_000L, 3);
        r.recordValueWithCount(readNanos, reads);
        Histogram w = new Histogram(1, 60_000_000_000L, 3);
        Cell cell = new Cell(path, new Workload(100_000, 95, Workload.Popularity.UNIFORM), 1, 0);
        return new ClosedLoop.Result(cell, Duration.ofSeconds(2), r, w, tiers);
    }

    @Test
    void microsKeepsThreeSignificantFiguresForSmallValues() {
        assertEquals("0.31", Report.micros(312));
        assertEquals("42.4", Report.micros(42_400));
        assertEquals("1,204", Report.micros(1_204_000));
    }

    @Test
    void tableHasOneRowPerOperationThatRanWithThroughputAndAnswers() {
        String table = Report.table(List.of(result(Cell.Path.L2, Map.of("l2", 990L, "l1", 10L), 210_000, 1_000)));
        String[] lines = table.split("\n");
        assertEquals(3, lines.length, table);
        assertTrue(lines[2].contains("| get | 500 | 210 |"), lines[2]);
        assertTrue(lines[2].endsWith("| l2 99.0%, l1 1.0% |"), lines[2]);
    }

    @Test
    void aCellWhoseClaimedTierAnsweredTooFewReadsIsFlagged() {
        String answers = Report.answers(result(Cell.Path.EXPANSION, Map.of("expansion", 90L, "aging", 10L, "error", 3L), 500_000, 100));
        assertEquals("⚠ expansion 90.0%, aging 10.0% (path claims expansion); 3 failed", answers);
    }

    @Test
    void targetsCompareCellsOfTheReferenceWorkload() {
        Workload reference = new Workload(100_000, 95, Workload.Popularity.UNIFORM);
        String targets = Report.targets(List.of(result(Cell.Path.L2, Map.of("l2", 10L), 120_000, 10),
                result(Cell.Path.REDIS_TLS, Map.of("hit", 10L), 50_000, 10)), reference, 50);
        assertTrue(targets.contains("| L2 hit p50 ≤ 2 × Redis TLS GET p50 (1 client) | p50 120 vs 50.0 µs: 2.40× | **missed** |"), targets);
        assertTrue(targets.contains("| L1 hit (attached process) ≤ 0.5 × Chronicle Map get (mean, reads only, 1 client) | – | not measured |"), targets);
    }
}

package org.globalsessions.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ReportTest {

    private static ClosedLoop.Result result(Cell.Path path, Map<String, Long> tiers, long readNanos, long reads) {
        return TestResults.result(new Cell(path, TestResults.REFERENCE, 1, 0), readNanos, reads, 0, tiers);
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
    void cpuPerOperationHasOneRowPerCellThatReadItWithEachRoleAndEachExpansionNode() {
        ClosedLoop.Result plain = TestResults.result(new Cell(Cell.Path.EXPANSION, TestResults.REFERENCE, 64, 2), 500_000, 4_000, 0,
                Map.of("expansion", 4_000L));
        assertEquals("", Report.cpu(List.of(plain)));
        CpuUse cpu = new CpuUse(plain.measured(), List.of(
                new CpuUse.Used(new CpuUse.Member("r1", CpuUse.Role.RELAY, 1), 800_000),
                new CpuUse.Used(new CpuUse.Member("e1", CpuUse.Role.EXPANSION, 2), 200_000),
                new CpuUse.Used(new CpuUse.Member("e2", CpuUse.Role.EXPANSION, 3), 220_000),
                new CpuUse.Used(new CpuUse.Member("load-generator", CpuUse.Role.LOAD_GENERATOR, 4), 1_000_000)));
        ClosedLoop.Result read = new ClosedLoop.Result(plain.cell(), plain.measured(), plain.reads(), plain.writes(), plain.tiers(), cpu);
        String[] lines = Report.cpu(List.of(plain, read)).split("\n");
        assertEquals(3, lines.length, String.join("\n", lines));
        assertEquals("| expansion hit | 95/5 | 64 | 2 | 2,000 | 200 (0.40) | 105 (0.21) | e1 50.0 (0.10), e2 55.0 (0.11) | – | 250 (0.50) |",
                lines[2]);
    }

    @Test
    void targetsHaveOneRowEachWithTheCellTheFiguresAndTheStatus() {
        String targets = Report.targets(Targets.evaluate(List.of(TestResults.reference(Cell.Path.L2, 120_000),
                TestResults.reference(Cell.Path.REDIS_TLS, 50_000), TestResults.reference(Cell.Path.EXPANSION, 1_500_000)),
                TestResults.REFERENCE));
        assertEquals(2 + 13, targets.split("\n").length, targets);
        assertTrue(targets.contains("| L2 hit p50 ≤ 3× Redis TLS GET p50 | 100,000 keys, 95/5, uniform, 1 client | 120 vs 50.0 µs: 2.40× | met |"),
                targets);
        assertTrue(targets.contains("| expansion hit p99 ≤ 1,000 µs | 100,000 keys, 95/5, uniform, 1 client | 1,500 µs | **missed** |"), targets);
        assertTrue(targets.contains("| web farm: session validation p50 ≤ 0.05× Redis TLS GET p50 | – | – | " + Targets.NO_WEB_FARM + " |"),
                targets);
    }

    @Test
    void warmUpsSayHowLongEachPathWarmedAndItsBusiestJitInTheLastWindow() {
        CpuUse.Member relay = new CpuUse.Member("r1", CpuUse.Role.RELAY, 1);
        CpuUse.Member expansion = new CpuUse.Member("e1", CpuUse.Role.EXPANSION, 2);
        CpuUse.Member aging = new CpuUse.Member("a1", CpuUse.Role.AGING, 3);
        CpuUse last = new CpuUse(Duration.ofSeconds(15), List.of(new CpuUse.Used(relay, 6_000_000, 60_000),
                new CpuUse.Used(expansion, 3_000_000, 81_000), new CpuUse.Used(aging, 600_000, 300_000)));
        List<Report.PathWarmUp> warmUps = List.of(
                new Report.PathWarmUp("Redis: GET/SET, mutual TLS", new WarmUp.Warmed(Duration.ofSeconds(45), true,
                        new CpuUse(Duration.ofSeconds(15), List.of()))),
                new Report.PathWarmUp("global-sessions: expansion hit", new WarmUp.Warmed(Duration.ofMillis(119_600), true, last)),
                new Report.PathWarmUp("global-sessions: aging hit", new WarmUp.Warmed(Duration.ofSeconds(600), false, last)),
                new Report.PathWarmUp("Redis: GET/SET, plaintext", new WarmUp.Warmed(Duration.ofSeconds(2), true, null)));
        assertEquals("Warm-up per networked path, and in parentheses the role whose JIT compiler threads used the largest share "
                + "of its CPU in the last window (of those that used a tenth of a CPU or more): Redis: GET/SET, mutual TLS 45 s; global-sessions: expansion hit 120 s "
                + "(expansion node JIT 2.7 %); global-sessions: aging hit 600 s (expansion node JIT 2.7 %, **not yet quiet**); "
                + "Redis: GET/SET, plaintext 2 s.\n\n", Report.warmUps(warmUps));
        assertEquals("", Report.warmUps(List.of()));
    }
}

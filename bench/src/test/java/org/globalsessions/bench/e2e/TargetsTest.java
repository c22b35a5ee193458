package org.globalsessions.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

class TargetsTest {

    private static final Workload READS_ONLY = new Workload(100_000, 100, Workload.Popularity.UNIFORM);

    private static Map<String, Targets.Standing> evaluate(ClosedLoop.Result... results) {
        return Targets.evaluate(List.of(results), TestResults.REFERENCE).stream()
                .collect(Collectors.toMap(Targets.Standing::key, Function.identity()));
    }

    /** {@code ops} operations a second over the 2 s of a made-up cell, 5 % of them writes when {@code workload} says so. */
    private static ClosedLoop.Result throughput(Cell.Path path, Workload workload, int clients, int nodes, long ops) {
        long writes = ops * 2 * (100 - workload.readPercent()) / 100;
        return TestResults.result(new Cell(path, workload, clients, nodes), 500_000, ops * 2 - writes, writes, Map.of(path.claim, 1L));
    }

    @Test
    void everyTargetIsEvaluatedUnderItsKeyInOrder() {
        List<String> keys = Targets.evaluate(List.of(), TestResults.REFERENCE).stream().map(Targets.Standing::key).toList();
        assertEquals(List.of("l1_hit_mean", "l1_hit_alloc_bytes", "l2_hit_p50", "relay_reads_50c", "relay_9505_50c", "l3_hit_p99",
                "aging_hit_p99", "webfarm_validate_p50", "webfarm_validate_p99", "webfarm_throughput_50c", "webfarm_vs_near_cache_p50",
                "scaleout_l3_2v1", "scaleout_l3_3v1"), keys);
    }

    @Test
    void l2HitP50IsARatioToRedisTlsOnTheSameCell() {
        Targets.Standing l2 = evaluate(TestResults.reference(Cell.Path.L2, 120_000), TestResults.reference(Cell.Path.REDIS_TLS, 50_000))
                .get("l2_hit_p50");
        assertEquals(120.063, l2.value(), 1e-9);
        assertEquals(50.015, l2.peerValue(), 1e-9);
        assertEquals(120.063 / 50.015, l2.ratio(), 1e-9);
        assertEquals(Boolean.TRUE, l2.met());
        assertEquals(new Cell(Cell.Path.L2, TestResults.REFERENCE, 1, 0), l2.cell());
        assertNull(l2.note());
    }

    @Test
    void aRatioAboveItsLimitIsMissed() {
        Targets.Standing l2 = evaluate(TestResults.reference(Cell.Path.L2, 200_000), TestResults.reference(Cell.Path.REDIS_TLS, 50_000))
                .get("l2_hit_p50");
        assertEquals(Boolean.FALSE, l2.met());
    }

    @Test
    void relayThroughputCountsReadsAndWritesAtFiftyClients() {
        Map<String, Targets.Standing> targets = evaluate(
                throughput(Cell.Path.L2, TestResults.REFERENCE, 50, 0, 40_000), throughput(Cell.Path.REDIS_TLS, TestResults.REFERENCE, 50, 0, 50_000),
                throughput(Cell.Path.L2, READS_ONLY, 50, 0, 90_000), throughput(Cell.Path.REDIS_TLS, READS_ONLY, 50, 0, 60_000));
        Targets.Standing mixed = targets.get("relay_9505_50c");
        assertEquals(40_000, mixed.value(), 1e-9);
        assertEquals(0.8, mixed.ratio(), 1e-9);
        assertEquals(Boolean.FALSE, mixed.met());
        Targets.Standing reads = targets.get("relay_reads_50c");
        assertEquals(1.5, reads.ratio(), 1e-9);
        assertEquals(Boolean.TRUE, reads.met());
    }

    @Test
    void aTargetWhoseCellTheRunLeftOutHasNoValueAndNamesTheCell() {
        Targets.Standing reads = evaluate(throughput(Cell.Path.L2, READS_ONLY, 8, 0, 90_000),
                throughput(Cell.Path.REDIS_TLS, READS_ONLY, 8, 0, 60_000)).get("relay_reads_50c");
        assertNull(reads.value());
        assertNull(reads.ratio());
        assertNull(reads.met());
        assertEquals("not measured: this run has no cell global-sessions L2 hit (relay), 100,000 keys, 100/0, uniform, 50 clients",
                reads.note());
        Targets.Standing l2 = evaluate(TestResults.reference(Cell.Path.L2, 120_000)).get("l2_hit_p50");
        assertTrue(l2.note().contains("Redis GET/SET, mutual TLS"), l2.note());
    }

    @Test
    void expansionAndAgingP99AreAgainstOneMillisecondWithNoPeer() {
        Map<String, Targets.Standing> targets = evaluate(TestResults.reference(Cell.Path.EXPANSION, 900_000),
                TestResults.reference(Cell.Path.AGING, 1_100_000));
        assertEquals(Boolean.TRUE, targets.get("l3_hit_p99").met());
        assertNull(targets.get("l3_hit_p99").peer());
        assertNull(targets.get("l3_hit_p99").ratio());
        assertEquals(Boolean.FALSE, targets.get("aging_hit_p99").met());
    }

    @Test
    void scaleOutComparesTheLargestClientCountMeasuredOnBothNodeCounts() {
        Map<String, Targets.Standing> targets = evaluate(
                throughput(Cell.Path.EXPANSION, TestResults.REFERENCE, 16, 1, 1_000), throughput(Cell.Path.EXPANSION, TestResults.REFERENCE, 64, 1, 2_000),
                throughput(Cell.Path.EXPANSION, TestResults.REFERENCE, 16, 2, 3_000), throughput(Cell.Path.EXPANSION, TestResults.REFERENCE, 64, 2, 4_000),
                throughput(Cell.Path.EXPANSION, TestResults.REFERENCE, 16, 3, 6_000));
        Targets.Standing two = targets.get("scaleout_l3_2v1");
        assertEquals(64, two.cell().clients());
        assertEquals(2.0, two.ratio(), 1e-9);
        assertEquals(Boolean.TRUE, two.met());
        Targets.Standing three = targets.get("scaleout_l3_3v1");
        assertEquals(16, three.cell().clients());
        assertEquals(6.0, three.ratio(), 1e-9);
        assertNull(evaluate().get("scaleout_l3_3v1").value());
    }

    /** {@code result} with {@code cpu} read over its measured period. */
    private static ClosedLoop.Result withCpu(ClosedLoop.Result r, long relayMicros, long... expansionMicros) {
        java.util.List<CpuUse.Used> used = new java.util.ArrayList<>();
        used.add(new CpuUse.Used(new CpuUse.Member("r1", CpuUse.Role.RELAY, 1), relayMicros));
        for (int i = 0; i < expansionMicros.length; i++) {
            used.add(new CpuUse.Used(new CpuUse.Member("e" + (i + 1), CpuUse.Role.EXPANSION, 2 + i), expansionMicros[i]));
        }
        return new ClosedLoop.Result(r.cell(), r.measured(), r.reads(), r.writes(), r.tiers(), new CpuUse(r.measured(), used));
    }

    @Test
    void scaleOutWithoutCpuBudgetsSaysItDoesNotShowCapacityPerNode() {
        Targets.Standing two = evaluate(throughput(Cell.Path.EXPANSION, TestResults.REFERENCE, 64, 1, 1_000),
                throughput(Cell.Path.EXPANSION, TestResults.REFERENCE, 64, 2, 900)).get("scaleout_l3_2v1");
        assertEquals(0.9, two.ratio(), 1e-9);
        assertEquals(Targets.NO_BUDGET, two.note());
        assertTrue(evaluate().get("scaleout_l3_2v1").note().startsWith("not measured: "), "a target not measured keeps its own note");
    }

    @Test
    void scaleOutUnderCpuBudgetsNamesThemAndTheCpuPerOperationOfEachRole() {
        // 2 s cells: 2,000 and 4,000 operations
        ClosedLoop.Result one = withCpu(throughput(Cell.Path.EXPANSION, TestResults.REFERENCE, 64, 1, 1_000), 400_000, 200_000);
        ClosedLoop.Result two = withCpu(throughput(Cell.Path.EXPANSION, TestResults.REFERENCE, 64, 2, 2_000), 720_000, 200_000, 200_000);
        List<Targets.Standing> all = Targets.evaluate(List.of(one, two), TestResults.REFERENCE, null, new CpuBudget(65, 10, 5));
        Targets.Standing scale = all.stream().filter(s -> s.key().equals("scaleout_l3_2v1")).findFirst().orElseThrow();
        assertEquals(2.0, scale.ratio(), 1e-9);
        assertEquals("measured under CPU budgets: " + new CpuBudget(65, 10, 5).describe()
                + "; CPU µs/op at 1 node: relay+sibling 200, expansion nodes 100 at 2 nodes: relay+sibling 180, expansion nodes 100",
                scale.note());
        Targets.Standing three = all.stream().filter(s -> s.key().equals("scaleout_l3_3v1")).findFirst().orElseThrow();
        assertNull(three.value());
        assertTrue(three.note().startsWith("not measured: "), three.note());
    }

    @Test
    void theExpansionHitP99UnderCpuBudgetsSaysSo() {
        Targets.Standing p99 = Targets.evaluate(List.of(TestResults.reference(Cell.Path.EXPANSION, 900_000)), TestResults.REFERENCE,
                null, CpuBudget.DEFAULT).stream().filter(s -> s.key().equals("l3_hit_p99")).findFirst().orElseThrow();
        assertTrue(p99.note().startsWith("measured under CPU budgets ("), p99.note());
        assertNull(evaluate(TestResults.reference(Cell.Path.EXPANSION, 900_000)).get("l3_hit_p99").note());
    }

    @Test
    void theL1TargetsComeFromTheJmhResultOfClientL1Bench(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path json = dir.resolve("jmh.json");
        java.nio.file.Files.writeString(json, """
                [ { "benchmark" : "org.globalsessions.bench.ClientL1Bench.chronicleMapGetUsing",
                    "primaryMetric" : { "score" : 303.0, "scoreUnit" : "ns/op" },
                    "secondaryMetrics" : { "gc.alloc.rate.norm" : { "score" : 0.2, "scoreUnit" : "B/op" } } },
                  { "benchmark" : "org.globalsessions.bench.ClientL1Bench.getInto",
                    "primaryMetric" : { "score" : 0.277, "scoreUnit" : "us/op" },
                    "secondaryMetrics" : { "gc.alloc.rate.norm" : { "score" : 0.19, "scoreUnit" : "B/op" } } } ]
                """);
        JmhL1 l1 = JmhL1.read(json);
        assertEquals(new JmhL1(277.0, 0.19, 303.0), l1);
        Map<String, Targets.Standing> targets = Targets.evaluate(List.of(), TestResults.REFERENCE, l1).stream()
                .collect(Collectors.toMap(Targets.Standing::key, Function.identity()));
        Targets.Standing mean = targets.get("l1_hit_mean");
        assertEquals(277.0 / 303.0, mean.ratio(), 1e-9);
        assertFalse(mean.met(), "0.91x against a limit of 0.8x");
        assertTrue(targets.get("l1_hit_alloc_bytes").met(), "0.19 B/op is JMH's own noise: allocation-free");

        java.nio.file.Files.writeString(json, "[ { \"benchmark\" : \"org.globalsessions.bench.ClientL1Bench.getInto\", "
                + "\"primaryMetric\" : { \"score\" : 277.0, \"scoreUnit\" : \"ns/op\" } } ]");
        var e = assertThrows(IllegalArgumentException.class, () -> JmhL1.read(json));
        assertTrue(e.getMessage().contains("no result of org.globalsessions.bench.ClientL1Bench.chronicleMapGetUsing"), e.getMessage());
    }

    @Test
    void withoutAJmhResultTheL1TargetsAndTheWebFarmOnesAreNotMeasuredHere() {
        Map<String, Targets.Standing> targets = evaluate(TestResults.reference(Cell.Path.L1, 800), TestResults.reference(Cell.Path.CHRONICLE_MAP, 900));
        for (String key : List.of("l1_hit_mean", "l1_hit_alloc_bytes")) {
            assertFalse(targets.get(key).measured(), key);
            assertEquals(Targets.NO_JMH, targets.get(key).note());
        }
        for (String key : List.of("webfarm_validate_p50", "webfarm_validate_p99", "webfarm_throughput_50c", "webfarm_vs_near_cache_p50")) {
            assertNull(targets.get(key).met(), key);
            assertEquals(Targets.NO_WEB_FARM, targets.get(key).note());
        }
    }

    @Test
    void aMeasuredCellWhoseClaimedTierAnsweredTooFewReadsCarriesANote() {
        ClosedLoop.Result mostlyL1 = TestResults.result(new Cell(Cell.Path.L2, TestResults.REFERENCE, 1, 0), 120_000, 10, 0,
                Map.of("l2", 8L, "l1", 2L));
        Targets.Standing l2 = evaluate(mostlyL1, TestResults.reference(Cell.Path.REDIS_TLS, 50_000)).get("l2_hit_p50");
        assertEquals("answers: ⚠ l2 80.0%, l1 20.0% (path claims l2)", l2.note());
    }

    @Test
    void boundsReadAsWordsAndCompareAsSaid() {
        assertEquals("<= 3x peer", Targets.Bound.ratio("<=", 3).text("µs"));
        assertEquals(">= 1.5x peer", Targets.Bound.ratio(">=", 1.5).text("ops/s"));
        assertEquals("<= 1000 µs", Targets.Bound.value("<=", 1_000).text("µs"));
        assertTrue(Targets.Bound.ratio("<", 1).holds(0.99));
        assertFalse(Targets.Bound.ratio("<", 1).holds(1));
        assertTrue(Targets.Bound.ratio(">=", 1.5).holds(1.5));
    }
}

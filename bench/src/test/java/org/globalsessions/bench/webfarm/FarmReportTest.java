package org.globalsessions.bench.webfarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import org.globalsessions.bench.e2e.CpuUse;
import org.globalsessions.bench.e2e.WarmUp;

class FarmReportTest {

    private static final StaleChecks.Totals CLEAN = new StaleChecks.Totals(10, 10, 0, 0, List.of());
    private static final FarmReport.Run RUN = new FarmReport.Run("abc1234", Instant.parse("2026-12-06T17:00:00Z"), 2, "EPYC",
            "Java 17", "Linux", "1", "2", "bench/run-webfarm.sh", "settings", "webfarm-20261206-170000.md");

    /** A cell whose every validation took {@code validateNanos}, with {@code steps} steps over 2 s and {@code cpu} used in them. */
    private static FarmLoad.Result cell(int clients, long validateNanos, long steps, Map<String, Long> answers, CpuUse.Used... cpu) {
        Histogram v = AppStats.histogram();
        v.recordValueWithCount(validateNanos, 100);
        Histogram l = AppStats.histogram();
        l.recordValue(500_000);
        AppStats.Snapshot app = new AppStats.Snapshot(l, v, l.copy(), AppStats.histogram(), answers);
        Duration measured = Duration.ofSeconds(2);
        return new FarmLoad.Result(clients, measured, 0, steps, 0, 0, 0, app, new CpuUse(measured, List.of(cpu)));
    }

    private static CpuUse.Used used(String name, CpuUse.Role role, long micros) {
        return new CpuUse.Used(new CpuUse.Member(name, role, 1), micros);
    }

    private static List<FarmReport.BackendRun> run() {
        return List.of(
                new FarmReport.BackendRun(FarmReport.GLOBAL_SESSIONS, List.of(
                        // 4 000 steps in 2 s: two app JVMs 1.6 s together, 400 µs a step, 0.8 of a CPU
                        cell(1, 1_000, 4_000, Map.of("validate:l1", 75L, "validate:l2", 25L),
                                used("h0-p0", CpuUse.Role.APP, 1_000_000), used("h0-p1", CpuUse.Role.APP, 600_000),
                                used("r1", CpuUse.Role.RELAY, 400_000), used("e1", CpuUse.Role.EXPANSION, 80_000),
                                used("a1", CpuUse.Role.AGING, 20_000), used("load-generator", CpuUse.Role.LOAD_GENERATOR, 200_000)),
                        cell(50, 2_000, 100_000, Map.of("validate:l1", 100L), used("h0-p0", CpuUse.Role.APP, 3_000_000))), CLEAN),
                new FarmReport.BackendRun(FarmReport.REDIS_TLS, List.of(
                        cell(1, 40_000, 2_000, Map.of("validate:redis", 100L), used("h0-p0", CpuUse.Role.APP, 800_000),
                                used("redis-server", CpuUse.Role.REDIS, 100_000),
                                used("load-generator", CpuUse.Role.LOAD_GENERATOR, 40_000)),
                        cell(50, 300_000, 40_000, Map.of("validate:redis", 100L))), CLEAN),
                new FarmReport.BackendRun(FarmReport.NEAR_CACHE, List.of(
                        cell(1, 800, 3_000, Map.of("validate:near", 90L, "validate:redis", 10L))),
                        new StaleChecks.Totals(10, 10, 2, 0, List.of("abc"))));
    }

    @Test
    void eachTargetIsTheRatioToItsPeerInTheSameRun() {
        List<FarmReport.Target> targets = FarmReport.targets(run());
        assertEquals(List.of("webfarm_validate_p50", "webfarm_validate_p99", "webfarm_throughput_50c", "webfarm_vs_near_cache_p50"),
                targets.stream().map(FarmReport.Target::key).toList());
        FarmReport.Target p50 = targets.get(0);
        assertEquals(1.0, p50.value(), 0.01);
        assertEquals(40.0, p50.peerValue(), 0.1);
        assertEquals(0.025, p50.ratio(), 0.001);
        assertTrue(p50.met());
        FarmReport.Target throughput = targets.get(2);
        assertEquals(50_000, throughput.value(), 1);
        assertEquals(2.5, throughput.ratio(), 0.001);
        assertFalse(throughput.met(), "2.5x is short of 5x");
        FarmReport.Target nearCache = targets.get(3);
        assertEquals(1.25, nearCache.ratio(), 0.01);
        assertFalse(nearCache.met(), "slower than the near cache's p50");
    }

    @Test
    void aTargetWithoutItsPeerIsNotMeasuredAndSaysWhy() {
        List<FarmReport.BackendRun> onlyOurs = run().subList(0, 1);
        FarmReport.Target p50 = FarmReport.targets(onlyOurs).get(0);
        assertNull(p50.value());
        assertNull(p50.ratio());
        assertNull(p50.met());
        assertTrue(p50.note().contains("redis-tls"), p50.note());
    }

    @Test
    void localHitRatioCountsL1OrTheNearCacheAndNothingForJedis() {
        List<FarmReport.BackendRun> runs = run();
        assertEquals(0.75, FarmReport.localHitRatio(FarmReport.GLOBAL_SESSIONS, runs.get(0).cells().get(0)), 1e-9);
        assertNull(FarmReport.localHitRatio(FarmReport.REDIS_TLS, runs.get(1).cells().get(0)));
        assertEquals(0.9, FarmReport.localHitRatio(FarmReport.NEAR_CACHE, runs.get(2).cells().get(0)), 1e-9);
    }

    @Test
    void jsonHasEveryTargetKeyWithItsFieldsAndEscapesStrings() {
        List<FarmReport.BackendRun> runs = run();
        FarmReport.Run info = new FarmReport.Run("abc1234-dirty", Instant.parse("2026-12-06T17:00:00Z"), 2, "EPYC", "Java 17",
                "Linux", "1.0 2.0 3.0", "2.0 2.0 2.0", "bench/run-webfarm.sh \"quoted\"", "settings", "webfarm-20261206-170000.md");
        String json = FarmReport.json(info, runs, FarmReport.targets(runs));
        for (String key : List.of("webfarm_validate_p50", "webfarm_validate_p99", "webfarm_throughput_50c", "webfarm_vs_near_cache_p50")) {
            Matcher m = Pattern.compile("\"" + key + "\": \\{([^}]*)}").matcher(json);
            assertTrue(m.find(), key + " in " + json);
            for (String field : List.of("\"value\"", "\"unit\"", "\"peer\"", "\"peer_value\"", "\"ratio\"", "\"target\"", "\"met\"")) {
                assertTrue(m.group(1).contains(field + ": "), key + " lacks " + field + ": " + m.group(1));
            }
        }
        assertTrue(json.contains("\"ratio\": 0.025"), json);
        assertTrue(json.contains("\"target\": \"<= 0.05x peer\""), json);
        assertTrue(json.contains("\"met\": false"), json);
        assertTrue(json.contains("\"command\": \"bench/run-webfarm.sh \\\"quoted\\\"\""), json);
        assertTrue(json.contains("\"lettuce-near-cache\": { \"scheduled\": 10, \"checked\": 10, \"found\": 2"), json);
        assertEquals(count(json, '{'), count(json, '}'));
        assertEquals(count(json, '['), count(json, ']'));
    }

    @Test
    void markdownShowsEveryCellAndTheStaleReads() {
        List<FarmReport.BackendRun> runs = run();
        String md = FarmReport.markdown(RUN, runs, FarmReport.targets(runs));
        assertTrue(md.startsWith("# Web farm, run of 20261206-170000 UTC"), md);
        assertTrue(md.contains("| global-sessions | 1 | 1.00 | 1.00 | 1.00 |"), md);
        assertTrue(md.contains("| 75.0 % | — | l1 75.0 %, l2 25.0 % |"), md);
        assertTrue(md.contains("| lettuce-near-cache | 10 | 10 | **2** | 0 | abc |"), md);
        assertTrue(md.contains("**missed**"), md);
    }

    @Test
    void cpuTableHasARowPerCellAndAColumnPerRoleSomeCellRead() {
        String table = FarmReport.cpuTable(run());
        assertEquals(List.of(
                "| backend | clients | ops/s | app processes | relay+sibling | expansion node | aging node | redis-server | load generator |",
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
                "| global-sessions | 1 | 2,000 | 400 (0.80) | 100 (0.20) | 20.0 (0.04) | 5.0 (0.01) | — | 50.0 (0.10) |",
                "| global-sessions | 50 | 50,000 | 30.0 (1.50) | — | — | — | — | — |",
                "| redis-tls | 1 | 1,000 | 400 (0.40) | — | — | — | 50.0 (0.05) | 20.0 (0.02) |",
                "| redis-tls | 50 | 20,000 | — | — | — | — | — | — |",
                "| lettuce-near-cache | 1 | 1,500 | — | — | — | — | — | — |"), table.lines().toList());
        assertTrue(FarmReport.cpuTable(run().subList(1, 3)).startsWith(
                "| backend | clients | ops/s | app processes | redis-server | load generator |\n|---|---:|---:|---:|---:|---:|\n"),
                "no cluster, no cluster columns");
    }

    @Test
    void cpuLineNamesEachRoleTheCellRead() {
        List<FarmReport.BackendRun> runs = run();
        assertEquals("app processes 400 (0.40), redis-server 50.0 (0.05), load generator 20.0 (0.02)",
                FarmReport.cpu(runs.get(1).cells().get(0)));
        assertEquals("—", FarmReport.cpu(runs.get(1).cells().get(1)));
    }

    @Test
    void markdownHasTheCpuSectionBetweenTheCellsAndTheStaleReads() {
        List<FarmReport.BackendRun> runs = run();
        String md = FarmReport.markdown(RUN, runs, FarmReport.targets(runs));
        int cpu = md.indexOf("\n## CPU per operation\n");
        assertTrue(md.indexOf("\n## Cells\n") < cpu && cpu < md.indexOf("\n## Reads of logged-out sessions\n"), md);
        assertTrue(md.contains("The machine has 2:"), md);
        assertTrue(md.contains(FarmReport.cpuTable(runs)), md);
    }

    @Test
    void jsonGivesEachCellTheCpuOfEveryRoleItRead() {
        List<FarmReport.BackendRun> runs = run();
        String json = FarmReport.json(RUN, runs, FarmReport.targets(runs));
        assertTrue(json.contains("\"lost\": 0, \"cpu\": { \"app processes\": { \"micros_per_op\": 400.0, \"cpus\": 0.8, \"jit_share\": 0.0 }, "
                + "\"relay+sibling\": { \"micros_per_op\": 100.0, \"cpus\": 0.2, \"jit_share\": 0.0 }, "
                + "\"expansion node\": { \"micros_per_op\": 20.0, \"cpus\": 0.04, \"jit_share\": 0.0 }, "
                + "\"aging node\": { \"micros_per_op\": 5.0, \"cpus\": 0.01, \"jit_share\": 0.0 }, "
                + "\"load generator\": { \"micros_per_op\": 50.0, \"cpus\": 0.1, \"jit_share\": 0.0 } } }"), json);
        assertTrue(json.contains("\"redis-server\": { \"micros_per_op\": 50.0, \"cpus\": 0.05, \"jit_share\": 0.0 }"), json);
        assertEquals(2, json.split("\"cpu\": \\{\\}", -1).length - 1, "cells that read nothing: " + json);
    }

    /** Each backend's warm-up, with its app processes' JIT share over the last window, in the report and the JSON. */
    @Test
    void theReportSaysHowLongEachBackendWarmedUpAndWhetherItsJitWasQuiet() {
        CpuUse.Member app = new CpuUse.Member("h0-p0", CpuUse.Role.APP, 1);
        WarmUp.Warmed quiet = new WarmUp.Warmed(Duration.ofSeconds(315), true,
                new CpuUse(Duration.ofSeconds(15), List.of(new CpuUse.Used(app, 10_000_000, 200_000))));
        WarmUp.Warmed busy = new WarmUp.Warmed(Duration.ofSeconds(900), false,
                new CpuUse(Duration.ofSeconds(15), List.of(new CpuUse.Used(app, 10_000_000, 1_000_000))));
        List<FarmReport.BackendRun> runs = List.of(new FarmReport.BackendRun("global-sessions", List.of(), CLEAN, quiet),
                new FarmReport.BackendRun("redis-tls", List.of(), CLEAN, busy), new FarmReport.BackendRun("lettuce-near-cache", List.of(), CLEAN));
        assertEquals("Warm-up per backend, at the largest client count, until the app processes' JIT compiler threads used little "
                + "of their CPU over a window (their share in the last window in parentheses): global-sessions 315 s (JIT 2.0 %), "
                + "redis-tls 900 s (JIT 10.0 %, **not yet quiet**).\n\n", FarmReport.warmups(runs));
        String json = FarmReport.json(RUN, runs, FarmReport.targets(runs));
        assertTrue(json.contains("\"warmups\": {\n    \"global-sessions\": { \"seconds\": 315.0, \"quiet\": true, \"app_jit_share\": 0.02 },\n"
                + "    \"redis-tls\": { \"seconds\": 900.0, \"quiet\": false, \"app_jit_share\": 0.1 }\n  }\n}"), json);
        assertEquals("", FarmReport.warmups(List.of(runs.get(2))), "none told");
    }

    @Test
    void snapshotsCrossTheWireAndMerge() throws IOException {
        AppStats stats = new AppStats();
        stats.validation(1_000, "l1");
        stats.validation(2_000, null);
        stats.repeat(800);
        stats.login(300_000);
        stats.failed("logout");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        stats.interval().write(new DataOutputStream(bytes));
        AppStats.Snapshot read = AppStats.Snapshot.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        assertEquals(2, read.validations().getTotalCount());
        assertEquals(1, read.logins().getTotalCount());
        assertEquals(1, read.repeats().getTotalCount());
        assertEquals(Map.of("validate:l1", 1L, "validate:none", 1L, "failed:logout", 1L), read.counts());
        AppStats.Snapshot merged = read.merge(read);
        assertEquals(4, merged.validations().getTotalCount());
        assertEquals(2, merged.repeats().getTotalCount());
        assertEquals(2L, merged.count("validate:l1"));
        assertEquals(0, stats.interval().validations().getTotalCount(), "an interval starts again");
    }

    private static long count(String s, char c) {
        return s.chars().filter(x -> x == c).count();
    }
}

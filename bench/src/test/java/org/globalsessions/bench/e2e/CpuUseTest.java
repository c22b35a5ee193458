package org.globalsessions.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

class CpuUseTest {

    private static final List<CpuUse.Member> MEMBERS = List.of(new CpuUse.Member("r1", CpuUse.Role.RELAY, 11),
            new CpuUse.Member("e1", CpuUse.Role.EXPANSION, 12), new CpuUse.Member("e2", CpuUse.Role.EXPANSION, 13),
            new CpuUse.Member("a1", CpuUse.Role.AGING, 14));

    @Test
    void ticksBecomeMicrosAndEachRoleSumsItsProcesses() {
        CpuUse.Clock clock = new CpuUse.Clock(MEMBERS, 100);
        CpuUse use = clock.between(reading(1_000, 500, 600, 70), reading(1_600, 600, 700, 71), Duration.ofSeconds(10));
        assertEquals(6_000_000, use.of(CpuUse.Role.RELAY).get(0).micros());
        // 10 000 operations: the relay 600 µs each, the two expansion nodes 100 + 100
        assertEquals(600, use.microsPerOp(CpuUse.Role.RELAY, 10_000).orElseThrow(), 1e-9);
        assertEquals(200, use.microsPerOp(CpuUse.Role.EXPANSION, 10_000).orElseThrow(), 1e-9);
        assertEquals(0.6, use.cpus(use.of(CpuUse.Role.RELAY).get(0)), 1e-9);
        assertEquals(0.2, use.cpus(CpuUse.Role.EXPANSION), 1e-9);
        assertEquals("200 (0.20)", use.perOpAndCpus(CpuUse.Role.EXPANSION, 10_000).orElseThrow());
        assertEquals("1.0 (0.20)", use.perOpAndCpus(CpuUse.Role.EXPANSION, 2_000_000).orElseThrow());
        assertTrue(use.perOpAndCpus(CpuUse.Role.APP, 10_000).isEmpty(), "not a member");
        assertTrue(use.microsPerOp(CpuUse.Role.LOAD_GENERATOR, 10_000).isEmpty(), "not a member");
        assertTrue(use.microsPerOp(CpuUse.Role.RELAY, 0).isEmpty(), "no operations");
    }

    @Test
    void aProcessNotReadAtBothEndsIsLeftOut() {
        CpuUse use = new CpuUse.Clock(MEMBERS, 100).between(reading(1, -1, 5, 7), reading(2, 3, -1, 8), Duration.ofSeconds(1));
        assertEquals(List.of("r1", "a1"), use.used().stream().map(u -> u.member().name()).toList());
    }

    /** The JIT compiler threads' share of a role's time; JIT time not read at both ends counts 0, and never more than the whole. */
    @Test
    void theJitShareIsTheCompilerThreadsPartOfEachRolesTime() {
        CpuUse.Clock clock = new CpuUse.Clock(MEMBERS, 100);
        CpuUse use = clock.between(new CpuUse.Clock.Reading(new long[] {0, 0, 0, 0}, new long[] {0, 0, -1, 0}),
                new CpuUse.Clock.Reading(new long[] {100, 100, 100, 0}, new long[] {10, 30, 50, 0}), Duration.ofSeconds(1));
        assertEquals(0.1, use.jitShare(CpuUse.Role.RELAY).orElseThrow(), 1e-9);
        assertEquals(0.15, use.jitShare(CpuUse.Role.EXPANSION).orElseThrow(), 1e-9, "e2's JIT time was not read at the start");
        assertTrue(use.jitShare(CpuUse.Role.AGING).isEmpty(), "no time used");
        assertTrue(use.jitShare(CpuUse.Role.APP).isEmpty(), "not a member");
        CpuUse capped = clock.between(new CpuUse.Clock.Reading(new long[] {0, 0, 0, 0}, new long[] {0, 0, 0, 0}),
                new CpuUse.Clock.Reading(new long[] {10, 0, 0, 0}, new long[] {12, 0, 0, 0}), Duration.ofSeconds(1));
        assertEquals(1.0, capped.jitShare(CpuUse.Role.RELAY).orElseThrow(), 1e-9);
        assertEquals("100 (2.00, JIT 15.0 %)", use.perOpAndCpus(CpuUse.Role.EXPANSION, 20_000).orElseThrow());
    }

    @Test
    void theClockReadsThisJvmsCompilerThreads() {
        CpuUse.Clock.Reading now = new CpuUse.Clock(List.of(CpuUse.loadGenerator())).read();
        assertTrue(now.jit()[0] > 0 && now.jit()[0] <= now.cpu()[0], "JIT " + now.jit()[0] + " of " + now.cpu()[0] + " ticks");
    }

    /** Every member's CPU ticks; no JIT time. */
    private static CpuUse.Clock.Reading reading(long... cpu) {
        return new CpuUse.Clock.Reading(cpu, new long[cpu.length]);
    }

    @Test
    void theClockSeesThisJvmsCpuTimeGrow() {
        CpuUse.Clock clock = new CpuUse.Clock(List.of(CpuUse.loadGenerator()), ProcStat.ticksPerSecond());
        CpuUse.Clock.Reading before = clock.read();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        long x = 0;
        while (clock.read().cpu()[0] == before.cpu()[0] && System.nanoTime() < deadline) {
            for (int i = 0; i < 1_000_000; i++) {
                x += x * 31 + i;
            }
        }
        CpuUse use = clock.since(before, Duration.ofSeconds(1));
        assertEquals(1, use.used().size(), "x=" + x);
        assertTrue(use.used().get(0).micros() > 0, "spun until a tick passed: " + use);
    }
}

package org.globalsessions.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.junit.jupiter.api.Test;

class WarmUpTest {

    private static final CpuUse.Member RELAY = new CpuUse.Member("r1", CpuUse.Role.RELAY, 1);
    private static final CpuUse.Member AGING = new CpuUse.Member("a1", CpuUse.Role.AGING, 2);
    private static final List<CpuUse.Role> ALL = List.of(CpuUse.Role.values());

    /** Over 10 s: the relay used {@code relayCpus} CPUs, {@code relayJitCpus} in its JIT; the aging node likewise. */
    private static CpuUse tenSeconds(double relayCpus, double relayJitCpus, double agingCpus, double agingJitCpus) {
        return new CpuUse(Duration.ofSeconds(10), List.of(
                new CpuUse.Used(RELAY, (long) (relayCpus * 10e6), (long) (relayJitCpus * 10e6)),
                new CpuUse.Used(AGING, (long) (agingCpus * 10e6), (long) (agingJitCpus * 10e6))));
    }

    @Test
    void aRoleIsQuietWhenItsJitUsedAtMostTheShareOfItsCpuAndARoleThatHardlyRanIsNotJudged() {
        assertTrue(WarmUp.jitQuiet(tenSeconds(1.5, 0.045, 0, 0), 3, ALL), "3 % of 1.5 CPUs");
        assertFalse(WarmUp.jitQuiet(tenSeconds(1.5, 0.05, 0, 0), 3, ALL), "over 3 % of 1.5 CPUs");
        assertFalse(WarmUp.jitQuiet(tenSeconds(0.38, 0.02, 0, 0), 3, ALL), "5 % of 0.38 CPUs, though under 3 % of one CPU");
        // an idle aging node compiling a little: half its time, but it used 0.04 CPUs
        assertTrue(WarmUp.jitQuiet(tenSeconds(0.9, 0.01, 0.04, 0.02), 3, ALL), "the aging node hardly ran");
        assertFalse(WarmUp.jitQuiet(tenSeconds(0.9, 0.01, 0.2, 0.1), 3, ALL), "the aging node ran, half of it in its JIT");
        assertTrue(WarmUp.jitQuiet(tenSeconds(0.9, 0.01, 0.2, 0.1), 3, List.of(CpuUse.Role.RELAY)), "only the roles named are judged");
        assertTrue(WarmUp.jitQuiet(new CpuUse(Duration.ofSeconds(10), List.of()), 3, ALL), "nothing read: nothing compiling");
    }

    @Test
    void describeGivesEachReadRoleItsCpusAndJitShare() {
        assertEquals("relay+sibling 1.50 CPUs, JIT 4.0 %; aging node 0.04 CPUs, JIT 50.0 %",
                WarmUp.describe(tenSeconds(1.5, 0.06, 0.04, 0.02), ALL));
    }

    @Test
    void aJitQuietPercentageIsANumberFrom0To100() {
        assertEquals(2.5, WarmUp.percent("--jit-quiet", "2.5"));
        assertEquals("--jit-quiet=101 must be a percentage, 0 to 100",
                assertThrows(IllegalArgumentException.class, () -> WarmUp.percent("--jit-quiet", "101")).getMessage());
        assertEquals("--jit-quiet=lots is not a number",
                assertThrows(IllegalArgumentException.class, () -> WarmUp.percent("--jit-quiet", "lots")).getMessage());
    }

    @Test
    void theMostMayNotBeUnderTheLeast() {
        assertThrows(IllegalArgumentException.class, () -> new WarmUp(Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(1), c -> true));
    }

    /**
     * A path's warm-up runs the cell's loop, records nothing, and ends at the first window whose
     * JIT is quiet: here the relay's JIT share is half, then a quarter, then a fiftieth.
     */
    @Test
    void aClosedLoopWarmUpRunsTheLoopUntilAWindowIsQuiet() throws Exception {
        AtomicLong cpu = new AtomicLong();
        AtomicLong jit = new AtomicLong();
        AtomicLong reads = new AtomicLong();
        long[] jitPerWindow = {50, 25, 2};
        CpuUse.Clock clock = new CpuUse.Clock(List.of(RELAY), 100, pid -> cpu.addAndGet(100), pid -> {
            long read = reads.getAndIncrement(); // each window reads at its start (even) and its end (odd)
            return jit.addAndGet(read % 2 == 1 ? jitPerWindow[(int) Math.min(read / 2, 2)] : 0);
        });
        LongAdder operations = new LongAdder();
        Target target = new Target() {
            @Override
            public Connection connect() {
                return new Connection() {
                    @Override
                    public String get(String key) {
                        operations.increment();
                        return "hit";
                    }

                    @Override
                    public void set(String key, byte[] value) {
                        operations.increment();
                    }
                };
            }

            @Override
            public void close() {
            }
        };
        String[] keys = E2eData.keys(100);
        ClosedLoop loop = new ClosedLoop(Duration.ZERO, Duration.ofSeconds(1), 1_000);
        WarmUp.Warmed warmed = loop.warmUp(new Cell(Cell.Path.L2, new Workload(100, 95, Workload.Popularity.UNIFORM), 2, 0), target,
                keys, E2eData.values(), new WarmUp(Duration.ofMillis(30), Duration.ofMinutes(5), Duration.ofMillis(20),
                        c -> WarmUp.jitQuiet(c, 3, ALL)), clock);
        assertTrue(warmed.steady(), "the third window is quiet: " + warmed);
        assertEquals(0.02, warmed.last().jitShare(CpuUse.Role.RELAY).orElseThrow(), 1e-9);
        assertEquals(6, reads.get(), "three windows, each read at its start and end");
        assertTrue(operations.sum() > 0, "the clients ran the loop");
        assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().startsWith("e2e-client-") && t.isAlive()),
                "the clients stopped with the warm-up");
    }
}

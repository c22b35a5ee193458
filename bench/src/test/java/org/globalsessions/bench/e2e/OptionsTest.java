package org.globalsessions.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.Set;

import org.junit.jupiter.api.Test;

class OptionsTest {

    private static Options withPaths(String paths) {
        return Options.parse(new String[] {"--certs", "c", "--launcher", "l.jar", "--work", "w", "--paths", paths});
    }

    @Test
    void expansionIsAPathAndL3FromEarlierCommandsMeansIt() {
        assertEquals(Set.of(Cell.Path.EXPANSION, Cell.Path.AGING), withPaths("expansion,aging").paths());
        assertEquals(Set.of(Cell.Path.EXPANSION, Cell.Path.REDIS_TLS), withPaths("l3, redis-tls").paths());
    }

    @Test
    void cpuBudgetsAreOptInAndReadFromTheirSpec() {
        assertEquals(null, withPaths("expansion").cpuBudget());
        Options options = Options.parse(new String[] {"--certs", "c", "--launcher", "l.jar", "--work", "w", "--cpu-budget", "expansion=12"});
        assertEquals(new CpuBudget(CpuBudget.DEFAULT_RELAY, 12, CpuBudget.DEFAULT_AGING), options.cpuBudget());
        assertThrows(IllegalArgumentException.class,
                () -> Options.parse(new String[] {"--certs", "c", "--launcher", "l.jar", "--work", "w", "--cpu-budget", "on"}));
    }

    @Test
    void aPathWarmsUpUntilItsJitIsQuietWithinItsBounds() {
        Options defaults = withPaths("l2");
        assertEquals(Duration.ofSeconds(30), defaults.pathWarmup());
        assertEquals(Duration.ofSeconds(600), defaults.pathWarmupMax());
        assertEquals(3, defaults.jitQuiet());
        Options longer = Options.parse(new String[] {"--certs", "c", "--launcher", "l.jar", "--work", "w", "--path-warmup", "900"});
        assertEquals(Duration.ofSeconds(900), longer.pathWarmupMax(), "at least the least");
        Options fixed = Options.parse(new String[] {"--certs", "c", "--launcher", "l.jar", "--work", "w", "--path-warmup", "2",
                "--path-warmup-max", "2", "--jit-quiet", "5"});
        assertEquals(fixed.pathWarmup(), fixed.pathWarmupMax());
        assertEquals(5, fixed.jitQuiet());
        assertEquals("--jit-quiet=-1 must be a percentage, 0 to 100", assertThrows(IllegalArgumentException.class,
                () -> Options.parse(new String[] {"--certs", "c", "--launcher", "l.jar", "--work", "w", "--jit-quiet", "-1"})).getMessage());
    }

    @Test
    void anUnknownPathIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> withPaths("l4"));
    }
}

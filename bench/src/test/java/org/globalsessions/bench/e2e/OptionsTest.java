package org.globalsessions.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
    void anUnknownPathIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> withPaths("l4"));
    }
}

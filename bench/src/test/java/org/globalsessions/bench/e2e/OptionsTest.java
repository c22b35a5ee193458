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
    void anUnknownPathIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> withPaths("l4"));
    }
}

package org.globalsessions.bench.webfarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

class FarmOptionsTest {

    private static final String[] REQUIRED = {"--launcher", "launcher.jar", "--work", "/tmp/w"};

    @Test
    void aFullRunJudgesTheArrivalsDefaultAgainstItsAlternative() {
        List<String> backends = FarmOptions.parse(REQUIRED).backends();
        String alternative = FarmOptions.storeArrivalsByDefault() ? FarmReport.ARRIVALS_OFF : FarmReport.ARRIVALS_ON;
        assertEquals(List.of(FarmReport.GLOBAL_SESSIONS, alternative, FarmReport.REDIS_TLS, FarmReport.NEAR_CACHE), backends);
    }

    @Test
    void onlyTheBenchmarkAsDefinedIsAFullRun() {
        assertTrue(FarmOptions.parse("--launcher", "l.jar", "--work", "/tmp/w", "--results", "r", "--commit", "abc").full());
        assertFalse(FarmOptions.parse("--launcher", "l.jar", "--work", "/tmp/w", "--quick").full());
        assertFalse(FarmOptions.parse("--launcher", "l.jar", "--work", "/tmp/w", "--users", "1000").full());
    }

    @Test
    void recordingWithJfrIsAskedForByDirectoryAndMakesARunPartial() {
        assertNull(FarmOptions.parse(REQUIRED).jfrDirectory());
        FarmOptions recorded = FarmOptions.parse("--launcher", "l.jar", "--work", "/tmp/w", "--jfr", "/tmp/jfr");
        assertEquals(Path.of("/tmp/jfr"), recorded.jfrDirectory());
        assertFalse(recorded.full(), "a recorded run is slower than the benchmark as defined");
    }

    @Test
    void backendsAreChosenByNameAndAnUnknownOneIsNamed() {
        String[] args = {"--launcher", "launcher.jar", "--work", "/tmp/w", "--backends", FarmReport.ARRIVALS_ON + ",redis-tls"};
        assertEquals(List.of(FarmReport.ARRIVALS_ON, FarmReport.REDIS_TLS), FarmOptions.parse(args).backends());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FarmOptions.parse("--launcher", "launcher.jar", "--work", "/tmp/w", "--backends", "memcached"));
        assertTrue(e.getMessage().contains("memcached"), e.getMessage());
    }
}

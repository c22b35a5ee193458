package org.globalsessions.bench.webfarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
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

    /** A backend warms up for at least --backend-warmup, then until its app processes' JIT is quiet, for at most the maximum. */
    @Test
    void aBackendWarmsUpUntilItsJitIsQuietWithinItsBounds() {
        FarmOptions full = FarmOptions.parse(REQUIRED);
        assertEquals(Duration.ofSeconds(60), full.backendWarmup());
        assertEquals(Duration.ofSeconds(900), full.backendWarmupMax());
        assertEquals(3, full.jitQuiet());
        FarmOptions quick = FarmOptions.parse("--launcher", "l.jar", "--work", "/tmp/w", "--quick");
        assertEquals(quick.backendWarmup(), quick.backendWarmupMax(), "the smoke test does not wait for the JIT");
        FarmOptions longer = FarmOptions.parse("--launcher", "l.jar", "--work", "/tmp/w", "--backend-warmup", "1200");
        assertEquals(Duration.ofSeconds(1200), longer.backendWarmupMax(), "at least the least");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FarmOptions.parse("--launcher", "l.jar", "--work", "/tmp/w", "--jit-quiet", "120"));
        assertTrue(e.getMessage().contains("--jit-quiet=120"), e.getMessage());
    }
}

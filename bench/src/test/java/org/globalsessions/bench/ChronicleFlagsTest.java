package org.globalsessions.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Fork;

/** The JMH forks and the cross-process child get exactly the root pom's chronicle.jvm.flags. */
class ChronicleFlagsTest {

    @Test
    void constantsMatchThePomProperty() {
        String fromPom = System.getProperty("gs.jvm.flags");
        assertNotNull(fromPom, "surefire sets gs.jvm.flags from ${chronicle.jvm.flags}");
        assertEquals(fromPom.trim(), String.join(" ", ChronicleFlags.ALL));
    }

    @Test
    void everyForkGetsTheFlags() {
        for (Class<?> bench : List.of(ShmLruBench.class, ChronicleMapBench.class, CaffeineBench.class)) {
            Fork fork = bench.getAnnotation(Fork.class);
            assertNotNull(fork, bench + " inherits @Fork");
            assertEquals(ChronicleFlags.ALL, List.of(fork.jvmArgsAppend()), bench.getName());
        }
    }
}

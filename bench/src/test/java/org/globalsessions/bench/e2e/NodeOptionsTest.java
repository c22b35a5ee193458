package org.globalsessions.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

class NodeOptionsTest {

    @Test
    void nodesRunWithAFixedHeapAndTheParallelCollectorByDefault() {
        assertEquals(List.of("-Xms512m", "-Xmx512m", "-XX:+UseParallelGC"), E2eBench.nodeOptions(null));
        assertEquals(List.of("-Xms512m", "-Xmx512m", "-XX:+UseParallelGC"), E2eBench.nodeOptions("  "));
    }

    @Test
    void extraOptionsAreAddedAndACollectorNamedThereReplacesTheDefault() {
        assertEquals(List.of("-Xms512m", "-Xmx512m", "-XX:+UseParallelGC", "-Dpekko.x=1"), E2eBench.nodeOptions(" -Dpekko.x=1 "));
        // two collectors on one command line would stop the JVM ("multiple garbage collectors selected")
        assertEquals(List.of("-Xms512m", "-Xmx512m", "-XX:+UseZGC", "-Xlog:gc:file=n.log"),
                E2eBench.nodeOptions("-XX:+UseZGC -Xlog:gc:file=n.log"));
    }
}

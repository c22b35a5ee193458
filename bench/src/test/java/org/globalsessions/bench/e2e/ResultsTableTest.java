package org.globalsessions.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsTableTest {

    private static final String README = """
            # bench

            The table below is made between `<!-- results:begin -->` and `<!-- results:end -->`.

            ## Current results

            <!-- results:begin -->
            | an old | table |
            <!-- results:end -->

            ## Files
            """;

    @Test
    void onlyTheTextBetweenTheMarkersIsReplaced() {
        String rewritten = ResultsTable.replace(README, "new block\n");
        assertEquals(README.replace("| an old | table |\n", "new block\n"), rewritten);
    }

    /**
     * The first quick run refused bench/README.md: its documentation quotes both markers inline,
     * which counted as a second pair.
     */
    @Test
    void markersQuotedInProseAreNotTheBlocksEdges() {
        String rewritten = ResultsTable.replace(README, "new block\n");
        assertTrue(rewritten.contains("made between `" + ResultsTable.BEGIN + "` and `" + ResultsTable.END + "`."), rewritten);
        assertTrue(rewritten.contains(ResultsTable.BEGIN + "\nnew block\n" + ResultsTable.END + "\n"), rewritten);
    }

    @Test
    void rewritingAgainWithTheSameResultsChangesNothing() {
        String once = ResultsTable.replace(README, "new block\n");
        assertEquals(once, ResultsTable.replace(once, "new block\n"));
    }

    @Test
    void aReadmeWithoutBothMarkerLinesInOrderIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> ResultsTable.replace("# bench\n", "x"));
        assertThrows(IllegalArgumentException.class, () -> ResultsTable.replace(README.replace(ResultsTable.END, ""), "x"));
        assertThrows(IllegalArgumentException.class,
                () -> ResultsTable.replace(ResultsTable.END + "\n" + ResultsTable.BEGIN + "\n", "x"));
        assertThrows(IllegalArgumentException.class, () -> ResultsTable.replace(README + README, "x"));
        assertThrows(IllegalArgumentException.class,
                () -> ResultsTable.replace("quoted: " + ResultsTable.BEGIN + " and " + ResultsTable.END + "\n", "x"));
    }

    @Test
    void theBlockNamesTheRunLinksItsReportAndHasARowPerTarget(@TempDir Path dir) throws IOException {
        Path results = Files.createDirectories(dir.resolve("results"));
        ResultsJson.write(results, "20261206-170503", ResultsJsonTest.run("bench/run-e2e.sh --quick --paths l2,redis-tls"));
        Path readme = dir.resolve("README.md");
        String text = ResultsTable.rewrite(README, results.resolve("latest.json"), readme);
        assertTrue(text.startsWith(README.substring(0, README.indexOf("\n" + ResultsTable.BEGIN + "\n") + 1) + ResultsTable.BEGIN + "\n"), text);
        assertTrue(text.endsWith(ResultsTable.END + "\n\n## Files\n"), text);
        assertTrue(text.contains("The latest run: `bench/run-e2e.sh --quick --paths l2,redis-tls`, commit 282b714-dirty, 2026-12-06 17:05 UTC; "
                + "2 cores, Java 17.0.15; load average 3.10 → 4.05. Every cell: [results/e2e-20261206-170503.md](results/e2e-20261206-170503.md)."),
                text);
        assertTrue(text.contains("| L2 hit p50 ≤ 3× Redis TLS GET p50 | 100,000 keys, 95/5, uniform, 1 client | 120 vs 50.0 µs: 2.40× | met |"), text);
        assertTrue(text.contains("| L1 hit mean, getInto (JMH) ≤ 0.8× Chronicle Map getUsing mean | – | – | " + Targets.NO_JMH + " |"), text);
        assertEquals(13, text.lines().filter(l -> l.startsWith("| ") && !l.startsWith("| target ") && !l.startsWith("| an old")).count());
    }
}

package org.globalsessions.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

import org.junit.jupiter.api.Test;

class PlanTest {

    private static Options options(String... more) {
        List<String> args = new ArrayList<>(List.of("--certs", "c", "--launcher", "l.jar", "--work", "w"));
        args.addAll(List.of(more));
        return Options.parse(args.toArray(String[]::new));
    }

    /** The default matrix measures both relay targets at 50 clients, although its mixes have no reads-only one. */
    @Test
    void everyThroughputPathHasAReferenceAndAReadsOnlyCellAtTheThroughputClients() {
        Options o = options();
        for (Cell.Path path : List.of(Cell.Path.L2, Cell.Path.REDIS, Cell.Path.REDIS_TLS)) {
            List<Cell> cells = Plan.cells(o, path, 0);
            assertTrue(cells.contains(new Cell(path, o.reference(), 50, 0)), path + ": " + cells);
            assertTrue(cells.contains(new Cell(path, o.readsOnly(), 50, 0)), path + ": " + cells);
        }
        assertTrue(Plan.cells(o, Cell.Path.CAFFEINE, 0).stream().noneMatch(c -> c.clients() == 50), "only the throughput paths");
    }

    @Test
    void aCellTheMatrixHasAlreadyIsNotAddedAgain() {
        Options o = options("--keys", "100000", "--mixes", "95,100", "--popularity", "uniform", "--clients", "1,50", "--cost-keys", "0");
        List<Cell> cells = Plan.cells(o, Cell.Path.L2, 0);
        assertEquals(cells.size(), new HashSet<>(cells).size(), "no cell twice: " + cells);
        assertEquals(4, cells.size(), "95/5 and 100/0 at 1 and 50 clients: " + cells);
    }
}

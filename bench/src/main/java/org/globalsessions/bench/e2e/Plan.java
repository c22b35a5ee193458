package org.globalsessions.bench.e2e;

import java.util.ArrayList;
import java.util.List;

/**
 * Which cells a run measures (bench/README.md, "End-to-end load generator", explains why):
 * <ul>
 *   <li>the hit paths that compare with a peer (Chronicle Map, Caffeine, Redis plain and TLS,
 *   L1 and L2 of global-sessions): every key space × mix × popularity × client count, one
 *   cost-per-operation cell on a small key space, and for Redis and L2 throughput cells at
 *   {@code throughputClients}, of the reference mix and of reads only (the relay targets); for the in-process paths (Chronicle Map, Caffeine, L1) one
 *   reads-only cell ({@link Options#readsOnly()}), the L1 target's comparison: in a mixed cell
 *   an L1 client's writes go over the network (and their answers' threads share the cores with
 *   the reads), the peers' writes stay in memory, so a mixed cell does not compare a hit with a
 *   get;</li>
  *   <li>the relief paths (expansion, aging, set), whose loading goes through the cluster: the first key
 *   space only; aging with uniform popularity only (a popular key read from aging is promoted
 *   back to expansion, so under Zipf it stops being an aging hit);</li>
 *   <li>scaling with 2 and 3 expansion nodes: expansion reads of the reference mix and uniform
 *   popularity at every client count above one, and sets at the largest client count.</li>
 * </ul>
 */
final class Plan {

    private Plan() {
    }

    /** The cells of {@code path} on a cluster with {@code reliefNodes} expansion nodes (ignored by the other paths). */
    static List<Cell> cells(Options o, Cell.Path path, int reliefNodes) {
        List<Cell> cells = new ArrayList<>();
        List<Workload.Popularity> uniform = List.of(Workload.Popularity.UNIFORM);
        int reliefKeys = o.keys().get(0);
        switch (path) {
            case CHRONICLE_MAP, CAFFEINE, REDIS, REDIS_TLS, L1, L2 -> {
                cross(cells, path, o.keys(), o.readPercents(), o.popularities(), o.clients(), 0);
                if (o.costKeys() > 0 && !o.keys().contains(o.costKeys())) {
                    cross(cells, path, List.of(o.costKeys()), o.readPercents().subList(0, 1), uniform, List.of(1), 0);
                }
                boolean local = path == Cell.Path.CHRONICLE_MAP || path == Cell.Path.CAFFEINE || path == Cell.Path.L1;
                if (local && !o.readPercents().contains(100)) {
                    cells.add(new Cell(path, o.readsOnly(), 1, 0));
                }
                boolean throughput = path == Cell.Path.REDIS || path == Cell.Path.REDIS_TLS || path == Cell.Path.L2;
                for (Workload w : throughput ? List.of(o.reference(), o.readsOnly()) : List.<Workload>of()) {
                    Cell cell = new Cell(path, w, o.throughputClients(), 0);
                    if (!cells.contains(cell)) {
                        cells.add(cell);
                    }
                }
            }
            case EXPANSION -> {
                if (reliefNodes == 1) {
                    cross(cells, path, List.of(reliefKeys), o.readPercents(), o.popularities(), o.clients(), 1);
                } else {
                    List<Integer> many = o.clients().stream().filter(c -> c > 1).toList();
                    cross(cells, path, List.of(reliefKeys), o.readPercents().subList(0, 1), uniform,
                            many.isEmpty() ? o.clients() : many, reliefNodes);
                }
            }
            case SET -> {
                if (reliefNodes == 1) {
                    cross(cells, path, List.of(reliefKeys), List.of(0), o.popularities(), o.clients(), 1);
                } else {
                    int most = o.clients().stream().mapToInt(Integer::intValue).max().orElseThrow();
                    cross(cells, path, List.of(reliefKeys), List.of(0), uniform, List.of(most), reliefNodes);
                }
            }
            case AGING -> cross(cells, path, List.of(reliefKeys), o.readPercents(), uniform, o.clients(), 1);
        }
        return cells;
    }

    private static void cross(List<Cell> cells, Cell.Path path, List<Integer> keys, List<Integer> mixes,
                              List<Workload.Popularity> popularities, List<Integer> clients, int reliefNodes) {
        for (int k : keys) {
            for (int mix : mixes) {
                for (Workload.Popularity popularity : popularities) {
                    for (int c : clients) {
                        cells.add(new Cell(path, new Workload(k, mix, popularity), c, reliefNodes));
                    }
                }
            }
        }
    }
}

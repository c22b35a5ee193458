package org.globalsessions.bench.e2e;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * Where each target stands in one run: one {@link Standing} per target, under the key it has in
 * {@code results/latest.json}, in a fixed order, from cells of this run only (every ratio is
 * against a peer measured in the same run). A target the run did not measure, because its
 * options left the cells out or no benchmark for it exists yet, stands with no value and a note
 * that says which: nothing is estimated or carried over from another run.
 *
 * <p>The two L1 targets come from the JMH {@code ClientL1Bench} ({@code getInto} against
 * Chronicle Map {@code getUsing} in the same fork), which {@code run-e2e.sh} runs before the
 * end-to-end cells ({@link JmhL1}); the web-farm targets have no benchmark here.
 */
final class Targets {

    /** The client count of the throughput targets (their keys end in {@code _50c}). */
    static final int THROUGHPUT_CLIENTS = 50;
    static final String NO_JMH = "not measured: no JMH result of ClientL1Bench given (--jmh-l1)";
    /** Until a web-farm run's targets are merged in ({@link ResultsMerge}). */
    static final String NO_WEB_FARM = "not measured: measured by bench/run-webfarm.sh, and no run of it is in bench/results";

    /** The scale-out targets' note when the run had no {@code --cpu-budget}. */
    static final String NO_BUDGET = "measured without CPU budgets: every JVM shared both vCPUs, so a node added added work, "
            + "not capacity, and this ratio does not show capacity per node (run with --cpu-budget)";

    private static final String REDIS_TLS_GET = "Redis TLS GET";

    private Targets() {
    }

    /**
     * A target's rule: the ratio to the peer ({@code of = "ratio"}) or the value itself
     * ({@code of = "value"}) compared with {@code limit} by {@code op}, one of {@code <=},
     * {@code >=} and {@code <}.
     */
    record Bound(String of, String op, double limit) {

        Bound {
            if (!of.equals("ratio") && !of.equals("value")) {
                throw new IllegalArgumentException("of=" + of + " must be ratio or value");
            }
            if (!List.of("<=", ">=", "<").contains(op)) {
                throw new IllegalArgumentException("op=" + op + " must be <=, >= or <");
            }
        }

        static Bound ratio(String op, double limit) {
            return new Bound("ratio", op, limit);
        }

        static Bound value(String op, double limit) {
            return new Bound("value", op, limit);
        }

        boolean holds(double x) {
            return switch (op) {
                case "<=" -> x <= limit;
                case ">=" -> x >= limit;
                default -> x < limit;
            };
        }

        /** The rule in ASCII, as latest.json's {@code target}: "<= 3x peer", "<= 1000 µs". */
        String text(String unit) {
            return op + " " + number(limit) + (of.equals("ratio") ? "x peer" : " " + unit);
        }

        /** The rule for a reader: "≤ 3× Redis TLS GET p50", "≤ 1,000 µs". */
        String prose(String unit, String peer) {
            String symbol = switch (op) {
                case "<=" -> "≤";
                case ">=" -> "≥";
                default -> "<";
            };
            return symbol + " " + (of.equals("ratio") ? number(limit) + "× " + peer
                    : String.format(Locale.ROOT, "%,d", (long) limit) + " " + unit);
        }

        private static String number(double x) {
            return x == Math.rint(x) ? Long.toString((long) x) : Double.toString(x);
        }
    }

    /**
     * One target in one run. {@code value}, {@code peerValue} (in {@code unit}), {@code ratio}
     * ({@code value / peerValue}) and {@code met} are null when it was not measured, and then
     * {@code note} says why; {@code peer} and {@code peerValue} are null for an absolute target.
     * {@code cell} is the cell {@code value} comes from (null when not measured); a note on a
     * measured target flags a cell whose claimed tier answered too few of its reads.
     */
    record Standing(String key, String label, String unit, String peer, Bound bound, Cell cell,
                    Double value, Double peerValue, Double ratio, Boolean met, String note) {

        static Standing notMeasured(String key, String label, String unit, String peer, Bound bound, String note) {
            return new Standing(key, label, unit, peer, bound, null, null, null, null, null, note);
        }

        boolean measured() {
            return value != null;
        }
    }

    /**
     * Every target, in latest.json's order, from {@code results}; {@code reference} is the
     * workload of the latency targets (one client) and, with its key space, of the throughput
     * targets (reads only, and 95/5, at {@value #THROUGHPUT_CLIENTS} clients) and the scale-out ones.
     */
    static List<Standing> evaluate(List<ClosedLoop.Result> results, Workload reference) {
        return evaluate(results, reference, null);
    }

    /** {@link #evaluate(List, Workload)} with the L1 targets from {@code l1}, the run's JMH result (null: not measured). */
    static List<Standing> evaluate(List<ClosedLoop.Result> results, Workload reference, JmhL1 l1) {
        return evaluate(results, reference, l1, null);
    }

    /**
     * {@link #evaluate(List, Workload, JmhL1)} for a run whose relief clusters ran under
     * {@code budget} ({@code --cpu-budget}; null: none), which the scale-out targets and the
     * expansion hit's p99 then say.
     */
    static List<Standing> evaluate(List<ClosedLoop.Result> results, Workload reference, JmhL1 l1, CpuBudget budget) {
        Workload readsOnly = new Workload(reference.keys(), 100, Workload.Popularity.UNIFORM);
        Workload mixed = new Workload(reference.keys(), 95, Workload.Popularity.UNIFORM);
        Cell l2 = new Cell(Cell.Path.L2, reference, 1, 0);
        Cell reads = new Cell(Cell.Path.L2, readsOnly, THROUGHPUT_CLIENTS, 0);
        Cell mix = new Cell(Cell.Path.L2, mixed, THROUGHPUT_CLIENTS, 0);
        List<Standing> out = new ArrayList<>();
        Bound l1Mean = Bound.ratio("<=", 0.8);
        // Allocation-free: JMH's gc.alloc.rate.norm shows about 0.2 B/op of its own on a loop that allocates nothing.
        Bound l1Alloc = Bound.value("<", 1);
        if (l1 == null) {
            out.add(Standing.notMeasured("l1_hit_mean", "L1 hit mean, getInto (JMH)", "ns", "Chronicle Map getUsing mean",
                    l1Mean, NO_JMH));
            out.add(Standing.notMeasured("l1_hit_alloc_bytes", "L1 hit allocation, getInto (JMH)", "B/op", null, l1Alloc, NO_JMH));
        } else {
            double ratio = l1.getIntoNs() / l1.getUsingNs();
            out.add(new Standing("l1_hit_mean", "L1 hit mean, getInto (JMH)", "ns", "Chronicle Map getUsing mean", l1Mean, null,
                    l1.getIntoNs(), l1.getUsingNs(), ratio, l1Mean.holds(ratio), null));
            out.add(new Standing("l1_hit_alloc_bytes", "L1 hit allocation, getInto (JMH)", "B/op", null, l1Alloc, null,
                    l1.getIntoBytes(), null, null, l1Alloc.holds(l1.getIntoBytes()), null));
        }
        out.add(compared(results, "l2_hit_p50", "L2 hit p50", "µs", REDIS_TLS_GET + " p50", Bound.ratio("<=", 3),
                l2, Targets::p50));
        out.add(compared(results, "relay_reads_50c", "relay reads/s (100/0) at 50 clients", "ops/s", "Redis TLS reads/s",
                Bound.ratio(">=", 1.5), reads, Targets::opsPerSecond));
        out.add(compared(results, "relay_9505_50c", "relay ops/s (95/5) at 50 clients", "ops/s", "Redis TLS ops/s",
                Bound.ratio(">=", 1.0), mix, Targets::opsPerSecond));
        out.add(underBudget(absolute(results, "l3_hit_p99", "expansion hit p99", new Cell(Cell.Path.EXPANSION, reference, 1, 1)),
                budget == null ? null : "measured under CPU budgets (" + budget.describe() + "): a node held at its quota waits for the next 100 ms period"));
        out.add(absolute(results, "aging_hit_p99", "aging hit p99", new Cell(Cell.Path.AGING, reference, 1, 1)));
        out.add(Standing.notMeasured("webfarm_validate_p50", "web farm: session validation p50", "µs", REDIS_TLS_GET + " p50",
                Bound.ratio("<=", 0.05), NO_WEB_FARM));
        out.add(Standing.notMeasured("webfarm_validate_p99", "web farm: session validation p99", "µs", REDIS_TLS_GET + " p99",
                Bound.ratio("<=", 0.5), NO_WEB_FARM));
        out.add(Standing.notMeasured("webfarm_throughput_50c", "web farm: throughput at 50 clients", "ops/s", "Redis TLS ops/s",
                Bound.ratio(">=", 5), NO_WEB_FARM));
        out.add(Standing.notMeasured("webfarm_vs_near_cache_p50", "web farm: p50", "µs", "Lettuce near cache p50",
                Bound.ratio("<", 1), NO_WEB_FARM));
        out.add(scaleOut(results, "scaleout_l3_2v1", 2, 1.8, reference, budget));
        out.add(scaleOut(results, "scaleout_l3_3v1", 3, 2.5, reference, budget));
        return out;
    }

    /** {@code ours} against the same cell on Redis TLS, by {@code statistic}. */
    private static Standing compared(List<ClosedLoop.Result> results, String key, String label, String unit, String peer,
                                     Bound bound, Cell ours, ToDoubleFunction<ClosedLoop.Result> statistic) {
        Cell theirs = new Cell(Cell.Path.REDIS_TLS, ours.workload(), ours.clients(), 0);
        return ratio(results, key, label, unit, peer, bound, ours, theirs, statistic);
    }

    private static Standing ratio(List<ClosedLoop.Result> results, String key, String label, String unit, String peer,
                                  Bound bound, Cell ours, Cell theirs, ToDoubleFunction<ClosedLoop.Result> statistic) {
        Optional<ClosedLoop.Result> a = find(results, ours);
        Optional<ClosedLoop.Result> b = find(results, theirs);
        if (a.isEmpty() || b.isEmpty()) {
            return Standing.notMeasured(key, label, unit, peer, bound, missing(a.isEmpty() ? ours : theirs));
        }
        double value = statistic.applyAsDouble(a.get());
        double peerValue = statistic.applyAsDouble(b.get());
        double ratio = value / peerValue;
        return new Standing(key, label, unit, peer, bound, ours, value, peerValue, ratio, bound.holds(ratio), flag(a.get()));
    }

    /** A p99 against 1 ms, no peer. */
    private static Standing absolute(List<ClosedLoop.Result> results, String key, String label, Cell cell) {
        Bound bound = Bound.value("<=", 1_000);
        return find(results, cell)
                .map(r -> {
                    double p99 = r.reads().getValueAtPercentile(99) / 1_000.0;
                    return new Standing(key, label, "µs", null, bound, cell, p99, null, null, bound.holds(p99), flag(r));
                })
                .orElseGet(() -> Standing.notMeasured(key, label, "µs", null, bound, missing(cell)));
    }

    /**
     * Expansion throughput on {@code nodes} expansion nodes against one node, on the reference
     * workload, at the largest client count measured on both.
     */
    private static Standing scaleOut(List<ClosedLoop.Result> results, String key, int nodes, double limit, Workload reference,
                                     CpuBudget budget) {
        String label = "expansion ops/s with " + nodes + " nodes";
        String peer = "1 node";
        Bound bound = Bound.ratio(">=", limit);
        Optional<Cell> many = results.stream().map(ClosedLoop.Result::cell)
                .filter(c -> c.path() == Cell.Path.EXPANSION && c.workload().equals(reference) && c.reliefNodes() == nodes)
                .filter(c -> find(results, new Cell(c.path(), reference, c.clients(), 1)).isPresent())
                .max(Comparator.comparingInt(Cell::clients));
        if (many.isEmpty()) {
            return Standing.notMeasured(key, label, "ops/s", peer, bound, String.format(Locale.ROOT,
                    "not measured: this run has no expansion cells of %s on both 1 and %d expansion nodes at one client count",
                    describe(reference), nodes));
        }
        Cell one = new Cell(Cell.Path.EXPANSION, reference, many.get().clients(), 1);
        Standing standing = ratio(results, key, label, "ops/s", peer, bound, many.get(), one, Targets::opsPerSecond);
        if (!standing.measured()) {
            return standing;
        }
        String condition = budget == null ? NO_BUDGET : "measured under CPU budgets: " + budget.describe();
        String cpu = cpuPerOp(find(results, one).orElseThrow(), 1) + cpuPerOp(find(results, many.get()).orElseThrow(), nodes);
        return underBudget(standing, condition + (cpu.isEmpty() ? "" : "; CPU µs/op" + cpu));
    }

    /** {@code standing} with {@code condition} (null: none) put before its note. */
    private static Standing underBudget(Standing s, String condition) {
        if (condition == null || !s.measured()) {
            return s;
        }
        String note = s.note() == null ? condition : condition + "; " + s.note();
        return new Standing(s.key(), s.label(), s.unit(), s.peer(), s.bound(), s.cell(), s.value(), s.peerValue(), s.ratio(),
                s.met(), note);
    }

    /** " at 2 nodes: relay+sibling 182, expansion nodes 95, load generator 120" (empty when the cell read no CPU time). */
    private static String cpuPerOp(ClosedLoop.Result r, int nodes) {
        if (r.cpu() == null) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        for (CpuUse.Role role : CpuUse.Role.values()) {
            r.cpu().microsPerOp(role, r.operations()).ifPresent(us -> parts.add(String.format(Locale.ROOT, "%s %.0f",
                    role == CpuUse.Role.EXPANSION ? "expansion nodes" : role.label, us)));
        }
        return parts.isEmpty() ? "" : String.format(Locale.ROOT, " at %d node%s: %s", nodes, nodes == 1 ? "" : "s", String.join(", ", parts));
    }

    private static double p50(ClosedLoop.Result r) {
        return r.reads().getValueAtPercentile(50) / 1_000.0;
    }

    /** Reads and writes per second together. */
    static double opsPerSecond(ClosedLoop.Result r) {
        return r.opsPerSecond(r.reads()) + r.opsPerSecond(r.writes());
    }

    private static Optional<ClosedLoop.Result> find(List<ClosedLoop.Result> results, Cell cell) {
        return results.stream().filter(r -> r.cell().equals(cell)).findFirst();
    }

    private static String missing(Cell cell) {
        return "not measured: this run has no cell " + cell.path().system + " " + cell.path().description + ", " + describe(cell);
    }

    /** The cell's answers when its claimed tier answered too few reads (see {@link Report#answers}), else null. */
    private static String flag(ClosedLoop.Result r) {
        String answers = Report.answers(r);
        return answers.startsWith("⚠") ? "answers: " + answers : null;
    }

    /** "100,000 keys, 95/5, uniform, 1 client" (and ", 2 expansion nodes" for a scaled cell). */
    static String describe(Cell cell) {
        return describe(cell.workload()) + String.format(Locale.ROOT, ", %d client%s", cell.clients(), cell.clients() == 1 ? "" : "s")
                + (cell.reliefNodes() > 1 ? ", " + cell.reliefNodes() + " expansion nodes" : "");
    }

    private static String describe(Workload w) {
        return String.format(Locale.ROOT, "%,d keys, %s, %s", w.keys(), w.mix(), w.popularity().label());
    }
}

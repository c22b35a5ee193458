package org.globalsessions.bench.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import org.HdrHistogram.Histogram;

/**
 * The markdown the load generator writes: one table row per cell and operation, and where each
 * target of issue 6 stands, as ratios of cells measured in the same run.
 */
final class Report {

    /** A cell whose reads were answered by the claimed tier less often than this is flagged. */
    static final double CLAIM_SHARE = 0.95;

    private Report() {
    }

    /** How each path was isolated, for the report. */
    static String isolation() {
        return """
                ## How each path is isolated

                - **L1 hit, attached process**: another JVM (`HostTableOwner`) creates the host's table (1.25 × the key space) and \
                fills it; the measuring process attaches to it (`manage-section = false`) and reads with `SessionCacheManager.lookup`, \
                whose L1 hits complete in the caller's thread and name the tier `l1`. It reads every key once before \
                the cells (`getLocal`), so its first touch of each page of the mapping (a page fault) is not measured: the \
                in-process peers' prefill touched theirs.
                - **L2 hit**: the relay's table holds every key (filled by attaching to it on this host, as a sibling does); the \
                client's own L1 holds **one** entry (the client API has no L1 bypass), so a read reaches the relay unless it repeats \
                the key read just before. Reads use `lookup`, whose answer names the tier.
                - **expansion hit**: L2 holds one entry, the expansion tier twice the key space; the keys were written through the cluster \
                (acknowledged sets) before the cells.
                - **Aging hit**: L2 holds one entry, expansion about 1 % of the key space, aging twice it; the keys were written \
                through the cluster, so all but the most recent 1 % were demoted to aging. A hit is promoted back to expansion, \
                which is why this path is measured with uniform popularity only.
                - **Set acknowledged by the owner**: `set(...)` awaited until the owner shard stored it (the client's L1 holds one \
                entry; the relay's L2 one).
                - **Redis**: `redis-server` on 127.0.0.1 with `--save '' --appendonly no`, plaintext and (another instance) \
                `--tls-auth-clients yes` with the cluster's certificates; Jedis, one connection per client thread, no pipelining.
                - **Chronicle Map / Caffeine**: in this JVM, configured as in the JMH suite (`getUsing` into a per-thread array).

                The `answers` column shows where each cell's reads were really answered; ⚠ marks a cell whose claimed tier \
                answered fewer than 95 % of them.
                """;
    }

    static String table(List<ClosedLoop.Result> results) {
        StringBuilder out = new StringBuilder();
        out.append("| system | path | keys | read/write | popularity | clients | relief nodes | op | ops/s | p50 µs | p99 µs | p99.9 µs | max µs | answers |\n");
        out.append("|---|---|---:|---|---|---:|---:|---|---:|---:|---:|---:|---:|---|\n");
        for (ClosedLoop.Result r : results) {
            row(out, r, "get", r.reads());
            row(out, r, "set", r.writes());
        }
        return out.toString();
    }

    private static void row(StringBuilder out, ClosedLoop.Result r, String op, Histogram h) {
        if (h.getTotalCount() == 0) {
            return;
        }
        Cell c = r.cell();
        Workload w = c.workload();
        out.append(String.format(Locale.ROOT, "| %s | %s | %,d | %s | %s | %d | %s | %s | %,.0f | %s | %s | %s | %s | %s |%n",
                c.path().system, c.path().description, w.keys(), w.mix(), w.popularity().label(), c.clients(),
                c.reliefNodes() == 0 ? "–" : Integer.toString(c.reliefNodes()), op, r.opsPerSecond(h),
                micros(h.getValueAtPercentile(50)), micros(h.getValueAtPercentile(99)), micros(h.getValueAtPercentile(99.9)),
                micros(h.getMaxValue()), op.equals("get") ? answers(r) : errors(r)));
    }

    /** Nanoseconds as microseconds: two decimals under 10 µs, one under 100, none above. */
    static String micros(double nanos) {
        double us = nanos / 1_000;
        return String.format(Locale.ROOT, us < 10 ? "%.2f" : us < 100 ? "%.1f" : "%,.0f", us);
    }

    /** Where reads were answered, most frequent first, e.g. "l2 99.2%, l1 0.8%"; flagged when the claimed tier is under 95%. */
    static String answers(ClosedLoop.Result r) {
        Map<String, Long> tiers = r.tiers();
        long reads = tiers.entrySet().stream().filter(e -> !e.getKey().equals("error")).mapToLong(Map.Entry::getValue).sum();
        if (reads == 0) {
            return "";
        }
        String mix = tiers.entrySet().stream().filter(e -> !e.getKey().equals("error"))
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .map(e -> String.format(Locale.ROOT, "%s %.1f%%", e.getKey(), 100.0 * e.getValue() / reads))
                .collect(Collectors.joining(", "));
        String claim = r.cell().path().claim;
        if (claim != null && tiers.getOrDefault(claim, 0L) < CLAIM_SHARE * reads) {
            mix = "⚠ " + mix + " (path claims " + claim + ")";
        }
        String failed = errors(r);
        return failed.isEmpty() ? mix : mix + "; " + failed;
    }

    private static String errors(ClosedLoop.Result r) {
        long errors = r.tiers().getOrDefault("error", 0L);
        return errors == 0 ? "" : String.format(Locale.ROOT, "%,d failed", errors);
    }

    /**
     * The targets of issue 6 against cells of this run: {@code reference} is the workload the
     * comparisons use (reads of it at one client), {@code throughputClients} the client count of
     * the throughput comparison.
     */
    static String targets(List<ClosedLoop.Result> results, Workload reference, int throughputClients) {
        List<String> lines = new ArrayList<>();
        lines.add("| target | measured (same run) | status |");
        lines.add("|---|---|---|");
        Predicate<ClosedLoop.Result> ref1 = r -> r.cell().workload().equals(reference) && r.cell().clients() == 1;
        Workload readsOnly = new Workload(reference.keys(), 100, Workload.Popularity.UNIFORM);
        Predicate<ClosedLoop.Result> hits1 = r -> r.cell().workload().equals(readsOnly) && r.cell().clients() == 1;
        Optional<ClosedLoop.Result> l1 = find(results, Cell.Path.L1, hits1);
        Optional<ClosedLoop.Result> chronicle = find(results, Cell.Path.CHRONICLE_MAP, hits1);
        lines.add(ratio("L1 hit (attached process) ≤ 0.5 × Chronicle Map get (mean, reads only, 1 client)", l1, chronicle,
                h -> h.getMean(), 0.5, "mean"));
        Optional<ClosedLoop.Result> l2 = find(results, Cell.Path.L2, ref1);
        Optional<ClosedLoop.Result> redisTls = find(results, Cell.Path.REDIS_TLS, ref1);
        lines.add(ratio("L2 hit p50 ≤ 2 × Redis TLS GET p50 (1 client)", l2, redisTls,
                h -> h.getValueAtPercentile(50), 2, "p50"));
        for (Cell.Path relief : List.of(Cell.Path.EXPANSION, Cell.Path.AGING)) {
            Optional<ClosedLoop.Result> r = find(results, relief, ref1.and(x -> x.cell().reliefNodes() <= 1));
            lines.add(r.map(x -> {
                long p99 = x.reads().getValueAtPercentile(99);
                return "| " + relief.description + " p99 ≤ 1 ms (1 client) | p99 " + micros(p99) + " µs | "
                        + (p99 <= 1_000_000 ? "met" : "**missed**") + " |";
            }).orElse("| " + relief.description + " p99 ≤ 1 ms | – | not measured |"));
        }
        Predicate<ClosedLoop.Result> refN = r -> r.cell().workload().equals(reference) && r.cell().clients() == throughputClients;
        Optional<ClosedLoop.Result> relay = find(results, Cell.Path.L2, refN);
        for (Cell.Path redis : List.of(Cell.Path.REDIS, Cell.Path.REDIS_TLS)) {
            Optional<ClosedLoop.Result> peer = find(results, redis, refN);
            if (relay.isPresent() && peer.isPresent()) {
                double ours = total(relay.get());
                double theirs = total(peer.get());
                lines.add(String.format(Locale.ROOT, "| relay throughput ≥ %s (%s) at %d clients, no pipelining | %,.0f vs %,.0f ops/s (%.2f×) | %s |",
                        redis.system, redis.description, throughputClients, ours, theirs, ours / theirs,
                        ours >= theirs ? "met" : "**missed**"));
            } else {
                lines.add("| relay throughput ≥ " + redis.system + " (" + redis.description + ") at " + throughputClients
                        + " clients | – | not measured |");
            }
        }
        return String.join("\n", lines) + "\n";
    }

    private static double total(ClosedLoop.Result r) {
        return r.opsPerSecond(r.reads()) + r.opsPerSecond(r.writes());
    }

    private static Optional<ClosedLoop.Result> find(List<ClosedLoop.Result> results, Cell.Path path, Predicate<ClosedLoop.Result> which) {
        return results.stream().filter(r -> r.cell().path() == path).filter(which).findFirst();
    }

    private static String ratio(String target, Optional<ClosedLoop.Result> ours, Optional<ClosedLoop.Result> peer,
                                java.util.function.ToDoubleFunction<Histogram> statistic, double limit, String what) {
        if (ours.isEmpty() || peer.isEmpty()) {
            return "| " + target + " | – | not measured |";
        }
        double a = statistic.applyAsDouble(ours.get().reads());
        double b = statistic.applyAsDouble(peer.get().reads());
        return String.format(Locale.ROOT, "| %s | %s %s vs %s µs: %.2f× | %s |", target, what, micros(a), micros(b), a / b,
                a / b <= limit ? "met" : "**missed**");
    }
}

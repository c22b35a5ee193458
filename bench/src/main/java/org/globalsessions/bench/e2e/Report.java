package org.globalsessions.bench.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import org.HdrHistogram.Histogram;

/**
 * The markdown the load generator writes: one table row per cell and operation, and where each
 * target stands ({@link Targets}), as ratios of cells measured in the same run.
 */
final class Report {

    /** A cell whose reads were answered by the claimed tier less often than this is flagged. */
    static final double CLAIM_SHARE = 0.95;

    private Report() {
    }

    /** How the warm-up of the path {@code name} ("Redis: GET/SET, mutual TLS") ended. */
    record PathWarmUp(String name, WarmUp.Warmed warmed) {
    }

    /**
     * "Warm-up per networked path …": how long each warmed up, and the highest share of a judged
     * role's CPU (one that used at least {@link WarmUp#IDLE_CPUS}) its JIT compiler threads used
     * in the last window; empty if no path warmed up.
     */
    static String warmUps(List<PathWarmUp> warmUps) {
        List<String> parts = new ArrayList<>();
        for (PathWarmUp w : warmUps) {
            CpuUse last = w.warmed().last();
            String jit = "";
            if (last != null) {
                CpuUse.Role busiest = null;
                double most = -1;
                for (CpuUse.Role role : CpuUse.Role.values()) {
                    double share = last.cpus(role) < WarmUp.IDLE_CPUS ? -1 : last.jitShare(role).orElse(-1);
                    if (share > most) {
                        most = share;
                        busiest = role;
                    }
                }
                jit = busiest == null ? "" : String.format(Locale.ROOT, " (%s JIT %.1f %%%s)", busiest.label, 100 * Math.max(0, most),
                        w.warmed().steady() ? "" : ", **not yet quiet**");
            }
            parts.add(String.format(Locale.ROOT, "%s %d s%s", w.name(), Math.round(w.warmed().length().toMillis() / 1000.0), jit));
        }
        return parts.isEmpty() ? "" : "Warm-up per networked path, and in parentheses the role whose JIT compiler threads used the "
                + "largest share of its CPU in the last window (of those that used a tenth of a CPU or more): " + String.join("; ", parts) + ".\n\n";
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

    /**
     * The CPU time per operation of each process of the cells that read it ({@link CpuUse}), by
     * role, and in parentheses the share of one CPU it took over the measured period (under
     * {@code --cpu-budget}, a share at its quota marks the bottleneck); empty when no cell read it.
     */
    static String cpu(List<ClosedLoop.Result> results) {
        List<ClosedLoop.Result> read = results.stream().filter(r -> r.cpu() != null).toList();
        if (read.isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        out.append("| path | read/write | clients | expansion nodes | ops/s | relay+sibling | expansion, all nodes | each expansion node | aging node | load generator |\n");
        out.append("|---|---|---:|---:|---:|---:|---:|---|---:|---:|\n");
        for (ClosedLoop.Result r : read) {
            Cell c = r.cell();
            long ops = r.operations();
            out.append(String.format(Locale.ROOT, "| %s | %s | %d | %s | %,.0f | %s | %s | %s | %s | %s |%n",
                    c.path().description, c.workload().mix(), c.clients(), c.reliefNodes() == 0 ? "–" : Integer.toString(c.reliefNodes()),
                    ops / (r.measured().toNanos() / 1e9), role(r, CpuUse.Role.RELAY), role(r, CpuUse.Role.EXPANSION),
                    eachNode(r, CpuUse.Role.EXPANSION), role(r, CpuUse.Role.AGING), role(r, CpuUse.Role.LOAD_GENERATOR)));
        }
        return out.toString();
    }

    /** "182 (0.61)": CPU µs per operation of every process of {@code role}, and the CPUs they took together. */
    private static String role(ClosedLoop.Result r, CpuUse.Role role) {
        return r.cpu().perOpAndCpus(role, r.operations()).orElse("–");
    }

    /** "e1 95 (0.10), e2 97 (0.10)". */
    private static String eachNode(ClosedLoop.Result r, CpuUse.Role role) {
        CpuUse cpu = r.cpu();
        if (cpu.of(role).isEmpty() || r.operations() == 0) {
            return "–";
        }
        return cpu.of(role).stream().map(u -> String.format(Locale.ROOT, "%s %s (%.2f)", u.member().name(),
                CpuUse.perOp(u.micros() / (double) r.operations()), cpu.cpus(u))).collect(Collectors.joining(", "));
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
     * Where each target stands (see {@link Targets}), one row per target: the report's section
     * and, read back from latest.json by {@link ResultsTable}, bench/README.md's table.
     */
    static String targets(List<Targets.Standing> standings) {
        List<String> lines = new ArrayList<>();
        lines.add("| target | cell | measured (same run) | status |");
        lines.add("|---|---|---|---|");
        for (Targets.Standing s : standings) {
            String measured = !s.measured() ? "–"
                    : s.ratio() == null ? amount(s.value(), s.unit()) + " " + s.unit()
                    : String.format(Locale.ROOT, "%s vs %s %s: %.2f×", amount(s.value(), s.unit()),
                    amount(s.peerValue(), s.unit()), s.unit(), s.ratio());
            String status = !s.measured() ? s.note()
                    : (s.met() ? "met" : "**missed**") + (s.note() == null ? "" : " (" + s.note() + ")");
            lines.add("| " + s.label() + " " + s.bound().prose(s.unit(), s.peer()) + " | "
                    + (s.cell() == null ? "–" : Targets.describe(s.cell())) + " | " + measured + " | " + status + " |");
        }
        return String.join("\n", lines) + "\n";
    }

    /** A value in its unit: microseconds as {@link #micros}, other units whole above 100, else with two decimals. */
    private static String amount(double value, String unit) {
        if (unit.equals("µs")) {
            return micros(value * 1_000);
        }
        return String.format(Locale.ROOT, value >= 100 ? "%,.0f" : "%.2f", value);
    }
}

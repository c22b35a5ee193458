package org.globalsessions.bench.webfarm;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.ToDoubleFunction;

import org.HdrHistogram.Histogram;

import org.globalsessions.bench.e2e.CpuUse;
import org.globalsessions.bench.e2e.WarmUp;

/**
 * The web farm's results: the four targets of issue 20 (each against its peer measured in the
 * same run), the markdown report and the JSON document, all pure functions of what the run
 * measured.
 *
 * <p>The JSON has the shape of {@code results/latest.json} (bench/README.md, "Results as
 * JSON"): {@code commit}, {@code time}, {@code machine}, {@code load_average}, {@code command},
 * {@code report} and {@code targets}, whose keys {@code webfarm_validate_p50},
 * {@code webfarm_validate_p99}, {@code webfarm_throughput_50c} and
 * {@code webfarm_vs_near_cache_p50} are each {@code {"label", "value", "unit", "peer",
 * "peer_value", "ratio", "target", "target_of", "target_op", "target_limit", "met"}} (and a
 * {@code note}), so they can be merged into {@code latest.json} as they are; {@code cells} adds
 * every cell (with {@code cpu}: each role's CPU µs per step and CPUs used, {@link CpuUse}) and
 * {@code stale_reads} the checks of each backend.
 */
final class FarmReport {

    /** global-sessions with the product's defaults: the backend the targets are judged on. */
    static final String GLOBAL_SESSIONS = "global-sessions";
    /** The same with {@code edge.store-arrivals} set (…-on) or not (…-off), whatever the default. */
    static final String ARRIVALS_ON = "global-sessions-arrivals-on";
    static final String ARRIVALS_OFF = "global-sessions-arrivals-off";
    static final String REDIS_TLS = "redis-tls";
    static final String NEAR_CACHE = "lettuce-near-cache";
    static final int THROUGHPUT_CLIENTS = 50;

    /** What one backend measured: a result per client count, and its reads of logged-out sessions. */
    /** One backend's cells, its reads of logged-out sessions, and how its warm-up ended ({@code warmup}; null: not told). */
    record BackendRun(String backend, List<FarmLoad.Result> cells, StaleChecks.Totals checks, WarmUp.Warmed warmup) {

        BackendRun(String backend, List<FarmLoad.Result> cells, StaleChecks.Totals checks) {
            this(backend, cells, checks, null);
        }
    }

    /** Where and how the run ran, for the report. */
    record Run(String commit, Instant time, int cores, String cpu, String java, String os, String loadBefore, String loadAfter,
               String command, String settings, String report) {
    }

    /**
     * One target: {@code value} against {@code peerValue} (both in {@code unit}; null when the run
     * did not measure them, and {@code note} says why), met when {@code ratio op limit}.
     */
    record Target(String key, String label, String unit, String peer, String op, double limit, Double value, Double peerValue,
                  String note) {

        Double ratio() {
            return value == null || peerValue == null || peerValue == 0 ? null : value / peerValue;
        }

        Boolean met() {
            Double r = ratio();
            if (r == null) {
                return null;
            }
            return switch (op) {
                case "<=" -> r <= limit;
                case ">=" -> r >= limit;
                default -> r < limit;
            };
        }

        /** The rule as latest.json writes it: "<= 0.05x peer". */
        String rule() {
            return op + " " + (limit == Math.rint(limit) ? Long.toString((long) limit) : Double.toString(limit)) + "x peer";
        }
    }

    private FarmReport() {
    }

    /** The four targets, from the cells of this run only. */
    static List<Target> targets(List<BackendRun> runs) {
        List<Target> out = new ArrayList<>();
        out.add(target(runs, "webfarm_validate_p50", "web farm: session validation p50, 1 client", "µs",
                "Redis TLS GET p50 (Jedis), 1 client", "<=", 0.05, GLOBAL_SESSIONS, REDIS_TLS, 1, r -> micros(r, 50)));
        out.add(target(runs, "webfarm_validate_p99", "web farm: session validation p99, 1 client", "µs",
                "Redis TLS GET p99 (Jedis), 1 client", "<=", 0.5, GLOBAL_SESSIONS, REDIS_TLS, 1, r -> micros(r, 99)));
        out.add(target(runs, "webfarm_throughput_50c", "web farm: whole-workload ops/s at 50 clients", "ops/s",
                "Redis TLS (Jedis) ops/s, 50 clients", ">=", 5, GLOBAL_SESSIONS, REDIS_TLS, THROUGHPUT_CLIENTS,
                FarmLoad.Result::stepsPerSecond));
        out.add(target(runs, "webfarm_vs_near_cache_p50", "web farm: session validation p50 against a near cache, 1 client",
                "µs", "Lettuce near cache (RESP3 tracking) p50, 1 client", "<", 1, GLOBAL_SESSIONS, NEAR_CACHE, 1,
                r -> micros(r, 50)));
        return out;
    }

    private static Target target(List<BackendRun> runs, String key, String label, String unit, String peer, String op,
                                 double limit, String ours, String theirs, int clients, ToDoubleFunction<FarmLoad.Result> statistic) {
        Optional<FarmLoad.Result> a = cell(runs, ours, clients);
        Optional<FarmLoad.Result> b = cell(runs, theirs, clients);
        if (a.isEmpty() || b.isEmpty()) {
            String missing = a.isEmpty() ? ours : theirs;
            return new Target(key, label, unit, peer, op, limit, null, null,
                    "not measured: this run has no " + missing + " cell at " + clients + " client" + (clients == 1 ? "" : "s"));
        }
        return new Target(key, label, unit, peer, op, limit, statistic.applyAsDouble(a.get()), statistic.applyAsDouble(b.get()),
                null);
    }

    static Optional<FarmLoad.Result> cell(List<BackendRun> runs, String backend, int clients) {
        return runs.stream().filter(r -> r.backend().equals(backend)).flatMap(r -> r.cells().stream())
                .filter(c -> c.clients() == clients).findFirst();
    }

    static double micros(FarmLoad.Result r, double percentile) {
        return micros(r.app().validations(), percentile);
    }

    private static double micros(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1_000.0;
    }

    /** The share of validations the process answered itself: L1 for global-sessions, the near cache for Lettuce; null for Jedis. */
    static Double localHitRatio(String backend, FarmLoad.Result r) {
        long local = r.app().counts().entrySet().stream()
                .filter(e -> e.getKey().startsWith("validate:") && AppStats.local(e.getKey().substring("validate:".length())))
                .mapToLong(Map.Entry::getValue).sum();
        long all = validations(r.app().counts());
        return all == 0 || backend.equals(REDIS_TLS) ? null : (double) local / all;
    }

    private static long validations(Map<String, Long> counts) {
        return counts.entrySet().stream().filter(e -> e.getKey().startsWith("validate:")).mapToLong(Map.Entry::getValue).sum();
    }

    /** The roles whose processes {@code r} read, in {@link CpuUse.Role}'s order. */
    private static List<CpuUse.Role> roles(FarmLoad.Result r) {
        return Arrays.stream(CpuUse.Role.values()).filter(role -> !r.cpu().of(role).isEmpty()).toList();
    }

    /** "app processes 182 (1.21), redis-server 20.5 (0.21), …": each role's CPU µs per step (CPUs used). */
    static String cpu(FarmLoad.Result r) {
        List<String> parts = new ArrayList<>();
        for (CpuUse.Role role : roles(r)) {
            parts.add(role.label + " " + r.cpu().perOpAndCpus(role, r.steps()).orElse("—"));
        }
        return parts.isEmpty() ? "—" : String.join(", ", parts);
    }

    /** "l1 71.2 %, l2 20.1 %, …": where the validations were answered. */
    static String answers(FarmLoad.Result r) {
        long all = validations(r.app().counts());
        if (all == 0) {
            return "—";
        }
        List<String> parts = new ArrayList<>();
        r.app().counts().entrySet().stream().filter(e -> e.getKey().startsWith("validate:"))
                .sorted((x, y) -> Long.compare(y.getValue(), x.getValue()))
                .forEach(e -> parts.add(String.format(Locale.ROOT, "%s %.1f %%", e.getKey().substring("validate:".length()),
                        100.0 * e.getValue() / all)));
        return String.join(", ", parts);
    }

    // ---- markdown ---------------------------------------------------------------------------

    static String markdown(Run run, List<BackendRun> runs, List<Target> targets) {
        StringBuilder md = new StringBuilder();
        md.append("# Web farm, ").append(run.report().startsWith("webfarm-partial-") ? "partial " : "").append("run of ")
                .append(run.report().replace("webfarm-partial-", "").replace("webfarm-", "").replace(".md", "")).append(" UTC\n\n");
        md.append("Command: `").append(run.command()).append("`, commit ").append(run.commit()).append(", started ")
                .append(run.time()).append("\n\n");
        md.append(String.format(Locale.ROOT, "Machine: %d CPUs (%s), %s, %s; load average before `%s`, after `%s`.%n%n",
                run.cores(), run.cpu(), run.java(), run.os(), run.loadBefore(), run.loadAfter()));
        md.append(run.settings()).append("\n\n");
        md.append(warmups(runs));
        md.append("## Targets\n\n| target | value | peer in this run | ratio | target | met |\n|---|---:|---|---:|---|---|\n");
        for (Target t : targets) {
            md.append("| ").append(t.label()).append(" | ").append(t.value() == null ? "—" : number(t.value()) + " " + t.unit())
                    .append(" | ").append(t.peer()).append(t.peerValue() == null ? "" : ": " + number(t.peerValue()) + " " + t.unit())
                    .append(" | ").append(t.ratio() == null ? "—" : String.format(Locale.ROOT, "%.3f×", t.ratio()))
                    .append(" | ").append(t.rule().replace("x peer", "× peer")).append(" | ")
                    .append(t.met() == null ? "not measured: " + t.note() : t.met() ? "**met**" : "**missed**").append(" |\n");
        }
        md.append("\n## Cells\n\nLatencies in µs, timed inside the app process around the backend call; ops/s: whole-workload steps "
                + "(logins, validations, logouts) answered per second, counted at the load generator; local: validations the "
                + "process answered itself (L1, or the near cache); again p50: such a local validation made once more at once, "
                + "the same call with the process's caches warm (not in the other columns); failed: steps the backend failed; lost: validations of a live "
                + "session that found nothing; the last column counts the measured steps (users in the Zipf tail are often on "
                + "their first login, so logins outnumber logouts).\n\n");
        md.append(table(runs));
        md.append(String.format(Locale.ROOT, "%n## CPU per operation%n%nThe CPU time (utime + stime of `/proc/PID/stat`, to 10 ms) "
                + "each role's processes used over the measured period, per step counted in ops/s (login, validation or logout): µs "
                + "of CPU per step, and in parentheses the CPUs they kept busy together. The machine has %d: a one-process role near "
                + "1.00, or roles that add up to near %d, is where the cell saturates. App processes are the %d app JVMs together; "
                + "— is a role the backend does not have, or whose processes exited before they were read. JIT: the share of "
                + "that CPU time the processes' JIT compiler threads used (a JVM still compiling is still warming up).%n%n", run.cores(),
                run.cores(), AppFarm.HOSTS * AppFarm.PROCESSES_PER_HOST));
        md.append(cpuTable(runs));
        md.append("\n## Reads of logged-out sessions\n\nAbout one logout in N is followed, after the staleness bound, by a "
                + "validation of the dead id on a random other app process; every answer that returns the session is counted "
                + "(must be 0). Counted over the whole backend run, warm-ups included.\n\n");
        md.append("| backend | checks scheduled | answered | **returned the session** | failed | examples |\n|---|---:|---:|---:|---:|---|\n");
        for (BackendRun r : runs) {
            StaleChecks.Totals c = r.checks();
            md.append(String.format(Locale.ROOT, "| %s | %,d | %,d | **%,d** | %,d | %s |%n", r.backend(), c.scheduled(), c.checked(),
                    c.found(), c.failed(), c.examples().isEmpty() ? "" : String.join("; ", c.examples())));
        }
        return md.toString();
    }

    /**
     * "Warm-up per backend …": how long each backend warmed up before its cells, and the share of the
     * app processes' CPU their JIT compiler threads used over its last window; empty if none told.
     */
    static String warmups(List<BackendRun> runs) {
        List<String> parts = new ArrayList<>();
        for (BackendRun r : runs) {
            WarmUp.Warmed w = r.warmup();
            if (w != null) {
                double jit = w.last() == null ? Double.NaN : w.last().jitShare(CpuUse.Role.APP).orElse(0);
                parts.add(String.format(Locale.ROOT, "%s %d s%s", r.backend(), Math.round(w.length().toMillis() / 1000.0),
                        Double.isNaN(jit) ? "" : String.format(Locale.ROOT, " (JIT %.1f %%%s)", 100 * jit,
                                w.steady() ? "" : ", **not yet quiet**")));
            }
        }
        return parts.isEmpty() ? "" : "Warm-up per backend, at the largest client count, until the app processes' JIT compiler "
                + "threads used little of their CPU over a window (their share in the last window in parentheses): "
                + String.join(", ", parts) + ".\n\n";
    }

    /** The cells as a markdown table. */
    static String table(List<BackendRun> runs) {
        StringBuilder md = new StringBuilder();
        md.append("| backend | clients | validation p50 | p99 | p99.9 | login p50 | p99 | logout p50 | p99 | ops/s | local | "
                + "again p50 | validations answered by | failed | lost | logins / validations / logouts |\n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|\n");
        for (BackendRun run : runs) {
            for (FarmLoad.Result r : run.cells()) {
                AppStats.Snapshot s = r.app();
                Double local = localHitRatio(run.backend(), r);
                md.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %,.0f | %s | %s | %s | %,d | %,d | %,d / %,d / %,d |%n",
                        run.backend(), r.clients(), number(micros(s.validations(), 50)), number(micros(s.validations(), 99)),
                        number(micros(s.validations(), 99.9)), number(micros(s.logins(), 50)), number(micros(s.logins(), 99)),
                        number(micros(s.logouts(), 50)), number(micros(s.logouts(), 99)), r.stepsPerSecond(),
                        local == null ? "—" : String.format(Locale.ROOT, "%.1f %%", 100 * local), number(micros(s.repeats(), 50)),
                        answers(r), r.failed(), r.lost(),
                        r.logins(), r.validations(), r.logouts()));
            }
        }
        return md.toString();
    }

    /** Each cell's CPU µs per step (CPUs used), a column per role some cell read. */
    static String cpuTable(List<BackendRun> runs) {
        List<CpuUse.Role> roles = runs.stream().flatMap(run -> run.cells().stream()).flatMap(r -> roles(r).stream()).distinct()
                .sorted().toList();
        StringBuilder md = new StringBuilder("| backend | clients | ops/s |");
        roles.forEach(role -> md.append(' ').append(role.label).append(" |"));
        md.append("\n|---|---:|---:|").append("---:|".repeat(roles.size())).append('\n');
        for (BackendRun run : runs) {
            for (FarmLoad.Result r : run.cells()) {
                md.append(String.format(Locale.ROOT, "| %s | %d | %,.0f |", run.backend(), r.clients(), r.stepsPerSecond()));
                roles.forEach(role -> md.append(' ').append(r.cpu().perOpAndCpus(role, r.steps()).orElse("—")).append(" |"));
                md.append('\n');
            }
        }
        return md.toString();
    }

    private static String number(double x) {
        if (Double.isNaN(x)) {
            return "—";
        }
        return x >= 100 ? String.format(Locale.ROOT, "%,.0f", x) : String.format(Locale.ROOT, "%.3g", x);
    }

    // ---- JSON -------------------------------------------------------------------------------

    static String json(Run run, List<BackendRun> runs, List<Target> targets) {
        StringBuilder j = new StringBuilder("{\n");
        field(j, 1, "commit", quote(run.commit())).append(",\n");
        field(j, 1, "time", quote(run.time().toString())).append(",\n");
        field(j, 1, "machine", "{ \"cores\": " + run.cores() + ", \"cpu\": " + quote(run.cpu()) + ", \"java\": " + quote(run.java())
                + ", \"os\": " + quote(run.os()) + " }").append(",\n");
        field(j, 1, "load_average", "{ \"before\": " + quote(run.loadBefore()) + ", \"after\": " + quote(run.loadAfter()) + " }")
                .append(",\n");
        field(j, 1, "command", quote(run.command())).append(",\n");
        field(j, 1, "report", quote(run.report())).append(",\n");
        j.append("  \"targets\": {\n");
        for (int i = 0; i < targets.size(); i++) {
            Target t = targets.get(i);
            j.append("    ").append(quote(t.key())).append(": {\n");
            field(j, 3, "label", quote(t.label())).append(",\n");
            field(j, 3, "value", number3(t.value())).append(",\n");
            field(j, 3, "unit", quote(t.unit())).append(",\n");
            field(j, 3, "peer", quote(t.peer())).append(",\n");
            field(j, 3, "peer_value", number3(t.peerValue())).append(",\n");
            field(j, 3, "ratio", number3(t.ratio())).append(",\n");
            field(j, 3, "target", quote(t.rule())).append(",\n");
            field(j, 3, "target_of", quote("ratio")).append(",\n");
            field(j, 3, "target_op", quote(t.op())).append(",\n");
            field(j, 3, "target_limit", Double.toString(t.limit())).append(",\n");
            field(j, 3, "met", String.valueOf(t.met()));
            if (t.note() != null) {
                j.append(",\n");
                field(j, 3, "note", quote(t.note()));
            }
            j.append("\n    }").append(i + 1 < targets.size() ? ",\n" : "\n");
        }
        j.append("  },\n  \"cells\": [\n");
        List<String> cells = new ArrayList<>();
        for (BackendRun run1 : runs) {
            for (FarmLoad.Result r : run1.cells()) {
                AppStats.Snapshot s = r.app();
                cells.add(String.format(Locale.ROOT, "    { \"backend\": %s, \"clients\": %d, \"measured_s\": %s, \"ops_per_s\": %s, "
                                + "\"validate_us\": %s, \"local_again_us\": %s, \"login_us\": %s, \"logout_us\": %s, "
                                + "\"local_hit_ratio\": %s, "
                                + "\"logins\": %d, \"validations\": %d, \"logouts\": %d, \"failed\": %d, \"lost\": %d, \"cpu\": %s }",
                        quote(run1.backend()), r.clients(), number3(r.measured().toMillis() / 1000.0), number3(r.stepsPerSecond()),
                        percentiles(s.validations()), percentiles(s.repeats()), percentiles(s.logins()), percentiles(s.logouts()), number3(localHitRatio(run1.backend(), r)),
                        r.logins(), r.validations(), r.logouts(), r.failed(), r.lost(), cpuJson(r)));
            }
        }
        j.append(String.join(",\n", cells)).append("\n  ],\n  \"stale_reads\": {\n");
        List<String> stale = new ArrayList<>();
        for (BackendRun r : runs) {
            StaleChecks.Totals c = r.checks();
            stale.add(String.format(Locale.ROOT, "    %s: { \"scheduled\": %d, \"checked\": %d, \"found\": %d, \"failed\": %d }",
                    quote(r.backend()), c.scheduled(), c.checked(), c.found(), c.failed()));
        }
        j.append(String.join(",\n", stale)).append("\n  },\n  \"warmups\": {\n");
        List<String> warmups = new ArrayList<>();
        for (BackendRun r : runs) {
            WarmUp.Warmed w = r.warmup();
            if (w != null) {
                OptionalDouble jit = w.last() == null ? OptionalDouble.empty() : w.last().jitShare(CpuUse.Role.APP);
                warmups.add(String.format(Locale.ROOT, "    %s: { \"seconds\": %s, \"quiet\": %s, \"app_jit_share\": %s }",
                        quote(r.backend()), number3(w.length().toMillis() / 1000.0), w.steady(),
                        number3(jit.isPresent() ? jit.getAsDouble() : null)));
            }
        }
        j.append(String.join(",\n", warmups)).append(warmups.isEmpty() ? "" : "\n").append("  }\n}\n");
        return j.toString();
    }

    private static String percentiles(Histogram h) {
        return "{ \"p50\": " + number3(micros(h, 50)) + ", \"p99\": " + number3(micros(h, 99)) + ", \"p99_9\": "
                + number3(micros(h, 99.9)) + ", \"count\": " + h.getTotalCount() + " }";
    }

    /** {@code { "app processes": { "micros_per_op": 182.0, "cpus": 1.21 }, … }}: the roles {@code r} read. */
    private static String cpuJson(FarmLoad.Result r) {
        List<String> roles = new ArrayList<>();
        for (CpuUse.Role role : roles(r)) {
            OptionalDouble micros = r.cpu().microsPerOp(role, r.steps());
            OptionalDouble jit = r.cpu().jitShare(role);
            roles.add(quote(role.label) + ": { \"micros_per_op\": " + number3(micros.isPresent() ? micros.getAsDouble() : null)
                    + ", \"cpus\": " + number3(r.cpu().cpus(role)) + ", \"jit_share\": " + number3(jit.isPresent() ? jit.getAsDouble() : null)
                    + " }");
        }
        return roles.isEmpty() ? "{}" : "{ " + String.join(", ", roles) + " }";
    }

    private static StringBuilder field(StringBuilder j, int depth, String name, String json) {
        return j.append("  ".repeat(depth)).append(quote(name)).append(": ").append(json);
    }

    /** Three decimals, or null for nothing (and for NaN: JSON has no NaN). */
    private static String number3(Double x) {
        if (x == null || x.isNaN() || x.isInfinite()) {
            return "null";
        }
        return Double.toString(Math.round(x * 1_000) / 1_000.0);
    }

    static String quote(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder q = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> q.append("\\\"");
                case '\\' -> q.append("\\\\");
                case '\n' -> q.append("\\n");
                case '\r' -> q.append("\\r");
                case '\t' -> q.append("\\t");
                default -> {
                    if (c < 0x20) {
                        q.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        q.append(c);
                    }
                }
            }
        }
        return q.append('"').toString();
    }
}

package org.globalsessions.bench.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import org.HdrHistogram.Histogram;

import org.globalsessions.bench.ChronicleFlags;
import org.globalsessions.shm.ShmLru;
import org.globalsessions.testkit.ChildJvm;

/**
 * The end-to-end load generator of issue 6: global-sessions (L1 from an attached process, L2,
 * expansion, aging, acknowledged sets, and 1–3 expansion nodes), Redis (plaintext and mutual TLS,
 * through Jedis) and the in-process peers (Chronicle Map, Caffeine) on one machine, in one run,
 * on the same workload, with the closed loop of {@link ClosedLoop}. Writes
 * {@code e2e-<timestamp>.md} (the table of every cell, the targets),
 * {@code e2e-<timestamp>-latency.png}, and {@code <timestamp>.json} with its copy
 * {@code latest.json} ({@link ResultsJson}) to the results directory and prints the table.
 *
 * <p>Phases, each with the environment it needs, torn down before the next: the local stores;
 * Redis (started by {@code run-e2e.sh}); cluster {@code l2} (L2 as large as the largest key
 * space, filled directly; L1 paths against a table another JVM created and filled); clusters
 * {@code relief-1..3} (L2 of one entry, expansion twice the key space, loaded with
 * acknowledged sets); cluster {@code aging} (L2 of one entry, expansion about 1 % of the key
 * space, aging twice it). Every cluster is mutual TLS on 127.0.0.1. See bench/README.md.
 *
 * <p>Every cell on a cluster also reads the CPU time of each node JVM and of this one over its
 * measured period ({@link CpuUse}: CPU µs per operation by role). With {@code --cpu-budget}, the
 * relief clusters' cells run with each node JVM under its own CPU quota on CPU 1 and this JVM
 * alone on CPU 0 ({@link CpuBudget}, {@link CpuGroups}), so that an expansion node added adds
 * capacity: the scale-out targets' condition.
 */
public final class E2eBench {

    private static final int LOAD_IN_FLIGHT = 256;
    private static final int PATH_WARMUP_CLIENTS = 8;
    /** Options of every cluster node's JVM: a fixed heap, and E2E_NODE_JAVA_OPTS (a collector named there replaces this one). */
    private static final List<String> NODE_OPTIONS = nodeOptions(System.getenv("E2E_NODE_JAVA_OPTS"));

    private final Options options;
    /** The cgroups of --cpu-budget (null without it). */
    private final CpuGroups cpuGroups;
    private final String[] keys;
    private final byte[][] values = E2eData.values();
    private final List<ClosedLoop.Result> results = new ArrayList<>();
    private final ClosedLoop loop;
    /** How each networked path's warm-up ended, in the order they ran. */
    private final List<Report.PathWarmUp> pathWarmUps = new ArrayList<>();
    private int planned;

    private E2eBench(Options options, CpuGroups cpuGroups) {
        this.options = options;
        this.cpuGroups = cpuGroups;
        int most = options.keys().get(options.keys().size() - 1);
        this.keys = E2eData.keys(Math.max(most, options.costKeys()));
        this.loop = new ClosedLoop(options.warmup(), options.measure(), options.maxOps());
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        CpuGroups cpuGroups = null;
        if (options.cpuBudget() != null) {
            try {
                cpuGroups = CpuGroups.open();
            } catch (IllegalStateException e) {
                System.err.println("e2e: " + e.getMessage());
                System.exit(2);
                return;
            }
            // SIGTERM (run-e2e.sh's cleanup), an exception out of run() and System.exit all run the hooks
            Runtime.getRuntime().addShutdownHook(new Thread(cpuGroups::close, "cpu-groups-removal"));
        }
        new E2eBench(options, cpuGroups).run();
        System.exit(0); // the Jedis and Pekko threads left are daemons, but be sure
    }

    private void run() throws Exception {
        Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String started = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(start);
        String loadBefore = loadAverage();
        Files.createDirectories(options.resultsDirectory());
        Files.createDirectories(options.workDirectory());
        planned = countCells();
        System.out.printf(Locale.ROOT, "e2e: %d cells, %s s warm-up + %s s each; per networked path at least %s s of warm-up, then "
                        + "until its JIT is quiet (at most %s s)%n", planned, seconds(options.warmup()), seconds(options.measure()),
                seconds(options.pathWarmup()), seconds(options.pathWarmupMax()));
        if (cpuGroups != null) {
            CpuBudget budget = options.cpuBudget();
            int most = options.reliefNodes().stream().mapToInt(Integer::intValue).max().orElse(1);
            System.out.printf(Locale.ROOT, "e2e: CPU budgets for the relief clusters, cgroups %s-*: %s; %.0f %% of CPU 1 with %d expansion nodes%s%n",
                    cpuGroups.prefix(), budget.describe(), budget.total(most), most,
                    budget.total(most) > 100 ? " (over 100 %: CPU 1, not each quota, may bound)" : "");
        }
        runLocal();
        runRedis();
        runL2Cluster();
        for (int n : options.reliefNodes()) {
            runReliefCluster(n);
        }
        runAgingCluster();
        writeResults(start, started, loadBefore);
    }

    private int countCells() {
        int n = 0;
        for (Cell.Path path : options.paths()) {
            boolean scaled = path == Cell.Path.EXPANSION || path == Cell.Path.SET;
            for (int nodes : scaled ? options.reliefNodes() : List.of(1)) {
                n += Plan.cells(options, path, nodes).size();
            }
        }
        return n;
    }

    // ---- phases ------------------------------------------------------------------------------

    private void runLocal() throws InterruptedException {
        measure(Cell.Path.CHRONICLE_MAP, 0, k -> LocalTargets.chronicleMap(prefix(k), values), null);
        measure(Cell.Path.CAFFEINE, 0, k -> LocalTargets.caffeine(prefix(k), values), null);
    }

    private void runRedis() throws InterruptedException {
        if (options.redisPort() > 0) {
            RedisTarget redis = new RedisTarget(options.redisPort(), null);
            measure(Cell.Path.REDIS, 0, k -> loaded(redis, k), null);
        }
        if (options.redisTlsPort() > 0) {
            RedisTarget redis = new RedisTarget(options.redisTlsPort(), options.certs());
            measure(Cell.Path.REDIS_TLS, 0, k -> loaded(redis, k), null);
        }
    }

    private Target loaded(RedisTarget redis, int k) {
        redis.load(prefix(k), values);
        return redis;
    }

    /**
     * L2 sized for the largest key space and filled by attaching to the relay's table on this
     * host (as a sibling does); the measuring client's own L1 holds one entry. L1 cells attach to
     * a table a {@link HostTableOwner} JVM created and filled, one per key space.
     */
    private void runL2Cluster() throws Exception {
        if (!options.paths().contains(Cell.Path.L1) && !options.paths().contains(Cell.Path.L2)) {
            return;
        }
        int most = Math.max(options.keys().get(options.keys().size() - 1), options.costKeys());
        Cluster.Shape shape = new Cluster.Shape("l2", 1, oversized(most), 4_000, 8_000);
        try (Cluster cluster = Cluster.start(shape, launch());
             GlobalSessionsTarget client = tinyL1Client(cluster, "l2")) {
            cluster.awaitSettled(client);
            if (options.paths().contains(Cell.Path.L2)) {
                try (ShmLru l2 = ShmLru.attach(cluster.relayTable())) {
                    HostTableOwner.fill(l2, prefix(most), values);
                    System.out.printf("l2: relay table filled directly with %,d sessions (%,d resident)%n", most, l2.stats().entries());
                }
                measure(Cell.Path.L2, 0, k -> borrowed(client), clock(cluster));
            }
            measure(Cell.Path.L1, 0, k -> attachedL1(cluster.relayAddress(), k), clock(cluster));
        }
    }

    /** Expansion reads and acknowledged sets on a cluster of {@code nodes} expansion nodes whose L2 holds one entry. */
    private void runReliefCluster(int nodes) throws Exception {
        if (!options.paths().contains(Cell.Path.EXPANSION) && !options.paths().contains(Cell.Path.SET)) {
            return;
        }
        int k = options.keys().get(0);
        Cluster.Shape shape = new Cluster.Shape("relief-" + nodes, nodes, 1, 2 * k / Cluster.SHARDS + 16, 8_000);
        try (Cluster cluster = Cluster.start(shape, launch());
             GlobalSessionsTarget client = tinyL1Client(cluster, shape.name())) {
            cluster.awaitSettled(client);
            load(client, k, shape.name());
            try (CpuGroups.Confinement confined = confine(cluster, shape.name())) {
                measure(Cell.Path.EXPANSION, nodes, n -> borrowed(client), clock(cluster));
                measure(Cell.Path.SET, nodes, n -> borrowed(client), clock(cluster));
            }
        }
    }

    /** Aging reads on a cluster whose L2 holds one entry and whose expansion tier holds about 1 % of the key space. */
    private void runAgingCluster() throws Exception {
        if (!options.paths().contains(Cell.Path.AGING)) {
            return;
        }
        int k = options.keys().get(0);
        Cluster.Shape shape = new Cluster.Shape("aging", 1, 1, Math.max(2, k / 100 / Cluster.SHARDS), 2 * k / Cluster.SHARDS + 16);
        try (Cluster cluster = Cluster.start(shape, launch());
             GlobalSessionsTarget client = tinyL1Client(cluster, shape.name())) {
            cluster.awaitSettled(client);
            load(client, k, shape.name());
            measure(Cell.Path.AGING, 1, n -> borrowed(client), clock(cluster));
        }
    }

    // ---- helpers -----------------------------------------------------------------------------

    /**
     * Under --cpu-budget, confines {@code cluster}'s node JVMs and this one ({@link CpuGroups});
     * null (nothing to close) without it. Starting, settling and loading ran unconfined: under
     * quotas of a tenth of a CPU, starting and compiling a node would take minutes.
     */
    private CpuGroups.Confinement confine(Cluster cluster, String name) {
        if (cpuGroups == null) {
            return null;
        }
        CpuGroups.Confinement confined = cpuGroups.confine(name, options.cpuBudget(), cluster.members(), CpuUse.loadGenerator());
        System.out.printf("%s: confined: %s%n", name, cpuGroups.groups().stream().map(g -> g.hierarchy() + ":" + g.name()).toList());
        return confined;
    }

    /** Reads the CPU time of {@code cluster}'s node JVMs and of this one around each measured cell. */
    private static CpuUse.Clock clock(Cluster cluster) {
        List<CpuUse.Member> members = new ArrayList<>(cluster.members());
        members.add(CpuUse.loadGenerator());
        return new CpuUse.Clock(members);
    }

    /**
     * Runs the planned cells of {@code path}, one target per key space (closed after its cells);
     * {@code clock} (null: none) reads the CPU time of the cells' processes.
     */
    private void measure(Cell.Path path, int reliefNodes, IntFunction<Target> targetForKeys, CpuUse.Clock clock)
            throws InterruptedException {
        if (!options.paths().contains(path)) {
            return;
        }
        Map<Integer, List<Cell>> byKeys = new LinkedHashMap<>();
        for (Cell cell : Plan.cells(options, path, Math.max(1, reliefNodes))) {
            byKeys.computeIfAbsent(cell.workload().keys(), k -> new ArrayList<>()).add(cell);
        }
        boolean warm = !path.networked() || options.pathWarmup().isZero();
        for (Map.Entry<Integer, List<Cell>> group : byKeys.entrySet()) {
            try (Target target = targetForKeys.apply(group.getKey())) {
                if (!warm) {
                    warmUp(path, group.getValue().get(0), target, clock);
                    warm = true;
                }
                for (Cell cell : group.getValue()) {
                    ClosedLoop.Result result = loop.run(cell, target, keys, values, clock);
                    results.add(result);
                    System.out.printf(Locale.ROOT, "[%d/%d] %s: %s, %,d keys, %s %s, %d clients%s:%s%s %s%n",
                            results.size(), planned, path.system, path.description, cell.workload().keys(), cell.workload().mix(),
                            cell.workload().popularity().label(), cell.clients(),
                            reliefNodes > 0 ? ", " + reliefNodes + " relief nodes" : "",
                            progress("get", result, result.reads()), progress("set", result, result.writes()), Report.answers(result));
                }
            }
        }
    }

    /**
     * Runs {@code first}'s workload with 8 clients, recording nothing, for at least --path-warmup,
     * then in {@link WarmUp#JIT_WINDOW}s until every role {@code clock} reads (null: this JVM alone) is
     * JIT-quiet ({@link WarmUp#jitQuiet}), at most --path-warmup-max.
     */
    private void warmUp(Cell.Path path, Cell first, Target target, CpuUse.Clock clock) throws InterruptedException {
        String name = path.system + ": " + path.description + (first.reliefNodes() > 1 ? ", " + first.reliefNodes() + " relief nodes" : "");
        System.out.printf(Locale.ROOT, "%s: warming up the path with %d clients, not recorded: at least %s s, then until its JIT is quiet "
                + "(at most %s s)%n", name, PATH_WARMUP_CLIENTS, seconds(options.pathWarmup()), seconds(options.pathWarmupMax()));
        List<CpuUse.Role> roles = List.of(CpuUse.Role.values());
        WarmUp warmUp = new WarmUp(options.pathWarmup(), options.pathWarmupMax(), WarmUp.JIT_WINDOW, cpu -> {
            System.out.printf(Locale.ROOT, "%s: warming up: %s%n", name, WarmUp.describe(cpu, roles));
            return WarmUp.jitQuiet(cpu, options.jitQuiet(), roles);
        });
        WarmUp.Warmed warmed = loop.warmUp(new Cell(path, first.workload(), PATH_WARMUP_CLIENTS, first.reliefNodes()), target, keys,
                values, warmUp, clock != null ? clock : new CpuUse.Clock(List.of(CpuUse.loadGenerator())));
        pathWarmUps.add(new Report.PathWarmUp(name, warmed));
        System.out.printf(Locale.ROOT, "%s: warmed up for %s s%s%n", name, seconds(warmed.length()),
                warmed.steady() ? "" : "; its JIT is not yet quiet: its cells measure JVMs still compiling");
    }

    private static String progress(String op, ClosedLoop.Result result, Histogram h) {
        return h.getTotalCount() == 0 ? "" : String.format(Locale.ROOT, " %s %,.0f/s p50 %s µs p99 %s µs;", op,
                result.opsPerSecond(h), Report.micros(h.getValueAtPercentile(50)), Report.micros(h.getValueAtPercentile(99)));
    }

    static List<String> nodeOptions(String more) {
        List<String> options = new ArrayList<>(List.of("-Xms512m", "-Xmx512m", "-XX:+UseParallelGC"));
        if (more != null && !more.isBlank()) {
            List<String> extra = List.of(more.trim().split("\\s+"));
            Predicate<String> collector = o -> o.matches("-XX:\\+Use\\w+GC");
            if (extra.stream().anyMatch(collector)) {
                options.removeIf(collector);
            }
            options.addAll(extra);
        }
        return List.copyOf(options);
    }

    private Cluster.Launch launch() throws IOException {
        if (options.jfrDirectory() != null) {
            Files.createDirectories(options.jfrDirectory());
        }
        return new Cluster.Launch(options.launcherJar(), ChronicleFlags.ALL, NODE_OPTIONS, options.certs(),
                options.workDirectory(), options.jfrDirectory());
    }

    /** A client whose L1 holds one entry, so that its reads reach the relay. */
    private GlobalSessionsTarget tinyL1Client(Cluster cluster, String name) {
        return GlobalSessionsTarget.ownTable(cluster.relayAddress(), options.certs(),
                options.workDirectory().resolve(name + "-client-l1.lru"), 1);
    }

    /** The L1 path: a {@link HostTableOwner} JVM creates and fills a table of {@code k} sessions; a client attaches to it. */
    private Target attachedL1(String relay, int k) {
        Path table = options.workDirectory().resolve("l1-host-" + k + ".lru");
        ChildJvm owner = ChildJvm.mainClass(HostTableOwner.class).flags(ChronicleFlags.ALL).options("-Xmx256m")
                .args(table, oversized(k), k).start();
        String ready = owner.readLine();
        if (ready == null || !ready.startsWith("ready")) {
            owner.kill();
            throw new IllegalStateException("the host-table owner JVM did not start: " + ready);
        }
        System.out.printf("l1: host table %s created and filled by pid %d (%s)%n", table, owner.pid(), ready);
        GlobalSessionsTarget client = GlobalSessionsTarget.attached(relay, options.certs(), table);
        client.touchTable(prefix(k));
        return Target.sharing(client, () -> {
            client.close();
            stopOwner(owner, table);
        });
    }

    /** Closes the owner's standard input (it unmaps the table and exits), then removes the table file. */
    private static void stopOwner(ChildJvm owner, Path table) {
        owner.closeInput();
        if (!owner.exits(Duration.ofSeconds(20))) {
            owner.kill();
        }
        try {
            Files.deleteIfExists(table);
        } catch (IOException e) {
            throw new IllegalStateException("cannot remove " + table, e);
        }
    }

    /** {@code target} for one group of cells, left open for the next. */
    private static Target borrowed(Target target) {
        return Target.sharing(target, () -> { });
    }

    private void load(GlobalSessionsTarget client, int k, String cluster) throws InterruptedException {
        long start = System.nanoTime();
        client.load(prefix(k), values, LOAD_IN_FLIGHT);
        System.out.printf("%s: %,d sessions written through the cluster and acknowledged in %.1f s%n", cluster, k,
                (System.nanoTime() - start) / 1e9);
    }

    private String[] prefix(int k) {
        return Arrays.copyOf(keys, k);
    }

    /** A table size that holds {@code k} keys whatever the imbalance of its segments. */
    private static long oversized(int k) {
        return k + k / 4 + 256;
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.3g", d.toMillis() / 1000.0);
    }

    /** This machine's /proc/loadavg line, for a report ("unknown" if unreadable). */
    public static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private void writeResults(Instant start, String started, String loadBefore) throws IOException {
        Path markdown = options.resultsDirectory().resolve("e2e-" + started + ".md");
        Path png = options.resultsDirectory().resolve("e2e-" + started + "-latency.png");
        Workload reference = options.reference();
        List<ClosedLoop.Result> plotted = results.stream().filter(r -> r.cell().clients() == 1 && r.cell().reliefNodes() <= 1
                && (r.cell().workload().equals(reference) || r.cell().path() == Cell.Path.SET
                && r.cell().workload().equals(new Workload(reference.keys(), 0, Workload.Popularity.UNIFORM)))).toList();
        String title = String.format(Locale.ROOT, "1 client, %,d keys, %s, uniform (sets: writes only)", reference.keys(), reference.mix());
        LatencyPlot.write(plotted, title, png);
        String table = Report.table(results);
        String cpuTable = Report.cpu(results);
        List<Targets.Standing> standings = Targets.evaluate(results, reference,
                options.jmhL1() == null ? null : JmhL1.read(options.jmhL1()), options.cpuBudget());
        String targets = Report.targets(standings);
        String loadAfter = loadAverage();
        String document = "# End-to-end load generator, run of " + started + " UTC\n\n"
                + "Command: `" + options.command() + "`, commit " + options.commit() + "\n\n"
                + String.format(Locale.ROOT, "Machine: %d CPUs; load average before `%s`, after `%s`. Per cell: %s s warm-up, %s s measured (or %,d operations); before the first cell of each networked path, a warm-up with 8 clients of at least %s s, then until every process on the path is JIT-quiet (its JIT compiler threads used at most %s %% of its CPU time over %s s; a role that used under a tenth of a CPU is not judged), at most %s s.%n%n",
                Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter, seconds(options.warmup()), seconds(options.measure()), options.maxOps(),
                seconds(options.pathWarmup()), String.format(Locale.ROOT, "%.3g", options.jitQuiet()), seconds(WarmUp.JIT_WINDOW),
                seconds(options.pathWarmupMax()))
                + Report.warmUps(pathWarmUps)
                + "Cluster node JVMs: `" + String.join(" ", NODE_OPTIONS) + "` (besides the Chronicle flags).\n\n"
                + (options.cpuBudget() == null ? "CPU budgets: none (every JVM on both vCPUs).\n\n"
                : "CPU budgets (`--cpu-budget " + options.cpuBudget().spec() + "`), from the end of loading to the cluster's stop, "
                + "relief clusters only: " + options.cpuBudget().describe() + ".\n\n")
                + Report.isolation()
                + "\n## Targets (reference workload: " + String.format(Locale.ROOT, "%,d keys, %s, uniform", reference.keys(), reference.mix())
                + ")\n\n" + targets
                + "\n## Cells\n\nLatencies in µs (two `System.nanoTime()` calls, ≈ 30 ns, are inside every sample); ops/s of that operation in the cell; "
                + "answers: where the cell's reads were answered.\n\n" + table
                + (cpuTable.isEmpty() ? "" : "\n## CPU per operation\n\nCPU µs per recorded operation of each process over the cell's measured period "
                + "(utime + stime from /proc/PID/stat, 10 ms ticks), and in parentheses the CPUs it took (0.10: a tenth of one), and the share of that time its "
                + "JIT compiler threads used if any (a JVM still compiling is still warming up).\n\n" + cpuTable)
                + "\n![latency](" + png.getFileName() + ")\n";
        Files.writeString(markdown, document);
        Path latest = options.resultsDirectory().resolve(ResultsJson.LATEST);
        JsonNode previous = ResultsMerge.readIfPresent(latest);
        Path json = ResultsJson.write(options.resultsDirectory(), started, new ResultsJson.Run(options.commit(), start,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
                loadBefore, loadAfter, options.command(), markdown.getFileName().toString(), standings));
        System.out.println();
        System.out.println(table);
        System.out.println(targets);
        Optional<Path> webfarm = ResultsMerge.newestWebFarm(options.resultsDirectory());
        if (webfarm.isPresent()) {
            ResultsMerge.merge(latest, webfarm.get());
        }
        if (previous != null && ResultsMerge.keepNewer(latest, previous) > 0) {
            System.out.println("e2e: kept the web-farm targets of a later run from the previous " + ResultsJson.LATEST);
        }
        System.out.println("e2e: wrote " + markdown + ", " + png + ", " + json + " and " + ResultsJson.LATEST
                + webfarm.map(f -> " (with the web-farm targets of " + f.getFileName() + ")").orElse(""));
    }
}

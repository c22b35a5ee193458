package org.globalsessions.bench.webfarm;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

import org.globalsessions.bench.ChronicleFlags;
import org.globalsessions.bench.e2e.E2eBench;
import org.globalsessions.bench.e2e.Cluster;
import org.globalsessions.bench.e2e.CpuUse;
import org.globalsessions.bench.e2e.WarmUp;
import org.globalsessions.bench.e2e.GlobalSessionsTarget;
import org.globalsessions.testkit.ChildJvm;

/**
 * The web-farm benchmark of issue 20: the workload global-sessions exists for, against three
 * backends in one run, each behind the same twelve app JVMs ({@link AppFarm}: 3 hosts × 4
 * processes) driven by one closed loop ({@link FarmLoad}).
 * <ol>
 *   <li>{@code global-sessions}: a cluster started as the end-to-end benchmark starts one
 *   ({@link Cluster}: relay and sibling in one JVM, one expansion node, one aging node, mutual
 *   TLS), each app embedding a {@code SessionCacheManager} on its host's table;</li>
 *   <li>{@code redis-tls}: Redis 7 over mutual TLS through Jedis, a connection per app thread;</li>
 *   <li>{@code lettuce-near-cache}: the same Redis through Lettuce's RESP3 client-side cache, one
 *   per app.</li>
 * </ol>
 * Per backend: a warm-up at the largest client count (at least {@code --backend-warmup}, then
 * until the app processes' JIT compiler threads are quiet: twelve JVMs that each see a twelfth of
 * the load keep compiling for minutes, and what they cost per step then is not what they cost
 * warm), then for each client count a warm-up and a measured period; the reads of logged-out sessions ({@link StaleChecks}) run throughout. Over
 * each measured period the CPU time of every process is read by role ({@link CpuUse}: the app
 * JVMs, the cluster's nodes or redis-server, this load generator).
 * Writes {@code webfarm-<yyyyMMdd-HHmmss>.md} and {@code .json} ({@link FarmReport}) to the
 * results directory and prints where they are. Usage: {@link FarmOptions#USAGE}.
 */
public final class WebFarmBench {

    /** Cluster nodes: what {@code E2eBench} gives them by default (a fixed heap, the parallel collector). */
    private static final List<String> NODE_OPTIONS = List.of("-Xms512m", "-Xmx512m", "-XX:+UseParallelGC");
    private static final long SEED = 0x3EB_FA53L;

    private final FarmOptions options;
    private final Path certs;

    private WebFarmBench(FarmOptions options) {
        this.options = options;
        this.certs = options.workDirectory().resolve("certs");
    }

    public static void main(String[] args) throws Exception {
        FarmOptions options;
        try {
            options = FarmOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        new WebFarmBench(options).run();
        System.exit(0); // Pekko, Lettuce and Jedis threads left are daemons, but be sure
    }

    private void run() throws Exception {
        Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(start);
        String loadBefore = E2eBench.loadAverage();
        Files.createDirectories(options.resultsDirectory());
        Files.createDirectories(options.workDirectory());
        if (options.jfrDirectory() != null) {
            Files.createDirectories(options.jfrDirectory());
        }
        makeCertificates();
        System.out.printf(Locale.ROOT, "webfarm: %s; %,d users; clients %s; %s s warm-up + %s s measured each, %s s of warm-up "
                        + "per backend%n", options.backends(), options.users(), options.clients(), seconds(options.warmup()),
                seconds(options.measure()), seconds(options.backendWarmup()));
        List<FarmReport.BackendRun> runs = new ArrayList<>();
        for (String backend : options.backends()) {
            long began = System.nanoTime();
            runs.add(switch (backend) {
                case FarmReport.GLOBAL_SESSIONS, FarmReport.ARRIVALS_ON, FarmReport.ARRIVALS_OFF -> runGlobalSessions(backend);
                default -> runRedis(backend);
            });
            deleteTables();
            System.out.printf(Locale.ROOT, "webfarm: %s done in %.0f s%n", backend, (System.nanoTime() - began) / 1e9);
        }
        write(start, stamp, loadBefore, runs);
    }

    /** {@code backend} is global-sessions with the defaults, or with {@code edge.store-arrivals} on or off. */
    private FarmReport.BackendRun runGlobalSessions(String backend) throws Exception {
        long entries = tableEntries();
        Cluster.Shape shape = new Cluster.Shape("webfarm", 1, entries, (int) (2L * options.users() / Cluster.SHARDS + 16), 8_000);
        Cluster.Launch launch = new Cluster.Launch(options.launcherJar(), ChronicleFlags.ALL, NODE_OPTIONS, certs,
                options.workDirectory(), options.jfrDirectory());
        try (Cluster cluster = Cluster.start(shape, launch)) {
            try (GlobalSessionsTarget probe = GlobalSessionsTarget.ownTable(cluster.relayAddress(), certs,
                    options.workDirectory().resolve("webfarm-probe.lru"), 1)) {
                cluster.awaitSettled(probe);
            }
            List<Path> tables = new ArrayList<>();
            for (int host = 0; host < AppFarm.HOSTS; host++) {
                tables.add(options.workDirectory().resolve("webfarm-host-" + host + ".lru"));
            }
            String storeArrivals = switch (backend) {
                case FarmReport.ARRIVALS_ON -> "true";
                case FarmReport.ARRIVALS_OFF -> "false";
                default -> "default";
            };
            AppFarm.Arguments arguments = (host, process) -> List.of("--certs", certs.toString(), "--relay", cluster.relayAddress(),
                    "--table", tables.get(host).toString(), "--creates", Boolean.toString(process == 0), "--entries",
                    Long.toString(entries), "--store-arrivals", storeArrivals);
            try (AppFarm farm = AppFarm.start(backend, options.workDirectory(), arguments, tables, options.jfrDirectory())) {
                return measure(backend, farm, cluster.members());
            }
        }
    }

    private FarmReport.BackendRun runRedis(String backend) throws Exception {
        try (RedisServer redis = RedisServer.start(certs, options.workDirectory(), backend + "-redis");
             AppFarm farm = AppFarm.start(backend, options.workDirectory(), (host, process) -> List.of("--certs", certs.toString(),
                     "--redis-port", Integer.toString(redis.port())), List.of(), options.jfrDirectory())) {
            return measure(backend, farm, List.of(redis.member()));
        }
    }

    /** Runs every cell against {@code farm}, whose backend runs in {@code backendProcesses}. */
    private FarmReport.BackendRun measure(String backend, AppFarm farm, List<CpuUse.Member> backendProcesses) throws Exception {
        Users users = new Users(options.users());
        List<CpuUse.Member> processes = new ArrayList<>(farm.members());
        processes.addAll(backendProcesses);
        processes.add(CpuUse.loadGenerator());
        try (StaleChecks checks = new StaleChecks(farm.ports(), options.checkAfter(), SEED);
             FarmLoad load = new FarmLoad(farm.ports(), users, checks, options.checkEvery(), SEED, new CpuUse.Clock(processes))) {
            WarmUp.Warmed warmed = null;
            if (!options.backendWarmup().isZero()) {
                int most = Collections.max(options.clients());
                System.out.printf(Locale.ROOT, "%s: warming up at %d clients for %s s, then until the app processes' JIT is quiet "
                        + "(at most %s s)%n", backend, most, seconds(options.backendWarmup()), seconds(options.backendWarmupMax()));
                warmed = load.warmUp(most, new WarmUp(options.backendWarmup(), options.backendWarmupMax(), WarmUp.JIT_WINDOW,
                        cpu -> jitQuiet(backend, cpu)), options.maxOps());
                System.out.printf(Locale.ROOT, "%s: warmed up for %s s%s%n", backend, seconds(warmed.length()),
                        warmed.steady() ? "" : "; the app processes' JIT is not yet quiet: their cells measure JVMs still compiling");
            }
            List<FarmLoad.Result> cells = new ArrayList<>();
            for (int clients : options.clients()) {
                FarmLoad.Result r = load.run(clients, options.warmup(), options.measure(), options.maxOps());
                cells.add(r);
                Double local = FarmReport.localHitRatio(backend, r);
                System.out.printf(Locale.ROOT, "%s, %d clients: %,.0f ops/s; validation p50 %.1f µs p99 %.1f µs p99.9 %.1f µs; "
                                + "login p50 %.0f µs; logout p50 %.0f µs; local %s; %s; failed %d, lost %d%n",
                        backend, clients, r.stepsPerSecond(), FarmReport.micros(r, 50), FarmReport.micros(r, 99),
                        FarmReport.micros(r, 99.9), r.app().logins().getValueAtPercentile(50) / 1e3,
                        r.app().logouts().getValueAtPercentile(50) / 1e3,
                        local == null ? "—" : String.format(Locale.ROOT, "%.1f %%", 100 * local), FarmReport.answers(r), r.failed(),
                        r.lost());
                System.out.printf(Locale.ROOT, "%s, %d clients: CPU µs per step (CPUs used): %s%n", backend, clients, FarmReport.cpu(r));
            }
            StaleChecks.Totals totals = checks.finish();
            System.out.printf(Locale.ROOT, "%s: reads of logged-out sessions: %d of %d checks returned the session (%d failed)%n",
                    backend, totals.found(), totals.checked(), totals.failed());
            return new FarmReport.BackendRun(backend, List.copyOf(cells), totals, warmed);
        }
    }

    /**
     * Whether the app processes' JIT compiler threads used at most {@code --jit-quiet} % of their
     * CPU time over a warm-up window ({@link WarmUp#JIT_WINDOW}), as {@link WarmUp#jitQuiet} judges;
     * says the share, a line per window.
     */
    private boolean jitQuiet(String backend, CpuUse cpu) {
        List<CpuUse.Role> apps = List.of(CpuUse.Role.APP);
        System.out.printf(Locale.ROOT, "%s: warming up: %s%n", backend, WarmUp.describe(cpu, apps));
        return WarmUp.jitQuiet(cpu, options.jitQuiet(), apps);
    }

    /** Every host table and L1 holds all the users' sessions twice over (live ones, and tombstones beside them). */
    private long tableEntries() {
        return 2L * options.users() + 256;
    }

    private void makeCertificates() {
        ChildJvm.Result result = ChildJvm.jar(options.launcherJar()).flags(ChronicleFlags.ALL)
                .args("certs", "--out", certs, "--hosts", "127.0.0.1").run(Duration.ofMinutes(2));
        if (result.exit() != 0) {
            throw new IllegalStateException("global-sessions certs failed (" + result.exit() + "): " + result.err());
        }
    }

    /** Removes the table files a backend left (host tables, the relay's, the probe's). */
    private void deleteTables() throws IOException {
        try (DirectoryStream<Path> tables = Files.newDirectoryStream(options.workDirectory(), "*.lru")) {
            for (Path table : tables) {
                Files.deleteIfExists(table);
            }
        }
    }

    private void write(Instant start, String stamp, String loadBefore, List<FarmReport.BackendRun> runs) throws IOException {
        String name = (options.full() ? "webfarm-" : "webfarm-partial-") + stamp;
        String settings = String.format(Locale.ROOT, "Workload: %,d users, Zipf popularity (exponent %s); a user with no session "
                        + "logs in (SET of a %d-byte session, %d-minute TTL, a new 32-hex-digit id), validates it %d times (GET), logs "
                        + "out (DEL) and starts over; steps go round robin over %d app JVMs (%d hosts × %d processes). Clients %s, "
                        + "closed loop; per backend at the largest count at least %s s of warm-up, then until the app processes' JIT "
                        + "compiler threads used at most %s %% of their CPU over %s s (at most %s s), then per cell %s s warm-up + %s s measured "
                        + "(or %,d steps). Logged-out reads: about 1 in %d logouts, %s s after it. App JVMs: `%s`; cluster nodes: `%s` "
                        + "(relay + sibling, 1 expansion, 1 aging node, %d shards × 2 replicas, mutual TLS); tables %,d entries "
                        + "(each host's L1 and the relay's L2).",
                options.users(), FarmLoad.ZIPF_EXPONENT, AppServer.SESSION_BYTES, AppServer.SESSION_TTL.toMinutes(),
                Users.VALIDATIONS_PER_SESSION, AppFarm.HOSTS * AppFarm.PROCESSES_PER_HOST, AppFarm.HOSTS,
                AppFarm.PROCESSES_PER_HOST, options.clients(), seconds(options.backendWarmup()), String.format(Locale.ROOT, "%.3g", options.jitQuiet()),
                seconds(WarmUp.JIT_WINDOW), seconds(options.backendWarmupMax()), seconds(options.warmup()),
                seconds(options.measure()), options.maxOps(), options.checkEvery(), seconds(options.checkAfter()),
                String.join(" ", AppFarm.JVM_OPTIONS), String.join(" ", NODE_OPTIONS), Cluster.SHARDS, tableEntries());
        FarmReport.Run run = new FarmReport.Run(options.commit(), start, Runtime.getRuntime().availableProcessors(), cpu(),
                "Java " + System.getProperty("java.version"),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
                loadBefore, E2eBench.loadAverage(), options.command(), settings, name + ".md");
        List<FarmReport.Target> targets = FarmReport.targets(runs);
        String markdown = FarmReport.markdown(run, runs, targets);
        Path md = options.resultsDirectory().resolve(name + ".md");
        Path json = options.resultsDirectory().resolve(name + ".json");
        Files.writeString(md, markdown);
        Files.writeString(json, FarmReport.json(run, runs, targets));
        System.out.println();
        System.out.println(markdown);
        System.out.println("webfarm: wrote " + md + " and " + json);
    }

    private static String cpu() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown CPU");
        } catch (IOException e) {
            return "unknown CPU";
        }
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.3g", d.toMillis() / 1000.0);
    }
}

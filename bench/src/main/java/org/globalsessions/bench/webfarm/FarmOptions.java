package org.globalsessions.bench.webfarm;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.typesafe.config.ConfigFactory;

import org.globalsessions.bench.e2e.WarmUp;

/**
 * The web farm's options, read once from the command line ({@code run-webfarm.sh} passes the
 * paths, the command and the commit). {@code --quick} sets the smoke-test defaults (10 000
 * users, 5 s warm-up, 10 s measured, 10 s of warm-up per backend, whatever the JIT does) wherever it stands; options
 * given with it still win. A run with any option beyond the paths and labels is not
 * {@code full}: its report is named {@code webfarm-partial-…}, never taken for the benchmark's
 * result ({@code ResultsMerge}).
 */
record FarmOptions(List<String> backends, int users, List<Integer> clients, Duration warmup, Duration measure,
                   Duration backendWarmup, Duration backendWarmupMax, double jitQuiet, long maxOps, int checkEvery, Duration checkAfter, Path launcherJar,
                   Path workDirectory, Path resultsDirectory, Path jfrDirectory, String command, String commit, boolean full) {

    /** Options that leave a run full (the benchmark as defined): the paths and the labels. */
    private static final List<String> NEUTRAL = List.of("--launcher", "--work", "--results", "--command", "--commit");

    static final List<String> BACKENDS = List.of(FarmReport.GLOBAL_SESSIONS, FarmReport.ARRIVALS_ON, FarmReport.ARRIVALS_OFF,
            FarmReport.REDIS_TLS, FarmReport.NEAR_CACHE);
    /**
     * A full run: the product's defaults, the same with {@code edge.store-arrivals} the other way
     * (so the default is judged against its alternative in one run), and the two Redis peers.
     */
    static final List<String> DEFAULT_BACKENDS = List.of(FarmReport.GLOBAL_SESSIONS,
            storeArrivalsByDefault() ? FarmReport.ARRIVALS_OFF : FarmReport.ARRIVALS_ON, FarmReport.REDIS_TLS, FarmReport.NEAR_CACHE);

    static final String USAGE = """
            WebFarmBench: the web-farm workload against global-sessions, Redis TLS (Jedis) and Lettuce's near cache
              --launcher JAR          the launcher's shaded jar (required)
              --work DIR              private directory for certificates, tables, logs (required)
              --results DIR           where the report and JSON go (bench/results)
              --backends LIST         some of global-sessions, global-sessions-arrivals-on, global-sessions-arrivals-off,
                                      redis-tls, lettuce-near-cache (global-sessions, the arrivals setting
                                      its default is not, and both Redis peers)
              --users N               users, Zipf popularity (100000; --quick 10000)
              --clients LIST          closed-loop client counts (1,50)
              --warmup S              warm-up before each measured period (20; --quick 5)
              --measure S             measured period (30; --quick 10)
              --backend-warmup S      once per backend, at the largest client count, at least (60; --quick 10)
              --backend-warmup-max S  and then until the app processes' JIT is quiet, at most (900; --quick 10)
              --jit-quiet PCT         quiet: their JIT compiler threads used at most PCT % of their CPU over
                                      the last 15 s (3)
              --max-ops N             at most this many steps per measured period (50000000)
              --check-every N         check about one logout in N for reads of the logged-out id (20)
              --check-after S         how long after the logout (2: max-staleness)
              --jfr DIR               record every app and cluster JVM with JFR (settings=profile) into DIR
              --quick                 the smoke test's defaults
              --command TEXT, --commit HASH   for the report
            """;

    /** {@code edge.store-arrivals} as the product ships it (its reference.conf). */
    static boolean storeArrivalsByDefault() {
        return ConfigFactory.defaultReference().getBoolean("global-sessions.edge.store-arrivals");
    }

    static FarmOptions parse(String... args) {
        boolean quick = Arrays.asList(args).contains("--quick");
        List<String> backends = DEFAULT_BACKENDS;
        int users = quick ? 10_000 : 100_000;
        List<Integer> clients = List.of(1, 50);
        Duration warmup = Duration.ofSeconds(quick ? 5 : 20);
        Duration measure = Duration.ofSeconds(quick ? 10 : 30);
        Duration backendWarmup = Duration.ofSeconds(quick ? 10 : 60);
        Duration backendWarmupMax = Duration.ofSeconds(quick ? 10 : 900);
        double jitQuiet = 3;
        long maxOps = 50_000_000;
        int checkEvery = 20;
        Duration checkAfter = Duration.ofSeconds(2);
        Path launcher = null;
        Path work = null;
        Path results = Path.of("bench/results");
        Path jfr = null;
        String command = "WebFarmBench " + String.join(" ", args);
        String commit = "unknown";
        boolean full = !quick;
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (name.equals("--quick")) {
                continue;
            }
            full &= NEUTRAL.contains(name);
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(name + " needs a value\n" + USAGE);
            }
            String value = args[++i];
            switch (name) {
                case "--backends" -> backends = backends(value);
                case "--users" -> users = positive(name, value);
                case "--clients" -> clients = Arrays.stream(value.split(",")).map(v -> positive(name, v)).toList();
                case "--warmup" -> warmup = seconds(name, value);
                case "--measure" -> measure = seconds(name, value);
                case "--backend-warmup" -> backendWarmup = seconds(name, value);
                case "--backend-warmup-max" -> backendWarmupMax = seconds(name, value);
                case "--jit-quiet" -> jitQuiet = WarmUp.percent(name, value);
                case "--max-ops" -> maxOps = positive(name, value);
                case "--check-every" -> checkEvery = positive(name, value);
                case "--check-after" -> checkAfter = seconds(name, value);
                case "--launcher" -> launcher = Path.of(value);
                case "--work" -> work = Path.of(value);
                case "--results" -> results = Path.of(value);
                case "--jfr" -> jfr = Path.of(value);
                case "--command" -> command = value;
                case "--commit" -> commit = value;
                default -> throw new IllegalArgumentException("unknown option " + name + "\n" + USAGE);
            }
        }
        if (launcher == null || work == null) {
            throw new IllegalArgumentException("--launcher and --work are required\n" + USAGE);
        }
        if (measure.isZero()) {
            throw new IllegalArgumentException("--measure=0 measures nothing");
        }
        if (backendWarmupMax.compareTo(backendWarmup) < 0) {
            backendWarmupMax = backendWarmup; // --backend-warmup alone: at least that long, as it always was
        }
        return new FarmOptions(backends, users, clients, warmup, measure, backendWarmup, backendWarmupMax, jitQuiet, maxOps, checkEvery,
                checkAfter, launcher, work, results, jfr, command, commit, full);
    }

    private static List<String> backends(String value) {
        List<String> out = new ArrayList<>();
        for (String b : value.split(",")) {
            if (!BACKENDS.contains(b)) {
                throw new IllegalArgumentException("--backends: " + b + " is not one of " + BACKENDS);
            }
            out.add(b);
        }
        return List.copyOf(out);
    }

    private static int positive(String name, String value) {
        int n;
        try {
            n = Integer.parseInt(value.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + "=" + value + " is not a number");
        }
        if (n < 1) {
            throw new IllegalArgumentException(name + "=" + value + " must be at least 1");
        }
        return n;
    }

    private static Duration seconds(String name, String value) {
        try {
            double s = Double.parseDouble(value);
            if (s < 0) {
                throw new IllegalArgumentException(name + "=" + value + " must not be negative");
            }
            return Duration.ofMillis(Math.round(s * 1000));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + "=" + value + " is not a number of seconds");
        }
    }
}

package org.globalsessions.bench.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The load generator's command line, {@code --name value} pairs (see {@link #USAGE}), read once
 * and validated; a bad or unknown option fails naming it.
 */
record Options(Path certs, Path launcherJar, Path workDirectory, Path resultsDirectory, int redisPort, int redisTlsPort,
               List<Integer> keys, List<Integer> readPercents, List<Workload.Popularity> popularities, List<Integer> clients,
               int throughputClients, int costKeys, List<Integer> reliefNodes, Set<Cell.Path> paths, Duration warmup,
               Duration pathWarmup, Duration pathWarmupMax, double jitQuiet, Duration measure, long maxOps, Path jfrDirectory, String command, String commit, Path jmhL1,
               CpuBudget cpuBudget) {

    static final String USAGE = """
            usage: E2eBench --certs DIR --launcher JAR --work DIR [options]
              --certs DIR              node.key, node.crt, ca.crt (global-sessions certs) for the cluster, clients and Redis TLS
              --launcher JAR           launcher/target/global-sessions.jar
              --work DIR               configs, logs and tables of this run (under /dev/shm)
              --results DIR            where e2e-<timestamp>.md and .png, <timestamp>.json and latest.json go (default bench/results)
              --redis-port N           a plaintext redis-server on 127.0.0.1 (0: skip the plaintext Redis path)
              --redis-tls-port N       a TLS redis-server on 127.0.0.1 (0: skip the TLS Redis path)
              --keys LIST              key spaces, e.g. 100000,1000000 (the first is the reference and the relief paths' one)
              --mixes LIST             read percentages, e.g. 95,50 (the first is the reference)
              --popularity LIST        uniform and/or zipf (uniform is the reference)
              --clients LIST           closed-loop client counts, e.g. 1,16,64
              --throughput-clients N   client count of the relay-vs-Redis throughput comparison (default 50)
              --cost-keys N            a small key space for the cost-per-operation cells (default 10000; 0: none)
              --relief-nodes LIST      expansion node counts for the scaling cells, e.g. 1,2,3
              --paths LIST             all, or some of: chronicle-map caffeine redis redis-tls l1 l2 expansion aging set
              --warmup SECONDS         per cell, not recorded (default 2)
              --path-warmup SECONDS    once per networked path (Redis, L2, expansion, aging, set), before its first cell:
                                       that cell's workload with 8 clients, not recorded, at least this long (default 30;
                                       0: none), then in 15 s windows until every JVM on the path has compiled it:
              --path-warmup-max SECONDS  until its JIT is quiet, at most this long (default 600; at least --path-warmup)
              --jit-quiet PCT          quiet: each role's JIT compiler threads used at most PCT % of its CPU time over
                                       a window; a role under a tenth of a CPU is not judged (default 3)
              --measure SECONDS        per cell (default 5)
              --max-ops N              recorded operations after which a cell stops early (default 20000000)
              --jfr DIR                record every node JVM with JFR (settings=profile) into DIR
              --command TEXT           the command line to quote in the report
              --commit TEXT            the commit measured, for the report and the JSON (default unknown)
              --jmh-l1 FILE            JMH's JSON result of ClientL1Bench getInto and chronicleMapGetUsing (-prof gc),
                                       for the L1 targets (run-e2e.sh runs it first; none: they are not measured)
              --cpu-budget SPEC        capacity per node (needs root and cgroup v1): from the end of loading to its stop, each
                                       relief cluster's node JVMs run on CPU 1, each under a CFS quota in % of one CPU, and
                                       the load generator alone on CPU 0. SPEC: default ({budget})
                                       or some of relay=P,expansion=P,aging=P (default: no budgets, every JVM on both CPUs)
            """.replace("{budget}", CpuBudget.DEFAULT.spec());

    static Options parse(String[] args) {
        Map<String, String> given = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value, got '" + args[i] + "'\n" + USAGE);
            }
            given.put(args[i].substring(2), args[++i]);
        }
        Options options = new Options(path(given.remove("certs"), "certs"), path(given.remove("launcher"), "launcher"),
                path(given.remove("work"), "work"), Path.of(given.getOrDefault("results", "bench/results")),
                Integer.parseInt(given.getOrDefault("redis-port", "0")), Integer.parseInt(given.getOrDefault("redis-tls-port", "0")),
                ints(given.getOrDefault("keys", "100000,1000000")).stream().sorted().toList(),
                ints(given.getOrDefault("mixes", "95,50")),
                Arrays.stream(given.getOrDefault("popularity", "uniform,zipf").split(","))
                        .map(p -> Workload.Popularity.valueOf(p.trim().toUpperCase())).sorted().toList(),
                ints(given.getOrDefault("clients", "1,16,64")),
                Integer.parseInt(given.getOrDefault("throughput-clients", "50")),
                Integer.parseInt(given.getOrDefault("cost-keys", "10000")),
                ints(given.getOrDefault("relief-nodes", "1,2,3")),
                paths(given.getOrDefault("paths", "all")),
                seconds(given.getOrDefault("warmup", "2")),
                seconds(given.getOrDefault("path-warmup", "30")),
                max(seconds(given.getOrDefault("path-warmup-max", "600")), seconds(given.getOrDefault("path-warmup", "30"))),
                WarmUp.percent("--jit-quiet", given.getOrDefault("jit-quiet", "3")),
                seconds(given.getOrDefault("measure", "5")),
                Long.parseLong(given.getOrDefault("max-ops", "20000000")),
                given.containsKey("jfr") ? Path.of(given.get("jfr")) : null,
                given.getOrDefault("command", "(not given)"),
                given.getOrDefault("commit", "unknown"),
                given.containsKey("jmh-l1") ? Path.of(given.get("jmh-l1")) : null,
                given.containsKey("cpu-budget") ? CpuBudget.parse(given.get("cpu-budget")) : null);
        given.keySet().removeAll(List.of("results", "redis-port", "redis-tls-port", "keys", "mixes", "popularity", "clients",
                "throughput-clients", "cost-keys", "relief-nodes", "paths", "warmup", "path-warmup", "path-warmup-max", "jit-quiet", "measure", "max-ops", "jfr", "command", "commit", "jmh-l1",
                "cpu-budget"));
        if (!given.isEmpty()) {
            throw new IllegalArgumentException("unknown option(s) " + given.keySet() + "\n" + USAGE);
        }
        return options;
    }

    /** The workload every target comparison uses: the first key space and mix, uniform popularity. */
    Workload reference() {
        return new Workload(keys.get(0), readPercents.get(0), Workload.Popularity.UNIFORM);
    }

    /** The reference workload with reads only: the L1-versus-Chronicle-Map comparison (a hit against a get). */
    Workload readsOnly() {
        return new Workload(keys.get(0), 100, Workload.Popularity.UNIFORM);
    }

    private static Path path(String value, String name) {
        if (value == null) {
            throw new IllegalArgumentException("--" + name + " is required\n" + USAGE);
        }
        return Path.of(value);
    }

    private static Duration seconds(String value) {
        return Duration.ofMillis((long) (1000 * Double.parseDouble(value)));
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private static List<Integer> ints(String list) {
        return Arrays.stream(list.split(",")).map(String::trim).map(Integer::parseInt).toList();
    }

    private static Set<Cell.Path> paths(String list) {
        if (list.equals("all")) {
            return EnumSet.allOf(Cell.Path.class);
        }
        Set<Cell.Path> paths = EnumSet.noneOf(Cell.Path.class);
        for (String name : list.split(",")) {
            String path = name.trim().equals("l3") ? "expansion" : name.trim(); // l3: the name of earlier runs' commands
            paths.add(Cell.Path.valueOf(path.toUpperCase().replace('-', '_')));
        }
        return paths;
    }
}

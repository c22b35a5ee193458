package org.globalsessions.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;
import org.globalsessions.shm.ShmLru;
import org.globalsessions.shm.ShmLruSettings;
import org.globalsessions.testkit.ChildJvm;

/**
 * Cross-process get latency of shm-lru, next to the same measurement in-process.
 *
 * <p>JVM A (this main) creates a table in /dev/shm ({@code --entries}, default 20000; record
 * size 32 + 384), fills it with 32-character session ids and 384-byte values, and starts JVM B
 * (the same {@code java}, class path and JVM options, with {@code --child}). B attaches,
 * does {@code --warmup} gets, then times {@code --gets} gets one by one with
 * {@code System.nanoTime()} into an HdrHistogram and prints the percentiles. A then runs the
 * identical measurement on its own mapping. Both go through the keys in the same shuffled
 * order. Everything is bounded: gets by count, the child by a timeout after which A kills it
 * by pid; the table file is removed at the end. Finally prints the file-size figures
 * ({@link FileSizes}) unless {@code --no-sizes}.
 *
 * <p>Output lines start with {@code RESULT} so scripts can pick them out. The timer's own cost
 * (two back-to-back {@code nanoTime()} calls) is printed as {@code timer}: it is included in
 * every sample of both measurements.
 */
public final class CrossProcessGet {

    private static final long SEED = BenchBase.SEED;
    private static final long CHILD_TIMEOUT_SECONDS = 300;

    private CrossProcessGet() {
    }

    public static void main(String[] args) throws Exception {
        int entries = 20_000;
        int gets = 2_000_000;
        int warmup = 1_000_000;
        boolean sizes = true;
        String child = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--entries" -> entries = Integer.parseInt(args[++i]);
                case "--gets" -> gets = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--no-sizes" -> sizes = false;
                case "--child" -> child = args[++i];
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; usage: CrossProcessGet [--entries N] [--gets N] [--warmup N] [--no-sizes]");
            }
        }
        if (gets < 1 || gets > 50_000_000 || warmup < 0 || warmup > 50_000_000) {
            throw new IllegalArgumentException("gets must be 1..50M and warmup 0..50M");
        }
        List<String> missing = ChronicleFlags.missingInThisJvm();
        if (!missing.isEmpty()) {
            System.err.println("This JVM lacks the Chronicle flags " + missing + "; start it with: " + String.join(" ", ChronicleFlags.ALL));
            System.exit(2);
        }
        if (child != null) {
            runChild(Path.of(child), entries, gets, warmup);
        } else {
            runParent(entries, gets, warmup);
            if (sizes) {
                FileSizes.main(new String[0]);
            }
        }
    }

    private static void runParent(int entries, int gets, int warmup) throws Exception {
        Path path = BenchFiles.fresh("xproc", entries, "lru");
        String[] ids = Keys.sessionIds(SEED, entries);
        byte[][] keys = Keys.utf8(ids);
        byte[][] values = Keys.values(SEED + 2, BenchBase.PUT_VALUES, BenchBase.VALUE_SIZE);
        ChildJvm process = null;
        try (ShmLru table = ShmLru.create(path, ShmLruSettings.builder().elCount(entries).recordSize(BenchBase.RECORD_SIZE).build())) {
            for (int i = 0; i < entries; i++) {
                table.put(keys[i], values[i & (BenchBase.PUT_VALUES - 1)], null);
            }
            byte[][] resident = resident(table, keys);
            System.out.printf("table %s: entries=%d segments=%d resident keys=%d%n", path, entries,
                    table.settings().segments(), resident.length);

            List<String> jvmArgs = new ArrayList<>(ManagementFactory.getRuntimeMXBean().getInputArguments());
            for (String flag : ChronicleFlags.ALL) {
                if (!jvmArgs.contains(flag)) {
                    jvmArgs.add(flag);
                }
            }
            long started = System.nanoTime();
            process = ChildJvm.mainClass(CrossProcessGet.class).flags(jvmArgs)
                    .args("--child", path, "--entries", entries, "--gets", gets, "--warmup", warmup).start();
            long childPid = process.pid();
            String childResult = null;
            for (String line; (line = process.readLine()) != null; ) {
                System.out.println("  [B pid " + childPid + "] " + line);
                if (line.startsWith("RESULT")) {
                    childResult = line;
                }
            }
            if (!process.exits(Duration.ofSeconds(CHILD_TIMEOUT_SECONDS - TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)))) {
                throw new IllegalStateException("child pid " + childPid + " did not finish in " + CHILD_TIMEOUT_SECONDS + " s");
            }
            if (process.exitValue() != 0 || childResult == null) {
                throw new IllegalStateException("child pid " + childPid + " exited with " + process.exitValue() + " and no RESULT line");
            }

            Measured inProcess = measure(table, resident, gets, warmup);
            String parentResult = inProcess.format("in-process   ", ProcessHandle.current().pid());
            System.out.println(childResult);
            System.out.println(parentResult);
            double childP50 = Double.parseDouble(childResult.replaceFirst("^.*?: n=[0-9]+ p50=([0-9]+) .*$", "$1"));
            System.out.printf("RESULT p50 ratio cross-process / in-process = %.2f%n", childP50 / inProcess.histogram.getValueAtPercentile(50));
        } finally {
            if (process != null && process.isAlive()) {
                process.kill();
                System.err.println("killed child pid " + process.pid());
            }
            BenchFiles.delete(path);
        }
    }

    /** JVM B: attach, warm up, measure, print one RESULT line. */
    private static void runChild(Path path, int entries, int gets, int warmup) {
        byte[][] keys = Keys.utf8(Keys.sessionIds(SEED, entries));
        try (ShmLru table = ShmLru.attach(path)) {
            byte[][] resident = resident(table, keys);
            Measured measured = measure(table, resident, gets, warmup);
            System.out.println(measured.format("cross-process", ProcessHandle.current().pid()));
        }
    }

    /** The keys that are in the table, in a fixed shuffled order (both JVMs use the same). */
    private static byte[][] resident(ShmLru table, byte[][] keys) {
        List<byte[]> found = new ArrayList<>(keys.length);
        for (int i : Keys.permutation(SEED + 1, keys.length)) {
            if (table.get(keys[i]) != null) {
                found.add(keys[i]);
            }
        }
        return found.toArray(new byte[0][]);
    }

    private record Measured(Histogram histogram, Histogram timer, long misses, long seconds) {
        String format(String label, long pid) {
            return String.format("RESULT %s get (pid %d): n=%d p50=%d p90=%d p99=%d p99.9=%d max=%d mean=%.1f ns"
                            + " | timer p50=%d ns | misses=%d",
                    label, pid, histogram.getTotalCount(), histogram.getValueAtPercentile(50),
                    histogram.getValueAtPercentile(90), histogram.getValueAtPercentile(99),
                    histogram.getValueAtPercentile(99.9), histogram.getMaxValue(), histogram.getMean(),
                    timer.getValueAtPercentile(50), misses);
        }
    }

    private static Measured measure(ShmLru table, byte[][] keys, int gets, int warmup) {
        long sink = 0;
        int n = keys.length;
        int k = 0;
        for (int i = 0; i < warmup; i++) {
            byte[] v = table.get(keys[k]);
            sink += v == null ? 0 : v[0];
            if (++k == n) {
                k = 0;
            }
        }
        Histogram timer = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        for (int i = 0; i < 100_000; i++) {
            long t0 = System.nanoTime();
            long t1 = System.nanoTime();
            timer.recordValue(t1 - t0);
        }
        Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        long misses = 0;
        long start = System.nanoTime();
        for (int i = 0; i < gets; i++) {
            long t0 = System.nanoTime();
            byte[] v = table.get(keys[k]);
            long t1 = System.nanoTime();
            histogram.recordValue(Math.min(t1 - t0, TimeUnit.SECONDS.toNanos(10)));
            if (v == null) {
                misses++;
            } else {
                sink += v[0];
            }
            if (++k == n) {
                k = 0;
            }
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        if (sink == 42) {
            System.out.print(""); // keeps sink alive
        }
        return new Measured(histogram, timer, misses, seconds);
    }
}

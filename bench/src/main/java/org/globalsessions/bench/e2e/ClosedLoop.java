package org.globalsessions.bench.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

import org.HdrHistogram.Histogram;

/**
 * Runs one {@link Cell}: {@code clients} threads, each with its own connection, each issuing its
 * next request only when the previous one completed (a closed loop: offered load follows the
 * system's speed, so queueing shows as lower throughput rather than as a growing backlog).
 *
 * <p>A warm-up period runs the same loop without recording ({@link #warmUp} runs one alone, as
 * long as a {@link WarmUp} says); then the measured period runs for
 * {@code measure} or until {@code maxOps} operations were recorded, whichever comes first. Each
 * operation is timed with two {@code System.nanoTime()} calls (≈ 30 ns here, inside every sample)
 * into the thread's own HdrHistogram (nanoseconds, 3 significant digits), one for reads and one
 * for writes; the histograms are merged at the end. An operation is recorded when the measured
 * period is on as it completes. Throughput is recorded operations divided by the measured
 * period's wall-clock length.
 *
 * <p>Each thread also counts where its reads were answered ({@link Target.Connection#get}'s
 * answer) and the operations that threw, so a cell shows the tier mix it really measured.
 */
final class ClosedLoop {

    private static final long HIGHEST_NANOS = Duration.ofSeconds(60).toNanos();
    private static final String ERROR = "error";
    private static final int WARMING = 0;
    private static final int MEASURING = 1;
    private static final int STOPPED = 2;

    private final Duration warmup;
    private final Duration measure;
    private final long maxOps;

    ClosedLoop(Duration warmup, Duration measure, long maxOps) {
        this.warmup = warmup;
        this.measure = measure;
        this.maxOps = maxOps;
    }

    /**
     * What one cell measured. Tiers count reads by where they were answered, plus failed operations
     * as "error"; {@code cpu} is the CPU time of the cell's processes over the measured period
     * (null when the cell was run without a {@link CpuUse.Clock}).
     */
    record Result(Cell cell, Duration measured, Histogram reads, Histogram writes, Map<String, Long> tiers, CpuUse cpu) {

        Result(Cell cell, Duration measured, Histogram reads, Histogram writes, Map<String, Long> tiers) {
            this(cell, measured, reads, writes, tiers, null);
        }

        double opsPerSecond(Histogram histogram) {
            return histogram.getTotalCount() / (measured.toNanos() / 1e9);
        }

        /** Recorded reads and writes (failed operations are not recorded). */
        long operations() {
            return reads.getTotalCount() + writes.getTotalCount();
        }
    }

    /** Runs {@code cell}; {@code clock} (null: none) reads its processes' CPU time as the measured period starts and ends. */
    Result run(Cell cell, Target target, String[] keys, byte[][] values, CpuUse.Clock clock) throws InterruptedException {
        return load(cell, target, keys, values, WarmUp.fixed(warmup), measure, clock).result();
    }

    /**
     * Only warms up: runs {@code cell}'s loop, recording nothing, until {@code warmUp} ends it,
     * judging its windows with {@code clock}.
     */
    WarmUp.Warmed warmUp(Cell cell, Target target, String[] keys, byte[][] values, WarmUp warmUp, CpuUse.Clock clock)
            throws InterruptedException {
        return load(cell, target, keys, values, warmUp, Duration.ZERO, clock).warmed();
    }

    private record Outcome(WarmUp.Warmed warmed, Result result) {
    }

    private Outcome load(Cell cell, Target target, String[] keys, byte[][] values, WarmUp warmUp, Duration measure,
                         CpuUse.Clock clock) throws InterruptedException {
        Workload workload = cell.workload();
        if (keys.length < workload.keys()) {
            throw new IllegalArgumentException("keys.length=" + keys.length + " < workload keys=" + workload.keys());
        }
        LongAdder recorded = new LongAdder();
        AtomicInteger phase = new AtomicInteger(WARMING);
        List<Worker> workers = new ArrayList<>();
        CountDownLatch started = new CountDownLatch(cell.clients());
        for (int i = 0; i < cell.clients(); i++) {
            Worker worker = new Worker(target, workload, keys, values, new SplittableRandom(cell.seed() * 1_000 + i), recorded,
                    phase, started);
            worker.thread = new Thread(worker, "e2e-client-" + i);
            worker.thread.setDaemon(true);
            workers.add(worker);
        }
        workers.forEach(w -> w.thread.start());
        started.await();
        for (Worker worker : workers) {
            if (worker.failure != null) {
                phase.set(STOPPED);
                throw new IllegalStateException(cell + ": a client could not connect: " + worker.failure, worker.failure);
            }
        }
        WarmUp.Warmed warmed;
        try {
            warmed = warmUp.run(clock, period -> Thread.sleep(period.toMillis()));
        } catch (InterruptedException | RuntimeException e) {
            phase.set(STOPPED);
            throw e;
        }
        if (measure.isZero()) {
            phase.set(STOPPED);
            join(cell, workers);
            return new Outcome(warmed, null);
        }
        CpuUse.Clock.Reading cpuBefore = clock == null ? null : clock.read();
        phase.set(MEASURING);
        long begin = System.nanoTime();
        long deadline = begin + measure.toNanos();
        while (System.nanoTime() < deadline && recorded.sum() < maxOps && workers.stream().anyMatch(w -> w.thread.isAlive())) {
            Thread.sleep(20);
        }
        phase.set(STOPPED);
        long end = System.nanoTime();
        CpuUse cpu = clock == null ? null : clock.since(cpuBefore, Duration.ofNanos(end - begin));
        join(cell, workers);
        Histogram reads = newHistogram();
        Histogram writes = newHistogram();
        Map<String, Long> tiers = new TreeMap<>();
        for (Worker worker : workers) {
            reads.add(worker.reads);
            writes.add(worker.writes);
            worker.tiers.forEach((tier, n) -> tiers.merge(tier, n[0], Long::sum));
        }
        return new Outcome(warmed, new Result(cell, Duration.ofNanos(end - begin), reads, writes, tiers, cpu));
    }

    /** Waits for every client thread, stopped, to finish its last operation. */
    private static void join(Cell cell, List<Worker> workers) throws InterruptedException {
        for (Worker worker : workers) {
            worker.thread.join(Duration.ofSeconds(30).toMillis());
            if (worker.thread.isAlive()) {
                throw new IllegalStateException(cell + ": client thread " + worker.thread.getName()
                        + " did not finish its last operation within 30 s");
            }
        }
    }

    private static Histogram newHistogram() {
        return new Histogram(1, HIGHEST_NANOS, 3);
    }

    /** One client thread. */
    private static final class Worker implements Runnable {
        final Histogram reads = newHistogram();
        final Histogram writes = newHistogram();
        /** Counts per answer; a HashMap of counters keeps the per-operation cost to one lookup. */
        final Map<String, long[]> tiers = new HashMap<>();
        private final Target target;
        private final Workload workload;
        private final String[] keys;
        private final byte[][] values;
        private final SplittableRandom random;
        private final IntSupplier chooser;
        private final LongAdder recorded;
        private final AtomicInteger phase;
        private final CountDownLatch started;
        Thread thread;
        volatile RuntimeException failure;

        Worker(Target target, Workload workload, String[] keys, byte[][] values, SplittableRandom random, LongAdder recorded,
               AtomicInteger phase, CountDownLatch started) {
            this.target = target;
            this.workload = workload;
            this.keys = keys;
            this.values = values;
            this.random = random;
            this.chooser = workload.keyChooser(random.split());
            this.recorded = recorded;
            this.phase = phase;
            this.started = started;
        }

        @Override
        public void run() {
            Target.Connection connection;
            try {
                connection = target.connect();
            } catch (RuntimeException e) {
                failure = e;
                return;
            } finally {
                started.countDown();
            }
            try (connection) {
                int current;
                while ((current = phase.get()) != STOPPED) {
                    String key = keys[chooser.getAsInt()];
                    boolean read = random.nextInt(100) < workload.readPercent();
                    byte[] value = read ? null : values[random.nextInt(values.length)];
                    String answer;
                    long start = System.nanoTime();
                    try {
                        if (read) {
                            answer = connection.get(key);
                        } else {
                            connection.set(key, value);
                            answer = null;
                        }
                    } catch (RuntimeException e) {
                        answer = ERROR;
                    }
                    long nanos = System.nanoTime() - start;
                    if (current == MEASURING && phase.get() == MEASURING) {
                        record(read, answer, nanos);
                    }
                }
            }
        }

        private void record(boolean read, String answer, long nanos) {
            if (ERROR.equals(answer)) {
                count(ERROR);
            } else {
                (read ? reads : writes).recordValue(Math.min(nanos, HIGHEST_NANOS));
                if (read) {
                    count(answer);
                }
            }
            recorded.increment();
        }

        private void count(String answer) {
            tiers.computeIfAbsent(answer, a -> new long[1])[0]++;
        }
    }
}

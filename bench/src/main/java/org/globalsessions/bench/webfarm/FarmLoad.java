package org.globalsessions.bench.webfarm;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.globalsessions.bench.e2e.CpuUse;
import org.globalsessions.bench.e2e.WarmUp;
import org.globalsessions.bench.e2e.Zipf;

/**
 * The load generator's closed loop over the app processes: {@code clients} threads, each with a
 * connection to every app, each issuing its next step when the previous one was answered. A
 * step is drawn as {@link Users} says (a user by Zipf popularity, exponent
 * {@value #ZIPF_EXPONENT}; its login, validation or logout) and sent to the next app in one
 * round robin shared by every client, so the validations of a session land on processes and
 * hosts other than the one that logged it in. About one logout in {@code checkEvery} is
 * followed by a {@link StaleChecks} read of the dead id.
 *
 * <p>Client {@code i} of every run uses the same connections ({@link #close} closes them), so
 * an app's thread for it, and for Jedis that thread's TLS connection to Redis, are made once,
 * in the first warm-up: otherwise each cell would begin with up to 600 TLS handshakes in twelve
 * cold JVMs, seconds of CPU that would land in its warm-up or its measurement.
 *
 * <p>A run is a warm-up, then the measured period: at its start every app drops what it
 * recorded ({@link Protocol#RESET}); at its end (its length, or {@code maxOps} steps, whichever
 * comes first) the clients stop and each app hands in its histograms. Throughput is steps
 * answered in the measured period, counted here, over its wall-clock length; the {@link CpuUse.Clock}
 * is read as the measured period starts (after the apps' reset) and as it ends (before they hand
 * in their histograms), so the CPU time of the warm-up, and of what follows, is left out. The state
 * of the users carries over from one run to the next of the same backend.
 */
final class FarmLoad implements AutoCloseable {

    static final double ZIPF_EXPONENT = 0.99;
    private static final int WARMING = 0;
    private static final int MEASURING = 1;
    private static final int STOPPED = 2;
    /** Draws after which a client gives up finding a user no other client holds (never near: at most clients - 1 are held). */
    private static final int MAX_DRAWS = 100_000;

    /**
     * One run at {@code clients}: steps answered in the measured period (by kind), steps the app
     * answered as failed, validations of a live session that found nothing ({@code lost}), what
     * the apps recorded ({@code app}: latencies around the backend call, answers by tier), and
     * the CPU time of each process over the measured period ({@code cpu}).
     */
    record Result(int clients, Duration measured, long logins, long validations, long logouts, long failed, long lost,
                  AppStats.Snapshot app, CpuUse cpu) {

        long steps() {
            return logins + validations + logouts;
        }

        double stepsPerSecond() {
            return steps() / (measured.toNanos() / 1e9);
        }
    }

    private final List<Integer> ports;
    private final Users users;
    private final StaleChecks checks;
    private final int checkEvery;
    private final long seed;
    private final CpuUse.Clock clock;
    private final AtomicLong roundRobin = new AtomicLong();
    /** Client i's connection to every app, made by the first run with more than i clients. */
    private final List<AppLink[]> links = new ArrayList<>();
    private int runs;

    /** {@code clock} reads the CPU time of the processes the runs load (the apps, the backend's, this one). */
    FarmLoad(List<Integer> ports, Users users, StaleChecks checks, int checkEvery, long seed, CpuUse.Clock clock) {
        this.ports = List.copyOf(ports);
        this.users = users;
        this.checks = checks;
        this.checkEvery = checkEvery;
        this.seed = seed;
        this.clock = clock;
    }

    /** Warms up for {@code warmup}, then measures; with a zero {@code measure} it only warms up (and returns null). */
    Result run(int clients, Duration warmup, Duration measure, long maxOps) throws InterruptedException {
        return load(clients, WarmUp.fixed(warmup), measure, maxOps).result();
    }

    /** Only warms up, until {@code warmup} ends it. */
    WarmUp.Warmed warmUp(int clients, WarmUp warmup, long maxOps) throws InterruptedException {
        return load(clients, warmup, Duration.ZERO, maxOps).warmed();
    }

    private record Outcome(WarmUp.Warmed warmed, Result result) {
    }

    private Outcome load(int clients, WarmUp warmup, Duration measure, long maxOps) throws InterruptedException {
        AtomicInteger phase = new AtomicInteger(WARMING);
        LongAdder measured = new LongAdder();
        List<Client> all = new ArrayList<>();
        runs++;
        while (links.size() < clients) {
            links.add(ports.stream().map(AppLink::new).toArray(AppLink[]::new));
        }
        for (int i = 0; i < clients; i++) {
            Client client = new Client(links.get(i), new SplittableRandom(seed * 1_000_003L + runs * 1_000L + i), phase, measured);
            client.thread = new Thread(client, "webfarm-client-" + i);
            client.thread.setDaemon(true);
            all.add(client);
        }
        List<AppLink> control = ports.stream().map(AppLink::new).toList();
        try {
            all.forEach(c -> c.thread.start());
            WarmUp.Warmed warmed = warmup.run(clock, period -> sleepWhileRunning(all, period, Long.MAX_VALUE, measured));
            if (measure.isZero()) {
                stop(phase, all);
                return new Outcome(warmed, null);
            }
            control.forEach(AppLink::reset);
            CpuUse.Clock.Reading cpuBefore = clock.read();
            phase.set(MEASURING);
            long begin = System.nanoTime();
            sleepWhileRunning(all, measure, maxOps, measured);
            long end = System.nanoTime();
            CpuUse cpu = clock.since(cpuBefore, Duration.ofNanos(end - begin));
            stop(phase, all);
            AppStats.Snapshot app = AppStats.Snapshot.empty();
            for (AppLink link : control) {
                app = app.merge(link.stats());
            }
            long[] totals = new long[5];
            for (Client c : all) {
                for (int k = 0; k < totals.length; k++) {
                    totals[k] += c.counts[k];
                }
            }
            return new Outcome(warmed, new Result(clients, Duration.ofNanos(end - begin), totals[0], totals[1], totals[2], totals[3],
                    totals[4], app, cpu));
        } finally {
            phase.set(STOPPED);
            control.forEach(AppLink::close);
        }
    }

    private static void sleepWhileRunning(List<Client> all, Duration period, long maxOps, LongAdder measured)
            throws InterruptedException {
        long deadline = System.nanoTime() + period.toNanos();
        while (System.nanoTime() < deadline && measured.sum() < maxOps) {
            for (Client c : all) {
                if (c.failure != null) {
                    throw new IllegalStateException("client " + c.thread.getName() + " failed: " + c.failure, c.failure);
                }
            }
            Thread.sleep(20);
        }
    }

    private static void stop(AtomicInteger phase, List<Client> all) throws InterruptedException {
        phase.set(STOPPED);
        for (Client c : all) {
            c.thread.join(Duration.ofSeconds(AppLink.TIMEOUT_SECONDS + 30).toMillis());
            if (c.thread.isAlive()) {
                throw new IllegalStateException("client " + c.thread.getName() + " did not finish its last step within "
                        + (AppLink.TIMEOUT_SECONDS + 30) + " s");
            }
            if (c.failure != null) {
                throw new IllegalStateException("client " + c.thread.getName() + " failed: " + c.failure, c.failure);
            }
        }
    }

    @Override
    public void close() {
        links.forEach(connections -> {
            for (AppLink link : connections) {
                link.close();
            }
        });
        links.clear();
    }

    /** A session id as applications make them: 128 random bits, 32 hex digits. */
    static String sessionId(SplittableRandom random) {
        return hex16(random.nextLong()) + hex16(random.nextLong());
    }

    private static String hex16(long bits) {
        String hex = Long.toHexString(bits);
        return "0".repeat(16 - hex.length()) + hex;
    }

    /** One client thread; its counts are read after it ended. */
    private final class Client implements Runnable {
        /** Measured logins, validations, logouts, failed steps, validations that found nothing. */
        final long[] counts = new long[5];
        /** This client's connections, handed over by Thread.start and back by join. */
        private final AppLink[] links;
        private final SplittableRandom random;
        private final Zipf zipf;
        private final AtomicInteger phase;
        private final LongAdder measured;
        Thread thread;
        volatile RuntimeException failure;

        Client(AppLink[] links, SplittableRandom random, AtomicInteger phase, LongAdder measured) {
            this.links = links;
            this.random = random;
            this.zipf = new Zipf(users.size(), ZIPF_EXPONENT, random.split());
            this.phase = phase;
            this.measured = measured;
        }

        @Override
        public void run() {
            try {
                int current;
                while ((current = phase.get()) != STOPPED) {
                    Users.Step step = claim();
                    int app = (int) Long.remainderUnsigned(roundRobin.getAndIncrement(), links.length);
                    byte status = links[app].call(Protocol.op(step.kind()), step.sessionId());
                    boolean ok = status != Protocol.FAILED;
                    users.complete(step, ok);
                    if (current == MEASURING && phase.get() == MEASURING) {
                        count(step.kind(), status);
                    }
                    if (step.kind() == Users.Kind.LOGOUT && ok && random.nextInt(checkEvery) == 0) {
                        checks.schedule(step.sessionId(), app);
                    }
                }
            } catch (RuntimeException e) {
                failure = e;
            }
        }

        private Users.Step claim() {
            for (int draws = 0; draws < MAX_DRAWS; draws++) {
                Users.Step step = users.claim((int) zipf.next() - 1, () -> sessionId(random));
                if (step != null) {
                    return step;
                }
            }
            throw new IllegalStateException("no free user in " + MAX_DRAWS + " draws of " + users.size() + " users");
        }

        private void count(Users.Kind kind, byte status) {
            counts[kind.ordinal()]++;
            if (status == Protocol.FAILED) {
                counts[3]++;
            } else if (kind == Users.Kind.VALIDATE && status == Protocol.MISSING) {
                counts[4]++;
            }
            measured.increment();
        }
    }
}

package org.globalsessions.bench.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * How a warm-up ends: not before {@code least}; then at the end of the first {@code window} over
 * whose CPU time (every process a {@link CpuUse.Clock} reads) {@code steady} holds, or when no
 * further window fits in {@code most}. With {@code least} equal to {@code most} it is that long,
 * and reads no CPU time.
 *
 * <p>Both benchmarks judge their warm-ups with {@link #jitQuiet}: a JVM whose JIT compiler
 * threads are still busy runs code not yet compiled and gives the compiler CPU the measured
 * requests need, so what a cell measures then is the JIT, not the system.
 */
public record WarmUp(Duration least, Duration most, Duration window, Predicate<CpuUse> steady) {

    /** The window over which both benchmarks judge a warm-up's JIT. */
    public static final Duration JIT_WINDOW = Duration.ofSeconds(15);

    /** What a warm-up waits with: for {@code period}, failing if the load it runs failed. */
    @FunctionalInterface
    public interface Wait {
        void waitFor(Duration period) throws InterruptedException;
    }

    /**
     * How a warm-up ended: after {@code length}; {@code steady} if its last window's CPU time
     * ({@code last}, null when it judged none: a fixed warm-up) was, or nothing was judged.
     */
    public record Warmed(Duration length, boolean steady, CpuUse last) {
    }

    public WarmUp {
        if (most.compareTo(least) < 0 || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("a warm-up of at least " + least + " and at most " + most + " in windows of "
                    + window + ": the most must not be under the least, and a window must have a length");
        }
    }

    /** A warm-up of {@code length}, judging nothing. */
    public static WarmUp fixed(Duration length) {
        return new WarmUp(length, length, Duration.ofSeconds(1), cpu -> true);
    }

    /** Runs the warm-up while the load runs: waits with {@code wait}, judges windows with {@code clock}. */
    public Warmed run(CpuUse.Clock clock, Wait wait) throws InterruptedException {
        long start = System.nanoTime();
        wait.waitFor(least);
        CpuUse last = null;
        while (Duration.ofNanos(System.nanoTime() - start).plus(window).compareTo(most) <= 0) {
            CpuUse.Clock.Reading before = clock.read();
            long begin = System.nanoTime();
            wait.waitFor(window);
            last = clock.since(before, Duration.ofNanos(System.nanoTime() - begin));
            if (steady.test(last)) {
                return new Warmed(Duration.ofNanos(System.nanoTime() - start), true, last);
            }
        }
        return new Warmed(Duration.ofNanos(System.nanoTime() - start), last == null, last);
    }

    /** A role that used less CPU than this over a window is not judged: it hardly runs on the path. */
    public static final double IDLE_CPUS = 0.1;

    /**
     * Whether every role in {@code roles} that ran is quiet: its JIT compiler threads used at most
     * {@code percent} % of its CPU time. A role that used under {@link #IDLE_CPUS} is not judged:
     * it hardly runs on the path (an aging node while the expansion tier answers), so neither its
     * compiling nor its code's speed shows in a cell, and its periodic tasks keep it compiling a
     * little for many minutes (a quarter of 0.04 CPUs, measured).
     */
    public static boolean jitQuiet(CpuUse cpu, double percent, List<CpuUse.Role> roles) {
        for (CpuUse.Role role : roles) {
            if (cpu.of(role).isEmpty() || cpu.cpus(role) < IDLE_CPUS) {
                continue;
            }
            if (100 * cpu.jitShare(role).orElse(0) > percent) {
                return false;
            }
        }
        return true;
    }

    /** A --jit-quiet value: a percentage, 0 to 100; otherwise an error naming {@code name} and {@code value}. */
    public static double percent(String name, String value) {
        try {
            double p = Double.parseDouble(value);
            if (!(p >= 0 && p <= 100)) {
                throw new IllegalArgumentException(name + "=" + value + " must be a percentage, 0 to 100");
            }
            return p;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + "=" + value + " is not a number");
        }
    }

    /** "relay+sibling 0.45 CPUs, JIT 5.1 %; load generator 0.80 CPUs, JIT 0.4 %": each read role of {@code roles}. */
    public static String describe(CpuUse cpu, List<CpuUse.Role> roles) {
        List<String> parts = new ArrayList<>();
        for (CpuUse.Role role : roles) {
            if (!cpu.of(role).isEmpty()) {
                parts.add(String.format(Locale.ROOT, "%s %.2f CPUs, JIT %.1f %%", role.label, cpu.cpus(role),
                        100 * cpu.jitShare(role).orElse(0)));
            }
        }
        return String.join("; ", parts);
    }
}

package org.globalsessions.bench.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.LongUnaryOperator;

/**
 * The CPU time each process of a cell used over the cell's measured period ({@link ProcStat}:
 * utime + stime, to 10 ms here), by role: what one operation costs the relay+sibling JVM, each
 * expansion node, the aging node and the load generator, and in the web farm the app processes
 * and redis-server. A process whose {@code /proc/PID/stat} could not be read at both ends (it
 * exited) is left out.
 */
public record CpuUse(Duration measured, List<Used> used) {

    /** What a process does in a cell, in the order reports list them; {@code label} is the report's word for it. */
    public enum Role {
        /** The web farm's application JVMs, all of them together. */
        APP("app processes"),
        RELAY("relay+sibling"),
        EXPANSION("expansion node"),
        AGING("aging node"),
        /** The web farm's Redis backends. */
        REDIS("redis-server"),
        LOAD_GENERATOR("load generator");

        public final String label;

        Role(String label) {
            this.label = label;
        }
    }

    /** One process: {@code name} as the cluster names it ({@code r1}, {@code e2}, {@code a1}) or {@code load-generator}. */
    public record Member(String name, Role role, long pid) {
    }

    /** {@code micros} of CPU time {@code member} used. */
    public record Used(Member member, long micros) {
    }

    public CpuUse {
        used = List.copyOf(used);
    }

    /** This JVM (the load generator: its client threads, their connections and everything else it runs). */
    public static Member loadGenerator() {
        return new Member("load-generator", Role.LOAD_GENERATOR, ProcessHandle.current().pid());
    }

    /** The members of {@code role} that were read. */
    public List<Used> of(Role role) {
        return used.stream().filter(u -> u.member().role() == role).toList();
    }

    /** CPU µs per operation of every process of {@code role} together; empty if none was read or there were no operations. */
    public OptionalDouble microsPerOp(Role role, long operations) {
        List<Used> of = of(role);
        if (of.isEmpty() || operations <= 0) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(of.stream().mapToLong(Used::micros).sum() / (double) operations);
    }

    /** The share of one CPU {@code used} took over the measured period (0.25: a quarter of a CPU). */
    public double cpus(Used used) {
        return used.micros() / (measured.toNanos() / 1_000.0);
    }

    /** The share of one CPU every process of {@code role} took together (1.5: one and a half CPUs). */
    public double cpus(Role role) {
        return of(role).stream().mapToDouble(this::cpus).sum();
    }

    /** "182 (0.61)": {@link #microsPerOp} as {@link #perOp} writes it, and {@link #cpus(Role)}; empty as microsPerOp is. */
    public Optional<String> perOpAndCpus(Role role, long operations) {
        OptionalDouble micros = microsPerOp(role, operations);
        return micros.isEmpty() ? Optional.empty()
                : Optional.of(String.format(Locale.ROOT, "%s (%.2f)", perOp(micros.getAsDouble()), cpus(role)));
    }

    /** CPU µs per operation: one decimal under 100, none above. */
    static String perOp(double micros) {
        return String.format(Locale.ROOT, micros < 100 ? "%.1f" : "%,.0f", micros);
    }

    /**
     * Reads the CPU time of a fixed set of processes; {@link #read()} at the start of the
     * measured period, {@link #since} at its end. Thread-safety: stateless after construction
     * (as thread-safe as its {@code ticksOfPid}).
     */
    public static final class Clock {
        private final List<Member> members;
        private final long ticksPerSecond;
        private final LongUnaryOperator ticksOfPid;

        public Clock(List<Member> members) {
            this(members, ProcStat.ticksPerSecond());
        }

        Clock(List<Member> members, long ticksPerSecond) {
            this(members, ticksPerSecond, pid -> ProcStat.cpuTicks(pid).orElse(-1));
        }

        /** A clock that asks {@code ticksOfPid} (-1: unreadable) instead of {@code /proc}: for tests of who reads it when. */
        public Clock(List<Member> members, long ticksPerSecond, LongUnaryOperator ticksOfPid) {
            this.members = List.copyOf(members);
            this.ticksPerSecond = ticksPerSecond;
            this.ticksOfPid = ticksOfPid;
        }

        /** Every member's utime + stime in ticks now, -1 for one that could not be read. */
        public long[] read() {
            long[] ticks = new long[members.size()];
            for (int i = 0; i < ticks.length; i++) {
                ticks[i] = ticksOfPid.applyAsLong(members.get(i).pid());
            }
            return ticks;
        }

        /** What each member used from {@code before} to now, a period of {@code measured}. */
        public CpuUse since(long[] before, Duration measured) {
            return between(before, read(), measured);
        }

        CpuUse between(long[] before, long[] after, Duration measured) {
            List<Used> used = new ArrayList<>();
            for (int i = 0; i < members.size(); i++) {
                if (before[i] >= 0 && after[i] >= before[i]) {
                    used.add(new Used(members.get(i), (after[i] - before[i]) * 1_000_000 / ticksPerSecond));
                }
            }
            return new CpuUse(measured, used);
        }
    }
}

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

    /** {@code micros} of CPU time {@code member} used, {@code jitMicros} of them in its JIT compiler threads. */
    public record Used(Member member, long micros, long jitMicros) {

        /** A process whose JIT compiler threads were not read. */
        public Used(Member member, long micros) {
            this(member, micros, 0);
        }
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

    /**
     * The share of the CPU time of {@code role}'s processes that their JIT compiler threads used
     * (0.03: 3 %); empty if none was read or they used none. A JVM whose compiler is still busy
     * is warming up: what it costs per operation then is not what it costs once warm.
     */
    public OptionalDouble jitShare(Role role) {
        List<Used> of = of(role);
        long all = of.stream().mapToLong(Used::micros).sum();
        return all == 0 ? OptionalDouble.empty() : OptionalDouble.of(of.stream().mapToLong(Used::jitMicros).sum() / (double) all);
    }

    /**
     * "182 (0.61)": {@link #microsPerOp} as {@link #perOp} writes it, and {@link #cpus(Role)}; with
     * "182 (0.61, JIT 3.2 %)" when the role's JIT compiler threads used any ({@link #jitShare});
     * empty as microsPerOp is.
     */
    public Optional<String> perOpAndCpus(Role role, long operations) {
        OptionalDouble micros = microsPerOp(role, operations);
        if (micros.isEmpty()) {
            return Optional.empty();
        }
        double jit = jitShare(role).orElse(0);
        return Optional.of(String.format(Locale.ROOT, "%s (%.2f%s)", perOp(micros.getAsDouble()), cpus(role),
                jit > 0 ? String.format(Locale.ROOT, ", JIT %.1f %%", 100 * jit) : ""));
    }

    /** CPU µs per operation: one decimal under 100, none above. */
    static String perOp(double micros) {
        return String.format(Locale.ROOT, micros < 100 ? "%.1f" : "%,.0f", micros);
    }

    /**
     * Reads the CPU time of a fixed set of processes, and of their JIT compiler threads;
     * {@link #read()} at the start of the measured period, {@link #since} at its end.
     * Thread-safety: stateless after construction (as thread-safe as its {@code ticksOfPid}).
     */
    public static final class Clock {
        private final List<Member> members;
        private final long ticksPerSecond;
        private final LongUnaryOperator ticksOfPid;
        private final LongUnaryOperator jitTicksOfPid;

        /** Every member's utime + stime, and its JIT compiler threads', in ticks at one moment; -1 where unreadable. */
        public record Reading(long[] cpu, long[] jit) {
        }

        public Clock(List<Member> members) {
            this(members, ProcStat.ticksPerSecond());
        }

        Clock(List<Member> members, long ticksPerSecond) {
            this(members, ticksPerSecond, pid -> ProcStat.cpuTicks(pid).orElse(-1), pid -> ProcStat.jitTicks(pid).orElse(-1));
        }

        /** A clock that asks {@code ticksOfPid} (-1: unreadable) instead of {@code /proc}, and reads no JIT time: for tests. */
        public Clock(List<Member> members, long ticksPerSecond, LongUnaryOperator ticksOfPid) {
            this(members, ticksPerSecond, ticksOfPid, pid -> 0);
        }

        /** A clock that asks {@code ticksOfPid} and {@code jitTicksOfPid} (-1: unreadable) instead of {@code /proc}. */
        public Clock(List<Member> members, long ticksPerSecond, LongUnaryOperator ticksOfPid, LongUnaryOperator jitTicksOfPid) {
            this.members = List.copyOf(members);
            this.ticksPerSecond = ticksPerSecond;
            this.ticksOfPid = ticksOfPid;
            this.jitTicksOfPid = jitTicksOfPid;
        }

        /** Every member's CPU time now. */
        public Reading read() {
            long[] cpu = new long[members.size()];
            long[] jit = new long[members.size()];
            for (int i = 0; i < cpu.length; i++) {
                cpu[i] = ticksOfPid.applyAsLong(members.get(i).pid());
                jit[i] = jitTicksOfPid.applyAsLong(members.get(i).pid());
            }
            return new Reading(cpu, jit);
        }

        /** What each member used from {@code before} to now, a period of {@code measured}. */
        public CpuUse since(Reading before, Duration measured) {
            return between(before, read(), measured);
        }

        /**
         * What each member used from {@code before} to {@code after}. A member not read at both
         * ends is left out; its JIT time counts 0 if that was not read at both ends, and at most
         * its whole time (threads are read one by one, a little after the process).
         */
        CpuUse between(Reading before, Reading after, Duration measured) {
            List<Used> used = new ArrayList<>();
            for (int i = 0; i < members.size(); i++) {
                if (before.cpu[i] >= 0 && after.cpu[i] >= before.cpu[i]) {
                    long ticks = after.cpu[i] - before.cpu[i];
                    long jit = before.jit[i] >= 0 && after.jit[i] >= before.jit[i] ? Math.min(ticks, after.jit[i] - before.jit[i]) : 0;
                    used.add(new Used(members.get(i), ticks * 1_000_000 / ticksPerSecond, jit * 1_000_000 / ticksPerSecond));
                }
            }
            return new CpuUse(measured, used);
        }
    }
}

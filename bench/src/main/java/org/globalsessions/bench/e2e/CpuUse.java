package org.globalsessions.bench.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

/**
 * The CPU time each process of a cell used over the cell's measured period ({@link ProcStat}:
 * utime + stime, to 10 ms here), by role: what one operation costs the relay+sibling JVM, each
 * expansion node, the aging node and the load generator. A process whose {@code /proc/PID/stat}
 * could not be read at both ends (it exited) is left out.
 */
record CpuUse(Duration measured, List<Used> used) {

    /** What a process does in a cell; {@code label} is the report's word for it. */
    enum Role {
        RELAY("relay+sibling"),
        EXPANSION("expansion node"),
        AGING("aging node"),
        LOAD_GENERATOR("load generator");

        final String label;

        Role(String label) {
            this.label = label;
        }
    }

    /** One process: {@code name} as the cluster names it ({@code r1}, {@code e2}, {@code a1}) or {@code load-generator}. */
    record Member(String name, Role role, long pid) {
    }

    /** {@code micros} of CPU time {@code member} used. */
    record Used(Member member, long micros) {
    }

    CpuUse {
        used = List.copyOf(used);
    }

    /** This JVM (the load generator: its client threads, their connections and everything else it runs). */
    static Member loadGenerator() {
        return new Member("load-generator", Role.LOAD_GENERATOR, ProcessHandle.current().pid());
    }

    /** The members of {@code role} that were read. */
    List<Used> of(Role role) {
        return used.stream().filter(u -> u.member().role() == role).toList();
    }

    /** CPU µs per operation of every process of {@code role} together; empty if none was read or there were no operations. */
    OptionalDouble microsPerOp(Role role, long operations) {
        List<Used> of = of(role);
        if (of.isEmpty() || operations <= 0) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(of.stream().mapToLong(Used::micros).sum() / (double) operations);
    }

    /** The share of one CPU {@code used} took over the measured period (0.25: a quarter of a CPU). */
    double cpus(Used used) {
        return used.micros() / (measured.toNanos() / 1_000.0);
    }

    /**
     * Reads the CPU time of a fixed set of processes; {@link #read()} at the start of the
     * measured period, {@link #since} at its end. Thread-safety: stateless after construction.
     */
    static final class Clock {
        private final List<Member> members;
        private final long ticksPerSecond;

        Clock(List<Member> members) {
            this(members, ProcStat.ticksPerSecond());
        }

        Clock(List<Member> members, long ticksPerSecond) {
            this.members = List.copyOf(members);
            this.ticksPerSecond = ticksPerSecond;
        }

        /** Every member's utime + stime in ticks now, -1 for one that could not be read. */
        long[] read() {
            long[] ticks = new long[members.size()];
            for (int i = 0; i < ticks.length; i++) {
                ticks[i] = ProcStat.cpuTicks(members.get(i).pid()).orElse(-1);
            }
            return ticks;
        }

        /** What each member used from {@code before} to now, a period of {@code measured}. */
        CpuUse since(long[] before, Duration measured) {
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

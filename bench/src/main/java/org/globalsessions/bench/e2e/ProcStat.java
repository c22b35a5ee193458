package org.globalsessions.bench.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;

import org.globalsessions.testkit.ChildJvm;
import org.globalsessions.testkit.Commands;

/**
 * The CPU time a process has used, from {@code /proc/PID/stat}: {@code utime} + {@code stime}
 * (fields 14 and 15, every thread of the process, those that ended included), in clock ticks of
 * {@code getconf CLK_TCK} (100 a second here, so one reading is good to 10 ms: a 10 s cell at
 * 10 % of a CPU reads about 100 ticks, 1 %).
 *
 * <p>Thread-safety: stateless; {@link #ticksPerSecond()} asks {@code getconf} once.
 */
final class ProcStat {

    /** utime is field 14 of the line, counting from 1; field 3 (state) is the first after the command's closing parenthesis. */
    private static final int UTIME_AFTER_STATE = 14 - 3;

    private ProcStat() {
    }

    /**
     * utime + stime of one {@code /proc/PID/stat} line. The command (field 2) is in parentheses and
     * may itself hold spaces and parentheses, so fields are counted from its last {@code )}.
     */
    static long cpuTicks(String statLine) {
        int close = statLine.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("not a /proc/PID/stat line (no ')'): statLine=" + statLine);
        }
        String[] fields = statLine.substring(close + 1).trim().split("\\s+");
        if (fields.length <= UTIME_AFTER_STATE + 1) {
            throw new IllegalArgumentException("a /proc/PID/stat line with " + (fields.length + 2)
                    + " fields, fewer than 15: statLine=" + statLine);
        }
        try {
            return Long.parseLong(fields[UTIME_AFTER_STATE]) + Long.parseLong(fields[UTIME_AFTER_STATE + 1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("utime or stime is not a number: statLine=" + statLine, e);
        }
    }

    /** utime + stime of process {@code pid} in clock ticks, or empty if it has exited. */
    static OptionalLong cpuTicks(long pid) {
        try {
            return OptionalLong.of(cpuTicks(Files.readString(Path.of("/proc", Long.toString(pid), "stat"))));
        } catch (IOException e) {
            // no such file, or ESRCH: the process exited before or while its file was read
            return OptionalLong.empty();
        }
    }

    /**
     * Whether a thread named {@code command} (field 2 of its {@code /proc/PID/task/TID/stat}, which
     * Linux cuts at 15 bytes) is one of HotSpot's JIT compiler threads ({@code C1 CompilerThread0},
     * {@code C2 CompilerThread1}, …).
     */
    static boolean isJitCompiler(String command) {
        return command.startsWith("C1 CompilerThre") || command.startsWith("C2 CompilerThre");
    }

    /** Field 2 of a {@code /proc/PID/stat} line: the command, between the first '(' and the last ')'. */
    static String command(String statLine) {
        int open = statLine.indexOf('(');
        int close = statLine.lastIndexOf(')');
        if (open < 0 || close < open) {
            throw new IllegalArgumentException("not a /proc/PID/stat line (no '(…)'): statLine=" + statLine);
        }
        return statLine.substring(open + 1, close);
    }

    /**
     * utime + stime of process {@code pid}'s JIT compiler threads ({@link #isJitCompiler}) in clock
     * ticks, or empty if it has exited. HotSpot keeps at least one thread of each compiler, so
     * with 2 compiler threads (this machine's) none ends and takes its ticks with it; with more, a
     * thread HotSpot stops when the queue is short does, and this count can go down.
     */
    static OptionalLong jitTicks(long pid) {
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        long ticks = 0;
        try (Stream<Path> threads = Files.list(tasks)) {
            for (Path thread : (Iterable<Path>) threads::iterator) {
                try {
                    String line = Files.readString(thread.resolve("stat"));
                    if (isJitCompiler(command(line))) {
                        ticks += cpuTicks(line);
                    }
                } catch (IOException e) {
                    // the thread ended while the list was read
                }
            }
        } catch (IOException | UncheckedIOException e) {
            return OptionalLong.empty(); // the process exited
        }
        return OptionalLong.of(ticks);
    }

    /** Clock ticks a second ({@code getconf CLK_TCK}); fails naming the command if it does not answer a number. */
    static long ticksPerSecond() {
        return Tick.PER_SECOND;
    }

    /** Asks getconf once, on first use. */
    private static final class Tick {
        static final long PER_SECOND = ask();

        private static long ask() {
            ChildJvm.Result result = Commands.run(List.of("getconf", "CLK_TCK"));
            try {
                long ticks = Long.parseLong(result.out().trim());
                if (ticks > 0) {
                    return ticks;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new IllegalStateException("getconf CLK_TCK answered '" + result.out().trim() + "' (exit " + result.exit()
                    + ", " + result.err().trim() + "): cannot turn /proc/PID/stat's clock ticks into time");
        }
    }
}

package org.globalsessions.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

class ProcStatTest {

    /** A java process's line, fields 3.. as /proc/PID/stat writes them: utime (14) 150, stime (15) 25, cutime 7, cstime 3. */
    private static final String FIELDS_AFTER_COMMAND = " S 1 4242 4242 0 -1 4194560 52110 0 3 0 150 25 7 3 20 0 41 0 7190391 "
            + "4127490048 61204 18446744073709551615 1 1 0 0 0 0 0 4096 16796879 0 0 0 17 1 0 0 0 0 0";

    @Test
    void cpuTicksIsUtimePlusStimeWithoutTheChildrensTime() {
        assertEquals(175, ProcStat.cpuTicks("4242 (java)" + FIELDS_AFTER_COMMAND));
    }

    @Test
    void aCommandWithSpacesAndParenthesesDoesNotShiftTheFields() {
        assertEquals(175, ProcStat.cpuTicks("4242 (pekko (a) b) c)" + FIELDS_AFTER_COMMAND));
    }

    @Test
    void theJitCompilerThreadsAreKnownByTheirCutNames() {
        assertEquals("C2 CompilerThre", ProcStat.command("4243 (C2 CompilerThre)" + FIELDS_AFTER_COMMAND));
        assertEquals("pekko (a) b) c", ProcStat.command("4242 (pekko (a) b) c)" + FIELDS_AFTER_COMMAND));
        assertTrue(ProcStat.isJitCompiler("C1 CompilerThre"));
        assertTrue(ProcStat.isJitCompiler("C2 CompilerThre"));
        assertFalse(ProcStat.isJitCompiler("global-sessions"));
        assertFalse(ProcStat.isJitCompiler("VM Thread"));
    }

    /** This JVM compiled the code that runs its tests: its compiler threads have used CPU time, part of its own. */
    @Test
    void thisJvmsCompilerThreadsHaveUsedPartOfItsCpuTime() {
        long pid = ProcessHandle.current().pid();
        long jit = ProcStat.jitTicks(pid).orElseThrow();
        long all = ProcStat.cpuTicks(pid).orElseThrow();
        assertTrue(jit > 0 && jit <= all, "JIT " + jit + " of " + all + " ticks");
    }

    @Test
    void aLineThatIsNotAStatLineIsRefusedNamingIt() {
        var noCommand = assertThrows(IllegalArgumentException.class, () -> ProcStat.cpuTicks("4242 java S 1"));
        assertTrue(noCommand.getMessage().contains("statLine=4242 java S 1"), noCommand.getMessage());
        var tooShort = assertThrows(IllegalArgumentException.class, () -> ProcStat.cpuTicks("4242 (java) S 1 2 3"));
        assertTrue(tooShort.getMessage().contains("fewer than 15"), tooShort.getMessage());
    }

    @Test
    void thisJvmHasUsedCpuTimeAndAnExitedProcessHasNone() throws Exception {
        OptionalLong own = ProcStat.cpuTicks(ProcessHandle.current().pid());
        assertTrue(own.isPresent() && own.getAsLong() > 0, "this JVM compiled and ran tests: " + own);
        Process exited = new ProcessBuilder("true").start();
        exited.waitFor();
        assertEquals(OptionalLong.empty(), ProcStat.cpuTicks(exited.pid()));
        assertEquals(OptionalLong.empty(), ProcStat.jitTicks(exited.pid()));
    }

    @Test
    void ticksPerSecondIsGetconfsAnswer() {
        long ticks = ProcStat.ticksPerSecond();
        assertTrue(ticks >= 100 && ticks <= 1_000, "CLK_TCK=" + ticks);
    }
}

package org.globalsessions.shm;

import java.time.Instant;
import java.util.Optional;

/**
 * Identifies a process in a lock word: {@code pid << 32 | startTag}, where {@code startTag} is
 * the low 32 bits of the process's start time in epoch milliseconds (never 0 for a known start
 * time). The start time tells a live process from a dead one whose pid was reused.
 *
 * <p>The JDK derives a process's start time from {@code /proc/<pid>/stat} and the boot time, so
 * every process computes the same tag for the same process. Where the start time is not
 * available the tag is 0 and only the pid is compared.
 */
final class OwnerTag {

    /** This process's tag, computed once. */
    static final long CURRENT = of(ProcessHandle.current());

    private OwnerTag() {
    }

    static long of(ProcessHandle process) {
        return process.pid() << 32 | (startTag(process.info().startInstant()) & 0xFFFF_FFFFL);
    }

    static long pid(long tag) {
        return tag >>> 32;
    }

    /**
     * Whether the process a tag names is still running. A tag whose pid now belongs to a process
     * that started at another time names a dead process.
     */
    static boolean isAlive(long tag) {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid(tag));
        if (handle.isEmpty() || !handle.get().isAlive()) {
            return false;
        }
        int expected = (int) tag;
        if (expected == 0) {
            return true;
        }
        int actual = startTag(handle.get().info().startInstant());
        return actual == 0 || actual == expected;
    }

    private static int startTag(Optional<Instant> start) {
        if (start.isEmpty()) {
            return 0;
        }
        int tag = (int) start.get().toEpochMilli();
        return tag == 0 ? 1 : tag;
    }
}

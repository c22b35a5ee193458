package org.globalsessions.shm;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.globalsessions.testkit.ChildJvm;
import org.globalsessions.testkit.ProgressFile;
import org.globalsessions.testkit.ShmDirectory;

/**
 * Writers killed with SIGKILL while they hold a segment lock, over and over: two writer JVMs
 * with three threads each put checked values as fast as they can. To kill the older one inside
 * a lock, the test freezes it (SIGSTOP) at random moments until it catches it holding a segment
 * lock, and then kills it for real with {@code destroyForcibly()} (a frozen process it did not
 * catch holding a lock is resumed with SIGCONT and tried again). A replacement writer starts
 * after every kill. The test keeps killing until {@code gs.crash.kills} kills (50 in CI) have
 * landed inside a lock, bounded by {@link #KILLING_BUDGET} and by twice that many kills in all: a
 * busy machine may need more attempts to catch a writer inside a lock, so the test waits for the
 * condition it needs instead of demanding that every attempt succeeds. A kill counts as landing
 * inside a lock when the writer was seen holding one while frozen: a stopped process cannot
 * release it and a live owner is never judged dead, so it still held it when SIGKILL arrived
 * (checking after the kill raced the survivor, which may already have recovered the lock).
 * After each kill:
 * <ul>
 *   <li>the surviving writer keeps making progress within the lock lease (plus slack for a
 *   busy two-core machine), and so does this process, touching every segment;</li>
 *   <li>every put the dead writer completed reads back whole: each of its keys holds the last
 *   value it acknowledged, or the one it was writing when it died;</li>
 * </ul>
 * and at the end every dead writer's keys still read back and the table's structure verifies.
 * Run with {@code -Dgs.crash.kills=N} for more kills inside a lock than the 50 CI wants.
 */
class CrashRecoveryTest {

    private static final int THREADS = 3;
    private static final int KEYS_PER_THREAD = 40;
    private static final int PADDING = 100;
    private static final Duration LEASE = Duration.ofMillis(50);
    /** The lease plus room for starting JVMs on two busy cores; still far below "forever". */
    private static final long PROGRESS_DEADLINE_MS = LEASE.toMillis() + 5_000;
    /** How long the test may keep killing writers to land enough kills inside a lock. */
    private static final Duration KILLING_BUDGET = Duration.ofMinutes(10);

    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    private record Writer(int id, ChildJvm jvm) {
    }

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void writersKilledWhileHoldingSegmentLocksLoseNothingCommitted() {
        int kills = Integer.getInteger("gs.crash.kills", 50);
        int maxKills = 2 * kills;
        int maxWriters = maxKills + 2;
        Path tablePath = shm.file("crash.lru");
        Path progressPath = shm.file("progress");
        ShmLruSettings settings = ShmLruSettings.builder().elCount(4L * maxWriters * THREADS * KEYS_PER_THREAD)
                .recordSize(256).segments(4).lockLease(LEASE).build();
        Random random = new Random(7);
        ProgressFile progress = ProgressFile.open(progressPath, maxWriters * THREADS);
        Deque<Writer> running = new ArrayDeque<>();
        List<Integer> dead = new ArrayList<>();
        int killedHoldingLock = 0;
        int killed = 0;
        long worstSurvivorStallMs = 0;
        long worstOwnStallMs = 0;
        try (ShmLru table = ShmLru.create(tablePath, settings)) {
            int nextId = 0;
            running.add(startWriter(nextId++, tablePath, progressPath, maxWriters));
            running.add(startWriter(nextId++, tablePath, progressPath, maxWriters));
            long killingDeadline = System.nanoTime() + KILLING_BUDGET.toNanos();
            while (killedHoldingLock < kills && killed < maxKills && System.nanoTime() < killingDeadline) {
                Writer victim = running.poll();
                Writer survivor = running.peek();
                awaitProgress(progress, victim, 2_000);
                awaitProgress(progress, survivor, 1);
                boolean holdingALock = freezeHoldingALock(victim, table, settings.segments(), random);
                victim.jvm().kill();
                killed++;
                dead.add(victim.id());
                if (holdingALock) {
                    killedHoldingLock++;
                }

                long ownStart = System.nanoTime();
                for (int segment = 0; segment < settings.segments(); segment++) {
                    touchSegment(table, segment);
                }
                worstOwnStallMs = Math.max(worstOwnStallMs, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - ownStart));
                worstSurvivorStallMs = Math.max(worstSurvivorStallMs, survivorStallMs(progress, survivor));

                assertCommittedWritesReadBack(table, progress, victim.id());
                running.add(startWriter(nextId++, tablePath, progressPath, maxWriters));
            }
            running.forEach(w -> w.jvm().kill());
            running.forEach(w -> dead.add(w.id()));

            for (int id : dead) {
                assertCommittedWritesReadBack(table, progress, id);
            }
            IntegrityReport report = table.verify();
            assertTrue(report.ok(), report.problems().toString());
            ShmLruStats stats = table.stats();
            System.out.printf("crash test: %d kills, %d while holding a segment lock, %d lock recoveries, "
                            + "worst survivor stall %d ms, worst stall of this process %d ms (lease %d ms)%n",
                    killed + 2, killedHoldingLock, stats.lockRecoveries(), worstSurvivorStallMs, worstOwnStallMs, LEASE.toMillis());
            assertTrue(worstOwnStallMs < PROGRESS_DEADLINE_MS, "this process stalled " + worstOwnStallMs + " ms");
            assertTrue(stats.lockRecoveries() >= killedHoldingLock,
                    "every lock a dead writer held was recovered: " + stats.lockRecoveries() + " < " + killedHoldingLock);
            assertTrue(killedHoldingLock >= kills,
                    "only " + killedHoldingLock + " of " + killed + " kills landed while a lock was held (wanted " + kills
                            + " within " + KILLING_BUDGET.toMinutes() + " min and " + maxKills + " kills): the test did not test recovery");
        } finally {
            running.forEach(w -> w.jvm().close());
        }
    }

    private static Writer startWriter(int id, Path table, Path progress, int maxWriters) {
        return new Writer(id, ChildJvm.start(CrashWriterChild.class, table, progress, id, THREADS, KEYS_PER_THREAD,
                PADDING, maxWriters * THREADS));
    }

    /** Waits until every thread of the writer has completed at least {@code puts} puts. */
    private static void awaitProgress(ProgressFile progress, Writer writer, long puts) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (int t = 0; t < THREADS; t++) {
            while (progress.get(writer.id() * THREADS + t) < puts) {
                assertTrue(writer.jvm().isAlive(), "writer " + writer.id() + " died on its own");
                assertTrue(System.nanoTime() < deadline, "writer " + writer.id() + " made no progress in 60 s");
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
        }
    }

    /** How long until every thread of the survivor completes another put. */
    private static long survivorStallMs(ProgressFile progress, Writer survivor) {
        long start = System.nanoTime();
        long[] before = new long[THREADS];
        for (int t = 0; t < THREADS; t++) {
            before[t] = progress.get(survivor.id() * THREADS + t);
        }
        for (int t = 0; t < THREADS; t++) {
            while (progress.get(survivor.id() * THREADS + t) <= before[t]) {
                long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertTrue(waited < PROGRESS_DEADLINE_MS,
                        "survivor writer " + survivor.id() + " thread " + t + " made no progress for " + waited + " ms");
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200));
            }
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    /**
     * Stops the writer (SIGSTOP) at random moments until it is caught holding a segment lock, and
     * leaves it stopped; gives up after many tries. Returns whether it is stopped holding a lock.
     */
    private static boolean freezeHoldingALock(Writer writer, ShmLru table, int segments, Random random) {
        long pid = writer.jvm().pid();
        for (int attempt = 0; attempt < 1_000; attempt++) {
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(random.nextInt(2_000)));
            signal("-STOP", pid);
            awaitState(pid, 'T');
            if (holdsALock(table, pid, segments)) {
                return true;
            }
            signal("-CONT", pid);
        }
        return false;
    }

    private static void signal(String signal, long pid) {
        try {
            int exit = new ProcessBuilder("kill", signal, Long.toString(pid)).inheritIO().start().waitFor();
            assertEquals(0, exit, "kill " + signal + " " + pid);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Waits until /proc says the process is in {@code state} ('T' = stopped). */
    private static void awaitState(long pid, char state) {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            try {
                String line = java.nio.file.Files.readString(stat);
                if (line.charAt(line.lastIndexOf(')') + 2) == state) {
                    return;
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100));
        }
        throw new AssertionError("process " + pid + " did not reach state " + state);
    }

    private static boolean holdsALock(ShmLru table, long pid, int segments) {
        for (int segment = 0; segment < segments; segment++) {
            if (table.lockOwnerPid(segment) == pid) {
                return true;
            }
        }
        return false;
    }

    /** A read on some key of {@code segment}: takes (and if need be recovers) its lock. */
    private static void touchSegment(ShmLru table, int segment) {
        for (int i = 0; ; i++) {
            byte[] key = ("probe-" + i).getBytes();
            if (table.segmentOf(key) == segment) {
                table.get(key);
                return;
            }
        }
    }

    private static void assertCommittedWritesReadBack(ShmLru table, ProgressFile progress, int writer) {
        for (int t = 0; t < THREADS; t++) {
            long committed = progress.get(writer * THREADS + t);
            for (int k = 0; k < KEYS_PER_THREAD && k <= committed; k++) {
                long expected = committed - Math.floorMod(committed - k, KEYS_PER_THREAD);
                if (expected < 1) {
                    continue;
                }
                byte[] key = CrashWriterChild.key(writer, t, k);
                byte[] value = table.get(key);
                assertNotNull(value, "writer " + writer + " thread " + t + " committed seq " + expected + " to key " + k + " but it is gone");
                long seq = CheckedValues.check(key, value);
                assertTrue(seq == expected || seq == expected + KEYS_PER_THREAD && seq == committed + 1,
                        "key " + new String(key) + " holds seq " + seq + ", expected " + expected
                                + " (or the in-flight " + (committed + 1) + ")");
            }
        }
    }
}

package org.globalsessions.shm;

import static java.nio.charset.StandardCharsets.UTF_8;
import static net.openhft.chronicle.core.UnsafeMemory.MEMORY;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.globalsessions.testkit.ShmDirectory;

class ShmLruTest {

    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final List<String> evictions = new ArrayList<>();

    private ShmLru table(ShmLruSettings settings) {
        ShmLruOptions options = ShmLruOptions.DEFAULTS.withClock(now::get)
                .withEvictionListener((k, v, version, cause) -> evictions.add(new String(k, UTF_8) + "=" + new String(v, UTF_8) + "@" + version + ":" + cause));
        return ShmLru.create(shm.file("t.lru"), settings, options);
    }

    private static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    @Test
    void putThenGetReturnsTheValue() {
        try (ShmLru t = table(ShmLruSettings.of(100, 64))) {
            assertEquals(1, t.put("a", b("one"), null));
            assertArrayEquals(b("one"), t.get("a"));
            assertEquals(2, t.put("a", b("two"), null));
            assertArrayEquals(b("two"), t.get("a"));
            assertNull(t.get("b"));
            ShmLruStats stats = t.stats();
            assertEquals(1, stats.entries());
            assertEquals(2, stats.hits());
            assertEquals(1, stats.misses());
            assertEquals(2, stats.puts());
        }
    }

    @Test
    void getReturnsEmptyAfterRemove() {
        try (ShmLru t = table(ShmLruSettings.of(100, 64))) {
            t.put("a", b("one"), null);
            assertTrue(t.remove("a"));
            assertNull(t.get("a"));
            assertFalse(t.remove("a"));
            assertEquals(0, t.stats().entries());
        }
    }

    @Test
    void dropLiveEntriesRemovesValuesAndKeepsTombstones() {
        try (ShmLru t = table(ShmLruSettings.of(100, 64))) {
            t.put("a", b("one"), null);
            t.put("b", b("two"), null);
            t.tombstone(b("c"), 5, null);
            assertEquals(2, t.dropLiveEntries());
            assertNull(t.getEntry(b("a")));
            assertNull(t.getEntry(b("b")));
            assertTrue(t.getEntry(b("c")).tombstone(), "the tombstone stays");
            assertFalse(t.putIfNewer(b("c"), b("old"), 4, null), "and still refuses older writes");
            assertTrue(evictions.isEmpty(), "dropped entries are not evictions");
            assertEquals(List.of(), t.verify().problems());
        }
    }

    @Test
    void theFreshnessWordOnlyMovesForwardAndIsSharedByEveryAttachedProcess() {
        try (ShmLru t = table(ShmLruSettings.of(100, 64)); ShmLru other = ShmLru.attach(shm.file("t.lru"))) {
            assertEquals(0, t.freshUntilNanos(), "a new table is vouched for by nobody");
            long base = System.nanoTime();
            t.extendFreshUntil(base + 1_000);
            other.extendFreshUntil(base + 500);
            assertEquals(base + 1_000, other.freshUntilNanos(), "an earlier time never lowers it");
            other.extendFreshUntil(base + 2_000);
            assertEquals(base + 2_000, t.freshUntilNanos());
        }
    }

    /**
     * Another process saw a process's lock-free misses only at its next locked operation, so
     * {@code inspect} showed {@code misses 0} while the relay's own metrics said 2 (issue 23).
     */
    @Test
    void publishedCountersShowLockFreeLookupsToOtherProcesses() {
        try (ShmLru t = fullTableOfABC(); ShmLru other = ShmLru.attach(shm.file("t.lru"))) {
            ShmLruStats before = other.stats();
            long seq = changeSequence(t);
            now.addAndGet(ShmLruOptions.DEFAULT_LRU_RESOLUTION.toMillis() - 1);
            assertArrayEquals(b("1"), t.get("a"));
            assertNull(t.get("zz"));
            assertEquals(seq, changeSequence(t), "both lookups took no lock");
            assertEquals(before.misses() + 1, t.stats().misses(), "this process counts its own at once");
            assertEquals(before.misses(), other.stats().misses(), "another process does not see them yet");

            t.publishCounters();
            assertEquals(before.hits() + 1, other.stats().hits());
            assertEquals(before.misses() + 1, other.stats().misses());
            assertEquals(t.stats(), other.stats(), "both processes see the same numbers");
            long published = changeSequence(t);
            t.publishCounters();
            assertEquals(published, changeSequence(t), "nothing to publish: no lock taken");
        }
    }

    @Test
    void tombstonesAreCountedAmongTheEntriesAndOnTheirOwn() {
        try (ShmLru t = table(ShmLruSettings.of(100, 64))) {
            t.put("a", b("1"), null);
            t.put("b", b("2"), null);
            t.tombstone(b("b"), 9, null);
            t.tombstone(b("never-stored"), 9, null);
            assertEquals(3, t.stats().entries(), "a tombstone takes a record");
            assertEquals(2, t.tombstones());
            t.remove("b");
            assertEquals(1, t.tombstones());
        }
    }

    @Test
    void aHitWithinTheLruResolutionTakesNoLockAndWritesNothing() {
        try (ShmLru t = fullTableOfABC()) {
            long seq = changeSequence(t);
            now.addAndGet(ShmLruOptions.DEFAULT_LRU_RESOLUTION.toMillis() - 1);
            assertArrayEquals(b("1"), t.get("a"));
            assertNull(t.get("zz"));
            assertEquals(seq, changeSequence(t), "no lock was taken: the segment's change sequence is the same");
            assertEquals(List.of("c", "b", "a"), keys(t), "a hit within the resolution leaves the order alone");
            assertEquals(1, t.stats().hits(), "hits counted without the lock are in this process's stats");
            assertEquals(1, t.stats().misses());

            t.put("d", b("4"), null); // a is the least recently used: it goes
            assertEquals(List.of("a=1@1:CAPACITY"), evictions);
            assertEquals(1, t.stats().hits(), "the hit counted without the lock is now in shared memory, counted once");
            assertEquals(1, t.stats().misses());
        }
    }

    @Test
    void aHitOnceTheLruResolutionHasPassedMovesTheEntryUnderTheLock() {
        try (ShmLru t = fullTableOfABC()) {
            long seq = changeSequence(t);
            now.addAndGet(ShmLruOptions.DEFAULT_LRU_RESOLUTION.toMillis());
            assertArrayEquals(b("1"), t.get("a"));
            assertNotEquals(seq, changeSequence(t), "the move took the lock");
            assertEquals(0, changeSequence(t) % 2, "and ended its change");
            assertEquals(List.of("a", "c", "b"), keys(t));
            assertArrayEquals(b("1"), t.get("a")); // moved just now: no second move
            assertEquals(2, t.stats().hits());
        }
    }

    @Test
    void aLookupWaitsForALockHolderThatIsChangingTheSegment() throws Exception {
        ShmLruSettings settings = ShmLruSettings.builder().elCount(3).recordSize(32).segments(1).build();
        try (ShmLru t = table(settings)) {
            t.put("a", b("1"), null);
            long s = t.opsForTest().segment(0);
            assertTrue(MEMORY.compareAndSwapLong(s + SegmentLayout.LOCK_WORD_OFFSET, 0L, OwnerTag.CURRENT));
            SegmentOps.beginWrite(s); // a live holder mid-change, as another process would be
            Thread reader = new Thread(() -> t.get("a"));
            reader.start();
            reader.join(200);
            assertTrue(reader.isAlive(), "a lookup does not read a segment a holder is changing");
            SegmentOps.endWrite(s);
            MEMORY.writeOrderedLong(s + SegmentLayout.LOCK_WORD_OFFSET, 0L);
            reader.join(10_000);
            assertFalse(reader.isAlive());
        }
    }

    /**
     * A node's actors and remoting share one fork-join thread: a write waiting there for a segment
     * lock another process holds must let the pool run the rest of its work meanwhile.
     */
    @Test
    void aLockWaitOnAForkJoinWorkerLetsThePoolRunOtherTasks() throws Exception {
        ShmLruSettings settings = ShmLruSettings.builder().elCount(3).recordSize(32).segments(1).build();
        ShmLruOptions options = ShmLruOptions.DEFAULTS.withLockTimeout(Duration.ofMinutes(2));
        ForkJoinPool pool = new ForkJoinPool(1);
        try (ShmLru t = ShmLru.create(shm.file("fj.lru"), settings, options)) {
            long lock = t.opsForTest().segment(0) + SegmentLayout.LOCK_WORD_OFFSET;
            assertTrue(MEMORY.compareAndSwapLong(lock, 0L, OwnerTag.CURRENT)); // a live holder, as another process would be
            CountDownLatch waiting = new CountDownLatch(1);
            Future<Long> writer = pool.submit(() -> {
                waiting.countDown();
                return t.put("a", b("1"), null);
            });
            assertTrue(waiting.await(30, TimeUnit.SECONDS));
            assertEquals("ran", pool.submit(() -> "ran").get(60, TimeUnit.SECONDS), "the pool's next task ran during the wait");
            assertFalse(writer.isDone(), "the writer still waits for the lock");
            MEMORY.writeOrderedLong(lock, 0L);
            assertEquals(1L, writer.get(30, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
    }

    /** A one-segment table of three entries holding a=1, b=2, c=3, written in that order. */
    private ShmLru fullTableOfABC() {
        ShmLru t = table(ShmLruSettings.builder().elCount(3).recordSize(32).segments(1).build());
        t.put("a", b("1"), null);
        t.put("b", b("2"), null);
        t.put("c", b("3"), null);
        return t;
    }

    private static long changeSequence(ShmLru t) {
        return MEMORY.readVolatileLong(t.opsForTest().segment(0) + SegmentLayout.SEQ_OFFSET);
    }

    private static List<String> keys(ShmLru t) {
        return t.keysByRecency(0).stream().map(k -> new String(k, UTF_8)).toList();
    }

    @Test
    void fullSegmentEvictsItsLeastRecentlyUsedEntryAndReportsIt() {
        try (ShmLru t = fullTableOfABC()) {
            now.addAndGet(ShmLruOptions.DEFAULT_LRU_RESOLUTION.toMillis()); // a hit this much later moves a
            t.get("a"); // b is now least recently used
            t.put("d", b("4"), null);
            assertNull(t.get("b"));
            assertArrayEquals(b("1"), t.get("a"));
            assertEquals(List.of("b=2@1:CAPACITY"), evictions);
            assertEquals(1, t.stats().evictions());
            assertEquals(3, t.stats().entries());
        }
    }

    @Test
    void expiredEntryIsAMissAndIsReportedOnce() {
        try (ShmLru t = table(ShmLruSettings.of(100, 64))) {
            t.put("a", b("1"), Duration.ofMillis(50));
            now.addAndGet(49);
            assertArrayEquals(b("1"), t.get("a"));
            now.addAndGet(1);
            assertNull(t.get("a"));
            assertNull(t.get("a"));
            assertEquals(List.of("a=1@1:EXPIRED"), evictions);
            assertEquals(1, t.stats().expirations());
            assertEquals(0, t.stats().entries());
        }
    }

    @Test
    void touchSlidesTheExpiry() {
        try (ShmLru t = table(ShmLruSettings.of(100, 64))) {
            t.put("a", b("1"), Duration.ofMillis(100));
            for (int i = 0; i < 5; i++) {
                now.addAndGet(80);
                assertTrue(t.touch("a"));
            }
            assertArrayEquals(b("1"), t.get("a"));
            now.addAndGet(100);
            assertFalse(t.touch("a"));
            assertNull(t.get("a"));
        }
    }

    @Test
    void removeExpiredSweepsEveryExpiredEntry() {
        try (ShmLru t = table(ShmLruSettings.of(1000, 64))) {
            for (int i = 0; i < 100; i++) {
                t.put("k" + i, b("v"), i % 2 == 0 ? Duration.ofSeconds(1) : null);
            }
            now.addAndGet(1000);
            assertEquals(50, t.removeExpired());
            assertEquals(50, t.stats().entries());
            assertEquals(50, evictions.size());
            assertTrue(t.verify().ok());
        }
    }

    @Test
    void putIfNewerRefusesEqualOrOlderVersions() {
        try (ShmLru t = table(ShmLruSettings.of(100, 64))) {
            byte[] k = b("s");
            assertTrue(t.putIfNewer(k, b("v10"), 10, null));
            assertFalse(t.putIfNewer(k, b("v9"), 9, null));
            assertFalse(t.putIfNewer(k, b("v10b"), 10, null));
            assertTrue(t.putIfNewer(k, b("v11"), 11, null));
            Entry e = t.getEntry(k);
            assertArrayEquals(b("v11"), e.value());
            assertEquals(11, e.version());
            assertEquals(2, t.stats().staleRefused());
        }
    }

    @Test
    void tombstoneRefusesEveryVersionedWriteUntilItExpires() {
        try (ShmLru t = table(ShmLruSettings.of(100, 64))) {
            byte[] k = b("s");
            t.putIfNewer(k, b("v5"), 5, null);
            assertTrue(t.tombstone(k, 7, Duration.ofSeconds(10)));
            assertNull(t.get(k));
            Entry tomb = t.getEntry(k);
            assertTrue(tomb.tombstone());
            assertNull(tomb.value());
            assertEquals(7, tomb.version());
            assertFalse(t.putIfNewer(k, b("v6"), 6, null), "a write older than the delete must not resurrect it");
            assertFalse(t.putIfNewer(k, b("v8"), 8, null), "nor a newer one: a tombstone is final");
            assertNull(t.get(k));
            now.addAndGet(10_000);
            assertTrue(t.putIfNewer(k, b("v1"), 1, null), "an expired tombstone no longer blocks");
        }
    }

    /** Bug (issue 19): a delete with a version older than the value held removed nothing (removeIfNotNewer). */
    @Test
    void aTombstoneOlderThanTheValueStillRemovesIt() {
        try (ShmLru t = table(ShmLruSettings.of(100, 64))) {
            byte[] k = b("s");
            t.putIfNewer(k, b("v9"), 9, null);
            assertTrue(t.tombstone(k, 3, Duration.ofSeconds(10)));
            assertNull(t.get(k));
            assertTrue(t.getEntry(k).tombstone());
        }
    }

    @Test
    void aSecondTombstoneKeepsTheNewerVersionAndTheLaterExpiry() {
        try (ShmLru t = table(ShmLruSettings.of(100, 64))) {
            byte[] k = b("s");
            t.tombstone(k, 7, Duration.ofSeconds(10));
            assertFalse(t.tombstone(k, 3, Duration.ofSeconds(1)), "no value was there to remove");
            Entry e = t.getEntry(k);
            assertEquals(7, e.version());
            assertEquals(now.get() + 10_000, e.expiresAtMillis());
            t.tombstone(k, 9, null);
            assertEquals(0, t.getEntry(k).expiresAtMillis(), "never expiring is the latest expiry");
            assertEquals(9, t.getEntry(k).version());
        }
    }

    @Test
    void removeVersionTakesBackOnlyThatVersionAndLeavesNoTombstone() {
        try (ShmLru t = table(ShmLruSettings.of(100, 64))) {
            byte[] k = b("s");
            t.putIfNewer(k, b("v5"), 5, null);
            assertFalse(t.removeVersion(k, 4));
            assertTrue(t.removeVersion(k, 5));
            assertNull(t.getEntry(k));
            t.tombstone(k, 6, null);
            assertFalse(t.removeVersion(k, 6), "a tombstone is not taken back");
            assertTrue(t.getEntry(k).tombstone());
        }
    }

    @Test
    void replaceIfNewerOnlyRefreshesACopyAlreadyHeld() {
        try (ShmLru t = table(ShmLruSettings.of(100, 64))) {
            byte[] k = b("s");
            assertFalse(t.replaceIfNewer(k, b("v2"), 2, null, 0), "absent: not cached here, stays absent");
            assertNull(t.get(k));
            t.putIfNewer(k, b("v1"), 1, null);
            assertTrue(t.replaceIfNewer(k, b("v2"), 2, null, 0));
            assertFalse(t.replaceIfNewer(k, b("v2b"), 2, null, 0));
            assertArrayEquals(b("v2"), t.get(k));
            t.tombstone(k, 3, null);
            assertFalse(t.replaceIfNewer(k, b("v4"), 4, null, 0), "a tombstone is final, whatever the version");
            assertNull(t.get(k));
        }
    }

    @Test
    void putIfNewerKeepsAGivenExpiryAndSlidesByTheTtl() {
        try (ShmLru t = table(ShmLruSettings.of(100, 64))) {
            byte[] k = b("s");
            assertTrue(t.putIfNewer(k, b("v"), 1, Duration.ofMillis(1000), now.get() + 100));
            assertEquals(now.get() + 100, t.getEntry(k).expiresAtMillis());
            now.addAndGet(50);
            assertTrue(t.touch(k));
            assertEquals(now.get() + 1000, t.getEntry(k).expiresAtMillis());
        }
    }

    @Test
    void plainPutOverATombstoneContinuesItsVersion() {
        try (ShmLru t = table(ShmLruSettings.of(100, 64))) {
            t.tombstone(b("s"), 41, null);
            assertEquals(42, t.put(b("s"), b("x"), null));
        }
    }

    @Test
    void badInputThrowsAndChangesNothing() {
        try (ShmLru t = table(ShmLruSettings.of(100, 40))) {
            t.put("a", b("keep"), null);
            ShmLruStats before = t.stats();

            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.put(new byte[0], b("x"), null));
            assertEquals("key is empty", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> t.put(new byte[41], b(""), null));
            assertEquals("key length=41 exceeds record_size=40", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> t.put(b("a"), new byte[40], null));
            assertEquals("key length=1 + value length=40 = 41 bytes exceeds record_size=40", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> t.put(b("a"), b("x"), Duration.ofSeconds(-1)));
            assertEquals("ttl=PT-1S is negative", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> t.put(b("a"), b("x"), Duration.ofDays(60)));
            assertThrows(NullPointerException.class, () -> t.put((byte[]) null, b("x"), null));
            assertThrows(IllegalArgumentException.class, () -> t.get(new byte[0]));

            assertEquals(before, t.stats());
            assertArrayEquals(b("keep"), t.get("a"));
        }
    }

    @Test
    void settingsValidationNamesTheBadValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ShmLruSettings.of(0, 10));
        assertTrue(e.getMessage().startsWith("el_count=0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ShmLruSettings.of(10, 70_000));
        assertTrue(e.getMessage().startsWith("record_size=70000"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ShmLruSettings.builder().elCount(10).segments(11).build());
        assertTrue(e.getMessage().startsWith("segments=11"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ShmLruSettings.builder().lockLease(Duration.ZERO).build());
        assertTrue(e.getMessage().startsWith("lock_lease=PT0S"), e.getMessage());
    }

    @Test
    void listenerExceptionIsContained() {
        ShmLruSettings settings = ShmLruSettings.builder().elCount(1).recordSize(32).segments(1).build();
        ShmLruOptions options = ShmLruOptions.DEFAULTS.withEvictionListener((k, v, version, cause) -> {
            throw new IllegalStateException("listener bug");
        });
        try (ShmLru t = ShmLru.create(shm.file("t.lru"), settings, options)) {
            t.put("a", b("1"), null);
            assertDoesNotThrow(() -> t.put("b", b("2"), null));
            assertArrayEquals(b("2"), t.get("b"));
            assertTrue(t.verify().ok());
        }
    }

    @Test
    void createdFileIsOwnerOnlyInDefaultSizeBudget() throws Exception {
        ShmLruSettings settings = ShmLruSettings.builder().elCount(20_000).recordSize(416).build();
        try (ShmLru t = table(settings)) {
            Path file = t.path();
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            long budget = (long) (1.12 * 20_000 * 416) + FileHeaderLayout.HEADER_SIZE
                    + (long) settings.segments() * (SegmentLayout.HEADER_SIZE + 2 * SegmentLayout.ALIGNMENT) + Geometry.PAGE;
            assertTrue(Files.size(file) <= budget, "file size " + Files.size(file) + " > budget " + budget);
            assertEquals(64 * 313, t.capacity(), "el_count rounded up to a multiple of the 64 segments");
        }
    }

    @Test
    void capacityIsRealWithinEachSegment() {
        ShmLruSettings settings = ShmLruSettings.builder().elCount(64).recordSize(32).segments(1).build();
        try (ShmLru t = table(settings)) {
            for (int i = 0; i < 64; i++) {
                t.put("k" + i, b("v" + i), null);
            }
            assertEquals(64, t.stats().entries());
            assertEquals(0, t.stats().evictions());
            for (int i = 0; i < 64; i++) {
                assertArrayEquals(b("v" + i), t.get("k" + i));
            }
            t.put("k64", b("v"), null);
            assertEquals(1, t.stats().evictions());
        }
    }

    @Test
    void manyKeysAcrossSegmentsStayConsistent() {
        try (ShmLru t = table(ShmLruSettings.builder().elCount(5_000).recordSize(64).segments(8).build())) {
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 8_000; i++) {
                    t.put("key-" + i, b("value-" + i + "-" + round), null);
                    if (i % 3 == 0) {
                        t.remove("key-" + (i / 2));
                    }
                }
            }
            IntegrityReport report = t.verify();
            assertTrue(report.ok(), report.problems().toString());
            assertEquals(t.stats().entries(), report.entries());
        }
    }

    @Test
    void operationsAfterCloseFailClearly() {
        ShmLru t = table(ShmLruSettings.of(10, 32));
        t.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.get("a"));
        assertTrue(e.getMessage().endsWith("is closed"));
        t.close();
    }

    @Test
    void getIntoCopiesAHitAndReturnsItsLength() {
        try (ShmLru t = table(ShmLruSettings.of(100, 64))) {
            t.put("a", b("one"), null);
            byte[] buffer = b("xxxxxx");
            assertEquals(3, t.getInto(b("a"), buffer), "a hit read without the lock");
            assertEquals("onexxx", new String(buffer, UTF_8), "the value at the start, the rest untouched");
            t.put("a", b("three"), null);
            now.addAndGet(1_000); // past the LRU resolution: this lookup takes the lock to move the entry to the front
            assertEquals(5, t.getInto(b("a"), buffer));
            assertEquals("threex", new String(buffer, UTF_8));
            assertEquals(2, t.stats().hits());
        }
    }

    @Test
    void getIntoReturnsMissingForAbsentRemovedTombstonedAndExpiredKeys() {
        try (ShmLru t = table(ShmLruSettings.of(100, 64))) {
            byte[] buffer = new byte[8];
            assertEquals(ShmLru.MISSING, t.getInto(b("never"), buffer));
            t.put("removed", b("v"), null);
            t.remove("removed");
            assertEquals(ShmLru.MISSING, t.getInto(b("removed"), buffer));
            t.putIfNewer(b("gone"), b("v"), 1, null);
            t.tombstone(b("gone"), 2, Duration.ofSeconds(10));
            assertEquals(ShmLru.MISSING, t.getInto(b("gone"), buffer), "a tombstone is a miss");
            t.put("short", b("v"), Duration.ofSeconds(1));
            now.addAndGet(1_000);
            assertEquals(ShmLru.MISSING, t.getInto(b("short"), buffer), "expired");
            assertArrayEquals(new byte[8], buffer, "nothing was copied");
            assertEquals(4, t.stats().misses());
            assertEquals(1, t.stats().expirations(), "the lookup freed the expired entry");
        }
    }

    @Test
    void getIntoAtTheCallersTimeJudgesExpiryByThatTime() {
        try (ShmLru t = table(ShmLruSettings.of(100, 64))) {
            t.put("short", b("v"), Duration.ofSeconds(1));
            long expiresAt = now.get() + 1_000;
            byte[] buffer = new byte[8];
            assertEquals(1, t.getInto(b("short"), buffer, expiresAt - 1), "live until its expiry instant, whatever the table's clock");
            assertEquals(ShmLru.MISSING, t.getInto(b("short"), buffer, expiresAt), "expired at the caller's time though the table's clock has not moved");
            assertEquals(1, t.stats().expirations(), "the lookup freed the expired entry");
        }
    }

    @Test
    void getIntoABufferTooSmallCopiesNothingAndReturnsTheLengthNeeded() {
        try (ShmLru t = table(ShmLruSettings.of(100, 64))) {
            t.put("a", b("twelve bytes"), null);
            byte[] small = new byte[4];
            assertEquals(12, t.getInto(b("a"), small));
            assertArrayEquals(new byte[4], small);
            byte[] exact = new byte[12];
            assertEquals(12, t.getInto(b("a"), exact));
            assertArrayEquals(b("twelve bytes"), exact);
            assertThrows(NullPointerException.class, () -> t.getInto(b("a"), null));
            IllegalArgumentException empty = assertThrows(IllegalArgumentException.class, () -> t.getInto(new byte[0], exact));
            assertEquals("key is empty", empty.getMessage());
        }
    }
}

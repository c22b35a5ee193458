package org.globalsessions.it.nemesis;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.globalsessions.it.nemesis.HistoryChecker.Violation;
import org.junit.jupiter.api.Test;

/** The checker on small hand-made histories, each built to pass or to break one guarantee. */
class HistoryCheckerTest {

    private static final long MS = 1_000_000L;

    /** A history in the file format, written op by op; times in milliseconds. */
    private static final class Lines {
        final List<String> lines = new ArrayList<>();
        private int next;

        /** An operation; {@code end} -1 leaves its outcome unknown; {@code result} "fail …" makes it a failure. */
        Lines op(String process, String kind, String key, String value, long start, long end, String result) {
            String id = process + "." + next++;
            lines.add(String.join("\t", "invoke", id, Long.toString(start * MS), "h-" + process, process, kind, key,
                    value == null ? "-" : value));
            if (end >= 0) {
                boolean failed = result.startsWith("fail ");
                lines.add(String.join("\t", failed ? "fail" : "ok", id, Long.toString(end * MS), failed ? result.substring(5) : result));
            }
            return this;
        }

        Lines write(String process, String key, String value, long start, long end) {
            return op(process, "write", key, value, start, end, "17");
        }

        Lines delete(String process, String key, long start, long end) {
            return op(process, "delete", key, null, start, end, "ok");
        }

        Lines read(String process, String key, long start, long end, String found) {
            return op(process, "read", key, null, start, end, found == null ? "absent" : "found " + found);
        }

        HistoryChecker.Verdict check() {
            return new HistoryChecker().check(History.parse(lines));
        }
    }

    private static Map<Violation.Kind, Long> counts(Lines history) {
        return history.check().violationCounts();
    }

    private static long count(Lines history, Violation.Kind kind) {
        return counts(history).get(kind);
    }

    @Test
    void aCleanHistoryPasses() {
        Lines history = new Lines()
                .write("a", "s1", "v1", 0, 10)
                .read("b", "s1", 20, 25, "v1")
                .delete("c", "s1", 30, 40)
                .read("b", "s1", 41, 45, "v1")      // within max-staleness of the delete
                .read("b", "s1", 3_000, 3_005, null)
                .write("a", "s2", "v2", 0, 10)
                .read(HistoryChecker.FINAL_PROCESS, "s1", 9_000, 9_010, null)
                .read(HistoryChecker.FINAL_PROCESS, "s2", 9_000, 9_010, "v2");
        HistoryChecker.Verdict verdict = history.check();
        assertTrue(verdict.passed(), verdict.describe(5));
        assertEquals(Map.of("delete ok", 1, "read ok", 5, "write ok", 2), verdict.operations());
    }

    @Test
    void anAcknowledgedWriteMissingFromTheFinalReadIsLost() {
        Lines history = new Lines().write("a", "s1", "v1", 0, 10).read(HistoryChecker.FINAL_PROCESS, "s1", 9_000, 9_010, null);
        assertEquals(1, count(history, Violation.Kind.LOST_WRITE));
    }

    @Test
    void aFinalValueOlderThanAnAcknowledgedWriteMeansThatWriteWasLost() {
        Lines history = new Lines()
                .write("a", "s1", "v1", 0, 10)
                .write("b", "s1", "v2", 20, 30)
                .read(HistoryChecker.FINAL_PROCESS, "s1", 9_000, 9_010, "v1");
        assertEquals(1, count(history, Violation.Kind.LOST_WRITE));
        Lines concurrent = new Lines()
                .write("a", "s1", "v1", 0, 25)
                .write("b", "s1", "v2", 20, 30)
                .read(HistoryChecker.FINAL_PROCESS, "s1", 9_000, 9_010, "v1");
        assertTrue(concurrent.check().passed(), "concurrent writes may end in either order");
    }

    @Test
    void aDeleteThatMayHaveHappenedExcusesAMissingWrite() {
        Lines unknownDelete = new Lines()
                .write("a", "s1", "v1", 0, 10)
                .delete("b", "s1", 20, -1)
                .read(HistoryChecker.FINAL_PROCESS, "s1", 9_000, 9_010, null);
        assertTrue(unknownDelete.check().passed(), unknownDelete.check().describe(3));
        Lines failedLater = new Lines()
                .write("a", "s1", "v1", 0, 10)
                .op("b", "delete", "s1", null, 20, 30, "fail TimeoutException")
                .read(HistoryChecker.FINAL_PROCESS, "s1", 9_000, 9_010, null);
        assertTrue(failedLater.check().passed(), "a failed delete may still have reached a copy");
        Lines failedBefore = new Lines()
                .op("b", "delete", "s1", null, 0, 5, "fail Unavailable")
                .write("a", "s1", "v1", 10, 20)
                .read(HistoryChecker.FINAL_PROCESS, "s1", 9_000, 9_010, null);
        assertEquals(1, count(failedBefore, Violation.Kind.LOST_WRITE), "a delete that failed before the write began excuses nothing");
    }

    @Test
    void aWriteOfUnknownOutcomeNeedNotSurvive() {
        Lines history = new Lines().write("a", "s1", "v1", 0, -1).read(HistoryChecker.FINAL_PROCESS, "s1", 9_000, 9_010, null);
        HistoryChecker.Verdict verdict = history.check();
        assertTrue(verdict.passed(), verdict.describe(3));
        assertEquals(Map.of("read ok", 1, "write unknown", 1), verdict.operations());
    }

    @Test
    void aReadOfADeletedSessionPastMaxStalenessIsStale() {
        Lines history = new Lines()
                .write("a", "s1", "v1", 0, 10)
                .delete("b", "s1", 100, 200)
                .read("c", "s1", 1_900, 1_905, "v1")   // 1.7 s after: allowed
                .read("c", "s1", 2_201, 2_205, "v1")   // 2.001 s after: stale
                .read("c", "s1", 30_000, 30_001, "v1"); // long after: stale
        HistoryChecker.Verdict verdict = history.check();
        assertEquals(2, verdict.violationCounts().get(Violation.Kind.STALE_READ), verdict.describe(5));
        assertTrue(verdict.describe(5).contains("2001 ms after the delete was acknowledged"), verdict.describe(5));
    }

    @Test
    void aWriteAcknowledgedAfterALogoutIsAViolationAndARacingOneIsNot() {
        Lines after = new Lines()
                .write("a", "s1", "v1", 0, 10)
                .delete("b", "s1", 100, 200)
                .write("c", "s1", "v2", 250, 300);
        assertEquals(1, count(after, Violation.Kind.WRITE_AFTER_DELETE));
        Lines racing = new Lines()
                .write("a", "s1", "v1", 0, 10)
                .delete("b", "s1", 100, 200)
                .write("c", "s1", "v2", 150, 300)
                .op("d", "write", "s1", "v3", 250, 260, "fail StaleSessionException logged out");
        assertTrue(racing.check().passed(), racing.check().describe(3));
    }

    @Test
    void aValueNoWriteOfTheIdCarriedIsForeign() {
        Lines history = new Lines().write("a", "s1", "v1", 0, 10).write("a", "s2", "v2", 0, 10).read("b", "s1", 20, 30, "v2")
                .read(HistoryChecker.FINAL_PROCESS, "s1", 9_000, 9_010, "v1")
                .read(HistoryChecker.FINAL_PROCESS, "s2", 9_000, 9_010, "v2");
        assertEquals(Map.of(Violation.Kind.FOREIGN_VALUE, 1L), nonZero(counts(history)));
    }

    @Test
    void anAcknowledgedWriteWithoutASuccessfulFinalReadIsUnchecked() {
        Lines history = new Lines()
                .write("a", "s1", "v1", 0, 10)
                .op(HistoryChecker.FINAL_PROCESS, "read", "s1", null, 9_000, 9_010, "fail Unavailable no relay");
        assertEquals(Map.of(Violation.Kind.UNCHECKED, 1L), nonZero(counts(history)));
    }

    @Test
    void aTornLastLineOfAKilledProcessIsSkippedAndItsOperationIsUnknown() {
        List<String> lines = new ArrayList<>(new Lines().write("a", "s1", "v1", 0, -1).lines);
        lines.add("ok\ta.0\t12");  // torn: no result field
        List<History.Op> ops = History.parse(lines);
        assertEquals(1, ops.size());
        assertEquals(History.Outcome.UNKNOWN, ops.get(0).outcome());
        assertEquals(Long.MAX_VALUE, ops.get(0).end());
    }

    private static Map<Violation.Kind, Long> nonZero(Map<Violation.Kind, Long> counts) {
        Map<Violation.Kind, Long> out = new java.util.EnumMap<>(Violation.Kind.class);
        counts.forEach((k, v) -> {
            if (v > 0) {
                out.put(k, v);
            }
        });
        return out;
    }
}

package org.globalsessions.it.nemesis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.globalsessions.it.nemesis.History.Kind;
import org.globalsessions.it.nemesis.History.Op;
import org.globalsessions.it.nemesis.History.Outcome;

/**
 * Checks a nemesis history against the guarantees of issue 19, as a pure function of the
 * operations (each with its real-time interval on the one monotonic clock of the machine):
 * <ul>
 *   <li>{@link Violation.Kind#LOST_WRITE}: the final read (process {@value #FINAL_PROCESS}, a fresh
 *       client after the cluster healed and settled) must find an acknowledged write of every id
 *       that no delete could have removed (every delete of the id failed and ended before the write
 *       began, or there was none), and not a value from a write that ended before that write began;</li>
 *   <li>{@link Violation.Kind#STALE_READ}: no read may return a session when it began more than
 *       {@link #MAX_STALENESS} after a delete of that id was acknowledged;</li>
 *   <li>{@link Violation.Kind#WRITE_AFTER_DELETE}: no write may be acknowledged when it began after a
 *       delete of that id was acknowledged (a logged-out id is dead);</li>
 *   <li>{@link Violation.Kind#FOREIGN_VALUE}: every value read is one some write of that id carried
 *       (never another id's, never torn);</li>
 *   <li>{@link Violation.Kind#UNCHECKED}: an id whose final read never succeeded could not be
 *       checked, which fails the run as well.</li>
 * </ul>
 * A write or delete that failed or whose outcome is unknown may or may not have taken effect, at
 * any time after it was invoked: it excuses, it never accuses. Values are unique per write.
 */
public final class HistoryChecker {

    /**
     * Invariant 3's bound: after an acknowledged delete no tier answers the session once this much
     * time has passed: the default of {@code global-sessions.max-staleness}, which the suite's
     * processes run with.
     */
    public static final Duration MAX_STALENESS = com.typesafe.config.ConfigFactory.defaultReference()
            .getDuration("global-sessions.max-staleness");
    /** The process that does the final reads. */
    public static final String FINAL_PROCESS = "final";

    /** A guarantee broken by one operation. */
    public record Violation(Kind kind, String key, String detail) {
        public enum Kind { LOST_WRITE, STALE_READ, WRITE_AFTER_DELETE, FOREIGN_VALUE, UNCHECKED }
    }

    /** The verdict: operations counted by kind and outcome, and every violation. */
    public record Verdict(Map<String, Integer> operations, List<Violation> violations) {

        public boolean passed() {
            return violations.isEmpty();
        }

        public Map<Violation.Kind, Long> violationCounts() {
            Map<Violation.Kind, Long> counts = new EnumMap<>(Violation.Kind.class);
            for (Violation.Kind kind : Violation.Kind.values()) {
                counts.put(kind, 0L);
            }
            violations.forEach(v -> counts.merge(v.kind(), 1L, Long::sum));
            return counts;
        }

        /** The counts, and up to {@code examples} violations of each kind. */
        public String describe(int examples) {
            StringBuilder out = new StringBuilder("operations: ").append(operations)
                    .append("\nviolations: ").append(violationCounts());
            Map<Violation.Kind, List<Violation>> byKind = violations.stream()
                    .collect(Collectors.groupingBy(Violation::kind, () -> new EnumMap<>(Violation.Kind.class), Collectors.toList()));
            byKind.forEach((kind, list) -> list.stream().limit(examples)
                    .forEach(v -> out.append("\n  ").append(kind).append(' ').append(v.key()).append(": ").append(v.detail())));
            return out.toString();
        }
    }

    private final long maxStalenessNanos;

    public HistoryChecker(Duration maxStaleness) {
        this.maxStalenessNanos = maxStaleness.toNanos();
    }

    public HistoryChecker() {
        this(MAX_STALENESS);
    }

    public Verdict check(Collection<Op> history) {
        Map<String, Integer> operations = new TreeMap<>();
        history.forEach(op -> operations.merge(op.kind().name().toLowerCase() + " " + op.outcome().name().toLowerCase(), 1, Integer::sum));
        Map<String, List<Op>> byKey = history.stream().collect(Collectors.groupingBy(Op::key, TreeMap::new, Collectors.toList()));
        List<Violation> violations = new ArrayList<>();
        byKey.forEach((key, ops) -> checkKey(key, ops, violations));
        return new Verdict(operations, violations);
    }

    private void checkKey(String key, List<Op> ops, List<Violation> violations) {
        List<Op> writes = ops.stream().filter(op -> op.kind() == Kind.WRITE).toList();
        List<Op> deletes = ops.stream().filter(op -> op.kind() == Kind.DELETE).toList();
        List<Op> ackedDeletes = deletes.stream().filter(Op::ok).toList();
        long firstAckedDelete = ackedDeletes.stream().mapToLong(Op::end).min().orElse(Long.MAX_VALUE);
        Map<String, Op> writeOf = new HashMap<>();
        writes.forEach(w -> writeOf.put(w.value(), w));

        for (Op write : writes) {
            if (write.ok() && write.start() > firstAckedDelete) {
                violations.add(new Violation(Violation.Kind.WRITE_AFTER_DELETE, key, write + " began "
                        + millis(write.start() - firstAckedDelete) + " ms after the delete was acknowledged: "
                        + ackedDeletes.get(0)));
            }
        }
        for (Op read : ops) {
            if (read.kind() != Kind.READ || read.found() == null) {
                continue;
            }
            if (!writeOf.containsKey(read.found())) {
                violations.add(new Violation(Violation.Kind.FOREIGN_VALUE, key, read + ": no write of this id carried that value"));
            }
            if (firstAckedDelete != Long.MAX_VALUE && read.start() - firstAckedDelete > maxStalenessNanos) {
                violations.add(new Violation(Violation.Kind.STALE_READ, key, read + " began "
                        + millis(read.start() - firstAckedDelete) + " ms after the delete was acknowledged (bound "
                        + millis(maxStalenessNanos) + " ms)"));
            }
        }
        checkFinalRead(key, ops, writes, deletes, writeOf, violations);
    }

    private static void checkFinalRead(String key, List<Op> ops, List<Op> writes, List<Op> deletes, Map<String, Op> writeOf,
                                       List<Violation> violations) {
        List<Op> mustSurvive = writes.stream().filter(Op::ok)
                .filter(w -> deletes.stream().allMatch(d -> d.outcome() == Outcome.FAIL && d.end() < w.start()))
                .toList();
        if (mustSurvive.isEmpty()) {
            return;
        }
        Op finalRead = ops.stream().filter(op -> op.kind() == Kind.READ && op.process().equals(FINAL_PROCESS) && op.ok())
                .reduce((first, second) -> second).orElse(null);
        if (finalRead == null) {
            violations.add(new Violation(Violation.Kind.UNCHECKED, key, "no final read succeeded; acknowledged: " + mustSurvive.get(0)));
            return;
        }
        Op survivor = finalRead.found() == null ? null : writeOf.get(finalRead.found());
        for (Op acked : mustSurvive) {
            if (finalRead.found() == null) {
                violations.add(new Violation(Violation.Kind.LOST_WRITE, key, acked + " is gone: " + finalRead));
                return;
            }
            if (survivor != null && survivor.end() < acked.start()) {
                violations.add(new Violation(Violation.Kind.LOST_WRITE, key, acked + " lost to the older " + survivor
                        + ": " + finalRead));
                return;
            }
        }
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}

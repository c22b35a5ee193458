package org.globalsessions.bench.webfarm;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads of logged-out sessions: after a logout (the load generator picks about one in
 * {@code every}), {@code after} the logout was acknowledged (the staleness bound,
 * {@code max-staleness}, 2 s), one app process other than the one that logged out validates
 * the dead id. Every answer that still returns the session is a stale read, and must not
 * happen; they are counted, with the first few ids for the report.
 *
 * <p>Threads: {@link #schedule} is called by the client threads; the checks run on one timer
 * thread, the only user of this object's connections (one per app) and random source. A check
 * that falls behind runs late, never early.
 */
final class StaleChecks implements AutoCloseable {

    private static final int EXAMPLES = 5;

    /** What the checks of one backend found. */
    record Totals(long scheduled, long checked, long found, long failed, List<String> examples) {
    }

    private final List<Integer> ports;
    private final Duration after;
    private final ScheduledThreadPoolExecutor timer;
    private final AppLink[] links;
    private final SplittableRandom random;
    private final AtomicLong scheduled = new AtomicLong();
    private final AtomicLong checked = new AtomicLong();
    private final AtomicLong found = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final List<String> examples = new ArrayList<>();

    StaleChecks(List<Integer> ports, Duration after, long seed) {
        this.ports = List.copyOf(ports);
        this.after = after;
        this.links = new AppLink[ports.size()];
        this.random = new SplittableRandom(seed);
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, "stale-checks");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Checks, {@code after} from now, that an app other than {@code loggedOutAt} no longer returns {@code sessionId}. */
    void schedule(String sessionId, int loggedOutAt) {
        scheduled.incrementAndGet();
        timer.schedule(() -> check(sessionId, loggedOutAt), after.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void check(String sessionId, int loggedOutAt) {
        int app = random.nextInt(ports.size() - 1);
        if (app >= loggedOutAt) {
            app++;
        }
        if (links[app] == null) {
            links[app] = new AppLink(ports.get(app));
        }
        try {
            byte status = links[app].call(Protocol.CHECK, sessionId);
            checked.incrementAndGet();
            if (status == Protocol.FOUND) {
                found.incrementAndGet();
                synchronized (examples) {
                    if (examples.size() < EXAMPLES) {
                        examples.add(sessionId + " (app " + app + ", logged out at app " + loggedOutAt + ")");
                    }
                }
            } else if (status == Protocol.FAILED) {
                failed.incrementAndGet();
            }
        } catch (RuntimeException e) {
            failed.incrementAndGet();
        }
    }

    /** Runs the checks still scheduled (at most {@code after} + 60 s), then returns what every check found. */
    Totals finish() throws InterruptedException {
        timer.shutdown(); // delayed checks still run
        if (!timer.awaitTermination(after.toSeconds() + 60, TimeUnit.SECONDS)) {
            timer.shutdownNow();
        }
        synchronized (examples) {
            return new Totals(scheduled.get(), checked.get(), found.get(), failed.get(), List.copyOf(examples));
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        for (AppLink link : links) {
            if (link != null) {
                link.close();
            }
        }
    }
}

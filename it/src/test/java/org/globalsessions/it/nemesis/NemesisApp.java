package org.globalsessions.it.nemesis;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.globalsessions.client.SessionCacheManager;
import org.globalsessions.client.SessionInfo;

/**
 * An application process of the nemesis suite: a real {@link SessionCacheManager} (an edge,
 * with its host's L1 table) in a JVM of its own inside a host namespace. It runs the
 * {@link Workload} schedule on two threads (one for its writes and deletes, one reading), records
 * every operation in its {@link History} file, and takes commands on stdin, one answer line each:
 * <pre>
 *   args: NAME HOST INDEX PROCESSES RELAYS(comma) CERTS TABLE MANAGE(true|false) ADDRESS HISTORY SKEW_MS [START_NANOS END_NANOS]
 *   probe N          → ok | fail REASON     (writes and reads N probe ids, not recorded)
 *   start T0 END     → ok                   (the schedule from nanoTime T0; no generation begins at or after END)
 *   skew MS          → (no answer)          (wall clock = system clock + SKEW_MS + MS: the clock fault)
 *   stop             → stopped              (no new operation; in-flight ones get 5 s to complete)
 *   final FILE       → ok read=N failed=M unread=U (reads every id listed in FILE, retrying errors; recorded)
 *   quit
 * </pre>
 * Started again with START_NANOS and END_NANOS (after a SIGKILL), it resumes the schedule at once.
 * A call waits at most {@link #WAIT}; a completion that comes later is still recorded.
 */
public final class NemesisApp {

    static final Duration WAIT = Duration.ofSeconds(5);
    /** How long a failed write or delete waits before it is tried again. */
    static final long RETRY_MS = 700;
    /** How long the final reads retry failures. */
    static final Duration FINAL_RETRIES = Duration.ofSeconds(60);
    private static final PrintStream OUT = System.out;

    private final SessionCacheManager sessions;
    private final History.Recorder history;
    private final int index;
    private final Workload workload;
    private final AtomicLong values = new AtomicLong();
    private final String valuePrefix;
    private volatile boolean running;
    private Thread actor;
    private Thread reader;

    private NemesisApp(SessionCacheManager sessions, History.Recorder history, String name, int index, int processes) {
        this.sessions = sessions;
        this.history = history;
        this.index = index;
        this.workload = new Workload(processes);
        this.valuePrefix = name + "." + ProcessHandle.current().pid() + ".";
    }

    public static void main(String[] args) throws Exception {
        String name = args[0];
        String host = args[1];
        long baseSkew = Long.parseLong(args[10]);
        AtomicLong extraSkew = new AtomicLong();
        try (History.Recorder history = new History.Recorder(Path.of(args[9]), host, name);
             SessionCacheManager sessions = SessionCacheManager.builder()
                     .relays(args[4].split(","))
                     .certificates(Path.of(args[5]))
                     .table(Path.of(args[6]))
                     .manageSection(Boolean.parseBoolean(args[7]))
                     .elCount(2_000)
                     .recordSize(400)
                     .requestTimeout(Duration.ofSeconds(3))
                     .set("hostname", args[8])
                     .set("port", 0)
                     .wallClock(() -> System.currentTimeMillis() + baseSkew + extraSkew.get())
                     .build()) {
            NemesisApp app = new NemesisApp(sessions, history, name, Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            if (args.length > 12) {
                app.start(Long.parseLong(args[11]), Long.parseLong(args[12]));
            }
            OUT.println("ready");
            OUT.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                String[] w = line.trim().split(" ");
                String answer = switch (w[0]) {
                    case "probe" -> app.probe(Integer.parseInt(w[1]));
                    case "start" -> {
                        app.start(Long.parseLong(w[1]), Long.parseLong(w[2]));
                        yield "ok";
                    }
                    case "skew" -> {
                        extraSkew.set(Long.parseLong(w[1]));
                        yield "";
                    }
                    case "stop" -> app.stop();
                    case "final" -> app.finalReads(Files.readAllLines(Path.of(w[1])));
                    case "quit" -> null;
                    default -> "error unknown command " + w[0];
                };
                if (answer == null) {
                    break;
                }
                if (answer.isEmpty()) {
                    continue;
                }
                OUT.println(answer);
                OUT.flush();
            }
            app.stop();
        }
    }

    private void start(long startNanos, long endNanos) {
        running = true;
        long endMillis = TimeUnit.NANOSECONDS.toMillis(endNanos - startNanos);
        actor = new Thread(() -> act(startNanos, endMillis), "nemesis-writer");
        reader = new Thread(() -> read(startNanos, endMillis), "nemesis-reader");
        actor.start();
        reader.start();
    }

    private static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    /**
     * Writes, deletes and racing writes as the schedule has them. A write or delete that fails is
     * tried again after {@link #RETRY_MS} while its window lasts, as an application retries a
     * logout (each attempt is an operation of the history); a racing write is tried once.
     */
    private void act(long startNanos, long endMillis) {
        Map<Workload.Due, Long> pending = new HashMap<>();
        Set<Workload.Due> done = new HashSet<>();
        while (running) {
            long now = millisSince(startNanos);
            for (Workload.Due due : workload.due(index, now, endMillis)) {
                if (!running || done.contains(due) || pending.getOrDefault(due, 0L) > now) {
                    continue;
                }
                boolean ok = switch (due.action()) {
                    case WRITE, RACE -> write(due.key());
                    case DELETE -> call(History.Kind.DELETE, due.key(), null, () -> sessions.delete(due.key()), v -> "ok");
                };
                if (ok || due.action() == Workload.Action.RACE) {
                    done.add(due);
                } else {
                    pending.put(due, millisSince(startNanos) + RETRY_MS);
                }
            }
            done.removeIf(d -> d.atMillis() < now - Workload.LIFE_MS);
            pending.keySet().removeIf(d -> d.atMillis() < now - Workload.LIFE_MS);
            pause(50);
        }
    }

    /** Reads a random live id, about ten times a second. */
    private void read(long startNanos, long endMillis) {
        while (running) {
            List<String> keys = workload.readable(millisSince(startNanos), endMillis);
            if (!keys.isEmpty()) {
                String key = keys.get(ThreadLocalRandom.current().nextInt(keys.size()));
                call(History.Kind.READ, key, null, () -> sessions.lookup(key), NemesisApp::describe);
            }
            pause(100);
        }
    }

    private boolean write(String key) {
        String value = valuePrefix + values.getAndIncrement();
        return call(History.Kind.WRITE, key, value, () -> sessions.set(key, value.getBytes(StandardCharsets.UTF_8)), String::valueOf);
    }

    private static String describe(Optional<SessionInfo> found) {
        return found.map(s -> "found " + new String(s.value(), StandardCharsets.UTF_8) + " " + s.tier()).orElse("absent");
    }

    /**
     * Records the invocation, calls, records the completion whenever it comes; waits for it at
     * most {@link #WAIT}. Returns whether it completed without an error within that time.
     */
    private <T> boolean call(History.Kind kind, String key, String value, Supplier<CompletionStage<T>> operation,
                             java.util.function.Function<T, String> result) {
        String id = history.invoke(kind, key, value);
        CompletableFuture<T> future;
        try {
            future = operation.get().toCompletableFuture();
        } catch (RuntimeException e) {
            history.fail(id, e);
            return false;
        }
        future.whenComplete((v, e) -> {
            if (e == null) {
                history.ok(id, result.apply(v));
            } else {
                history.fail(id, e instanceof CompletionException && e.getCause() != null ? e.getCause() : e);
            }
        });
        try {
            future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    /** Writes and reads back {@code count} probe ids; "ok" when every one worked. */
    private String probe(int count) {
        String run = valuePrefix + "probe" + System.nanoTime() + "-";
        for (int i = 0; i < count; i++) {
            try {
                sessions.set(run + i, "p".getBytes(StandardCharsets.UTF_8)).toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                if (sessions.lookup(run + i).toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS).isEmpty()) {
                    return "fail probe " + i + " written but not found";
                }
            } catch (Exception e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                return "fail probe " + i + ": " + cause.getClass().getSimpleName() + " " + String.valueOf(cause.getMessage()).replace('\n', ' ');
            }
        }
        return "ok";
    }

    private String stop() {
        running = false;
        for (Thread thread : new Thread[] {actor, reader}) {
            if (thread != null) {
                try {
                    thread.join(WAIT.toMillis() + 1_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        return "stopped";
    }

    /**
     * Reads each id, retrying one that fails up to 5 times a second apart during the first
     * {@link #FINAL_RETRIES}; every attempt is recorded. After 20 failures in a row it gives up on
     * the rest (the checker reports each acknowledged id left unread).
     */
    private String finalReads(List<String> keys) {
        long retryUntil = System.nanoTime() + FINAL_RETRIES.toNanos();
        int read = 0;
        int failed = 0;
        int failedInARow = 0;
        for (String key : keys) {
            boolean ok = false;
            for (int attempt = 0; attempt < 5 && !ok && (attempt == 0 || System.nanoTime() < retryUntil); attempt++) {
                if (attempt > 0) {
                    pause(1_000);
                }
                ok = call(History.Kind.READ, key, null, () -> sessions.lookup(key), NemesisApp::describe);
            }
            if (ok) {
                read++;
                failedInARow = 0;
            } else {
                failed++;
                if (++failedInARow == 20) {
                    return "ok read=" + read + " failed=" + failed + " unread=" + (keys.size() - read - failed);
                }
            }
        }
        return "ok read=" + read + " failed=" + failed + " unread=0";
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

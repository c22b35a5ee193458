package org.globalsessions.it;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.globalsessions.client.SessionCacheManager;
import org.globalsessions.client.SessionInfo;
import org.globalsessions.client.StaleSessionException;

/**
 * A front-end process for the multi-process tests: a real {@link SessionCacheManager} in its
 * own JVM, driven line by line on stdin; each command answers one line on stdout.
 *
 * <pre>
 *   args: relays(comma) certsDir|plaintext tableFile manageSection(true|false) elCount recordSize clockOffsetMillis
 *   set KEY VALUE [TTL_SECONDS]       → ok VERSION | error TYPE MESSAGE
 *   get KEY                           → found TIER VALUE | none | error TYPE MESSAGE
 *   local KEY                         → found l1 VALUE | none
 *   del KEY                           → ok | error TYPE MESSAGE
 *   fill PREFIX FROM TO SIZE          → ok acked=N failed=M stale=S (writes PREFIX-i, 32 in flight;
 *                                                                   stale: refused as older than a write or logout)
 *   delall PREFIX FROM TO             → ok deleted=N failed=M
 *   localcheck PREFIX FROM TO         → ok present=N              (this host's table only)
 *   checkfile FILE [absent]           → ok found=N missing=M errors=E [first: [KEY…]]  (the keys listed in FILE;
 *                                       up to 20 of those not as expected, present or absent, named)
 *   check PREFIX FROM TO              → ok found=N missing=M errors=E l1=a l2=b expansion=c aging=d
 *   load PREFIX FILE                  → ok                        (steady writes, reads and deletes until loadstop)
 *   loadmark                          → ok writes=N failed=M p50ms= p99ms= maxms=   (writes since the last mark)
 *   loadstop                          → ok acked=N failed=M deleted=D reads=R readfailed=F p50ms= p99ms= maxms=
 *                                       (FILE: keys acknowledged and not deleted; FILE.deleted: keys deleted)
 *   hammer PREFIX                     → (writes forever, answers nothing; for kill tests)
 *   relays                            → ok RELAY,RELAY…
 *   quit
 * </pre>
 */
public final class ClientDriver {

    private static final PrintStream OUT = System.out;

    public static void main(String[] args) throws Exception {
        long offset = Long.parseLong(args[6]);
        String[] relays = args[0].split(",");
        var builder = SessionCacheManager.builder().relays(relays);
        if (args[1].equals("plaintext")) {
            builder.plaintext();
        } else {
            builder.certificates(Path.of(args[1]));
        }
        try (SessionCacheManager sessions = builder
                .table(Path.of(args[2]))
                .manageSection(Boolean.parseBoolean(args[3]))
                .elCount(Long.parseLong(args[4]))
                .recordSize(Integer.parseInt(args[5]))
                .wallClock(() -> System.currentTimeMillis() + offset)
                .callbackExecutor(Runnable::run)
                .build()) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            // Ready once every relay answers and L1 answers (its lease's probation after start is over).
            while ((sessions.liveRelays().size() < relays.length || !sessions.l1Leased()) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            OUT.println("ready " + String.join(",", sessions.liveRelays()));
            OUT.flush();
            new ClientDriver(sessions).serve(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
        }
    }

    private final SessionCacheManager sessions;
    private Load load;

    private ClientDriver(SessionCacheManager sessions) {
        this.sessions = sessions;
    }

    private void serve(BufferedReader in) throws Exception {
        String line;
        while ((line = in.readLine()) != null) {
            String[] w = line.trim().split(" ");
            String answer;
            try {
                answer = switch (w[0]) {
                    case "set" -> "ok " + join(sessions.set(w[1], bytes(w[2]), w.length > 3 ? Duration.ofSeconds(Long.parseLong(w[3])) : null));
                    case "get" -> describe(join(sessions.lookup(w[1])));
                    case "local" -> sessions.getLocal(w[1]).map(v -> "found l1 " + text(v)).orElse("none");
                    case "del" -> {
                        join(sessions.delete(w[1]));
                        yield "ok";
                    }
                    case "fill" -> fill(w[1], Integer.parseInt(w[2]), Integer.parseInt(w[3]), Integer.parseInt(w[4]));
                    case "check" -> check(w[1], Integer.parseInt(w[2]), Integer.parseInt(w[3]));
                    case "delall" -> deleteAll(w[1], Integer.parseInt(w[2]), Integer.parseInt(w[3]));
                    case "checkfile" -> checkFile(Path.of(w[1]), w.length < 3 || !w[2].equals("absent"));
                    case "localcheck" -> {
                        int present = 0;
                        for (int i = Integer.parseInt(w[2]); i < Integer.parseInt(w[3]); i++) {
                            present += sessions.getLocal(w[1] + "-" + i).isPresent() ? 1 : 0;
                        }
                        yield "ok present=" + present;
                    }
                    case "load" -> {
                        load = new Load(sessions, w[1], Path.of(w[2]));
                        yield "ok";
                    }
                    case "loadmark" -> load.mark();
                    case "loadstop" -> load.stop();
                    case "hammer" -> hammer(w[1]);
                    case "relays" -> "ok " + String.join(",", sessions.liveRelays());
                    case "quit" -> {
                        OUT.println("bye");
                        OUT.flush();
                        yield null;
                    }
                    default -> "error IllegalArgumentException unknown command " + w[0];
                };
            } catch (RuntimeException e) {
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                answer = "error " + cause.getClass().getSimpleName() + " " + String.valueOf(cause.getMessage()).replace('\n', ' ');
            }
            if (answer == null) {
                return;
            }
            OUT.println(answer);
            OUT.flush();
        }
    }

    private String fill(String prefix, int from, int to, int size) throws InterruptedException {
        Semaphore inFlight = new Semaphore(32);
        AtomicLong acked = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong stale = new AtomicLong();
        for (int i = from; i < to; i++) {
            inFlight.acquire();
            sessions.set(prefix + "-" + i, value(prefix + "-" + i, size), null).whenComplete((v, e) -> {
                if (e == null) {
                    acked.incrementAndGet();
                } else {
                    failed.incrementAndGet();
                    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                    if (cause instanceof StaleSessionException) {
                        stale.incrementAndGet();
                    }
                }
                inFlight.release();
            });
        }
        inFlight.acquire(32);
        return "ok acked=" + acked + " failed=" + failed + " stale=" + stale;
    }

    private String deleteAll(String prefix, int from, int to) throws InterruptedException {
        Semaphore inFlight = new Semaphore(32);
        AtomicLong deleted = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        for (int i = from; i < to; i++) {
            inFlight.acquire();
            sessions.delete(prefix + "-" + i).whenComplete((v, e) -> {
                (e == null ? deleted : failed).incrementAndGet();
                inFlight.release();
            });
        }
        inFlight.acquire(32);
        return "ok deleted=" + deleted + " failed=" + failed;
    }

    private String check(String prefix, int from, int to) throws InterruptedException {
        Map<String, Integer> tiers = new TreeMap<>(Map.of("l1", 0, "l2", 0, "expansion", 0, "aging", 0));
        int found = 0;
        int missing = 0;
        int errors = 0;
        List<String> wrong = new ArrayList<>();
        Semaphore inFlight = new Semaphore(32);
        List<CompletableFuture<Optional<SessionInfo>>> all = new ArrayList<>();
        for (int i = from; i < to; i++) {
            inFlight.acquire();
            CompletableFuture<Optional<SessionInfo>> f = sessions.lookup(prefix + "-" + i).toCompletableFuture();
            f.whenComplete((s, e) -> inFlight.release());
            all.add(f);
        }
        for (int i = from; i < to; i++) {
            try {
                Optional<SessionInfo> s = all.get(i - from).join();
                if (s.isEmpty()) {
                    missing++;
                } else if (!text(s.get().value()).startsWith(prefix + "-" + i + ":")) {
                    wrong.add(prefix + "-" + i);
                } else {
                    found++;
                    tiers.merge(s.get().tier(), 1, Integer::sum);
                }
            } catch (CompletionException e) {
                errors++;
            }
        }
        StringBuilder b = new StringBuilder("ok found=" + found + " missing=" + missing + " errors=" + errors + " wrong=" + wrong.size());
        tiers.forEach((tier, n) -> b.append(' ').append(tier).append('=').append(n));
        return b.toString();
    }

    private String checkFile(Path file, boolean present) throws Exception {
        List<String> keys = Files.readAllLines(file);
        Semaphore inFlight = new Semaphore(32);
        AtomicLong found = new AtomicLong();
        AtomicLong missing = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        Set<String> wrong = new java.util.concurrent.ConcurrentSkipListSet<>();
        for (String key : keys) {
            inFlight.acquire();
            sessions.lookup(key).whenComplete((s, e) -> {
                AtomicLong outcome = e != null ? errors : s.isPresent() ? found : missing;
                if (outcome.incrementAndGet() <= 20 && (e != null || s.isPresent() != present)) {
                    wrong.add(e != null ? key + "(" + e.getMessage() + ")" : key);
                }
                inFlight.release();
            });
        }
        inFlight.acquire(32);
        return "ok found=" + found + " missing=" + missing + " errors=" + errors + (wrong.isEmpty() ? "" : " first: " + wrong);
    }

    /**
     * Works the host's table forever, answering nothing: this process exists to be killed while
     * it holds a table lock. Mostly local reads (each takes a segment lock), with a write
     * whenever fewer than 64 are in flight.
     */
    private String hammer(String prefix) {
        Semaphore inFlight = new Semaphore(64);
        for (long i = 0; ; i++) {
            String key = prefix + "-" + (i % 200);
            sessions.getLocal(key);
            if (inFlight.tryAcquire()) {
                try {
                    sessions.set(key, value(key, 64), null).whenComplete((v, e) -> inFlight.release());
                } catch (RuntimeException e) {
                    inFlight.release();
                }
            }
        }
    }

    /**
     * Steady load in the background until {@code loadstop}: a write every 2 ms (at most 16 in
     * flight), a read of an older key every fourth write, and a delete of every tenth
     * acknowledged key. At the end the keys whose write was acknowledged (and not deleted since)
     * go to FILE, the keys whose delete was acknowledged to FILE.deleted, and the answer gives
     * the write latencies as the writer saw them.
     */
    private static final class Load {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong failed = new AtomicLong();
        private final AtomicLong failedSinceMark = new AtomicLong();
        private final AtomicLong reads = new AtomicLong();
        private final AtomicLong readFailed = new AtomicLong();
        private final Set<String> acked = ConcurrentHashMap.newKeySet();
        private final Set<String> deleted = ConcurrentHashMap.newKeySet();
        private final Set<String> uncertain = ConcurrentHashMap.newKeySet();
        private final AtomicLong deletesInFlight = new AtomicLong();
        private final ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        private final ConcurrentLinkedQueue<Long> sinceMark = new ConcurrentLinkedQueue<>();
        private final Thread thread;
        private final Path file;

        Load(SessionCacheManager sessions, String prefix, Path file) {
            this.file = file;
            this.thread = new Thread(() -> {
                Semaphore inFlight = new Semaphore(16);
                AtomicLong acks = new AtomicLong();
                for (int i = 0; running.get(); i++) {
                    try {
                        inFlight.acquire();
                    } catch (InterruptedException e) {
                        return;
                    }
                    String key = prefix + "-" + i;
                    long start = System.nanoTime();
                    sessions.set(key, value(key, 100), null).whenComplete((v, e) -> {
                        if (e == null) {
                            long took = System.nanoTime() - start;
                            latencies.add(took);
                            sinceMark.add(took);
                            if (acks.incrementAndGet() % 10 == 0) {
                                uncertain.add(key);
                                deletesInFlight.incrementAndGet();
                                sessions.delete(key).whenComplete((d, de) -> {
                                    deletesInFlight.decrementAndGet();
                                    uncertain.remove(key);
                                    if (de == null) {
                                        deleted.add(key);
                                    } else {
                                        uncertain.add(key);
                                    }
                                });
                            } else {
                                acked.add(key);
                            }
                        } else {
                            failed.incrementAndGet();
                            failedSinceMark.incrementAndGet();
                        }
                        inFlight.release();
                    });
                    if (i % 4 == 0 && i > 0) {
                        sessions.lookup(prefix + "-" + (i / 2)).whenComplete((s, e) -> {
                            reads.incrementAndGet();
                            if (e != null) {
                                readFailed.incrementAndGet();
                            }
                        });
                    }
                    try {
                        Thread.sleep(2);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                try {
                    inFlight.acquire(16);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "load");
            thread.start();
        }

        /** The write latencies and failures since the previous mark (one phase of a test). */
        String mark() {
            List<Long> window = new ArrayList<>();
            for (Long took; (took = sinceMark.poll()) != null; ) {
                window.add(took);
            }
            return "ok writes=" + window.size() + " failed=" + failedSinceMark.getAndSet(0) + latencySummary(window);
        }

        String stop() throws Exception {
            running.set(false);
            thread.join(TimeUnit.SECONDS.toMillis(60));
            // The last deletes finish or fail within the client's timeouts; then the sets are final.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (deletesInFlight.get() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            List<String> ackedNow = new ArrayList<>(acked);
            ackedNow.removeAll(uncertain);
            Files.write(file, ackedNow);
            Files.write(Path.of(file + ".deleted"), new ArrayList<>(deleted));
            return "ok acked=" + (ackedNow.size() + deleted.size()) + " failed=" + failed + " deleted=" + deleted.size()
                    + " reads=" + reads + " readfailed=" + readFailed + latencySummary(latencies);
        }

        private static String latencySummary(Collection<Long> latencies) {
            long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
            return " p50ms=" + percentile(sorted, 0.50) + " p99ms=" + percentile(sorted, 0.99) + " maxms=" + percentile(sorted, 1.0);
        }

        private static long percentile(long[] sorted, double q) {
            if (sorted.length == 0) {
                return 0;
            }
            return TimeUnit.NANOSECONDS.toMillis(sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]);
        }
    }

    static byte[] value(String key, int size) {
        StringBuilder b = new StringBuilder(key).append(':');
        while (b.length() < size) {
            b.append('x');
        }
        return bytes(b.toString());
    }

    private static String describe(Optional<SessionInfo> session) {
        return session.map(s -> "found " + s.tier() + " " + text(s.value())).orElse("none");
    }

    private static <T> T join(java.util.concurrent.CompletionStage<T> stage) {
        return stage.toCompletableFuture().join();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}

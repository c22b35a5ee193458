package org.globalsessions.bench.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.globalsessions.bench.BenchBase;
import org.globalsessions.client.SessionCacheManager;
import org.globalsessions.client.SessionInfo;

/**
 * A front-end process of global-sessions: one {@link SessionCacheManager} (mutual TLS, one
 * relay), shared by every client thread as an application shares it.
 *
 * <p>Reads are {@code lookup(key)}: its answer names the tier that served it, so every cell
 * proves the path it claims. An L1 hit completes in the caller's thread, already done, with no
 * hand-off; any other answer arrives on the manager's callback executor, as an application
 * sees it.
 * Writes are {@code set(key, value)} awaited until the owner acknowledged them.
 */
public final class GlobalSessionsTarget implements Target {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

    private final SessionCacheManager manager;

    /** Returns once L1 answers (the lease's probation after start is over), so no phase measures it. */
    private GlobalSessionsTarget(SessionCacheManager manager) {
        this.manager = awaitL1Lease(manager);
    }

    /**
     * {@code manager}, once its L1 answers under a relay's lease (about max-staleness after it
     * starts); fails if that takes over a minute.
     */
    public static SessionCacheManager awaitL1Lease(SessionCacheManager manager) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (!manager.l1Leased()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("L1 held no lease from a relay within 60 s: is a relay reachable?");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
        }
        return manager;
    }

    /**
     * A client with a table of its own of {@code elCount} entries ({@code 1} keeps the L1 out of
     * the remote paths: a key stays in it only until the next answer replaces it).
     */
    public static GlobalSessionsTarget ownTable(String relay, Path certs, Path table, long elCount) {
        return new GlobalSessionsTarget(builder(relay, certs, table).manageSection(true).elCount(elCount).build());
    }

    /** A client attached to a table another process created. */
    static GlobalSessionsTarget attached(String relay, Path certs, Path table) {
        return new GlobalSessionsTarget(builder(relay, certs, table).manageSection(false).build());
    }

    private static org.globalsessions.client.SessionCacheManagerBuilder builder(String relay, Path certs, Path table) {
        return SessionCacheManager.builder().relays(relay).certificates(certs).table(table)
                .recordSize(BenchBase.RECORD_SIZE).requestTimeout(REQUEST_TIMEOUT).defaultTtl(Duration.ofHours(1));
    }

    /**
     * Writes every key through the cluster ({@code set}, at most {@code inFlight} outstanding)
     * and waits for the owners' acknowledgements; fails if any write failed.
     */
    void load(String[] keys, byte[][] values, int inFlight) throws InterruptedException {
        Semaphore permits = new Semaphore(inFlight);
        AtomicLong failed = new AtomicLong();
        StringBuilder firstFailure = new StringBuilder();
        for (int i = 0; i < keys.length; i++) {
            permits.acquire();
            manager.set(keys[i], values[i % values.length]).whenComplete((version, failure) -> {
                if (failure != null && failed.getAndIncrement() == 0) {
                    synchronized (firstFailure) {
                        firstFailure.append(failure);
                    }
                }
                permits.release();
            });
        }
        if (!permits.tryAcquire(inFlight, 2 * REQUEST_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            throw new IllegalStateException("loading " + keys.length + " sessions: writes still outstanding after "
                    + 2 * REQUEST_TIMEOUT.toSeconds() + " s");
        }
        if (failed.get() > 0) {
            synchronized (firstFailure) {
                throw new IllegalStateException("loading " + keys.length + " sessions: " + failed.get() + " writes failed, first: "
                        + firstFailure);
            }
        }
    }

    /**
     * Reads every key from this host's table once, in this process: a process that has just
     * attached to a table has touched none of its pages, and each first touch is a page fault
     * (microseconds). The cells measure a process in its steady state, as the in-process peers
     * are (their prefill touched every page).
     */
    void touchTable(String[] keys) {
        for (String key : keys) {
            manager.getLocal(key);
        }
    }

    /** Issues {@code lookup}s of {@code keys} (absent ones: misses that reach every relief tier) and waits for them. */
    void probe(String[] keys) {
        CompletableFuture<?>[] all = new CompletableFuture<?>[keys.length];
        for (int i = 0; i < keys.length; i++) {
            all[i] = manager.lookup(keys[i]).toCompletableFuture();
        }
        try {
            CompletableFuture.allOf(all).get(2 * REQUEST_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            // placement not settled yet: the caller polls again
        }
    }

    @Override
    public Connection connect() {
        return new Connection() {
            @Override
            public String get(String key) {
                return manager.lookup(key).toCompletableFuture().join().map(SessionInfo::tier).orElse(MISS);
            }

            @Override
            public void set(String key, byte[] value) {
                manager.set(key, value).toCompletableFuture().join();
            }
        };
    }

    @Override
    public void close() {
        manager.close();
    }
}

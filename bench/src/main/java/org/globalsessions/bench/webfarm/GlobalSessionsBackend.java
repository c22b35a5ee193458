package org.globalsessions.bench.webfarm;

import java.nio.file.Path;
import java.time.Duration;

import org.globalsessions.bench.BenchBase;
import org.globalsessions.bench.e2e.GlobalSessionsTarget;
import org.globalsessions.client.SessionCacheManager;
import org.globalsessions.client.SessionCacheManagerBuilder;
import org.globalsessions.client.SessionInfo;
import org.globalsessions.runtime.protocol.Tier;

/**
 * global-sessions as an application embeds it: one {@link SessionCacheManager} per process,
 * shared by every thread, with the host's table at {@code table}; the host's first process
 * creates it ({@code manageSection(true)}, {@code entries} records), the others attach. A
 * validation is what README shows an application: {@code getInto} into the connection's buffer
 * (an L1 hit, no allocation), else {@code lookup}, whose answer names the tier that had it (so
 * L1's share is counted, not guessed); a login is an acknowledged {@code set}, a logout a
 * {@code delete} that completes once no tier returns the session.
 */
final class GlobalSessionsBackend implements Backend {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

    private final SessionCacheManager manager;

    /** Returns once the host's table answers under a relay's lease, so nothing measured waits for it. */
    GlobalSessionsBackend(String relay, Path certs, Path table, boolean creates, long entries, String storeArrivals) {
        SessionCacheManagerBuilder builder = SessionCacheManager.builder().relays(relay).certificates(certs).table(table)
                .manageSection(creates).recordSize(BenchBase.RECORD_SIZE).requestTimeout(REQUEST_TIMEOUT)
                .defaultTtl(AppServer.SESSION_TTL);
        if (!storeArrivals.equals("default")) {
            builder.set("edge.store-arrivals", Boolean.parseBoolean(storeArrivals));
        }
        if (creates) {
            builder.elCount(entries);
        }
        this.manager = GlobalSessionsTarget.awaitL1Lease(builder.build());
    }

    /** A connection thread's handle on the process's one manager: its own buffer for {@code getInto}. */
    @Override
    public Client connect() {
        byte[] buffer = new byte[manager.maxSessionBytes()];
        return new Client() {
            @Override
            public void login(String id, byte[] value, Duration ttl) {
                manager.set(id, value, ttl).toCompletableFuture().join();
            }

            @Override
            public String validate(String id) {
                if (manager.getInto(id, buffer) != SessionCacheManager.NOT_LOCAL) {
                    return Tier.L1.id();
                }
                return manager.lookup(id).toCompletableFuture().join().map(SessionInfo::tier).orElse(null);
            }

            @Override
            public void logout(String id) {
                manager.delete(id).toCompletableFuture().join();
            }
        };
    }

    @Override
    public void close() {
        manager.close();
    }
}

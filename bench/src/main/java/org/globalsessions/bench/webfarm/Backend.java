package org.globalsessions.bench.webfarm;

import java.time.Duration;

/**
 * A session store as an app process uses it. {@link #connect} gives each connection thread of
 * the app its handle: a connection of its own for Jedis (no pipelining between threads), the
 * process's one shared client for global-sessions and Lettuce, as an application shares them.
 */
interface Backend extends AutoCloseable {

    Client connect();

    @Override
    void close();

    /** One thread's handle; each call waits for the store's answer. */
    interface Client extends AutoCloseable {

        /** Stores session {@code id} with {@code value} for {@code ttl}; returns once the store acknowledged it. */
        void login(String id, byte[] value, Duration ttl);

        /**
         * Reads session {@code id}: where it was found ({@code l1}, {@code l2}, {@code expansion},
         * {@code aging} for global-sessions; {@code near} or {@code redis} for the near cache;
         * {@code redis} for Jedis), or null if no session answered.
         */
        String validate(String id);

        /** Deletes session {@code id}; returns once the store acknowledged it. */
        void logout(String id);

        @Override
        default void close() {
        }
    }
}

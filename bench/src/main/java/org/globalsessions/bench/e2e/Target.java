package org.globalsessions.bench.e2e;

/**
 * A system under test as the closed loop drives it. Each client thread gets its own
 * {@link Connection} (for Redis its own socket, so there is no pipelining between clients);
 * in-process stores and the global-sessions client hand every thread the same shared object,
 * as an application would.
 */
interface Target extends AutoCloseable {

    /** The answer of a read that found nothing. */
    String MISS = "miss";

    Connection connect();

    @Override
    void close();

    /** The connections of {@code target}, with {@code onClose} run on close instead of closing {@code target}. */
    static Target sharing(Target target, Runnable onClose) {
        return new Target() {
            @Override
            public Connection connect() {
                return target.connect();
            }

            @Override
            public void close() {
                onClose.run();
            }
        };
    }

    /** One client thread's handle. Not thread-safe unless the target says so. */
    interface Connection extends AutoCloseable {

        /**
         * Reads {@code key} and waits for the answer; returns where it came from ({@code l1},
         * {@code l2}, {@code expansion}, {@code aging} for global-sessions, {@code hit} for the
         * others) or {@link #MISS}.
         */
        String get(String key);

        /** Writes {@code key} and waits until the system acknowledges it. */
        void set(String key, byte[] value);

        @Override
        default void close() {
        }
    }
}

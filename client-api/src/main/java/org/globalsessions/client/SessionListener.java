package org.globalsessions.client;

/**
 * Told about sessions that changed or ended, wherever that happened: in this process, on another
 * host, or in a relief tier. Runs on the manager's callback executor; an exception it throws is
 * logged and never affects the cache. Each logout and each expiry is told once per process (it
 * reaches an edge from every relay; the repeats are dropped), at most once: events are
 * notifications, and one sent while this process was cut off from every relay is not repeated.
 */
public interface SessionListener {

    /**
     * The session was logged out (deleted), here or elsewhere; this host no longer returns it. A
     * process whose listener overrides this asks the relays for every logout (one message per
     * logout to this process); otherwise two processes per host receive them, to tombstone the
     * host's L1 for all of them.
     */
    default void onInvalidated(String key) {
    }

    /**
     * The session ended without a logout: its time ran out (its TTL, or the aging tier's), or the
     * aging tier's LRU pushed it out, and no tier holds it any more. {@code lastValue} is the
     * value the relief tier held last. Told within about {@code 10 s} of the end (the relief
     * tiers sweep every 10 s), after a check that no lineage of its shard still holds it.
     */
    default void onExpired(String key, byte[] lastValue) {
    }

    /**
     * A new version of the session was written in another process. A process whose listener
     * overrides this asks the relays for every write (one message per write to this process);
     * otherwise one process per host receives them, to store them in the host's L1.
     */
    default void onArrival(String key, byte[] value) {
    }
}

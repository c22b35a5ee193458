package org.globalsessions.client;

/**
 * Whether a {@link SessionCacheManager} can serve, as {@link SessionCacheManager#health()} reports
 * it (and the gauge {@code global_sessions_client_health}: 2, 1, 0).
 */
public enum Health {
    /** This host's table answers lookups (the edge holds its lease) and a relay answers heartbeats. */
    SERVING,
    /**
     * A relay answers, but this host's table does not (just started, or the relays do not vouch
     * for it now): every lookup asks a relay, which is correct but slower.
     */
    DEGRADED,
    /** No relay answers heartbeats, or the edge stopped: lookups, writes and deletes fail with {@code Unavailable}. */
    UNAVAILABLE;

    /** The gauge's value: 2 serving, 1 degraded, 0 unavailable. */
    public int level() {
        return 2 - ordinal();
    }
}

package org.globalsessions.runtime.protocol;

import java.nio.charset.StandardCharsets;

/**
 * Principal names as the per-principal index takes them ({@code docs/relief-replication.md},
 * "The principal index"), checked the same way by the client before a request leaves and by the
 * expansion replica that applies it (a name off the wire is input like any other).
 *
 * <p>An index record is placed like a session: on the shard of its {@linkplain #indexKey index
 * key}, which starts with a NUL character. A session id never contains a control character (the
 * edge refuses one), so an index key never names a session and the two never share a slot.
 *
 * <p>Thread-safe; no state.
 */
public final class Principals {

    /** The longest principal name, in UTF-8 bytes. */
    public static final int MAX_NAME_BYTES = 256;
    /** The most sessions one principal's index record holds; an add beyond it is refused. */
    public static final int MAX_SESSIONS = 1_000;

    private static final String INDEX_PREFIX = "\u0000principal:";

    private Principals() {
    }

    /**
     * The reason {@code principal} cannot be indexed, or null if it can: empty, longer than
     * {@link #MAX_NAME_BYTES}, or holding a control character.
     */
    public static String problem(String principal) {
        if (principal == null) {
            return "principal name is null";
        }
        if (principal.isEmpty()) {
            return "principal name is empty";
        }
        int bytes = principal.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_NAME_BYTES) {
            return "principal name length=" + bytes + " bytes exceeds the maximum of " + MAX_NAME_BYTES;
        }
        for (int i = 0; i < principal.length(); i++) {
            if (Character.isISOControl(principal.charAt(i))) {
                return "principal name contains a control character (U+" + String.format("%04X", (int) principal.charAt(i))
                        + ") at index " + i;
            }
        }
        return null;
    }

    /**
     * {@code principal}, checked.
     *
     * @throws IllegalArgumentException naming what is wrong with it
     */
    public static String check(String principal) {
        String problem = problem(principal);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        return principal;
    }

    /** The key that places {@code principal}'s index record (on relays and shards), never a session's. */
    public static String indexKey(String principal) {
        return INDEX_PREFIX + principal;
    }

    /** Whether {@code key} is an {@linkplain #indexKey index key}. */
    public static boolean isIndexKey(String key) {
        return key.startsWith(INDEX_PREFIX);
    }

    /** The principal whose {@linkplain #indexKey index key} {@code key} is. */
    public static String principalOf(String indexKey) {
        return indexKey.substring(INDEX_PREFIX.length());
    }
}

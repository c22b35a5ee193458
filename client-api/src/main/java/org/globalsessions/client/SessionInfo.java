package org.globalsessions.client;

import java.time.Instant;

/**
 * A session as {@link SessionCacheManager#lookup} found it.
 *
 * @param version   the write's version (0 when read from this host's table, which keeps only the value here)
 * @param expiresAt when it expires, or null for never
 * @param tier      where it came from: l1, l2, expansion or aging
 */
public record SessionInfo(byte[] value, long version, Instant expiresAt, String tier) {
}

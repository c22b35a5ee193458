package org.globalsessions.shm;

/**
 * An entry as stored: its value (null for a tombstone), version and expiry.
 *
 * @param value           the value bytes, or {@code null} when {@code tombstone} is true
 * @param version         the entry's version
 * @param expiresAtMillis epoch milliseconds at which it expires, 0 for never
 * @param ttlMillis       how far {@link ShmLru#touch} slides its expiry, 0 for no TTL
 * @param tombstone       true when the entry records a removal (see {@link ShmLru#tombstone})
 */
public record Entry(byte[] value, long version, long expiresAtMillis, long ttlMillis, boolean tombstone) {
}

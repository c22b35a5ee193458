package org.globalsessions.client.lifecycle;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A web session as the lifecycle layer stores it: when it was created and last used, how long it
 * lives unused ({@code maxInactiveInterval}, sliding) and at most ({@code maxLifetime}, from
 * creation, never sliding), and its attributes as bytes (each serialized by the caller). Stored
 * with {@link SessionRecordCodec}.
 *
 * <p>Immutable, but the attribute values are the caller's arrays, not copies: do not change one
 * after handing it over.
 *
 * @param createdAt           when the session was created
 * @param lastAccessedAt      when it was last used (as stored: see {@link SessionLifecycle} for how often it is written)
 * @param maxInactiveInterval how long it lives unused; positive
 * @param maxLifetime         how long it lives at most from {@code createdAt}, however often it is used; positive
 * @param attributes          attribute name to serialized value; names are not empty
 */
public record SessionRecord(Instant createdAt, Instant lastAccessedAt, Duration maxInactiveInterval, Duration maxLifetime,
                            Map<String, byte[]> attributes) {

    public SessionRecord {
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(lastAccessedAt, "lastAccessedAt");
        positive("maxInactiveInterval", maxInactiveInterval);
        positive("maxLifetime", maxLifetime);
        if (createdAt.toEpochMilli() < 0 || lastAccessedAt.isBefore(createdAt)) {
            throw new IllegalArgumentException("createdAt=" + createdAt + ", lastAccessedAt=" + lastAccessedAt
                    + ": a session is created after 1970 and used after it was created");
        }
        Map<String, byte[]> copy = new LinkedHashMap<>();
        attributes.forEach((name, value) -> {
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("attribute name is empty");
            }
            copy.put(name, Objects.requireNonNull(value, () -> "attribute " + name + " has no value"));
        });
        attributes = Collections.unmodifiableMap(copy);
    }

    /** A new session created {@code now}, without attributes. */
    public static SessionRecord create(Instant now, Duration maxInactiveInterval, Duration maxLifetime) {
        return new SessionRecord(now, now, maxInactiveInterval, maxLifetime, Map.of());
    }

    /**
     * When it expires unless used again: {@code maxInactiveInterval} after its last use, or at the
     * end of its lifetime if that comes first.
     */
    public Instant expiresAt() {
        Instant idle = lastAccessedAt.plus(maxInactiveInterval);
        Instant end = createdAt.plus(maxLifetime);
        return idle.isBefore(end) ? idle : end;
    }

    public boolean isExpired(Instant now) {
        return !now.isBefore(expiresAt());
    }

    /** This session used at {@code now} (never moved back in time). */
    public SessionRecord accessedAt(Instant now) {
        return now.isAfter(lastAccessedAt) ? new SessionRecord(createdAt, now, maxInactiveInterval, maxLifetime, attributes) : this;
    }

    public SessionRecord withMaxInactiveInterval(Duration interval) {
        return new SessionRecord(createdAt, lastAccessedAt, interval, maxLifetime, attributes);
    }

    /** This session with {@code attributes} in place of its own. */
    public SessionRecord withAttributes(Map<String, byte[]> attributes) {
        return new SessionRecord(createdAt, lastAccessedAt, maxInactiveInterval, maxLifetime, attributes);
    }

    private static void positive(String name, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + "=" + value + ": must be positive");
        }
    }

    /** Equal when every field is, attribute values compared by content. */
    @Override
    public boolean equals(Object o) {
        if (!(o instanceof SessionRecord other)) {
            return false;
        }
        if (!createdAt.equals(other.createdAt) || !lastAccessedAt.equals(other.lastAccessedAt)
                || !maxInactiveInterval.equals(other.maxInactiveInterval) || !maxLifetime.equals(other.maxLifetime)
                || !attributes.keySet().equals(other.attributes.keySet())) {
            return false;
        }
        return attributes.entrySet().stream().allMatch(e -> java.util.Arrays.equals(e.getValue(), other.attributes.get(e.getKey())));
    }

    @Override
    public int hashCode() {
        int h = Objects.hash(createdAt, lastAccessedAt, maxInactiveInterval, maxLifetime);
        for (Map.Entry<String, byte[]> e : attributes.entrySet()) {
            h += e.getKey().hashCode() ^ java.util.Arrays.hashCode(e.getValue());
        }
        return h;
    }

    @Override
    public String toString() {
        // Attribute values may hold secrets (a security context): names only.
        return "SessionRecord[createdAt=" + createdAt + ", lastAccessedAt=" + lastAccessedAt + ", maxInactiveInterval="
                + maxInactiveInterval + ", maxLifetime=" + maxLifetime + ", attributes=" + attributes.keySet() + "]";
    }
}

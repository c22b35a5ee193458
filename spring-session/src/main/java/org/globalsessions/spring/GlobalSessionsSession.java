package org.globalsessions.spring;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import org.springframework.session.Session;
import org.springframework.session.SessionIdGenerator;

import org.globalsessions.client.lifecycle.SessionRecord;

/**
 * A Spring Session {@link Session} over a {@link SessionRecord}: what was loaded (or created),
 * plus what the request changed. Attribute values are deserialized when first read and
 * serialized when saved, and only the attributes set or removed since the load are written
 * (merged into the newest stored record, see {@link GlobalSessionsSessionRepository#save}).
 *
 * <p>Not thread-safe, like the sessions of Spring Session's other stores: one request uses it.
 */
public final class GlobalSessionsSession implements Session {

    private final SessionIdGenerator ids;
    private final SessionAttributeSerializer serializer;
    private final Clock clock;
    private String id;
    /** The id it is stored under, null while it was never stored. */
    String storedId;
    /** The record as loaded or last saved: attribute bytes of what the request did not change. */
    SessionRecord base;
    private Instant lastAccessedTime;
    private Duration maxInactiveInterval;
    /** Values read or set in this request; a changed name without a value was removed. */
    private final Map<String, Object> values = new HashMap<>();
    private final Set<String> changed = new LinkedHashSet<>();
    private boolean intervalChanged;

    GlobalSessionsSession(String id, String storedId, SessionRecord record, SessionIdGenerator ids,
                          SessionAttributeSerializer serializer, Clock clock) {
        this.id = id;
        this.storedId = storedId;
        this.base = record;
        this.ids = ids;
        this.serializer = serializer;
        this.clock = clock;
        this.lastAccessedTime = record.lastAccessedAt();
        this.maxInactiveInterval = record.maxInactiveInterval();
    }

    @Override
    public String getId() {
        return id;
    }

    @Override
    public String changeSessionId() {
        id = ids.generate();
        return id;
    }

    boolean isNew() {
        return storedId == null;
    }

    /** Whether this request set or removed any of {@code names}. */
    boolean changedAnyOf(String... names) {
        for (String name : names) {
            if (changed.contains(name)) {
                return true;
            }
        }
        return false;
    }

    /** Whether saving it writes: new, rotated, attributes or interval changed. */
    boolean changed() {
        return isNew() || !id.equals(storedId) || !changed.isEmpty() || intervalChanged;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getAttribute(String name) {
        if (values.containsKey(name) || changed.contains(name)) {
            return (T) values.get(name);
        }
        byte[] bytes = base.attributes().get(name);
        if (bytes == null) {
            return null;
        }
        Object value = serializer.deserialize(name, bytes);
        values.put(name, value);
        return (T) value;
    }

    @Override
    public Set<String> getAttributeNames() {
        Set<String> names = new LinkedHashSet<>(base.attributes().keySet());
        for (String name : changed) {
            if (values.get(name) == null) {
                names.remove(name);
            } else {
                names.add(name);
            }
        }
        return names;
    }

    @Override
    public void setAttribute(String name, Object value) {
        if (value == null) {
            removeAttribute(name);
            return;
        }
        values.put(name, value);
        changed.add(name);
    }

    @Override
    public void removeAttribute(String name) {
        values.remove(name);
        changed.add(name);
    }

    @Override
    public Instant getCreationTime() {
        return base.createdAt();
    }

    @Override
    public void setLastAccessedTime(Instant lastAccessedTime) {
        this.lastAccessedTime = lastAccessedTime;
    }

    @Override
    public Instant getLastAccessedTime() {
        return lastAccessedTime;
    }

    /**
     * @throws IllegalArgumentException if {@code interval} is not positive: a session that never
     *                                  expires is not kept (every session has a TTL, at most
     *                                  {@code relief.max-session-ttl})
     */
    @Override
    public void setMaxInactiveInterval(Duration interval) {
        if (interval == null || interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("maxInactiveInterval=" + interval
                    + ": a session that never expires is not supported; give it a positive interval");
        }
        this.maxInactiveInterval = interval;
        this.intervalChanged = true;
    }

    @Override
    public Duration getMaxInactiveInterval() {
        return maxInactiveInterval;
    }

    /** The absolute lifetime from creation ({@code global-sessions.session.max-lifetime} when it was created). */
    public Duration getMaxLifetime() {
        return base.maxLifetime();
    }

    @Override
    public boolean isExpired() {
        return current(Map.of()).isExpired(clock.instant());
    }

    /**
     * The record to store: {@code stored}'s attributes (the newest stored ones) with this request's
     * changes applied, this session's times and interval.
     *
     * @throws IllegalArgumentException naming the attribute, if a changed one cannot be serialized
     */
    SessionRecord merged(Map<String, byte[]> stored) {
        Map<String, byte[]> attributes = new LinkedHashMap<>(stored);
        for (String name : changed) {
            Object value = values.get(name);
            if (value == null) {
                attributes.remove(name);
            } else {
                attributes.put(name, serializer.serialize(name, value));
            }
        }
        return current(attributes);
    }

    private SessionRecord current(Map<String, byte[]> attributes) {
        Instant last = lastAccessedTime.isBefore(base.createdAt()) ? base.createdAt() : lastAccessedTime;
        return new SessionRecord(base.createdAt(), last, maxInactiveInterval, base.maxLifetime(), attributes);
    }

    /** After a write of {@code record} under the current id: that is what is stored now. */
    void saved(SessionRecord record) {
        storedId = id;
        base = record;
        changed.clear();
        intervalChanged = false;
    }
}

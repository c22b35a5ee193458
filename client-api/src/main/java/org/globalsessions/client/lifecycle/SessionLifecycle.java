package org.globalsessions.client.lifecycle;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.globalsessions.client.SessionCacheManager;
import org.globalsessions.client.SessionStore;
import org.globalsessions.client.SessionListener;
import org.globalsessions.client.StaleSessionException;

/**
 * Web sessions with a lifecycle on a {@link SessionCacheManager} or one of its namespaces
 * ({@link SessionStore}): each session a
 * {@link SessionRecord} (creation, last use, idle and absolute limits, attributes), stored in
 * its {@link SessionRecordCodec} form with a TTL that ends when the record expires.
 *
 * <h2>Sliding expiry without a write per read</h2>
 * A session expires {@code maxInactiveInterval} after its last use. Writing the time of every use
 * would make each read a remote write (a round trip to the expansion replicas). Instead the
 * stored {@code lastAccessedAt} moves only when it is at least {@code slideFraction ×
 * maxInactiveInterval} old: {@link #find} then writes the used record once (the slide), and the
 * reads in between cost nothing remote (an L1 hit stays a hit). With the default fraction of
 * 1/4 a session used once a minute with a 30-minute interval is written about every 7.5 minutes
 * instead of every minute. The price: a session may expire up to that fraction of the interval
 * earlier than an exact sliding expiry would (it lives at least 3/4 of the interval, and at
 * most the whole interval, after its last use).
 *
 * <h2>Writes</h2>
 * A record is written whole; the newest version wins (a write refused as stale because another
 * process wrote later fails its stage with {@link StaleSessionException}). A slide is the
 * record read, with a new {@code lastAccessedAt}, written only over the version read (a
 * conditional write, {@link SessionStore#setIf}): it never undoes a change another process saved
 * after the read, nor brings back a session written or logged out meanwhile. Issued before
 * {@code find}'s stage completes, so a write the caller makes after reading has a later version
 * than the slide. A slide refused is ignored: the other write is newer.
 *
 * <h2>Expiry</h2>
 * The stored TTL is the time left until {@link SessionRecord#expiresAt()}, so every tier drops
 * the session when the record expires; {@code find} also refuses a record whose time is up, in
 * case a tier still holds it a moment longer.
 *
 * <h2>Events</h2>
 * {@link #addListener} tells of every session that ends, wherever it ended: logged out (by any
 * process on any host) or expired (in whichever tier held it last, told with the record it held
 * then). Each is told once per process, within about 10 s of an expiry
 * ({@link SessionListener#onExpired}).
 *
 * <p>Thread-safe; holds no state besides its settings.
 */
public final class SessionLifecycle {

    private static final Logger log = LoggerFactory.getLogger(SessionLifecycle.class);

    /** The default slide fraction: the stored last use moves at most once per quarter of the interval. */
    public static final double DEFAULT_SLIDE_FRACTION = 0.25;

    private final SessionStore cache;
    private final Clock clock;
    private final double slideFraction;

    /**
     * @param slideFraction the part of {@code maxInactiveInterval} after which a read writes the new
     *                      last use; above 0, at most 1 (0.25: once per quarter of the interval)
     * @param clock         the time of uses and expiries
     */
    public SessionLifecycle(SessionStore cache, double slideFraction, Clock clock) {
        this.cache = Objects.requireNonNull(cache, "cache");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (!(slideFraction > 0 && slideFraction <= 1)) {
            throw new IllegalArgumentException("slideFraction=" + slideFraction + ": must be above 0 and at most 1");
        }
        this.slideFraction = slideFraction;
    }

    /** With the default slide fraction (1/4) and the system clock. */
    public SessionLifecycle(SessionStore cache) {
        this(cache, DEFAULT_SLIDE_FRACTION, Clock.systemUTC());
    }

    /** Told of sessions that ended, wherever they ended; runs on the cache's callback executor. */
    public interface Listener {

        /** The session {@code id} was logged out, by this process or another, here or on another host. */
        default void onLoggedOut(String id) {
        }

        /**
         * The session {@code id} expired (its idle or absolute time ran out, or the aging tier pushed
         * it out) and no tier holds it; {@code lastRecord} is the record held last, or null if the
         * stored bytes were not a session record.
         */
        default void onExpired(String id, SessionRecord lastRecord) {
        }
    }

    /** Tells {@code listener} of every session that ends from now on (see "Events" above). */
    public void addListener(Listener listener) {
        Objects.requireNonNull(listener, "listener");
        cache.addListener(new SessionListener() {
            @Override
            public void onInvalidated(String key) {
                listener.onLoggedOut(key);
            }

            @Override
            public void onExpired(String key, byte[] lastValue) {
                SessionRecord last = null;
                try {
                    StoredSession stored = lastValue == null ? null : StoredSession.decode(lastValue);
                    if (stored instanceof StoredSession.Moved) {
                        return; // a rotation's old id: the session lives on under its new id
                    }
                    last = stored instanceof StoredSession.Plain plain ? plain.record()
                            : stored instanceof StoredSession.Pending pending ? pending.record() : null;
                } catch (IllegalArgumentException e) {
                    log.debug("an expired session's last value is not a session record: {}", e.getMessage());
                }
                listener.onExpired(key, last);
            }
        });
    }

    /** A new session, created now, with no attributes (not stored until {@link #save}). */
    public SessionRecord create(Duration maxInactiveInterval, Duration maxLifetime) {
        return SessionRecord.create(now(), maxInactiveInterval, maxLifetime);
    }

    /**
     * Stores {@code record} as session {@code id} until it expires; completes with the write's
     * version once the expansion replicas have it.
     *
     * @throws IllegalArgumentException if the record has expired, or is larger than the table's
     *                                  records, or its expiry lies beyond {@code relief.max-session-ttl}
     *                                  (nothing is stored)
     */
    public CompletionStage<Long> save(String id, SessionRecord record) {
        return cache.set(id, SessionRecordCodec.encode(record), ttlOf(record));
    }

    /**
     * Stores {@code record} as session {@code id} only over version {@code ifVersion} (one
     * {@link #read} returned): fails with {@link StaleSessionException} if the session was written
     * since (read again, merge, retry) or logged out ({@code loggedOut()}); then nothing is stored.
     *
     * @throws IllegalArgumentException as {@link #save}
     */
    public CompletionStage<Long> saveIf(String id, SessionRecord record, long ifVersion) {
        return cache.setIf(id, SessionRecordCodec.encode(record), ttlOf(record), ifVersion);
    }

    /**
     * Gives session {@code oldId} the id {@code newId}, with {@code record}, in one operation: at
     * no moment are both ids the session, nor neither (a login's id change). Version
     * {@code oldVersion} of {@code oldId} ({@link #read}) must still be the stored one, else the
     * stage fails with {@link StaleSessionException} and nothing changes: read again, merge, retry.
     * <ol>
     *   <li>{@code newId} is written as pending on {@code oldId}: no session yet (a read of it finds
     *   the old id not moved);</li>
     *   <li>the commit: {@code oldId} is replaced, only over {@code oldVersion} (a conditional write),
     *   by a marker naming {@code newId}. From here the old id is no session and the new one is,
     *   and no write of the old id made from an earlier read can bring it back;</li>
     *   <li>{@code newId} is written as the plain record (over the pending one);</li>
     *   <li>{@code oldId} is logged out, so every host drops it within the staleness bound.</li>
     * </ol>
     * A process that stops after the commit leaves the new id pending, the session still (its
     * reads look at the old id's marker) until a slide writes it plainly.
     *
     * @throws IllegalArgumentException as {@link #save}, or if the ids are equal
     */
    public CompletionStage<Long> rotate(String oldId, String newId, SessionRecord record, long oldVersion) {
        if (oldId.equals(newId)) {
            throw new IllegalArgumentException("a rotation needs a new id; it is the old one");
        }
        Duration ttl = ttlOf(record);
        byte[] plain = SessionRecordCodec.encode(record);
        return cache.set(newId, StoredSession.pending(oldId, record), ttl).thenCompose(pendingVersion ->
                // Refused: not committed; the pending new id is no session, and a retry writes over it.
                cache.setIf(oldId, StoredSession.moved(newId), ttl, oldVersion)
                        .thenCompose(committed -> cache.setIf(newId, plain, ttl, pendingVersion)
                                .handle((written, failure) -> {
                                    Throwable cause = unwrap(failure);
                                    if (cause != null && !(cause instanceof StaleSessionException)) {
                                        // Still pending, still the session through the old id's marker: the old id stays.
                                        log.debug("a rotated session stays pending until its next slide: {}", cause.toString());
                                        return CompletableFuture.completedFuture(pendingVersion);
                                    }
                                    long version = written != null ? written : pendingVersion;
                                    return cache.delete(oldId).thenApply(done -> version);
                                })
                                .thenCompose(next -> next)));
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    /** The TTL {@code record} is stored with now: the time left until it expires; refused if none is left. */
    private Duration ttlOf(SessionRecord record) {
        Instant now = now();
        Duration ttl = timeLeft(record, now);
        if (ttl.isZero()) {
            throw new IllegalArgumentException("the session record expired at " + record.expiresAt() + " (now " + now
                    + "): an expired session is not stored");
        }
        return ttl;
    }

    /**
     * Session {@code id}, used now: empty if no tier holds it or it has expired. The returned
     * record's {@code lastAccessedAt} is now; it is written back (the slide) only when the stored
     * one is {@code slideFraction × maxInactiveInterval} old or older.
     *
     * @throws IllegalArgumentException (failing the stage) if the stored bytes are not a session record
     */
    public CompletionStage<Optional<SessionRecord>> find(String id) {
        return read(id).thenApply(found -> found.map(stored -> {
            Instant now = now();
            SessionRecord used = stored.record().accessedAt(now);
            if (slideDue(stored.record(), now)) {
                slide(id, used, now, stored.version());
            }
            return used;
        }));
    }

    /** A session record as stored, with the version of the write that stored it (for {@link #saveIf}, {@link #rotate}). */
    public record Versioned(SessionRecord record, long version) {
    }

    /**
     * Session {@code id} as stored, with its version, without using it: empty if no tier holds it,
     * it has expired, or it is a rotation's old id (or a new id whose rotation has not committed).
     *
     * @throws IllegalArgumentException (failing the stage) if the stored bytes are not a session record
     */
    public CompletionStage<Optional<Versioned>> read(String id) {
        return cache.lookup(id).thenCompose(found -> {
            if (found.isEmpty()) {
                return CompletableFuture.completedFuture(Optional.empty());
            }
            long version = found.get().version();
            StoredSession stored = StoredSession.decode(found.get().value());
            if (stored instanceof StoredSession.Plain plain) {
                return CompletableFuture.completedFuture(live(plain.record(), version));
            }
            if (stored instanceof StoredSession.Pending pending) {
                // The new id of a rotation: the session once the old id is moved to it (the commit), else none.
                return cache.lookup(pending.from()).thenApply(old -> old.isPresent()
                        && StoredSession.decode(old.get().value()) instanceof StoredSession.Moved moved && moved.to().equals(id)
                        ? live(pending.record(), version) : Optional.empty());
            }
            return CompletableFuture.completedFuture(Optional.empty()); // moved: the session has a new id
        });
    }

    private Optional<Versioned> live(SessionRecord record, long version) {
        return record.isExpired(now()) ? Optional.empty() : Optional.of(new Versioned(record, version));
    }

    /**
     * Session {@code id} as stored, without using it (nothing is written): empty if no tier holds
     * it or it has expired.
     *
     * @throws IllegalArgumentException (failing the stage) if the stored bytes are not a session record
     */
    public CompletionStage<Optional<SessionRecord>> peek(String id) {
        return read(id).thenApply(found -> found.map(Versioned::record));
    }

    /** Logs session {@code id} out everywhere (a logout is final: the id is never valid again). */
    public CompletionStage<Void> delete(String id) {
        return cache.delete(id);
    }

    /**
     * Whether a read at {@code now} of {@code stored} writes the new last use: its stored last use
     * is at least {@code slideFraction × maxInactiveInterval} old.
     */
    public boolean slideDue(SessionRecord stored, Instant now) {
        long intervalMillis = stored.maxInactiveInterval().toMillis();
        long ageMillis = Duration.between(stored.lastAccessedAt(), now).toMillis();
        return ageMillis >= (long) Math.ceil(intervalMillis * slideFraction);
    }

    public double slideFraction() {
        return slideFraction;
    }

    public Instant now() {
        return clock.instant();
    }

    /** The TTL a record stored at {@code now} gets: the time left until it expires, rounded up to a millisecond; zero if none. */
    static Duration timeLeft(SessionRecord record, Instant now) {
        Duration left = Duration.between(now, record.expiresAt());
        if (left.isNegative() || left.isZero()) {
            return Duration.ZERO;
        }
        return Duration.ofMillis(Math.max(1, (left.toNanos() + 999_999) / 1_000_000));
    }

    /** Writes {@code used} over version {@code read} of session {@code id}, if that is still the stored one. */
    private void slide(String id, SessionRecord used, Instant now, long read) {
        CompletionStage<Long> written;
        try {
            written = cache.setIf(id, SessionRecordCodec.encode(used), timeLeft(used, now), read);
        } catch (RuntimeException e) {
            log.warn("a session's sliding expiry was not written; it may expire early: {}", e.getMessage());
            return;
        }
        written.whenComplete((version, failure) -> {
            Throwable cause = unwrap(failure);
            if (cause != null && !(cause instanceof StaleSessionException)) {
                log.debug("a session's sliding expiry was not written: {}", cause.toString());
            }
        });
    }
}

package org.globalsessions.spring;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.session.SessionIdGenerator;
import org.springframework.session.SessionRepository;
import org.springframework.session.UuidSessionIdGenerator;
import org.springframework.session.events.SessionCreatedEvent;
import org.springframework.session.events.SessionDeletedEvent;

import org.globalsessions.client.StaleSessionException;
import org.globalsessions.client.lifecycle.SessionLifecycle;
import org.globalsessions.client.lifecycle.SessionRecord;

/**
 * A Spring Session {@link SessionRepository} on global-sessions: each session a
 * {@link SessionRecord} stored through the client's {@link SessionLifecycle}, so a session is
 * shared by every instance of the application on every host, expires on its idle interval and
 * absolute lifetime, and a logout ({@link #deleteById}) is final on every host within the
 * cluster's {@code max-staleness}.
 *
 * <h2>Reads and writes</h2>
 * {@link #findById} reads the session (an L1 hit on a host that holds it: no network) and slides
 * its stored last use at most once per fraction of its interval ({@link SessionLifecycle}).
 * {@link #save} writes only when the request changed something: a new session, a new id, an
 * attribute set or removed, a new interval. It merges this request's changes into the newest
 * stored record (read just before, usually an L1 hit), so two requests of one session on two
 * instances that change different attributes both keep their change; if the cache holds a newer
 * write by the time ours arrives, it reads and merges again (three attempts). A session logged
 * out meanwhile stays logged out: the save is dropped.
 *
 * <h2>Ids</h2>
 * {@code changeSessionId} (Spring Security does it at login) is saved as a write of the new id
 * followed by a logout of the old one: the session is never lost, and the old id is dead once
 * {@code save} returns. Issue 21 item 2 asks for this as one atomic operation; until then there
 * is a moment during {@code save} when both ids are valid.
 *
 * <h2>Not here yet</h2>
 * This is the plain {@link SessionRepository}, not a {@code FindByIndexNameSessionRepository}:
 * finding a principal's sessions needs the per-principal index of the relief tier (issue 21 item
 * 3), which the cluster does not have yet. {@link SessionCreatedEvent} and
 * {@link SessionDeletedEvent} are published for what this repository does; sessions that expire
 * in the cache raise no event.
 *
 * <p>Thread-safe. Session ids never appear in its logs or messages.
 */
public final class GlobalSessionsSessionRepository implements SessionRepository<GlobalSessionsSession> {

    private static final Logger log = LoggerFactory.getLogger(GlobalSessionsSessionRepository.class);
    private static final int WRITE_ATTEMPTS = 3;

    private final SessionLifecycle lifecycle;
    private final SessionAttributeSerializer serializer;
    private final Duration maxInactiveInterval;
    private final Duration maxLifetime;
    private final ApplicationEventPublisher events;
    private final Clock clock;
    private SessionIdGenerator ids = UuidSessionIdGenerator.getInstance();

    /**
     * @param maxInactiveInterval the idle interval of new sessions
     * @param maxLifetime         the absolute lifetime of new sessions, from creation
     * @param events              where session events go; null for none
     */
    public GlobalSessionsSessionRepository(SessionLifecycle lifecycle, SessionAttributeSerializer serializer,
                                           Duration maxInactiveInterval, Duration maxLifetime,
                                           ApplicationEventPublisher events) {
        this.lifecycle = Objects.requireNonNull(lifecycle, "lifecycle");
        this.serializer = Objects.requireNonNull(serializer, "serializer");
        // Validated as the record validates them, naming the setting.
        SessionRecord.create(lifecycle.now(), maxInactiveInterval, maxLifetime);
        this.maxInactiveInterval = maxInactiveInterval;
        this.maxLifetime = maxLifetime;
        this.events = events;
        this.clock = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public java.time.Instant instant() {
                return lifecycle.now();
            }
        };
    }

    /** How new ids (and the ids a rotation gives) are made; default random UUIDs. */
    public void setSessionIdGenerator(SessionIdGenerator generator) {
        this.ids = Objects.requireNonNull(generator, "generator");
    }

    @Override
    public GlobalSessionsSession createSession() {
        return new GlobalSessionsSession(ids.generate(), null, lifecycle.create(maxInactiveInterval, maxLifetime), ids,
                serializer, clock);
    }

    /**
     * Writes what the request changed (nothing if it changed nothing).
     *
     * @throws IllegalArgumentException naming the attribute, if one set cannot be serialized, or if
     *                                  the session is larger than the cache's records (nothing is stored)
     */
    @Override
    public void save(GlobalSessionsSession session) {
        if (!session.changed() || session.isExpired()) {
            return;
        }
        boolean created = session.isNew();
        String previous = session.storedId;
        String id = session.getId();
        SessionRecord base = session.base;
        if (!created) {
            // The newest stored record, so that changes other requests made meanwhile are kept.
            Optional<SessionRecord> latest = read(previous, true);
            if (latest.isEmpty()) {
                log.debug("a session was logged out or expired while a request used it; its changes are dropped");
                return;
            }
            base = latest.get();
        }
        for (int attempt = 1; ; attempt++) {
            SessionRecord record = session.merged(base.attributes()); // serializes: may refuse, before anything is written
            try {
                await(lifecycle.save(id, record));
                session.saved(record);
                break;
            } catch (StaleSessionException e) {
                if (e.loggedOut()) {
                    log.debug("a session was logged out while a request used it; its changes are dropped");
                    return;
                }
                Optional<SessionRecord> latest = attempt < WRITE_ATTEMPTS ? read(id, true) : Optional.empty();
                if (latest.isEmpty()) {
                    throw e;
                }
                base = latest.get();
            }
        }
        if (previous != null && !previous.equals(id)) {
            await(lifecycle.delete(previous));
        }
        if (created) {
            publish(new SessionCreatedEvent(this, session));
        }
    }

    /** The session, or null if no tier holds it, it expired, or {@code id} cannot be a session id. */
    @Override
    public GlobalSessionsSession findById(String id) {
        return read(id, false).map(record -> new GlobalSessionsSession(id, id, record, ids, serializer, clock)).orElse(null);
    }

    /** Logs the session out on every host (final: the id is never valid again), and publishes a {@link SessionDeletedEvent}. */
    @Override
    public void deleteById(String id) {
        Optional<SessionRecord> existing = read(id, true);
        try {
            await(lifecycle.delete(id));
        } catch (IllegalArgumentException e) {
            log.debug("a session id that cannot be one was not deleted: {}", e.getMessage());
            return;
        }
        existing.ifPresent(record -> publish(new SessionDeletedEvent(this, new GlobalSessionsSession(id, id, record, ids, serializer, clock))));
    }

    /**
     * The stored record; {@code peek}: without using it (no slide). A malformed id, or stored bytes
     * that are not a session record, read as no session (the request gets a new one).
     */
    private Optional<SessionRecord> read(String id, boolean peek) {
        try {
            return await(peek ? lifecycle.peek(id) : lifecycle.find(id));
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("session record")) {
                log.warn("a stored session could not be read and counts as absent: {}", e.getMessage());
            } else { // a cookie that cannot hold a session id: the message names its tag, never the id
                log.debug("a session id that cannot be one counts as absent: {}", e.getMessage());
            }
            return Optional.empty();
        }
    }

    private void publish(Object event) {
        if (events != null) {
            events.publishEvent(event);
        }
    }

    /** The stage's value; its failure thrown as it is (not wrapped). */
    private static <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }
}

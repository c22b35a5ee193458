package org.globalsessions.spring;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.session.FindByIndexNameSessionRepository;
import org.springframework.session.PrincipalNameIndexResolver;
import org.springframework.session.Session;
import org.springframework.session.SessionIdGenerator;
import org.springframework.session.UuidSessionIdGenerator;
import org.springframework.session.events.SessionCreatedEvent;
import org.springframework.session.events.SessionDeletedEvent;
import org.springframework.session.events.SessionExpiredEvent;
import org.springframework.session.MapSession;

import org.globalsessions.client.PrincipalSession;
import org.globalsessions.client.StaleSessionException;
import org.globalsessions.client.lifecycle.PrincipalSessions;
import org.globalsessions.client.lifecycle.SessionLifecycle;
import org.globalsessions.client.lifecycle.SessionRecord;

/**
 * A Spring Session {@link FindByIndexNameSessionRepository} on global-sessions: each session a
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
 * {@code changeSessionId} (Spring Security does it at login) is saved as one rotation
 * ({@link SessionLifecycle#rotate}): at no moment are both ids the session, nor neither; the old id
 * is logged out and refused on every host within the staleness bound, like a logout.
 *
 * <h2>Concurrent requests</h2>
 * A save writes over the version it read (a conditional write): if another request of the same
 * session saved meanwhile, it reads again and merges (three attempts), so neither change is lost.
 *
 * <h2>Sessions of a principal</h2>
 * The principal name ({@link #PRINCIPAL_NAME_INDEX_NAME}, or the name of the Spring Security
 * context's authentication, as {@link PrincipalNameIndexResolver} finds them) is indexed in the
 * cluster's principal index ({@link PrincipalSessions}) when a save gives a session one: a new
 * session, a new id (Spring Security rotates it at login) or a changed principal. The index
 * entry lives until the session's absolute end. The cap on sessions per principal applies then,
 * before the session is written: at the cap the save either fails with
 * {@link org.globalsessions.client.lifecycle.SessionLimitException} (nothing stored) or logs the
 * principal's oldest sessions out first. {@link #findByIndexNameAndIndexValue} lists the
 * principal's live sessions from any host; {@link #logoutAll} ends them all.
 *
 * <h2>Events</h2>
 * {@link SessionCreatedEvent} when this repository saves a new session. {@link SessionDeletedEvent}
 * on every instance when a session is logged out anywhere: here with the session as it was, on
 * the other instances with its id only (the logout took it away). {@link SessionExpiredEvent} on
 * every instance when a session expires in whichever tier held it last, with the session as that
 * tier held it, within about 11 s. Each once per instance. A new id given at login (see "Ids")
 * shows on the other instances as the old id's deletion: they hear only that the old id ended.
 *
 * <p>Thread-safe. Session ids never appear in its logs or messages.
 */
public final class GlobalSessionsSessionRepository implements FindByIndexNameSessionRepository<GlobalSessionsSession> {

    private static final Logger log = LoggerFactory.getLogger(GlobalSessionsSessionRepository.class);
    private static final int WRITE_ATTEMPTS = 3;
    /** The attribute Spring Security keeps its context under (HttpSessionSecurityContextRepository). */
    static final String SPRING_SECURITY_CONTEXT = "SPRING_SECURITY_CONTEXT";

    private final SessionLifecycle lifecycle;
    private final SessionAttributeSerializer serializer;
    private final Duration maxInactiveInterval;
    private final Duration maxLifetime;
    private final ApplicationEventPublisher events;
    /** The principal index with its cap; null: no index (finding by principal finds nothing). */
    private final PrincipalSessions principals;
    private final PrincipalNameIndexResolver<Session> principalNames = new PrincipalNameIndexResolver<>();
    private final Clock clock;
    private SessionIdGenerator ids = UuidSessionIdGenerator.getInstance();
    /**
     * Ids this repository logged out in the last minute (the deletion was published here, or was a
     * new id's old one): their logout, heard back from the cluster, publishes nothing more.
     */
    private final java.util.concurrent.ConcurrentHashMap<String, Long> endedHere = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param maxInactiveInterval the idle interval of new sessions
     * @param maxLifetime         the absolute lifetime of new sessions, from creation
     * @param events              where session events go; null for none
     */
    public GlobalSessionsSessionRepository(SessionLifecycle lifecycle, SessionAttributeSerializer serializer,
                                           Duration maxInactiveInterval, Duration maxLifetime,
                                           ApplicationEventPublisher events) {
        this(lifecycle, serializer, maxInactiveInterval, maxLifetime, events, null);
    }

    /**
     * @param principals the principal index and its cap; null for none (sessions are not indexed,
     *                   and finding them by principal finds nothing)
     */
    public GlobalSessionsSessionRepository(SessionLifecycle lifecycle, SessionAttributeSerializer serializer,
                                           Duration maxInactiveInterval, Duration maxLifetime,
                                           ApplicationEventPublisher events, PrincipalSessions principals) {
        this.principals = principals;
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
        if (events != null) {
            lifecycle.addListener(new SessionLifecycle.Listener() {
                @Override
                public void onLoggedOut(String id) {
                    if (endedHere.remove(id) == null) {
                        publish(new SessionDeletedEvent(GlobalSessionsSessionRepository.this, new MapSession(id)));
                    }
                }

                @Override
                public void onExpired(String id, SessionRecord lastRecord) {
                    publish(new SessionExpiredEvent(GlobalSessionsSessionRepository.this, lastRecord == null ? new MapSession(id)
                            : new GlobalSessionsSession(id, id, lastRecord, ids, serializer, clock)));
                }
            });
        }
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
     *                                  the session is larger than the cache's records, or its principal
     *                                  name is empty or too long (nothing is stored)
     * @throws org.globalsessions.client.lifecycle.SessionLimitException if a login finds its principal
     *                                  at the cap and the cap refuses (nothing is stored)
     */
    @Override
    public void save(GlobalSessionsSession session) {
        if (!session.changed() || session.isExpired()) {
            return;
        }
        boolean created = session.isNew();
        String previous = session.storedId;
        String id = session.getId();
        boolean rotating = !created && !id.equals(previous);
        SessionRecord base = session.base;
        long baseVersion = 0;
        if (!created) {
            // The newest stored record, so that changes other requests made meanwhile are kept.
            Optional<SessionLifecycle.Versioned> latest = stored(previous);
            if (latest.isEmpty()) {
                log.debug("a session was logged out or expired while a request used it; its changes are dropped");
                return;
            }
            base = latest.get().record();
            baseVersion = latest.get().version();
        }
        String principal = principalToIndex(session, created || !id.equals(previous));
        if (principal != null) { // the cap applies before anything is written
            Instant now = lifecycle.now();
            await(principals.login(principal, id, now, Duration.between(now, base.createdAt().plus(base.maxLifetime())),
                    rotating ? previous : null));
        }
        if (rotating) {
            endingHere(previous); // the rotation logs the old id out: no deleted event for it here
        }
        boolean overVersion = !created; // a new session is written plainly; any other over the version read
        for (int attempt = 1; ; attempt++) {
            SessionRecord record = session.merged(base.attributes()); // serializes: may refuse, before anything is written
            try {
                // Over the version read: a change another request saved since is merged in, never lost.
                await(!overVersion ? lifecycle.save(id, record)
                        : rotating ? lifecycle.rotate(previous, id, record, baseVersion)
                        : lifecycle.saveIf(id, record, baseVersion));
                session.saved(record);
                break;
            } catch (StaleSessionException e) {
                if (e.loggedOut()) {
                    log.debug("a session was logged out while a request used it; its changes are dropped");
                    return;
                }
                Optional<SessionLifecycle.Versioned> latest = attempt < WRITE_ATTEMPTS ? stored(rotating ? previous : id)
                        : Optional.empty();
                if (latest.isEmpty()) {
                    throw e;
                }
                base = latest.get().record();
                baseVersion = latest.get().version();
                overVersion = true;
            }
        }
        if (created) {
            publish(new SessionCreatedEvent(this, session));
        }
    }

    /**
     * The principal name to index {@code session} under as this save writes it, or null: none, no
     * index, or nothing changed it ({@code newId}: a new session or a new id; else the principal
     * attributes were not touched).
     */
    private String principalToIndex(GlobalSessionsSession session, boolean newId) {
        if (principals == null || !newId && !session.changedAnyOf(PRINCIPAL_NAME_INDEX_NAME, SPRING_SECURITY_CONTEXT)) {
            return null;
        }
        return principalNames.resolveIndexValueFor(session);
    }

    /**
     * The live sessions whose principal name is {@code indexValue}, by id, oldest login first,
     * from every host; for any index other than {@link #PRINCIPAL_NAME_INDEX_NAME}, none.
     *
     * @throws IllegalArgumentException if the principal name is empty, longer than 256 UTF-8 bytes or holds a control character
     */
    @Override
    public Map<String, GlobalSessionsSession> findByIndexNameAndIndexValue(String indexName, String indexValue) {
        Map<String, GlobalSessionsSession> found = new LinkedHashMap<>();
        if (principals == null || !PRINCIPAL_NAME_INDEX_NAME.equals(indexName)) {
            return found;
        }
        for (PrincipalSession indexed : await(principals.sessionsOf(indexValue))) {
            String id = indexed.sessionId();
            read(id, true).ifPresent(record -> found.put(id, new GlobalSessionsSession(id, id, record, ids, serializer, clock)));
        }
        return found;
    }

    /**
     * Logs out every session of {@code principal} on every host ("log out everywhere"), each
     * final as {@link #deleteById}; returns how many index entries were ended.
     *
     * @throws IllegalArgumentException if the principal name is empty, longer than 256 UTF-8 bytes or holds a control character
     * @throws IllegalStateException    if this repository has no principal index
     */
    public int logoutAll(String principal) {
        if (principals == null) {
            throw new IllegalStateException("this repository was made without a principal index (PrincipalSessions)");
        }
        return await(principals.logoutAll(principal));
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
        if (existing.isPresent()) {
            endingHere(id); // published below, with the session
        }
        try {
            await(lifecycle.delete(id));
        } catch (IllegalArgumentException e) {
            log.debug("a session id that cannot be one was not deleted: {}", e.getMessage());
            return;
        }
        existing.ifPresent(record -> {
            GlobalSessionsSession deleted = new GlobalSessionsSession(id, id, record, ids, serializer, clock);
            unindex(deleted);
            publish(new SessionDeletedEvent(this, deleted));
        });
    }

    /**
     * The stored record; {@code peek}: without using it (no slide). A malformed id, or stored bytes
     * that are not a session record, read as no session (the request gets a new one).
     */
    private Optional<SessionRecord> read(String id, boolean peek) {
        return peek ? stored(id).map(SessionLifecycle.Versioned::record) : readAs(id, () -> await(lifecycle.find(id)));
    }

    /** The stored record with its version, without using it; empty as {@link #read} is. */
    private Optional<SessionLifecycle.Versioned> stored(String id) {
        return readAs(id, () -> await(lifecycle.read(id)));
    }

    private <T> Optional<T> readAs(String id, java.util.function.Supplier<Optional<T>> reading) {
        try {
            return reading.get();
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("session record")) {
                log.warn("a stored session could not be read and counts as absent: {}", e.getMessage());
            } else { // a cookie that cannot hold a session id: the message names its tag, never the id
                log.debug("a session id that cannot be one counts as absent: {}", e.getMessage());
            }
            return Optional.empty();
        }
    }

    /** Takes a logged-out session out of its principal's index: only to keep it small (a listing drops it anyway). */
    private void unindex(GlobalSessionsSession deleted) {
        String principal = principals == null ? null : principalNames.resolveIndexValueFor(deleted);
        if (principal == null) {
            return;
        }
        try {
            principals.logout(principal, deleted.getId()).whenComplete((done, failure) -> {
                if (failure != null) {
                    log.debug("a logged-out session stays in its principal's index until it expires: {}", failure.toString());
                }
            });
        } catch (IllegalArgumentException e) {
            log.debug("a logged-out session's principal name cannot be indexed: {}", e.getMessage());
        }
    }

    /** {@code id} is being logged out by this repository: its logout, heard back, publishes nothing. */
    private void endingHere(String id) {
        if (events == null) {
            return;
        }
        long now = System.currentTimeMillis();
        if (endedHere.size() > 10_000) {
            endedHere.values().removeIf(at -> now - at > 60_000);
        }
        endedHere.put(id, now);
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

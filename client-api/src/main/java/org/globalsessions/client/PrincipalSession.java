package org.globalsessions.client;

import java.time.Instant;

/**
 * A session of a principal, as {@link SessionCacheManager#sessionsOf} lists it.
 *
 * @param sessionId    the session's id (a secret: never log it)
 * @param loggedInAt   when it was indexed for the principal (its login), by the indexing process's clock
 * @param indexedUntil when its index entry expires: the latest the session may live
 */
public record PrincipalSession(String sessionId, Instant loggedInAt, Instant indexedUntil) {
}

/**
 * The embeddable client: {@link org.globalsessions.client.SessionCacheManager}. Its public
 * types use only the JDK, Jackson (for typed sessions) and Micrometer (for meters); nothing of
 * Pekko.
 */
package org.globalsessions.client;

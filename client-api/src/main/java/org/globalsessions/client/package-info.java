/**
 * SessionCacheManager, the embeddable facade, and typed-session helpers; no Pekko types in its
 * public API. (Built in the client-api and launcher issue.)
 */
package org.globalsessions.client;

/**
 * Web sessions with a lifecycle on the cache: {@link org.globalsessions.client.lifecycle.SessionRecord}
 * (creation, last use, idle and absolute limits, attributes as bytes), its stored form
 * {@link org.globalsessions.client.lifecycle.SessionRecordCodec}, and
 * {@link org.globalsessions.client.lifecycle.SessionLifecycle}, which stores records with a TTL
 * that ends when they expire and slides their expiry on reads at most once per fraction of the
 * idle interval.
 */
package org.globalsessions.client.lifecycle;

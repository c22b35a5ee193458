/**
 * The edge engine {@link org.globalsessions.client.SessionCacheManager} embeds: the host's L1
 * table and the relay client, split by concern ({@link org.globalsessions.client.internal.EdgeCache}
 * and the parts it names). Not API: anything here may change without notice; applications use
 * {@code org.globalsessions.client}.
 */
package org.globalsessions.client.internal;

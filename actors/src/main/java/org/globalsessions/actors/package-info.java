/**
 * One Pekko typed behaviour per role: {@code edge.EdgeCacheActor} (with its facade
 * {@code edge.EdgeCache}), {@code relay.RelayActor}, {@code relay.SiblingActor},
 * {@code relief.ExpansionShard} and {@code relief.AgingShard}; {@code node.ServerNode} starts the
 * roles a node's settings name.
 */
package org.globalsessions.actors;

/**
 * The server wing, one Pekko typed behaviour per role: {@code relay.RelayActor},
 * {@code relay.SiblingActor}, {@code relief.ExpansionShard} and {@code relief.AgingShard};
 * {@code node.ServerNode} starts the roles a node's settings name and joins the cluster. The
 * edge (the client wing) lives in client-api; the two share only runtime and shm-lru.
 */
package org.globalsessions.actors;

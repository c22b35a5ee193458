/**
 * The server wing, one Pekko typed behaviour per role: {@code relay.RelayActor},
 * {@code sibling.SiblingActor}, {@code relief.ExpansionReplica} and {@code relief.AgingReplica};
 * {@code node.ServerNode} starts the roles a node's settings name and joins the cluster. The
 * edge (the client wing) lives in client-api; the two share only runtime and shm-lru.
 */
package org.globalsessions.actors;

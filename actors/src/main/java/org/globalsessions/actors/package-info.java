/**
 * One Pekko typed behaviour per role: EdgeCacheActor, RelayActor, SiblingActor,
 * ExpansionShard, AgingShard; pub/sub of arrivals and invalidations. (Built in the cluster issue.)
 */
package org.globalsessions.actors;

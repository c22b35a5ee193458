/**
 * Config model (Jackson; the seed's JSON keys too), protocol messages, key-to-shard and
 * key-to-relay hashing, versions, TLS material, Pekko config assembly and ActorSystem bootstrap.
 * Holds no role behaviour. (Built in the cluster issue.)
 */
package org.globalsessions.runtime;

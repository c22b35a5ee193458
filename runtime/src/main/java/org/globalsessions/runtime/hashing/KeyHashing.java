package org.globalsessions.runtime.hashing;

import java.nio.charset.StandardCharsets;

import net.openhft.hashing.LongHashFunction;

/**
 * Where a key lives in the relief tiers: {@code shard = hash(key, seed) mod shards}, with the
 * same 64-bit XXH3 the shared-memory tables use, over the key's UTF-8 bytes. Every node of a
 * cluster must use the same seed and shard count; the shard count never changes while a
 * cluster holds data (entities, not shards, move between nodes).
 */
public final class KeyHashing {

    private final LongHashFunction hash;
    private final int shards;
    private final long seed;

    public KeyHashing(long seed, int shards) {
        if (shards < 1 || shards > 65_536) {
            throw new IllegalArgumentException("shards=" + shards + " must be between 1 and 65536");
        }
        this.seed = seed;
        this.shards = shards;
        this.hash = LongHashFunction.xx3(seed);
    }

    public long hash(String key) {
        return hash.hashBytes(key.getBytes(StandardCharsets.UTF_8));
    }

    /** The shard of a key, 0 … shards − 1. */
    public int shardOf(String key) {
        return (int) Long.remainderUnsigned(hash(key), shards);
    }

    /** The shard as the entity id Cluster Sharding uses. */
    public String entityIdOf(String key) {
        return Integer.toString(shardOf(key));
    }

    public int shards() {
        return shards;
    }

    public long seed() {
        return seed;
    }
}

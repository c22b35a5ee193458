package org.globalsessions.actors.relief;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The state of one relief replica: sessions in LRU order up to a capacity, and the tombstones of
 * deleted sessions, each with a version. See {@code docs/relief-replication.md}, "Tombstones".
 *
 * <h2>Versions and tombstones</h2>
 * A write is stored only if it is newer than the value the shard holds for its key. A tombstone
 * is final: a delete removes the value whatever its version (the deleter's clock may not have
 * seen the write it logs out), and until the tombstone expires it refuses every write of the
 * key whatever its version (a request racing the logout, a late copy, a writer whose clock is
 * minutes ahead). Applications issue a new session id per login, so a deleted id is never
 * written again in normal use. Tombstones live apart from the LRU (they are small and must not
 * be evicted by traffic); two tombstones of one key keep the newer version and the later expiry.
 * None is ever dropped to make room: they leave by their TTL only. A replica asks
 * {@link #hasRoomForTombstone} before it records a delete, and refuses the delete when there is
 * none (at {@code maxTombstones}); a tombstone copied from another replica is always recorded.
 *
 * <h2>Capacity</h2>
 * The LRU is bounded twice: by entries ({@code capacity}) and by bytes ({@code byteBudget}, each
 * entry counted as its key's characters, its value's bytes and {@link #ENTRY_OVERHEAD}). A write
 * that goes past either pushes out the least recently used entries; a single entry larger than
 * the whole byte budget is refused ({@link WriteResult#tooLarge}), and nothing is stored.
 *
 * <h2>Expiry</h2>
 * Each entry expires at an instant; an expired entry is a miss and is dropped when seen, and
 * {@link #sweep} drops the rest.
 *
 * <h2>Ended sessions</h2>
 * A store made to {@link #keepEnded} remembers the entries that leave it without a delete: expired
 * (seen, swept, or pushed out while expired) and, where an eviction is final (the aging tier),
 * live entries the LRU pushed out. {@link #drainEnded} hands them over (at most
 * {@link #MAX_ENDED} wait; more are forgotten): they are candidates for expiry events.
 *
 * <p>Not thread-safe: owned by one actor.
 */
final class ReliefStore {

    /** A stored session; {@code expiresAt} in epoch ms (never 0 here: relief entries always expire). */
    record Item(byte[] value, long version, long ttlMillis, long expiresAt) {
    }

    record Tombstone(long version, long expiresAt) {
    }

    /** A live entry the LRU pushed out. */
    record Evicted(String key, Item item) {
    }

    /**
     * What a write did: stored (with what it evicted), or refused because of a newer version or a
     * tombstone, or because the entry alone takes {@code tooLarge} bytes, more than the byte budget
     * (0 otherwise).
     */
    record WriteResult(boolean stored, long newerVersion, boolean deleted, List<Evicted> evicted, long tooLarge) {
        static final WriteResult NOTHING_EVICTED = new WriteResult(true, 0, false, List.of(), 0);

        static WriteResult refused(long newerVersion, boolean deleted) {
            return new WriteResult(false, newerVersion, deleted, List.of(), 0);
        }
    }

    /** Bytes an entry is counted beyond its key and value: the map's and the item's objects. */
    static final int ENTRY_OVERHEAD = 96;

    /** The most ended entries kept between two {@link #drainEnded} calls. */
    static final int MAX_ENDED = 10_000;

    private final int capacity;
    private final long byteBudget;
    /** The bytes the LRU's entries take, as {@link #bytesOf} counts them. */
    private long bytes;
    private final int maxTombstones;
    private final LinkedHashMap<String, Item> lru = new LinkedHashMap<>(16, 0.75f, true);
    private final LinkedHashMap<String, Tombstone> tombstones = new LinkedHashMap<>();
    /** When the tombstones were last swept for room (a full replica sweeps at most once a second). */
    private long tombstonesSweptAt;
    /** Entries that left without a delete, for {@link #drainEnded}; null: not kept. */
    private List<Evicted> ended;
    /** Whether a live entry the LRU pushes out has ended (no other tier takes it). */
    private boolean evictionsEnd;
    /** Ended entries forgotten because {@link #MAX_ENDED} were waiting. */
    private long endedForgotten;

    ReliefStore(int capacity, long byteBudget, int maxTombstones) {
        this.capacity = capacity;
        this.byteBudget = byteBudget;
        this.maxTombstones = maxTombstones;
    }

    /** A store without a byte budget (tests of the other rules). */
    ReliefStore(int capacity, int maxTombstones) {
        this(capacity, Long.MAX_VALUE, maxTombstones);
    }

    /**
     * From now on, remembers the entries that leave without a delete: expired ones, and live ones the
     * LRU pushes out if {@code evictionsEnd}.
     */
    void keepEnded(boolean evictionsEnd) {
        this.ended = new ArrayList<>();
        this.evictionsEnd = evictionsEnd;
    }

    /** The entries that left without a delete since the last call, oldest first (empty if not kept). */
    List<Evicted> drainEnded() {
        if (ended == null || ended.isEmpty()) {
            return List.of();
        }
        List<Evicted> drained = ended;
        ended = new ArrayList<>();
        return drained;
    }

    /** How many ended entries were forgotten because too many waited. */
    long endedForgotten() {
        return endedForgotten;
    }

    private void ended(String key, Item item) {
        if (ended == null) {
            return;
        }
        if (ended.size() < MAX_ENDED) {
            ended.add(new Evicted(key, item));
        } else {
            endedForgotten++;
        }
    }

    /** The bytes an entry of {@code key} with {@code item} is counted as. */
    static long bytesOf(String key, Item item) {
        return (long) key.length() + item.value().length + ENTRY_OVERHEAD;
    }

    private Item remove(String key) {
        Item removed = lru.remove(key);
        if (removed != null) {
            bytes -= bytesOf(key, removed);
        }
        return removed;
    }

    /** The live entry for {@code key}, marking it recently used; null if absent or expired. */
    Item get(String key, long now) {
        Item item = lru.get(key);
        if (item != null && now >= item.expiresAt()) {
            remove(key);
            ended(key, item);
            return null;
        }
        return item;
    }

    /** The tombstone of {@code key} if one is in force. */
    Tombstone tombstone(String key, long now) {
        Tombstone t = tombstones.get(key);
        if (t != null && now >= t.expiresAt()) {
            tombstones.remove(key);
            return null;
        }
        return t;
    }

    /**
     * Stores {@code item} unless the key is deleted (a tombstone in force, whatever the versions)
     * or a newer version is held; the same write again (same version, same value) counts as stored
     * (writes are retried, and copied between replicas), and another value of the same version
     * (another writer's clock drew it) is refused: a write is identified by its version and its value.
     */
    WriteResult put(String key, Item item, long now) {
        Tombstone t = tombstone(key, now);
        if (t != null) {
            return WriteResult.refused(t.version(), true);
        }
        long size = bytesOf(key, item);
        if (size > byteBudget) {
            return new WriteResult(false, 0, false, List.of(), size);
        }
        Item current = lru.get(key);
        if (current != null && now < current.expiresAt() && current.version() == item.version()) {
            // The same write again (a retry, or copied from another replica) is done; another writer's
            // write that drew the same version (HybridClock's node part is 14 random bits) is refused,
            // so that writer is never told a value it did not write was stored.
            return Arrays.equals(current.value(), item.value()) ? WriteResult.NOTHING_EVICTED
                    : WriteResult.refused(current.version(), false);
        }
        if (current != null && now < current.expiresAt() && current.version() > item.version()) {
            return WriteResult.refused(current.version(), false);
        }
        Item replaced = lru.put(key, item);
        bytes += size - (replaced == null ? 0 : bytesOf(key, replaced));
        if (lru.size() <= capacity && bytes <= byteBudget) {
            return WriteResult.NOTHING_EVICTED;
        }
        List<Evicted> evicted = new ArrayList<>(1);
        Iterator<Map.Entry<String, Item>> eldest = lru.entrySet().iterator();
        while (lru.size() > capacity || bytes > byteBudget) { // the entry just written is the newest: it fits alone
            Map.Entry<String, Item> e = eldest.next();
            eldest.remove();
            bytes -= bytesOf(e.getKey(), e.getValue());
            if (now < e.getValue().expiresAt()) {
                evicted.add(new Evicted(e.getKey(), e.getValue()));
                if (evictionsEnd) {
                    ended(e.getKey(), e.getValue());
                }
            } else {
                ended(e.getKey(), e.getValue());
            }
        }
        return new WriteResult(true, 0, false, evicted, 0);
    }

    /**
     * Stores {@code item} only if the live version of {@code key} is {@code ifVersion} (a conditional
     * write): refused, naming the version held (0: none), when another write came first, the entry
     * expired or left this tier, or the key is deleted. The same write again (its own version and
     * value held) counts as stored, as for {@link #put}.
     */
    WriteResult putIf(String key, Item item, long ifVersion, long now) {
        Tombstone t = tombstone(key, now);
        if (t != null) {
            return WriteResult.refused(t.version(), true);
        }
        Item current = get(key, now);
        long held = current == null ? 0 : current.version();
        if (held != ifVersion && held != item.version()) {
            return WriteResult.refused(held, false);
        }
        return put(key, item, now);
    }

    /**
     * Records the deletion of {@code key} at {@code version}: drops its value whatever its version
     * and keeps a tombstone (of one key, the newer version and the later expiry).
     *
     * @return true if a value was removed
     */
    boolean delete(String key, long version, long tombstoneExpiresAt, long now) {
        Tombstone t = tombstone(key, now);
        if (t == null || t.version() < version || t.expiresAt() < tombstoneExpiresAt) {
            tombstones.put(key, t == null ? new Tombstone(version, tombstoneExpiresAt)
                    : new Tombstone(Math.max(version, t.version()), Math.max(tombstoneExpiresAt, t.expiresAt())));
        }
        return remove(key) != null;
    }

    /**
     * Whether a delete of {@code key} can be recorded without going past {@code maxTombstones}: the
     * key has a tombstone already, or there is room (after dropping expired tombstones).
     */
    boolean hasRoomForTombstone(String key, long now) {
        if (tombstones.size() < maxTombstones || tombstone(key, now) != null) {
            return true;
        }
        if (now - tombstonesSweptAt >= 1_000) {
            tombstonesSweptAt = now;
            tombstones.values().removeIf(t -> now >= t.expiresAt());
        }
        return tombstones.size() < maxTombstones;
    }

    /** Slides the expiry of a live entry by its TTL, to at most {@code now + maxLifetimeMillis} (0: no limit). */
    void touch(String key, long now, long maxLifetimeMillis) {
        Item item = get(key, now);
        if (item != null && item.ttlMillis() > 0) {
            long slid = now + (maxLifetimeMillis == 0 ? item.ttlMillis() : Math.min(item.ttlMillis(), maxLifetimeMillis));
            lru.put(key, new Item(item.value(), item.version(), item.ttlMillis(), Math.max(item.expiresAt(), slid)));
        }
    }

    /** Drops expired entries and tombstones; returns how many entries expired. */
    int sweep(long now) {
        int expired = 0;
        for (Iterator<Map.Entry<String, Item>> entries = lru.entrySet().iterator(); entries.hasNext(); ) {
            Map.Entry<String, Item> e = entries.next();
            if (now >= e.getValue().expiresAt()) {
                entries.remove();
                bytes -= bytesOf(e.getKey(), e.getValue());
                ended(e.getKey(), e.getValue());
                expired++;
            }
        }
        tombstones.values().removeIf(t -> now >= t.expiresAt());
        return expired;
    }

    int size() {
        return lru.size();
    }

    /** The bytes the entries take ({@link #bytesOf} each); at most the byte budget. */
    long bytes() {
        return bytes;
    }

    long byteBudget() {
        return byteBudget;
    }

    /** Every live entry and tombstone, for copying the shard to a replica or its next home. */
    void forEach(java.util.function.BiConsumer<String, Item> entries, java.util.function.BiConsumer<String, Tombstone> deletes, long now) {
        lru.forEach((key, item) -> {
            if (now < item.expiresAt()) {
                entries.accept(key, item);
            }
        });
        tombstones.forEach((key, t) -> {
            if (now < t.expiresAt()) {
                deletes.accept(key, t);
            }
        });
    }

    int tombstones() {
        return tombstones.size();
    }

    int maxTombstones() {
        return maxTombstones;
    }

    /** For tests: the keys, least recently used first. */
    List<String> keys() {
        return new ArrayList<>(lru.keySet());
    }
}

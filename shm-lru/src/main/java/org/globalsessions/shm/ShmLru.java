package org.globalsessions.shm;

import static net.openhft.chronicle.core.UnsafeMemory.MEMORY;
import static org.globalsessions.shm.SegmentLayout.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

import org.globalsessions.shm.SegmentOps.CorruptSegmentException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fixed-size hash table with LRU order and expiry in one memory-mapped file, shared by every
 * process on a host: one process {@linkplain #create creates} it, the others
 * {@linkplain #attach attach}, and all of them read and write it directly.
 *
 * <h2>Structure</h2>
 * The file holds a header and {@code segments} segments; a key's hash picks its segment. Each
 * segment has its own lock, index, records and LRU list, and holds at most
 * {@code ceil(el_count / segments)} entries: when a full segment takes a new key, it evicts its
 * least recently used entry. The byte layout is specified in {@code shm-lru/SPEC.md}.
 *
 * <h2>Concurrency</h2>
 * Thread-safe and process-safe: every write takes its segment's lock in shared memory (a CAS
 * on a word that names the owner process; see {@link SegmentLocks}) and holds it for a few
 * hundred nanoseconds at most. A lookup normally takes no lock and writes nothing to shared
 * memory: it reads the entry between two reads of the segment's change sequence and keeps it
 * if no lock holder changed the segment meanwhile (a seqlock; see {@link SegmentOps}). It takes
 * the lock only when it must change something: to move an entry to the front of the LRU list
 * (at most once per {@linkplain ShmLruOptions#lruResolution LRU resolution} per entry, default
 * one second), to free an expired entry, or after a few reads spoiled by writers. Hits and
 * misses counted without the lock are added to the shared counters by this process's next
 * locked operation. Eviction listeners run after the lock is released. A process that dies
 * holding a lock stalls the others for about one lock lease; the next waiter takes the lock
 * over and repairs the segment (see {@link SegmentRepair}) without losing committed entries.
 * {@link #close()} must not race with operations on the same instance.
 *
 * <h2>LRU order</h2>
 * A full segment evicts its least recently used entry, where "used" means written, touched, or
 * found by a lookup; with an LRU resolution {@code R}, a lookup within {@code R} of the entry's
 * last move to the front counts as that earlier use. So an entry is never evicted before one
 * whose last use is more than {@code R} older; {@code R = 0} gives exact LRU.
 *
 * <h2>Versions and tombstones</h2>
 * Every entry carries a 64-bit version. {@link #put} gives the next one; {@link #putIfNewer}
 * and {@link #replaceIfNewer} take the caller's and refuse to go backwards. {@link #tombstone}
 * leaves a final tombstone: it replaces a value of any version and refuses every versioned
 * write of the key until it expires.
 *
 * <h2>Expiry</h2>
 * An entry with a time to live expires at a wall-clock instant; {@link #touch} slides it by the
 * same TTL. An expired entry is a miss, and the lookup that finds it frees its record. A full
 * segment evicts its least recently used entry whether or not another one has expired;
 * {@link #removeExpired()} sweeps the whole table.
 */
public final class ShmLru implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ShmLru.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");
    /** Reads without the lock spoiled by writers before a lookup takes the lock instead. */
    private static final int UNLOCKED_ATTEMPTS = 4;
    /** {@link #peek}'s answer when only the locked path can answer (no record lies at address -1). */
    private static final long NEEDS_LOCK_RECORD = -1;
    /** A lookup's answer without the lock when only the locked path can answer; compared by identity. */
    private static final Entry NEEDS_LOCK = new Entry(null, 0, 0, 0, true);
    /** Where tables live by default: memory-backed, so the mapped file never touches a disk. */
    public static final Path DEFAULT_DIRECTORY = Path.of("/dev/shm");

    private final Path path;
    private final Mapping mapping;
    /** Set once the file was found truncated under this process: every later call fails with it. */
    private volatile String truncatedTo;
    private final ShmLruSettings settings;
    private final SegmentOps ops;
    private final SegmentLocks locks;
    private final LongSupplier clock;
    private final EvictionListener listener;
    private final ThreadLocal<ArrayDeque<Evicted>> pendingEvictions;
    private final long lruResolutionMillis;
    /** Hits and misses of lookups that took no lock, not yet added to the shared counters. */
    private final LongAdder unlockedHits = new LongAdder();
    private final LongAdder unlockedMisses = new LongAdder();
    private final boolean created;
    private volatile boolean closed;

    private ShmLru(Path path, TableFile.Opened opened, ShmLruOptions options) {
        this.path = path;
        this.mapping = opened.mapping();
        this.settings = opened.settings();
        this.created = opened.created();
        this.ops = new SegmentOps(mapping.address(), settings, opened.geometry());
        this.locks = new SegmentLocks(path.toString(), settings.lockLease().toNanos(), options.lockTimeout().toNanos());
        this.clock = options.clock();
        this.listener = options.evictionListener();
        this.pendingEvictions = listener == null ? null : ThreadLocal.withInitial(ArrayDeque::new);
        this.lruResolutionMillis = options.lruResolution().toMillis();
    }

    /**
     * Creates the table at {@code path}, or attaches to it if another process already created
     * it with the same settings (so processes may race to create: exactly one initialises).
     *
     * @throws ShmLruException if the file exists with other settings, is not a table, or cannot be created
     */
    public static ShmLru create(Path path, ShmLruSettings settings) {
        return create(path, settings, ShmLruOptions.DEFAULTS);
    }

    public static ShmLru create(Path path, ShmLruSettings settings, ShmLruOptions options) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(options, "options");
        return new ShmLru(path, TableFile.create(path, settings, options), options);
    }

    /**
     * Attaches to a table another process created; the settings come from the file.
     *
     * @throws ShmLruException if there is no file, or it is foreign, of another layout version,
     *                         truncated, half-initialised or corrupt, or readable by every user
     */
    public static ShmLru attach(Path path) {
        return attach(path, ShmLruOptions.DEFAULTS);
    }

    public static ShmLru attach(Path path, ShmLruOptions options) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(options, "options");
        return new ShmLru(path, TableFile.attach(path, options), options);
    }

    /** The settings stored in a table file, read without mapping it. */
    public static ShmLruSettings readSettings(Path path) {
        return TableFile.readSettings(path);
    }

    /** {@code /dev/shm/global-sessions-<name>.lru}; {@code name} is letters, digits, '.', '_' or '-'. */
    public static Path defaultPath(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("table name=" + name + " must be 1-100 letters, digits, '.', '_' or '-'");
        }
        return DEFAULT_DIRECTORY.resolve("global-sessions-" + name + ".lru");
    }

    // ---- reads ------------------------------------------------------------------------------

    /** The value stored for {@code key}, or {@code null} if it is absent, expired or removed. */
    public byte[] get(byte[] key) {
        Entry entry = getEntry(key);
        return entry == null || entry.tombstone() ? null : entry.value();
    }

    public byte[] get(String key) {
        return get(utf8(key));
    }

    /**
     * The entry stored for {@code key} with its version and expiry, including a tombstone, or
     * {@code null} if there is none (or it expired). A tombstone counts as a miss.
     *
     * <p>The hot path: read without the lock when nothing has to change (see the class
     * comment), else under it.
     */
    public Entry getEntry(byte[] key) {
        checkKey(key);
        checkOpen();
        try {
            return getEntryUnguarded(key);
        } catch (InternalError fault) {
            throw truncated(fault);
        }
    }

    private Entry getEntryUnguarded(byte[] key) {
        long hash = ops.hash(key);
        int segment = ops.segmentOf(hash);
        long s = ops.segment(segment);
        long now = clock.getAsLong();
        for (int attempt = 0; attempt < UNLOCKED_ATTEMPTS; attempt++) {
            long seq = SegmentOps.readSeq(s);
            if ((seq & 1) != 0) {
                Thread.onSpinWait(); // a holder is changing the segment
                continue;
            }
            Entry seen;
            try {
                long r = peek(s, key, hash, now);
                seen = r == NEEDS_LOCK_RECORD ? NEEDS_LOCK : r == 0 ? null : entryAt(r);
            } catch (CorruptSegmentException torn) {
                seen = NEEDS_LOCK; // a torn read if the segment changed, else a real fault the locked path repairs
            }
            if (SegmentOps.validate(s, seq)) {
                if (seen == NEEDS_LOCK) {
                    break;
                }
                (seen == null || seen.tombstone() ? unlockedMisses : unlockedHits).increment();
                return seen;
            }
        }
        return lockedSegment(segment, x -> {
            long r = recordLocked(x, key, hash, now);
            return r == 0 ? null : entryAt(r);
        });
    }

    /**
     * Copies the value stored for {@code key} into {@code buffer} and returns its length, or
     * {@link #MISSING} (-1) if it is absent, expired or removed (a tombstone): {@link #get}
     * without allocating anything, for a caller that reuses its buffer. If the value is longer
     * than {@code buffer}, nothing is copied and its length is returned all the same: compare
     * the result with {@code buffer.length} and call again with a buffer at least that long (a
     * buffer of {@link ShmLruSettings#recordSize()} bytes always fits). Counts and moves in the
     * LRU order as {@link #get} does.
     *
     * <p>The bytes past the returned length are left as they were; a read without the lock that
     * a writer spoiled is copied again, so the bytes up to the length are one writer's, whole.
     *
     * @throws IllegalArgumentException if {@code key} is empty or longer than the record size
     * @throws NullPointerException     if {@code key} or {@code buffer} is null
     */
    public int getInto(byte[] key, byte[] buffer) {
        return getInto(key, buffer, clock.getAsLong());
    }

    /**
     * {@link #getInto(byte[], byte[])} at {@code nowMillis}, this table's clock
     * ({@link ShmLruOptions#clock}: the wall clock unless the table was opened with another) as
     * the caller read it: for a caller that already has the time, which saves reading the clock
     * again (about 25 ns on a virtual machine's clock). An entry counts as expired from its
     * expiry instant on, as {@code nowMillis} tells.
     *
     * @throws IllegalArgumentException if {@code key} is empty or longer than the record size
     * @throws NullPointerException     if {@code key} or {@code buffer} is null
     */
    public int getInto(byte[] key, byte[] buffer, long nowMillis) {
        checkKey(key);
        Objects.requireNonNull(buffer, "buffer");
        checkOpen();
        try {
            return getIntoUnguarded(key, buffer, nowMillis);
        } catch (InternalError fault) {
            throw truncated(fault);
        }
    }

    /** {@link #getInto}'s answer when the table holds no live value of the key. */
    public static final int MISSING = -1;

    private int getIntoUnguarded(byte[] key, byte[] buffer, long now) {
        long hash = ops.hash(key);
        int segment = ops.segmentOf(hash);
        long s = ops.segment(segment);
        for (int attempt = 0; attempt < UNLOCKED_ATTEMPTS; attempt++) {
            long seq = SegmentOps.readSeq(s);
            if ((seq & 1) != 0) {
                Thread.onSpinWait(); // a holder is changing the segment
                continue;
            }
            long r;
            int length = MISSING;
            try {
                r = peek(s, key, hash, now);
                if (r != 0 && r != NEEDS_LOCK_RECORD && !SegmentOps.isTombstone(r)) {
                    length = ops.valueInto(r, buffer);
                }
            } catch (CorruptSegmentException torn) {
                r = NEEDS_LOCK_RECORD; // a torn read if the segment changed, else a real fault the locked path repairs
            }
            if (SegmentOps.validate(s, seq)) {
                if (r == NEEDS_LOCK_RECORD) {
                    break;
                }
                (length == MISSING ? unlockedMisses : unlockedHits).increment();
                return length;
            }
        }
        return getIntoLocked(segment, s, key, hash, now, buffer);
    }

    /**
     * {@link #lockedSegmentUnguarded} written out for {@link #getInto}: a lambda would capture
     * the key and buffer (an allocation per call), and its boxed {@code int} another; this path
     * runs about once per LRU resolution per entry, so the hit stays allocation-free.
     */
    private int getIntoLocked(int segment, long s, byte[] key, long hash, long now, byte[] buffer) {
        lock(segment, s);
        try {
            try {
                return valueIntoLocked(s, key, hash, now, buffer);
            } catch (CorruptSegmentException first) {
                repairCorrupt(segment, s, first);
                try {
                    return valueIntoLocked(s, key, hash, now, buffer);
                } catch (CorruptSegmentException second) {
                    throw stillCorrupt(segment, second);
                }
            }
        } finally {
            unlock(s);
        }
    }

    private int valueIntoLocked(long s, byte[] key, long hash, long now, byte[] buffer) {
        long r = recordLocked(s, key, hash, now);
        return r == 0 || SegmentOps.isTombstone(r) ? MISSING : ops.valueInto(r, buffer);
    }

    /**
     * What a lookup without the lock finds: the entry's record, 0 for none, or
     * {@link #NEEDS_LOCK_RECORD} when the answer requires a change (an expired entry to free, a
     * hit due to move to the LRU front). The caller reads the record, then validates the
     * segment's sequence before trusting what it read.
     */
    private long peek(long s, byte[] key, long hash, long now) {
        int pos = ops.find(s, key, hash);
        if (pos < 0) {
            return 0;
        }
        long r = ops.record(s, ops.slotRecordChecked(s, ops.readSlot(s, pos)));
        if (SegmentOps.isExpired(r, now)) {
            return NEEDS_LOCK_RECORD;
        }
        long sinceUsed = now - SegmentOps.usedAt(r);
        if (!SegmentOps.isTombstone(r) && (sinceUsed >= lruResolutionMillis || sinceUsed < 0)) {
            return NEEDS_LOCK_RECORD;
        }
        return r;
    }

    /**
     * Under the segment's lock: the live record of {@code key} (a hit moves it to the LRU front),
     * a tombstone's record, or 0 after freeing an expired one; hits and misses counted.
     */
    private long recordLocked(long s, byte[] key, long hash, long now) {
        int pos = ops.find(s, key, hash);
        long r = pos < 0 ? 0 : liveRecordAt(s, pos, now);
        if (r == 0) {
            SegmentOps.count(s, MISSES_OFFSET);
            return 0;
        }
        if (SegmentOps.isTombstone(r)) {
            SegmentOps.count(s, MISSES_OFFSET);
        } else {
            ops.moveToHead(s, slotRecord(ops.readSlot(s, pos)), now);
            SegmentOps.count(s, HITS_OFFSET);
        }
        return r;
    }

    /** The entry record {@code r} holds: a tombstone, or a value with its version and expiry. */
    private Entry entryAt(long r) {
        boolean tombstone = SegmentOps.isTombstone(r);
        return new Entry(tombstone ? null : ops.value(r), SegmentOps.version(r), SegmentOps.expiresAt(r),
                SegmentOps.ttlMillis(r), tombstone);
    }

    // ---- writes -----------------------------------------------------------------------------

    /**
     * Stores {@code value} for {@code key} unconditionally, with the next version (one more than
     * the entry it replaces, tombstones included, else 1).
     *
     * @param ttl time to live; {@code null} or zero for no expiry
     * @return the version stored
     */
    public long put(byte[] key, byte[] value, Duration ttl) {
        checkEntry(key, value);
        long ttlMillis = ttlMillis(ttl);
        long hash = ops.hash(key);
        return locked(hash, s -> {
            int pos = ops.find(s, key, hash);
            long version = pos >= 0 ? SegmentOps.version(ops.record(s, slotRecordChecked(s, pos))) + 1 : 1;
            write(s, pos, hash, key, value, version, ttlMillis, 0);
            SegmentOps.count(s, PUTS_OFFSET);
            return version;
        });
    }

    public long put(String key, byte[] value, Duration ttl) {
        return put(utf8(key), value, ttl);
    }

    /**
     * Stores {@code value} with {@code version} unless the table holds a tombstone of {@code key}
     * (whatever its version: a tombstone is final) or a value of a newer or equal version, and
     * neither has expired.
     *
     * @return true if stored, false if refused as stale or deleted
     */
    public boolean putIfNewer(byte[] key, byte[] value, long version, Duration ttl) {
        return putIfNewer(key, value, version, ttl, 0);
    }

    /**
     * As {@link #putIfNewer(byte[], byte[], long, Duration)}, keeping an expiry instant the
     * value already has elsewhere (a promotion from a lower tier): it expires at
     * {@code expiresAtMillis} (epoch ms; 0 for now + ttl), and {@link #touch} slides it by {@code ttl}.
     */
    public boolean putIfNewer(byte[] key, byte[] value, long version, Duration ttl, long expiresAtMillis) {
        checkEntry(key, value);
        long ttlMillis = ttlMillis(ttl);
        long hash = ops.hash(key);
        return locked(hash, s -> {
            int pos = ops.find(s, key, hash);
            long r = pos < 0 ? 0 : unexpiredRecord(s, pos);
            if (r != 0 && (SegmentOps.isTombstone(r) || SegmentOps.version(r) >= version)) {
                SegmentOps.count(s, STALE_REFUSED_OFFSET);
                return false;
            }
            write(s, pos, hash, key, value, version, ttlMillis, expiresAtMillis);
            SegmentOps.count(s, PUTS_OFFSET);
            return true;
        });
    }

    /**
     * Replaces the value of {@code key} only if the table holds an older version of it (not a
     * tombstone, which is final): refreshes what this host already caches, without caching a key
     * it does not.
     *
     * @return true if replaced
     */
    public boolean replaceIfNewer(byte[] key, byte[] value, long version, Duration ttl, long expiresAtMillis) {
        checkEntry(key, value);
        long ttlMillis = ttlMillis(ttl);
        long hash = ops.hash(key);
        return locked(hash, s -> {
            int pos = ops.find(s, key, hash);
            long r = pos < 0 ? 0 : unexpiredRecord(s, pos);
            if (r == 0 || SegmentOps.isTombstone(r) || SegmentOps.version(r) >= version) {
                return false;
            }
            write(s, pos, hash, key, value, version, ttlMillis, expiresAtMillis);
            SegmentOps.count(s, PUTS_OFFSET);
            return true;
        });
    }

    /**
     * Writes a tombstone of {@code key}: it replaces a value of any version (the deleter's clock
     * may not have seen the write it removes), and until it expires it refuses every
     * {@link #putIfNewer} and {@link #replaceIfNewer} of the key, whatever their version. Over a
     * tombstone already held it keeps the newer version and the later expiry. Only
     * {@link #put}, {@link #remove} and expiry remove a tombstone.
     *
     * @param tombstoneTtl how long the tombstone is kept; {@code null} or zero for as long as
     *                     the LRU keeps it
     * @return true if a live value was removed
     */
    public boolean tombstone(byte[] key, long version, Duration tombstoneTtl) {
        checkKey(key);
        long ttlMillis = ttlMillis(tombstoneTtl);
        long hash = ops.hash(key);
        return locked(hash, s -> {
            int pos = ops.find(s, key, hash);
            long r = pos < 0 ? 0 : unexpiredRecord(s, pos);
            long v = version;
            long ttl = ttlMillis;
            long expiresAt = ttlMillis == 0 ? 0 : clock.getAsLong() + ttlMillis;
            if (r != 0 && SegmentOps.isTombstone(r)) {
                v = Math.max(v, SegmentOps.version(r));
                long held = SegmentOps.expiresAt(r);
                if (held == 0 || (expiresAt != 0 && held > expiresAt)) {
                    expiresAt = held;
                    ttl = SegmentOps.ttlMillis(r);
                }
            }
            write(s, pos, hash, key, null, v, ttl, expiresAt);
            SegmentOps.count(s, REMOVES_OFFSET);
            return r != 0 && !SegmentOps.isTombstone(r);
        });
    }

    /**
     * Removes the value of {@code key} if it is exactly {@code version} (a write this process
     * made and now takes back), leaving no tombstone. @return true if removed
     */
    public boolean removeVersion(byte[] key, long version) {
        checkKey(key);
        long hash = ops.hash(key);
        return locked(hash, s -> {
            int pos = ops.find(s, key, hash);
            long r = pos < 0 ? 0 : unexpiredRecord(s, pos);
            if (r == 0 || SegmentOps.isTombstone(r) || SegmentOps.version(r) != version) {
                return false;
            }
            ops.removeAt(s, pos);
            SegmentOps.count(s, REMOVES_OFFSET);
            return true;
        });
    }

    /** Removes {@code key} and any tombstone of it. @return true if a live entry was removed */
    public boolean remove(byte[] key) {
        checkKey(key);
        long hash = ops.hash(key);
        return locked(hash, s -> {
            int pos = ops.find(s, key, hash);
            if (pos < 0) {
                return false;
            }
            long r = ops.record(s, slotRecordChecked(s, pos));
            boolean live = !SegmentOps.isTombstone(r) && !isExpired(r);
            ops.removeAt(s, pos);
            SegmentOps.count(s, REMOVES_OFFSET);
            return live;
        });
    }

    public boolean remove(String key) {
        return remove(utf8(key));
    }

    /**
     * Marks {@code key} as used: moves it to the front of its segment's LRU order and slides its
     * expiry by its TTL. @return true if a live entry was touched
     */
    public boolean touch(byte[] key) {
        checkKey(key);
        long hash = ops.hash(key);
        return locked(hash, s -> {
            long now = clock.getAsLong();
            int pos = ops.find(s, key, hash);
            long r = pos < 0 ? 0 : liveRecordAt(s, pos, now);
            if (r == 0 || SegmentOps.isTombstone(r)) {
                return false;
            }
            ops.moveToHead(s, slotRecord(ops.readSlot(s, pos)), now);
            SegmentOps.touch(r, now);
            return true;
        });
    }

    public boolean touch(String key) {
        return touch(utf8(key));
    }

    /** Frees every expired entry (reporting live ones as {@link RemovalCause#EXPIRED}); returns how many. */
    public int removeExpired() {
        checkOpen();
        int removed = 0;
        for (int segment = 0; segment < settings.segments(); segment++) {
            removed += lockedSegment(segment, s -> {
                long now = clock.getAsLong();
                List<Integer> expired = new ArrayList<>();
                for (int index = ops.lruHead(s); index != NIL; index = ops.lruNext(s, index)) {
                    ops.checkIndex(index);
                    if (SegmentOps.isExpired(ops.record(s, index), now)) {
                        expired.add(index);
                    }
                    if (expired.size() > ops.records) {
                        throw new CorruptSegmentException("LRU list has a cycle");
                    }
                }
                for (int index : expired) {
                    expire(s, index);
                }
                return expired.size();
            });
        }
        return removed;
    }

    /**
     * Removes every live entry, segment by segment, and keeps the tombstones (they only make
     * lookups miss): what a user of the table does when it can no longer vouch for what the
     * table holds. Not reported to the eviction listener. @return how many entries were removed
     */
    public int dropLiveEntries() {
        checkOpen();
        int removed = 0;
        for (int segment = 0; segment < settings.segments(); segment++) {
            removed += lockedSegment(segment, s -> {
                List<Integer> live = new ArrayList<>();
                for (int index = ops.lruHead(s); index != NIL; index = ops.lruNext(s, index)) {
                    ops.checkIndex(index);
                    if (!SegmentOps.isTombstone(ops.record(s, index))) {
                        live.add(index);
                    }
                    if (live.size() > ops.records) {
                        throw new CorruptSegmentException("LRU list has a cycle");
                    }
                }
                for (int index : live) {
                    ops.removeAt(s, ops.slotOf(s, index));
                    SegmentOps.count(s, REMOVES_OFFSET);
                }
                return live.size();
            });
        }
        return removed;
    }

    // ---- freshness word -----------------------------------------------------------------------

    /**
     * Until when, as a {@link System#nanoTime()} of this host, some process vouched that the
     * table's contents are fresh (0 if none ever did). The table does not interpret it; see
     * {@code SPEC.md}, "Freshness word". An acquire load: it sees everything the vouching
     * process wrote to the table before its {@link #extendFreshUntil}.
     */
    public long freshUntilNanos() {
        checkOpen();
        return MEMORY.readVolatileLong(mapping.address() + FileHeaderLayout.FRESH_UNTIL_OFFSET);
    }

    /**
     * Raises the freshness word to {@code nanos} unless it is already later (a CAS loop: a
     * release, paired with {@link #freshUntilNanos}'s acquire).
     */
    public void extendFreshUntil(long nanos) {
        checkOpen();
        long address = mapping.address() + FileHeaderLayout.FRESH_UNTIL_OFFSET;
        long current;
        do {
            current = MEMORY.readVolatileLong(address);
            if (current != 0 && current - nanos >= 0) {
                return;
            }
        } while (!MEMORY.compareAndSwapLong(address, current, nanos));
    }

    // ---- inspection -------------------------------------------------------------------------

    /**
     * Counters summed over all segments, read without locks. Hits and misses include this
     * process's lookups that took no lock; another process's appear once it next takes a lock.
     */
    public ShmLruStats stats() {
        checkOpen();
        long entries = 0;
        long[] sums = new long[8];
        int[] offsets = {HITS_OFFSET, MISSES_OFFSET, PUTS_OFFSET, REMOVES_OFFSET, EVICTIONS_OFFSET,
                EXPIRATIONS_OFFSET, LOCK_RECOVERIES_OFFSET, STALE_REFUSED_OFFSET};
        for (int segment = 0; segment < settings.segments(); segment++) {
            long s = ops.segment(segment);
            entries += SegmentOps.entryCountVolatile(s);
            for (int i = 0; i < offsets.length; i++) {
                sums[i] += SegmentOps.counter(s, offsets[i]);
            }
        }
        sums[0] += unlockedHits.sum(); // this process's, not yet in shared memory
        sums[1] += unlockedMisses.sum();
        return new ShmLruStats(capacity(), entries, sums[0], sums[1], sums[2], sums[3], sums[4], sums[5], sums[6], sums[7]);
    }

    /**
     * Adds this process's hits and misses of lookups that took no lock to the shared counters, so
     * that other processes' {@link #stats()} show them; a lookup that takes the lock, and every
     * write, does the same in passing. Takes one segment's lock when there is something to add,
     * none otherwise: a process that looks up without writing calls it periodically (relays and
     * edges every second at most), so other processes' view trails by at most that period.
     */
    /** Whether the table can be used: open, and its file not truncated under this process. */
    public boolean usable() {
        return !closed && truncatedTo == null;
    }

    public void publishCounters() {
        checkOpen();
        checkSize();
        if (unlockedHits.sum() != 0 || unlockedMisses.sum() != 0) {
            lockedSegment(0, s -> null); // release() adds them
        }
    }

    /**
     * Tombstones the table holds, counted under each segment's lock in turn (a walk of every
     * record: for inspection, not for a hot path). {@link ShmLruStats#entries()} counts them
     * together with the live entries, as they take a record each.
     */
    public long tombstones() {
        checkOpen();
        long tombstones = 0;
        for (int segment = 0; segment < settings.segments(); segment++) {
            tombstones += lockedSegment(segment, s -> {
                int found = 0;
                int seen = 0;
                for (int index = ops.lruHead(s); index != NIL; index = ops.lruNext(s, index)) {
                    ops.checkIndex(index);
                    if (SegmentOps.isTombstone(ops.record(s, index))) {
                        found++;
                    }
                    if (++seen > ops.records) {
                        throw new CorruptSegmentException("LRU list has a cycle");
                    }
                }
                return found;
            });
        }
        return tombstones;
    }

    /**
     * Checks every segment's structure under its lock (taking over and repairing any segment
     * whose lock holder died). Problems found are listed, not repaired.
     */
    public IntegrityReport verify() {
        checkOpen();
        List<String> problems = new ArrayList<>();
        long entries = 0;
        for (int segment = 0; segment < settings.segments(); segment++) {
            int seg = segment;
            long s = ops.segment(segment);
            lock(segment, s);
            try {
                entries += SegmentRepair.verify(ops, s, seg, problems);
            } catch (CorruptSegmentException e) {
                problems.add("segment " + seg + ": " + e.getMessage());
            } finally {
                release(s);
            }
        }
        return new IntegrityReport(settings.segments(), entries, List.copyOf(problems));
    }

    public ShmLruSettings settings() {
        return settings;
    }

    public Path path() {
        return path;
    }

    /** The number of entries the table can hold. */
    public long capacity() {
        return settings.capacity();
    }

    /** Whether this instance created (initialised) the file rather than attaching to it. */
    public boolean created() {
        return created;
    }

    /** Unmaps the file; it stays for the other processes. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            mapping.close();
        }
    }

    /**
     * For each segment, the pid of the process holding its lock, 0 where it is free: a
     * diagnostic (a lock held for long by one pid points at a stopped or dying process).
     */
    public long[] lockHolders() {
        checkOpen();
        long[] pids = new long[settings.segments()];
        for (int segment = 0; segment < pids.length; segment++) {
            pids[segment] = lockOwnerPid(segment);
        }
        return pids;
    }

    /** The pid holding {@code segment}'s lock, or 0 if it is free. */
    long lockOwnerPid(int segment) {
        return OwnerTag.pid(locks.owner(ops.segment(segment) + LOCK_WORD_OFFSET));
    }

    /** The keys of one segment, most recently used first. */
    List<byte[]> keysByRecency(int segment) {
        checkOpen();
        return lockedSegment(segment, s -> {
            List<byte[]> keys = new ArrayList<>();
            for (int index = ops.lruHead(s); index != NIL; index = ops.lruNext(s, index)) {
                ops.checkIndex(index);
                keys.add(ops.key(ops.record(s, index)));
                if (keys.size() > ops.records) {
                    throw new CorruptSegmentException("LRU list has a cycle");
                }
            }
            return keys;
        });
    }

    SegmentOps opsForTest() {
        return ops;
    }

    int segmentOf(byte[] key) {
        return ops.segmentOf(ops.hash(key));
    }

    // ---- internals --------------------------------------------------------------------------

    @FunctionalInterface
    private interface SegmentFunction<R> {
        R apply(long segmentBase);
    }

    private <R> R locked(long hash, SegmentFunction<R> body) {
        checkOpen();
        return lockedSegment(ops.segmentOf(hash), body);
    }

    /**
     * Runs {@code body} under the segment's lock. If the segment turns out to be corrupt, it is
     * repaired under the same lock and {@code body} runs once more; eviction listeners run after
     * the lock is released.
     */
    private <R> R lockedSegment(int segment, SegmentFunction<R> body) {
        try {
            return lockedSegmentUnguarded(segment, body);
        } catch (InternalError fault) {
            throw truncated(fault);
        }
    }

    private <R> R lockedSegmentUnguarded(int segment, SegmentFunction<R> body) {
        long s = ops.segment(segment);
        lock(segment, s);
        try {
            try {
                return body.apply(s);
            } catch (CorruptSegmentException first) {
                repairCorrupt(segment, s, first);
                try {
                    return body.apply(s);
                } catch (CorruptSegmentException second) {
                    throw stillCorrupt(segment, second);
                }
            }
        } finally {
            unlock(s);
        }
    }

    private void repairCorrupt(int segment, long s, CorruptSegmentException found) {
        String account = SegmentRepair.repair(ops, s);
        log.warn("{}: segment {} was inconsistent ({}); repaired it: {}", path, segment, found.getMessage(), account);
    }

    private ShmLruException stillCorrupt(int segment, CorruptSegmentException second) {
        return new ShmLruException(path + ": segment " + segment + " is corrupt and repair did not fix it: "
                + second.getMessage() + "; remove the file and let the managing process recreate it");
    }

    /** Releases the segment's lock, then tells the listener what the operation evicted. */
    private void unlock(long s) {
        release(s);
        if (listener != null) {
            notifyEvictions();
        }
    }

    /**
     * Adds the hits and misses counted without the lock to this segment's counters (the totals
     * are sums over segments, so any segment will do), ends the change, releases the lock.
     */
    private void release(long s) {
        if (unlockedHits.sum() != 0 || unlockedMisses.sum() != 0) {
            SegmentOps.add(s, HITS_OFFSET, unlockedHits.sumThenReset());
            SegmentOps.add(s, MISSES_OFFSET, unlockedMisses.sumThenReset());
        }
        SegmentOps.endWrite(s);
        locks.release(s + LOCK_WORD_OFFSET);
    }

    /** Takes the segment's lock and starts a change (see {@link SegmentOps#beginWrite}), repairing the segment if its holder died. */
    private void lock(int segment, long s) {
        long deadOwner = locks.acquire(s + LOCK_WORD_OFFSET, segment);
        SegmentOps.beginWrite(s);
        if (deadOwner != 0) {
            String account;
            try {
                account = SegmentRepair.repair(ops, s);
            } catch (RuntimeException e) {
                release(s);
                throw new ShmLruException(path + ": segment " + segment + " was left locked by pid "
                        + OwnerTag.pid(deadOwner) + ", which died, and could not be repaired: " + e, e);
            }
            log.warn("{}: segment {} was locked by pid {}, which died; took the lock over after its {} ms lease and "
                            + "repaired the segment: {}", path, segment, OwnerTag.pid(deadOwner),
                    settings.lockLease().toMillis(), account);
        }
    }

    /** Stores a record for key at {@code pos} (found) or into its probe sequence (not found), evicting if full. */
    private void write(long s, int pos, long hash, byte[] key, byte[] value, long version, long ttlMillis, long expiresAtMillis) {
        long now = clock.getAsLong();
        long expiresAt = expiresAtMillis != 0 ? expiresAtMillis : ttlMillis == 0 ? 0 : now + ttlMillis;
        if (pos >= 0) {
            ops.replace(s, pos, hash, key, value, version, expiresAt, ttlMillis, now);
            return;
        }
        if (SegmentOps.entryCount(s) >= ops.capacity) {
            evictTail(s);
            pos = ops.find(s, key, hash); // the eviction's backward shift may have moved the empty slot
        }
        ops.insert(s, -(pos + 1), hash, key, value, version, expiresAt, ttlMillis, now);
    }

    private void evictTail(long s) {
        int tail = ops.lruTail(s);
        ops.checkIndex(tail);
        long r = ops.record(s, tail);
        if (isExpired(r)) {
            expire(s, tail);
            return;
        }
        capture(r, RemovalCause.CAPACITY);
        ops.removeAt(s, ops.slotOf(s, tail));
        SegmentOps.count(s, EVICTIONS_OFFSET);
    }

    private void expire(long s, int index) {
        long r = ops.record(s, index);
        capture(r, RemovalCause.EXPIRED);
        ops.removeAt(s, ops.slotOf(s, index));
        SegmentOps.count(s, EXPIRATIONS_OFFSET);
    }

    /** The record at {@code pos}, or 0 after expiring it if its time ran out. */
    private long liveRecordAt(long s, int pos, long now) {
        int index = slotRecordChecked(s, pos);
        long r = ops.record(s, index);
        if (SegmentOps.isExpired(r, now)) {
            capture(r, RemovalCause.EXPIRED);
            ops.removeAt(s, pos);
            SegmentOps.count(s, EXPIRATIONS_OFFSET);
            return 0;
        }
        return r;
    }

    /** The record at index slot {@code pos}, or 0 if it expired (left for a lookup or the sweep to free). */
    private long unexpiredRecord(long s, int pos) {
        long r = ops.record(s, slotRecordChecked(s, pos));
        return isExpired(r) ? 0 : r;
    }

    private int slotRecordChecked(long s, int pos) {
        return ops.slotRecordChecked(s, ops.readSlot(s, pos));
    }

    private boolean isExpired(long r) {
        long expiresAt = SegmentOps.expiresAt(r);
        return expiresAt != 0 && clock.getAsLong() >= expiresAt;
    }

    private record Evicted(byte[] key, byte[] value, long version, RemovalCause cause) {
    }

    /** Copies a live record for the listener, to be told once the lock is released. */
    private void capture(long r, RemovalCause cause) {
        if (listener != null && !SegmentOps.isTombstone(r)) {
            pendingEvictions.get().add(new Evicted(ops.key(r), ops.value(r), SegmentOps.version(r), cause));
        }
    }

    private void notifyEvictions() {
        ArrayDeque<Evicted> pending = pendingEvictions.get();
        Evicted evicted;
        while ((evicted = pending.poll()) != null) {
            try {
                listener.onEviction(evicted.key(), evicted.value(), evicted.version(), evicted.cause());
            } catch (RuntimeException e) {
                log.warn("{}: eviction listener threw for a {} eviction; the table is unaffected", path, evicted.cause(), e);
            }
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException(path + " is closed");
        }
        String truncation = truncatedTo;
        if (truncation != null) {
            throw new ShmLruException(truncation);
        }
    }

    /**
     * Refuses, from now on, a table whose file another process truncated under this one (reading
     * a page past the file's end raises SIGBUS, which the JVM turns into an {@link InternalError}
     * at the access, or in compiled code at the thread's next call into the VM, which may come
     * after this table's call returned): checked at every {@link #publishCounters} (relays and
     * edges call it about every second) and when an access faults inside a call.
     */
    private void checkSize() {
        long size = fileSize();
        if (size >= 0 && size < mapping.size()) {
            throw truncated(null);
        }
    }

    private long fileSize() {
        try {
            return Files.size(path);
        } catch (IOException e) {
            return -1; // removed (unlinked) files stay mapped and whole: nothing to say
        }
    }

    /** The error for a fault of a table that was truncated; {@code fault} itself if the file is whole (another cause). */
    private RuntimeException truncated(InternalError fault) {
        long size = fileSize();
        if (size < 0 || size >= mapping.size()) {
            if (fault != null) {
                throw fault; // the file is whole: some other fault
            }
            return new IllegalStateException(path + " is whole");
        }
        String message = path + ": another process truncated the table file to " + size + " bytes while this one used it (it needs "
                + mapping.size() + "): this process no longer uses it; stop the processes that share it, remove the file, and start them again";
        if (truncatedTo == null) {
            truncatedTo = message;
            log.error(message);
        }
        return new ShmLruException(message, fault);
    }

    private void checkKey(byte[] key) {
        Objects.requireNonNull(key, "key");
        if (key.length == 0) {
            throw new IllegalArgumentException("key is empty");
        }
        if (key.length > settings.recordSize()) {
            throw new IllegalArgumentException("key length=" + key.length + " exceeds record_size=" + settings.recordSize());
        }
    }

    /** Refuses, naming the sizes, a key and value this table cannot hold as one record (nothing is written). */
    public void checkEntry(byte[] key, byte[] value) {
        checkKey(key);
        Objects.requireNonNull(value, "value");
        if ((long) key.length + value.length > settings.recordSize()) {
            throw new IllegalArgumentException("key length=" + key.length + " + value length=" + value.length + " = "
                    + (key.length + value.length) + " bytes exceeds record_size=" + settings.recordSize());
        }
    }

    private static long ttlMillis(Duration ttl) {
        if (ttl == null || ttl.isZero()) {
            return 0;
        }
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("ttl=" + ttl + " is negative");
        }
        if (ttl.compareTo(Duration.ofMillis(RecordLayout.MAX_TTL_MILLIS)) > 0) {
            throw new IllegalArgumentException("ttl=" + ttl + " exceeds the maximum of "
                    + Duration.ofMillis(RecordLayout.MAX_TTL_MILLIS) + " for a shared-memory entry");
        }
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(ttl.toNanos() + 999_999)); // round up: never expire early
    }

    private static byte[] utf8(String key) {
        return Objects.requireNonNull(key, "key").getBytes(StandardCharsets.UTF_8);
    }
}

package org.globalsessions.shm;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.globalsessions.testkit.ShmDirectory;

/**
 * Long random sequences of every operation on a one-segment table, compared step by step with a
 * model: {@code LinkedHashMap(accessOrder = true)} plus expiry, versions, tombstones and the LRU
 * resolution (a hit within it of the entry's last move to the front leaves the order alone). After
 * each step the return value, the reported evictions, the statistics and the whole LRU order
 * must agree; every few hundred steps the table's structure is verified.
 */
class ShmLruModelTest {

    private static final int CAPACITY = 48;
    private static final int KEYS = 80;
    private static final int STEPS = 40_000;

    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    /** One model entry; {@code value == null} is a tombstone. */
    private record M(String value, long version, long expiresAt, long ttl) {
        boolean expired(long now) {
            return expiresAt != 0 && now >= expiresAt;
        }
    }

    private final AtomicLong now = new AtomicLong(5_000);
    private final LinkedHashMap<String, M> lru = new LinkedHashMap<>(16, 0.75f, true);
    /** The same entries, read without touching the access order. */
    private final Map<String, M> peek = new HashMap<>();
    /** When each key last moved to the front of the order. */
    private final Map<String, Long> usedAt = new HashMap<>();
    private long resolution;
    private final List<String> reported = new ArrayList<>();
    private final List<String> expectedReports = new ArrayList<>();
    private long hits, misses, evictions, expirations, puts, stale;

    /** Resolution 0 is exact LRU (every hit moves the entry, under the lock); the others mix moved and unmoved hits. */
    @ParameterizedTest(name = "seed {0}, LRU resolution {1} ms")
    @CsvSource({"1, 0", "2, 0", "3, 0", "42, 0", "1234567, 0", "1, 10", "2, 10", "42, 10", "7, 25"})
    void tableBehavesLikeAnAccessOrderedLinkedHashMap(long seed, long resolutionMillis) {
        resolution = resolutionMillis;
        Random random = new Random(seed);
        ShmLruSettings settings = ShmLruSettings.builder().elCount(CAPACITY).recordSize(48).segments(1).seed(seed).build();
        ShmLruOptions options = ShmLruOptions.DEFAULTS.withClock(now::get).withLruResolution(Duration.ofMillis(resolutionMillis))
                .withEvictionListener((k, v, version, cause) -> reported.add(new String(k, UTF_8) + "=" + new String(v, UTF_8) + "@" + version + ":" + cause));
        try (ShmLru table = ShmLru.create(shm.file("model.lru"), settings, options)) {
            for (int step = 0; step < STEPS; step++) {
                String key = "key-" + random.nextInt(KEYS);
                byte[] k = key.getBytes(UTF_8);
                String value = "v" + step;
                long ttl = random.nextInt(4) == 0 ? 1 + random.nextInt(60) : 0;
                Duration ttlDuration = ttl == 0 ? null : Duration.ofMillis(ttl);
                int op = random.nextInt(100);
                String what = "step " + step + " seed " + seed + " op " + op + " key " + key;
                if (op < 30) {
                    assertEquals(modelGet(key), string(table.get(k)), what);
                } else if (op < 50) {
                    assertEquals(modelPut(key, value, ttl), table.put(k, bytes(value), ttlDuration), what);
                } else if (op < 58) {
                    long version = random.nextInt(40);
                    assertEquals(modelPutIfNewer(key, value, version, ttl), table.putIfNewer(k, bytes(value), version, ttlDuration), what);
                } else if (op < 64) {
                    long version = random.nextInt(40);
                    assertEquals(modelTombstone(key, version, ttl), table.tombstone(k, version, ttlDuration), what);
                } else if (op < 66) {
                    long version = random.nextInt(40);
                    assertEquals(modelRemoveVersion(key, version), table.removeVersion(k, version), what);
                } else if (op < 70) {
                    assertEquals(modelRemove(key), table.remove(k), what);
                } else if (op < 78) {
                    assertEquals(modelTouch(key), table.touch(k), what);
                } else if (op < 84) {
                    assertEquals(modelGetEntry(key), describe(table.getEntry(k)), what);
                } else if (op < 98) {
                    now.addAndGet(random.nextInt(8));
                } else {
                    assertEquals(modelRemoveExpired(), table.removeExpired(), what);
                }
                assertEquals(expectedReports, reported, what);
                assertEquals(modelOrder(), tableOrder(table), what + ": LRU order");
                ShmLruStats stats = table.stats();
                assertEquals(List.of(hits, misses, evictions, expirations, puts, stale, (long) lru.size()),
                        List.of(stats.hits(), stats.misses(), stats.evictions(), stats.expirations(), stats.puts(),
                                stats.staleRefused(), stats.entries()), what + ": stats");
                if (step % 500 == 0) {
                    IntegrityReport report = table.verify();
                    assertTrue(report.ok(), what + ": " + report.problems());
                }
            }
        }
    }

    // ---- the model ----------------------------------------------------------------------------

    private String modelGet(String key) {
        M e = live(key);
        if (e == null || e.value() == null) {
            misses++;
            return null;
        }
        use(key, false);
        hits++;
        return e.value();
    }

    private String modelGetEntry(String key) {
        M e = live(key);
        if (e == null || e.value() == null) {
            misses++;
            return e == null ? null : "tombstone@" + e.version() + "/" + e.expiresAt();
        }
        use(key, false);
        hits++;
        return e.value() + "@" + e.version() + "/" + e.expiresAt();
    }

    private long modelPut(String key, String value, long ttl) {
        M e = peek.get(key);
        long version = e == null ? 1 : e.version() + 1;
        write(key, value, version, ttl);
        puts++;
        return version;
    }

    private boolean modelPutIfNewer(String key, String value, long version, long ttl) {
        M e = peek.get(key);
        if (e != null && !e.expired(now.get()) && (e.value() == null || e.version() >= version)) {
            stale++;
            return false;
        }
        write(key, value, version, ttl);
        puts++;
        return true;
    }

    /** A tombstone replaces any value; over a live tombstone it keeps the newer version and the later expiry. */
    private boolean modelTombstone(String key, long version, long ttl) {
        M e = peek.get(key);
        boolean live = e != null && !e.expired(now.get());
        long expiresAt = ttl == 0 ? 0 : now.get() + ttl;
        long keptTtl = ttl;
        if (live && e.value() == null) {
            version = Math.max(version, e.version());
            if (e.expiresAt() == 0 || (expiresAt != 0 && e.expiresAt() > expiresAt)) {
                expiresAt = e.expiresAt();
                keptTtl = e.ttl();
            }
        }
        write(key, null, version, keptTtl, expiresAt);
        return live && e.value() != null;
    }

    private boolean modelRemoveVersion(String key, long version) {
        M e = peek.get(key);
        if (e == null || e.expired(now.get()) || e.value() == null || e.version() != version) {
            return false;
        }
        peek.remove(key);
        lru.remove(key);
        return true;
    }

    private boolean modelRemove(String key) {
        M e = peek.remove(key);
        if (e == null) {
            return false;
        }
        lru.remove(key);
        return e.value() != null && !e.expired(now.get());
    }

    private boolean modelTouch(String key) {
        M e = live(key);
        if (e == null || e.value() == null) {
            return false;
        }
        use(key, true);
        if (e.ttl() != 0) {
            M touched = new M(e.value(), e.version(), now.get() + e.ttl(), e.ttl());
            lru.put(key, touched); // an update of an existing key keeps its (just refreshed) position
            peek.put(key, touched);
        }
        return true;
    }

    /** A hit or touch: moves {@code key} to the front unless a hit finds it moved there within the resolution. */
    private void use(String key, boolean touch) {
        if (touch || now.get() - usedAt.get(key) >= resolution) {
            lru.get(key);
            usedAt.put(key, now.get());
        }
    }

    private int modelRemoveExpired() {
        int removed = 0;
        for (String key : modelOrderMostRecentFirst()) {
            M e = peek.get(key);
            if (e.expired(now.get())) {
                drop(key, e, "EXPIRED");
                expirations++;
                removed++;
            }
        }
        return removed;
    }

    /** The entry if present and not expired; an expired one is dropped and reported. */
    private M live(String key) {
        M e = peek.get(key);
        if (e != null && e.expired(now.get())) {
            drop(key, e, "EXPIRED");
            expirations++;
            return null;
        }
        return e;
    }

    /** A replacement or insert: the written entry becomes the most recently used. */
    private void write(String key, String value, long version, long ttl) {
        write(key, value, version, ttl, ttl == 0 ? 0 : now.get() + ttl);
    }

    private void write(String key, String value, long version, long ttl, long expiresAt) {
        M entry = new M(value, version, expiresAt, ttl);
        if (peek.containsKey(key)) {
            lru.remove(key);
        } else if (lru.size() == CAPACITY) {
            Iterator<Map.Entry<String, M>> eldest = lru.entrySet().iterator();
            Map.Entry<String, M> victim = eldest.next();
            boolean expired = victim.getValue().expired(now.get());
            drop(victim.getKey(), victim.getValue(), expired ? "EXPIRED" : "CAPACITY");
            if (expired) {
                expirations++;
            } else {
                evictions++;
            }
        }
        lru.put(key, entry);
        peek.put(key, entry);
        usedAt.put(key, now.get());
    }

    private void drop(String key, M e, String cause) {
        lru.remove(key);
        peek.remove(key);
        if (e.value() != null) {
            expectedReports.add(key + "=" + e.value() + "@" + e.version() + ":" + cause);
        }
    }

    private List<String> modelOrder() {
        return modelOrderMostRecentFirst();
    }

    private List<String> modelOrderMostRecentFirst() {
        List<String> order = new ArrayList<>(lru.keySet());
        java.util.Collections.reverse(order);
        return order;
    }

    private static List<String> tableOrder(ShmLru table) {
        List<String> order = new ArrayList<>();
        for (byte[] key : table.keysByRecency(0)) {
            order.add(new String(key, UTF_8));
        }
        return order;
    }

    private static String describe(Entry e) {
        if (e == null) {
            return null;
        }
        return (e.tombstone() ? "tombstone" : new String(e.value(), UTF_8)) + "@" + e.version() + "/" + e.expiresAtMillis();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    private static String string(byte[] b) {
        return b == null ? null : new String(b, UTF_8);
    }
}

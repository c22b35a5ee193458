package org.globalsessions.bench.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import net.openhft.chronicle.map.ChronicleMap;

import org.globalsessions.bench.BenchBase;
import org.globalsessions.bench.BenchFiles;
import org.globalsessions.bench.ChronicleMapBench;

/**
 * The in-process peers of the L1 path, configured as in the JMH suite ({@link ChronicleMapBench},
 * {@code CaffeineBench}): Chronicle Map persisted in /dev/shm read with {@code getUsing} into a
 * per-connection array (no allocation), and Caffeine bounded to the key space.
 */
final class LocalTargets {

    private LocalTargets() {
    }

    /** A Chronicle Map of {@code keys.length} entries holding every key; its file is removed on close. */
    static Target chronicleMap(String[] keys, byte[][] values) {
        Path path = BenchFiles.fresh("e2e-chroniclemap", keys.length, "cm3");
        ChronicleMap<String, byte[]> map;
        try {
            map = ChronicleMapBench.create(path, keys.length, keys[0], true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (int i = 0; i < keys.length; i++) {
            map.put(keys[i], values[i % values.length]);
        }
        return new Target() {
            @Override
            public Connection connect() {
                byte[] using = new byte[BenchBase.VALUE_SIZE];
                return new Connection() {
                    @Override
                    public String get(String key) {
                        return map.getUsing(key, using) != null ? "hit" : MISS;
                    }

                    @Override
                    public void set(String key, byte[] value) {
                        map.put(key, value);
                    }
                };
            }

            @Override
            public void close() {
                try {
                    map.close();
                } finally {
                    BenchFiles.delete(path);
                }
            }
        };
    }

    /** A Caffeine cache bounded to {@code keys.length} entries, holding every key (a distinct array per entry). */
    static Target caffeine(String[] keys, byte[][] values) {
        Cache<String, byte[]> cache = Caffeine.newBuilder().maximumSize(keys.length).build();
        for (int i = 0; i < keys.length; i++) {
            cache.put(keys[i], values[i % values.length].clone());
        }
        cache.cleanUp();
        Target.Connection connection = new Target.Connection() {
            @Override
            public String get(String key) {
                return cache.getIfPresent(key) != null ? "hit" : Target.MISS;
            }

            @Override
            public void set(String key, byte[] value) {
                cache.put(key, value);
            }
        };
        return new Target() {
            @Override
            public Connection connect() {
                return connection;
            }

            @Override
            public void close() {
                cache.invalidateAll();
            }
        };
    }
}

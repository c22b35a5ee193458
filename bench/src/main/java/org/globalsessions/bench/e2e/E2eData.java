package org.globalsessions.bench.e2e;

import org.globalsessions.bench.BenchBase;
import org.globalsessions.bench.Keys;

/**
 * The data every system gets: session ids from {@link Keys#sessionIds} with one seed (so the
 * first {@code n} ids of a larger key space are the ids of the smaller one, and child JVMs
 * regenerate the same ids from the seed) and {@value BenchBase#PUT_VALUES} random
 * {@value BenchBase#VALUE_SIZE}-byte values, used round robin.
 */
final class E2eData {

    static final long SEED = 0xE2E_5E55L;

    private E2eData() {
    }

    static String[] keys(int count) {
        return Keys.sessionIds(SEED, count);
    }

    static byte[][] values() {
        return Keys.values(SEED + 1, BenchBase.PUT_VALUES, BenchBase.VALUE_SIZE);
    }
}

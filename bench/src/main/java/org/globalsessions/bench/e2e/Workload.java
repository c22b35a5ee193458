package org.globalsessions.bench.e2e;

import java.util.SplittableRandom;
import java.util.function.IntSupplier;

/**
 * What the clients of one cell do: which keys ({@code keys} session ids, chosen with
 * {@code popularity}) and how often they read ({@code readPercent}; the rest are writes). The
 * same workload drives every system, so the same key indices, the same values and the same
 * read/write sequence per thread seed reach Redis and global-sessions.
 */
record Workload(int keys, int readPercent, Popularity popularity) {

    /** The Zipf exponent: close to 1, as web session popularity is usually modelled. */
    static final double ZIPF_EXPONENT = 0.99;

    enum Popularity {
        /** Every key equally likely. */
        UNIFORM,
        /** Key {@code i} (0-based) drawn with probability proportional to {@code 1 / (i + 1)^0.99}. */
        ZIPF;

        String label() {
            return this == ZIPF ? "zipf " + ZIPF_EXPONENT : "uniform";
        }
    }

    Workload {
        if (keys < 1) {
            throw new IllegalArgumentException("keys=" + keys + " must be at least 1");
        }
        if (readPercent < 0 || readPercent > 100) {
            throw new IllegalArgumentException("readPercent=" + readPercent + " must be between 0 and 100");
        }
    }

    /** A source of key indices in {@code [0, keys)} for one client thread. */
    IntSupplier keyChooser(SplittableRandom random) {
        if (popularity == Popularity.UNIFORM) {
            return () -> random.nextInt(keys);
        }
        Zipf zipf = new Zipf(keys, ZIPF_EXPONENT, random);
        return () -> (int) (zipf.next() - 1);
    }

    /** "95/5" style. */
    String mix() {
        return readPercent + "/" + (100 - readPercent);
    }
}

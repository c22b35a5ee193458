package org.globalsessions.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.function.IntSupplier;

import org.junit.jupiter.api.Test;

class ZipfTest {

    @Test
    void frequenciesFollowTheZipfLaw() {
        int n = 1_000;
        int samples = 2_000_000;
        double s = Workload.ZIPF_EXPONENT;
        IntSupplier chooser = new Workload(n, 100, Workload.Popularity.ZIPF).keyChooser(new SplittableRandom(42));
        long[] counts = new long[n];
        for (int i = 0; i < samples; i++) {
            counts[chooser.getAsInt()]++;
        }
        double norm = 0;
        for (int k = 1; k <= n; k++) {
            norm += Math.pow(k, -s);
        }
        for (int rank : new int[] {1, 2, 10, 100, 1_000}) {
            double expected = samples * Math.pow(rank, -s) / norm;
            double observed = counts[rank - 1];
            assertEquals(expected, observed, 5 * Math.sqrt(expected) + 0.01 * expected, "rank " + rank);
        }
    }

    @Test
    void uniformStaysInRangeAndCoversIt() {
        int n = 100;
        IntSupplier chooser = new Workload(n, 50, Workload.Popularity.UNIFORM).keyChooser(new SplittableRandom(7));
        boolean[] seen = new boolean[n];
        for (int i = 0; i < 10_000; i++) {
            seen[chooser.getAsInt()] = true;
        }
        for (boolean s : seen) {
            assertTrue(s);
        }
    }

    @Test
    void aKeySpaceOfOneAlwaysGivesTheOnlyKey() {
        IntSupplier chooser = new Workload(1, 100, Workload.Popularity.ZIPF).keyChooser(new SplittableRandom(1));
        for (int i = 0; i < 1_000; i++) {
            assertEquals(0, chooser.getAsInt());
        }
    }
}

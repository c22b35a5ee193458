package org.globalsessions.bench.e2e;

import java.util.SplittableRandom;

/**
 * Zipf-distributed ranks {@code 1..n}: rank {@code k} is drawn with probability proportional to
 * {@code 1 / k^s}. Rejection-inversion sampling (W. Hörmann and G. Derflinger, "Rejection-inversion
 * to generate variates from monotone discrete distributions", 1996), the algorithm Apache Commons
 * Math uses: O(1) time and memory per sample whatever {@code n}, so a key space of 10^6 needs no
 * table of cumulative weights; about 1.1 uniform draws per sample for {@code s} near 1.
 *
 * <p>Not thread-safe: each client thread owns one, with its own random source.
 */
public final class Zipf {

    private final long n;
    private final double s;
    private final double hIntegralX1;
    private final double hIntegralN;
    private final double squeeze;
    private final SplittableRandom random;

    public Zipf(long n, double exponent, SplittableRandom random) {
        if (n < 1) {
            throw new IllegalArgumentException("n=" + n + " must be at least 1");
        }
        if (!(exponent > 0)) {
            throw new IllegalArgumentException("exponent=" + exponent + " must be positive");
        }
        this.n = n;
        this.s = exponent;
        this.random = random;
        this.hIntegralX1 = hIntegral(1.5) - 1.0;
        this.hIntegralN = hIntegral(n + 0.5);
        this.squeeze = 2 - hIntegralInverse(hIntegral(2.5) - h(2));
    }

    /** The next rank, between 1 and n. */
    public long next() {
        while (true) {
            double u = hIntegralN + random.nextDouble() * (hIntegralX1 - hIntegralN);
            double x = hIntegralInverse(u);
            long k = Math.max(1, Math.min(n, (long) (x + 0.5)));
            if (k - x <= squeeze || u >= hIntegral(k + 0.5) - h(k)) {
                return k;
            }
        }
    }

    /** {@code h(x) = x^-s}, the unnormalised weight. */
    private double h(double x) {
        return Math.exp(-s * Math.log(x));
    }

    /** {@code H(x) = (x^(1-s) - 1) / (1 - s)}, an integral of h, continuous through s = 1 (where it is log x). */
    private double hIntegral(double x) {
        double logX = Math.log(x);
        return expm1OverX((1 - s) * logX) * logX;
    }

    private double hIntegralInverse(double x) {
        double t = Math.max(-1, x * (1 - s));
        return Math.exp(log1pOverX(t) * x);
    }

    /** {@code log(1 + x) / x}, with its Taylor series near 0. */
    private static double log1pOverX(double x) {
        return Math.abs(x) > 1e-8 ? Math.log1p(x) / x : 1 - x * (0.5 - x * (1.0 / 3 - 0.25 * x));
    }

    /** {@code (e^x - 1) / x}, with its Taylor series near 0. */
    private static double expm1OverX(double x) {
        return Math.abs(x) > 1e-8 ? Math.expm1(x) / x : 1 + x * 0.5 * (1 + x / 3 * (1 + 0.25 * x));
    }
}

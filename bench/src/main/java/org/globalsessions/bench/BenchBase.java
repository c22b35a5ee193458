package org.globalsessions.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Settings shared by every JMH benchmark here (JMH annotations are inherited): average time per
 * operation in ns, one fork that gets the Chronicle JVM flags, and short bounded iterations.
 * The thread count is not fixed here: run with {@code -t 1} and {@code -t 2} (run-shm-bench.sh
 * does both); the command line also overrides the iteration settings.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {
        ChronicleFlags.OPENS_LANG, ChronicleFlags.OPENS_REFLECT, ChronicleFlags.EXPORTS_NIO_CH,
        ChronicleFlags.EXPORTS_REF, ChronicleFlags.EXPORTS_JAVAC_FILE, ChronicleFlags.NO_ANALYTICS})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public abstract class BenchBase {

    /** Key length: a session id, the hex form of 16 random bytes. */
    public static final int KEY_SIZE = 32;
    /** Value length for every store. */
    public static final int VALUE_SIZE = 384;
    /** shm-lru record size: key + value. */
    public static final int RECORD_SIZE = KEY_SIZE + VALUE_SIZE;
    /** How many distinct value arrays the put benchmarks cycle through. */
    public static final int PUT_VALUES = 16;
    static final long SEED = 0x5E55_1011_D5L;

    /**
     * Per-thread position in the key arrays: the only per-operation cost besides the store is an
     * increment and a compare.
     */
    static final class Cursor {
        private final int length;
        private final int step;
        private int position;

        /** Walks {@code 0..length-1} cyclically, starting at an offset that spreads threads apart. */
        static Cursor walk(int length, int threadIndex, int threadCount) {
            return new Cursor(length, 1, (int) ((long) length * threadIndex / threadCount));
        }

        /**
         * Walks the positions {@code start, start + threads, ...} cyclically in {@code 0..length-1}:
         * with {@code length} a multiple of {@code threads}, each thread owns one residue class.
         */
        static Cursor strided(int length, int start, int threadCount) {
            if (length % threadCount != 0) {
                throw new IllegalArgumentException("length " + length + " is not a multiple of threads " + threadCount);
            }
            return new Cursor(length, threadCount, start % length);
        }

        private Cursor(int length, int step, int position) {
            this.length = length;
            this.step = step;
            this.position = position;
        }

        int next() {
            int p = position;
            int n = p + step;
            position = n >= length ? n - length : n;
            return p;
        }
    }
}

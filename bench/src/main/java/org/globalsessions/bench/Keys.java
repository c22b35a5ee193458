package org.globalsessions.bench;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/** Deterministic test data: 32-character hex session ids and 384-byte values. */
public final class Keys {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Keys() {
    }

    /** {@code count} distinct-with-overwhelming-probability session ids: hex of 16 random bytes. */
    public static String[] sessionIds(long seed, int count) {
        SplittableRandom random = new SplittableRandom(seed);
        String[] ids = new String[count];
        char[] buffer = new char[BenchBase.KEY_SIZE];
        for (int i = 0; i < count; i++) {
            long a = random.nextLong();
            long b = random.nextLong();
            for (int j = 0; j < 16; j++) {
                buffer[j] = HEX[(int) (a >>> (60 - 4 * j)) & 0xF];
                buffer[16 + j] = HEX[(int) (b >>> (60 - 4 * j)) & 0xF];
            }
            ids[i] = new String(buffer);
        }
        return ids;
    }

    public static byte[][] utf8(String[] keys) {
        byte[][] bytes = new byte[keys.length][];
        for (int i = 0; i < keys.length; i++) {
            bytes[i] = keys[i].getBytes(StandardCharsets.UTF_8);
        }
        return bytes;
    }

    /** A random permutation of {@code 0..count-1}. */
    public static int[] permutation(long seed, int count) {
        int[] order = new int[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = count - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** {@code source} reordered by a random permutation (the same objects, in another order). */
    public static <T> T[] shuffled(T[] source, int count, long seed) {
        T[] copy = java.util.Arrays.copyOf(source, count);
        int[] order = permutation(seed, count);
        for (int i = 0; i < count; i++) {
            copy[i] = source[order[i]];
        }
        return copy;
    }

    /** {@code count} random values of {@code size} bytes. */
    public static byte[][] values(long seed, int count, int size) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[][] values = new byte[count][size];
        for (byte[] value : values) {
            for (int i = 0; i < size; i++) {
                value[i] = (byte) random.nextInt(256);
            }
        }
        return values;
    }
}

package org.globalsessions.shm;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Values that prove themselves whole: {@code [seq:8][keyLength:2][key][padding][crc32c:4]},
 * where the CRC covers everything before it. A torn value or another key's value fails
 * {@link #check}.
 */
final class CheckedValues {

    private CheckedValues() {
    }

    static byte[] encode(byte[] key, long seq, int padding) {
        ByteBuffer b = ByteBuffer.allocate(8 + 2 + key.length + padding + 4);
        b.putLong(seq).putShort((short) key.length).put(key);
        for (int i = 0; i < padding; i++) {
            b.put((byte) (seq + i));
        }
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        return b.array();
    }

    /** The sequence number in {@code value}, after checking it is whole and belongs to {@code key}. */
    static long check(byte[] key, byte[] value) {
        if (value.length < 14) {
            throw new AssertionError("value of " + value.length + " bytes is too short for key " + text(key));
        }
        ByteBuffer b = ByteBuffer.wrap(value);
        CRC32C crc = new CRC32C();
        crc.update(value, 0, value.length - 4);
        if ((int) crc.getValue() != b.getInt(value.length - 4)) {
            throw new AssertionError("torn value for key " + text(key) + ": checksum mismatch");
        }
        long seq = b.getLong();
        int keyLength = b.getShort();
        byte[] stored = Arrays.copyOfRange(value, 10, 10 + keyLength);
        if (!Arrays.equals(stored, key)) {
            throw new AssertionError("value for key " + text(key) + " belongs to key " + text(stored));
        }
        return seq;
    }

    private static String text(byte[] key) {
        return new String(key, StandardCharsets.UTF_8);
    }
}

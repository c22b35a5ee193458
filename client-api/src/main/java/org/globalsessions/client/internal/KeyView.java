package org.globalsessions.client.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * A session key's UTF-8 bytes for a lookup, without encoding or copying them: a key of printable
 * ASCII (every character from {@code !} to {@code ~}, which a session id is) is held by its
 * {@code String} as one byte per character, and those bytes are its UTF-8 encoding. The string's
 * own array is returned, to be read and never written or kept: a table lookup reads its key and
 * keeps nothing. Checking the bytes eight at a time costs a few nanoseconds; encoding a key of
 * 32 characters one by one, about 30.
 *
 * <p>The string's fields are read where {@code java.base/java.lang} is open to this code: the
 * Chronicle libraries the tables use need it open (the {@code --add-opens} of
 * {@code docs/operations.md}). Where it is not, or strings are not compact
 * ({@code -XX:-CompactStrings}), {@link #printableAscii} answers null and the caller encodes.
 */
final class KeyView {

    private static final VarHandle CODER;
    private static final VarHandle VALUE;
    private static final byte LATIN1 = 0;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101_0101_0101_0101L;
    private static final long HIGH_BITS = 0x8080_8080_8080_8080L;

    static {
        VarHandle coder = null;
        VarHandle value = null;
        try {
            MethodHandles.Lookup strings = MethodHandles.privateLookupIn(String.class, MethodHandles.lookup());
            coder = strings.findVarHandle(String.class, "coder", byte.class);
            value = strings.findVarHandle(String.class, "value", byte[].class);
            if ((byte) coder.get("a") != LATIN1 || ((byte[]) value.get("a")).length != 1) {
                coder = null; // strings are not compact, or not laid out as this expects
            }
        } catch (ReflectiveOperationException | RuntimeException notOpen) {
            coder = null;
        }
        CODER = coder;
        VALUE = value;
    }

    private KeyView() {
    }

    /**
     * {@code key}'s own bytes if it has 1 to {@code maxBytes} characters, all printable ASCII;
     * null otherwise (or where strings cannot be viewed): then the key must be checked and
     * encoded. The array must not be written.
     */
    static byte[] printableAscii(String key, int maxBytes) {
        if (CODER == null || (byte) CODER.get(key) != LATIN1) {
            return null;
        }
        byte[] bytes = (byte[]) VALUE.get(key);
        int n = bytes.length;
        return n > 0 && n <= maxBytes && n == key.length() && printableAscii(bytes) ? bytes : null;
    }

    /** Whether every byte is from 0x21 ({@code !}) to 0x7e ({@code ~}): no space, control or non-ASCII byte. */
    static boolean printableAscii(byte[] bytes) {
        int n = bytes.length;
        int i = 0;
        for (; i + Long.BYTES <= n; i += Long.BYTES) {
            long w = (long) LONGS.get(bytes, i);
            // A byte below 0x21 borrows into its high bit where it had none; one above 0x7e has its high
            // bit set once 1 is added, or already. A borrow or carry starts only at such a byte, so
            // whether any high bit is set is exact, though which may not be.
            if (((((w - 0x21 * ONES) & ~w) | (w + ONES) | w) & HIGH_BITS) != 0) {
                return false;
            }
        }
        for (; i < n; i++) {
            byte b = bytes[i];
            if (b < 0x21 || b > 0x7e) { // bytes of 0x80 and above are negative
                return false;
            }
        }
        return true;
    }
}

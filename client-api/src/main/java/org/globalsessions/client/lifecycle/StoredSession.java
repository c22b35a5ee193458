package org.globalsessions.client.lifecycle;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * What the bytes stored under a session id are, for the lifecycle layer: a session record, the
 * marker an id rotation leaves on the old id ({@link Moved}), or the new id's record while its
 * rotation is under way ({@link Pending}). See {@link SessionLifecycle#rotate}.
 * <pre>
 *   Moved:   'G' 'S' 'M' | v1 | new id (UTF-8, the rest)
 *   Pending: 'G' 'S' 'P' | v1 | old id length (u16) | old id (UTF-8) | the record ({@link SessionRecordCodec})
 * </pre>
 */
sealed interface StoredSession {

    /** A session record: the session. */
    record Plain(SessionRecord record) implements StoredSession {
    }

    /** The old id of a rotation that committed: no session; the session is {@code to}. */
    record Moved(String to) implements StoredSession {
    }

    /** The new id of a rotation from {@code from}: the session only once {@code from} is {@link Moved} to it. */
    record Pending(String from, SessionRecord record) implements StoredSession {
    }

    byte FORMAT = 1;
    byte[] MOVED = {'G', 'S', 'M'};
    byte[] PENDING = {'G', 'S', 'P'};

    static byte[] moved(String to) {
        byte[] id = to.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(4 + id.length).put(MOVED).put(FORMAT).put(id).array();
    }

    static byte[] pending(String from, SessionRecord record) {
        byte[] id = from.getBytes(StandardCharsets.UTF_8);
        byte[] encoded = SessionRecordCodec.encode(record);
        return ByteBuffer.allocate(6 + id.length + encoded.length).put(PENDING).put(FORMAT).putShort((short) id.length).put(id)
                .put(encoded).array();
    }

    /**
     * What {@code bytes} are.
     *
     * @throws IllegalArgumentException naming what is wrong, if they are none of the three
     */
    static StoredSession decode(byte[] bytes) {
        if (startsWith(bytes, MOVED)) {
            return new Moved(new String(bytes, 4, bytes.length - 4, StandardCharsets.UTF_8));
        }
        if (startsWith(bytes, PENDING)) {
            if (bytes.length < 6) {
                throw new IllegalArgumentException("session record (" + bytes.length + " bytes) is a rotation's new id cut short");
            }
            ByteBuffer in = ByteBuffer.wrap(bytes, 4, bytes.length - 4);
            int length = in.getShort() & 0xFFFF;
            if (length > in.remaining()) {
                throw new IllegalArgumentException("session record (" + bytes.length + " bytes) names an old id of " + length
                        + " bytes; " + in.remaining() + " are left");
            }
            String from = new String(bytes, 6, length, StandardCharsets.UTF_8);
            byte[] record = new byte[bytes.length - 6 - length];
            System.arraycopy(bytes, 6 + length, record, 0, record.length);
            return new Pending(from, SessionRecordCodec.decode(record));
        }
        return new Plain(SessionRecordCodec.decode(bytes));
    }

    private static boolean startsWith(byte[] bytes, byte[] magic) {
        if (bytes.length < magic.length + 1) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if (bytes[i] != magic[i]) {
                return false;
            }
        }
        if (bytes[magic.length] != FORMAT) {
            throw new IllegalArgumentException("session record (" + bytes.length + " bytes) has rotation format " + bytes[magic.length]
                    + "; this reader knows " + FORMAT);
        }
        return true;
    }
}
